"""Figures of the ``gradient-scale`` lesson: one optimizer's paths at every scale, the path
differences as bars, and the path difference against the scale.

Free of the lesson's constants (the grading thresholds are passed in) so that the lesson
module can import it without a cycle.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import LABEL, LEGEND, TITLE, fmt, new_figure, style
from optcompare.plotting.restyle import show_dashes
from optcompare.plotting.style import fit_title

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from optcompare.experiments.records import Result
    from optcompare.problem import Problem

__all__ = ["paths_figure", "plot_ratios", "plot_scaled_paths", "plot_sweep", "scale_text"]


def scale_text(s: float) -> str:
    """A scale as the lesson writes it: "1", "0.001", "1e-08" (the keys of its numbers)."""
    return "1" if s == 1 else f"{s:g}"


def plot_scaled_paths(runs: dict[float, Any], problem: Problem, ax: Axes) -> Axes:
    """One optimizer's paths at every scale over the unscaled contours.

    The unscaled path is drawn wide and pale, the scaled ones thin and dashed on top
    with interleaved dashes, so paths that coincide show every colour in turn along a
    thin line inside the wide one.
    """
    from optcompare.experiments.records import Result
    from optcompare.plotting import plot_path

    labelled = [replace(run, label=f"scale {scale_text(s)}") for s, run in runs.items()]
    result = Result(problem=problem, steps=len(labelled[0].loss) - 1, tol=1e-6, runs=labelled)
    plot_path(result, ax=ax, by="label")
    scaled = [lab.label for lab in labelled[1:]]
    dash = 4.0
    for line in ax.get_lines():
        label = str(line.get_label()).split("\n")[0]
        if label == labelled[0].label:
            line.set(lw=7.0, alpha=0.35, marker="")
        elif label in scaled:
            k = scaled.index(label)
            line.set(lw=2.2, marker="", ls=(k * dash, (dash, dash * (len(scaled) - 1))))
    if (legend := ax.get_legend()) is not None:
        legend.remove()
    return ax


def paths_figure(results: dict[float, Result], problem: Problem, numbers: dict) -> Figure:
    """A 2x2 grid, one panel per optimizer: its paths at scale 1 and at every scale of
    ``numbers["scales"]``, titled with the path differences; one legend below."""
    labels = results[1.0].labels
    scales = numbers["scales"]
    # one window for every panel: shared axes, whose x tick labels and name show under
    # the bottom row only, leave the panels a row's height (a 16:9 slide is short for 2 x 2)
    fig, axes = new_figure(2, 2, figsize=(13.0, 9.0), sharex=True, sharey=True)
    for ax, (i, lab) in zip(axes.ravel(), enumerate(labels), strict=True):
        runs = {s: results[s].runs[i] for s in (1.0, *scales)}
        plot_scaled_paths(runs, problem, ax)
        e = numbers["optimizers"][lab]
        parts = [
            f"{scale_text(s)}: "
            + (
                "diverged"
                if not np.isfinite(e["ratio"][scale_text(s)])
                else fmt(e["ratio"][scale_text(s)], 2)
            )
            for s in scales
        ]
        # the optimizer, then its differences: two short lines, also at the talk size
        style(ax, "", "x", "y")
        fit_title(ax, f"{lab}\n" + ", ".join(parts), LABEL - 1)
        if ax in axes[0]:
            ax.set_xlabel("")
    handles = [line for line in axes[0, 0].get_lines() if line.get_label().startswith("scale")]
    # long keys with two whole dash patterns each: a key shorter than one pattern shows
    # the offset dashes of some scales as a sliver or not at all
    legend = fig.legend(
        handles=handles,
        labels=[h.get_label().split("\n")[0] for h in handles],
        loc="outside lower center",
        ncols=len(handles),
        fontsize=LEGEND,
        handlelength=3.5,
    )
    show_dashes(legend)
    fig.suptitle(
        f"{numbers['problem']} multiplied by a scale: the same paths?\n"
        "(each panel: the path difference at each scale)",
        fontsize=TITLE,
    )
    return fig


def plot_ratios(numbers: dict, ax: Axes, small: float, large: float) -> Axes:
    """Path difference ratios per optimizer and scale as grouped bars (log scale).

    ``small`` and ``large`` are the lesson's grades, drawn as lines: nearly the same below
    ``small``, completely different above ``large``.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from optcompare.plotting import label_palette

    o = numbers["optimizers"]
    scales = numbers["scales"]
    colors = label_palette([f"scale {scale_text(s)}" for s in (1.0, *scales)])
    floor, top = 1e-12, 10.0
    width = 0.8 / len(scales)
    ax.set_yscale("log")
    handles: list = []
    for k, s in enumerate(scales):
        color = colors[f"scale {scale_text(s)}"]
        for i, lab in enumerate(o):
            r = o[lab]["ratio"][scale_text(s)]
            x = i - 0.4 + width * (k + 0.5)
            if r is None or not np.isfinite(r):
                ax.bar(
                    x,
                    top - floor,
                    bottom=floor,
                    width=width,
                    color=color,
                    alpha=0.35,
                    hatch="//",
                    edgecolor=color,
                )
                ax.text(
                    x,
                    floor * 3,
                    "diverged",
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=LEGEND - 1,
                )
            elif r <= floor:
                ax.text(
                    x,
                    floor * 3,
                    "identical",
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=LEGEND - 1,
                    color=color,
                )
            else:
                ax.bar(x, r - floor, bottom=floor, width=width, color=color)
        handles.append(Patch(color=color, label=f"scale {scale_text(s)}"))
    for y, text, ls in (
        (large, f"{fmt(large)}: completely different above", "--"),
        (small, f"{fmt(small)}: nearly the same below", ":"),
    ):
        ax.axhline(y, color="0.3", lw=1.2, ls=ls)
        handles.append(Line2D([], [], color="0.3", lw=1.2, ls=ls, label=text))
    ax.set_ylim(floor, top)
    ax.set_xlim(-0.6, len(o) - 0.4)
    ax.set_xticks(range(len(o)))
    ax.set_xticklabels(list(o), fontsize=LEGEND)
    ax.legend(handles=handles, fontsize=LEGEND, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_sweep(numbers: dict, labels: list[str], ax: Axes, small: float) -> Axes:
    """Path difference against the scale per optimizer (log-log), with 1/scale guides and a
    line at ``small`` (the lesson's "nearly the same" grade)."""
    from optcompare.plotting import inks

    colors = {k: v.color for k, v in inks((lab, lab.split()[0]) for lab in labels).items()}
    sweep = numbers["sweep"]
    scales = np.array(sweep["scales"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    for lab in labels:
        d = np.array(sweep["difference"][lab], dtype=float)
        shown = np.where(np.isfinite(d) & (d > 0), d, np.nan)
        if np.all(np.isnan(shown)):
            ax.plot(
                [],
                [],
                color=colors[lab],
                lw=2.0,
                label=f"{lab}: "
                + ("identical at every scale" if np.all(d == 0) else "diverged or identical"),
            )
            continue
        ax.plot(scales, shown, color=colors[lab], lw=2.0, marker="o", label=lab)
        ref = numbers["optimizers"][lab]["ratio"].get("0.001")
        if lab.split()[0] in ("rmsprop", "adam") and ref:
            # eps acts as eps / c: the difference to the unscaled run goes as |1/c - 1|
            fine = np.logspace(np.log10(scales.max()), np.log10(scales.min()), 400)
            guide = ref / (1e3 - 1) * np.abs(1 / fine - 1)
            ax.plot(fine, np.where(guide > 0, guide, np.nan), color=colors[lab], lw=0.8, ls=":")
    ax.axhline(small, color="0.3", lw=1.2, ls="--", label=f"{fmt(small)}: nearly the same below")
    ax.set_ylim(1e-12, 10.0)
    ax.invert_xaxis()
    ax.legend(fontsize=LEGEND - 1, loc="upper left", framealpha=0.9)
    return ax
