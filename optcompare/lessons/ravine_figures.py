"""Figures of the ``ravine`` lesson: one coordinate against the step, the effective step
per coordinate, and Adam's per-coordinate scale.

Free of the lesson's constants (runs are named by their labels) so that the lesson module
can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from optcompare.lessons.base import LEGEND, fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result
    from optcompare.plotting.colors import By

__all__ = ["adam_scale", "plot_adam_scale", "plot_coordinate", "plot_effective_steps"]


def plot_coordinate(
    result: Result,
    j: int,
    ax: Axes,
    band: float | None = None,
    steps: int | None = None,
    name: str | None = None,
    labels: Sequence[str] | None = None,
    by: By = "optimizer",
) -> Axes:
    """Coordinate ``j`` (called ``name``) of the runs ``labels`` (default: all) against
    the step for the first ``steps`` steps, a grey band |x_j| <= band; ``by`` as in plot_path
    (each label's colour and line style, as every figure of ``result`` draws it)."""
    from optcompare.plotting import result_inks
    from optcompare.plotting.style import by_label_note

    shown = list(result.labels if labels is None else labels)
    ink = result_inks(result, by=by)
    n = result.steps + 1 if steps is None else min(steps, result.steps) + 1
    if band is not None:
        ax.axhspan(-band, band, color="0.85", zorder=0, label=f"|{name or f'x{j}'}| <= {fmt(band)}")
    ax.axhline(0.0, color="0.3", lw=0.8, zorder=1)
    for run in (r for r in result.runs if r.label in shown):
        ax.plot(
            np.arange(n),
            run.x[:n, j],
            color=ink[run.label].color,
            ls=ink[run.label].linestyle,
            lw=1.8,
            marker=ink[run.label].marker or "o",
            ms=3,
            label=run.label,
        )
    ax.legend(
        fontsize=LEGEND,
        loc="lower right",
        framealpha=0.9,
        title=by_label_note(by),
        title_fontsize=LEGEND,
    )
    return ax


def plot_effective_steps(result: Result, labels: list[str], ax: Axes) -> Axes:
    """|effective step| of the flat x (solid) and steep y (dashed) for the runs ``labels``.

    Colours match the other figures of ``result``.  Log scale; a step against the
    gradient (effective step <= 0, from momentum) cannot be drawn there and is left out.
    """
    from matplotlib.lines import Line2D

    from optcompare.plotting import result_colors

    colors = result_colors(result)
    ax.set_yscale("log")
    handles = []
    for run in result.runs:
        if run.label not in labels:
            continue
        E = np.asarray(run.effective_step, dtype=float)
        steps = np.arange(1, len(E) + 1)
        for j, ls in ((0, "-"), (1, "--")):
            e = np.where(np.isfinite(E[:, j]) & (E[:, j] > 0), E[:, j], np.nan)
            ax.plot(steps, e, color=colors[run.label], ls=ls, lw=2.0)
        handles.append(Line2D([], [], color=colors[run.label], lw=2.0, label=run.label))
        if np.allclose(E[:, 0], E[:, 1], equal_nan=True):
            lr = run.hyperparameters["lr"]
            ax.annotate(
                f"x and y coincide at lr = {fmt(lr)}",
                (steps[len(steps) // 2], E[len(E) // 2, 0]),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                va="bottom",
                color=colors[run.label],
                fontsize=LEGEND,
            )
    handles.append(Line2D([], [], color="0.3", lw=2.0, label="x (flat)"))
    handles.append(Line2D([], [], color="0.3", lw=2.0, ls="--", label="y (steep)"))
    ax.legend(handles=handles, fontsize=LEGEND, loc="lower right", framealpha=0.9)
    return ax


def adam_scale(run) -> np.ndarray:
    """Adam's per-coordinate factor lr / (sqrt(v_hat) + eps) at every step, (steps, dim)."""
    h = run.hyperparameters
    v = np.asarray(run.state["v_max" if h["amsgrad"] else "v"], dtype=float)
    t = np.arange(1, len(v) + 1)[:, None]
    return h["lr"] / (np.sqrt(v / (1.0 - h["beta2"] ** t)) + h["eps"])


def plot_adam_scale(result: Result, adam_label: str, ax: Axes) -> Axes:
    """Adam's per-coordinate scale, flat x solid and steep y dashed, in Adam's colour."""
    from matplotlib.lines import Line2D

    from optcompare.plotting import result_colors

    color = result_colors(result)[adam_label]
    (run,) = result.runs_of(adam_label)
    S = adam_scale(run)
    steps = np.arange(1, len(S) + 1)
    ax.set_yscale("log")
    ax.plot(steps, S[:, 0], color=color, lw=2.0)
    ax.plot(steps, S[:, 1], color=color, lw=2.0, ls="--")
    handles = [
        Line2D([], [], color=color, lw=2.0, label=adam_label),
        Line2D([], [], color="0.3", lw=2.0, label="x (flat)"),
        Line2D([], [], color="0.3", lw=2.0, ls="--", label="y (steep)"),
    ]
    ax.legend(handles=handles, fontsize=LEGEND, loc="lower right", framealpha=0.9)
    return ax
