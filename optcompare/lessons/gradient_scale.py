"""Lesson ``gradient-scale``: multiply the objective by 1e-3 or 1e3; who notices?"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import (
    LEGEND,
    TITLE,
    Lesson,
    LessonResult,
    command,
    fmt,
    new_figure,
    page,
    style,
    table,
)
from optcompare.problem import Minimum, Problem

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result

PROBLEM = "quadratic:kappa=10"
OPTS = ["sgd:lr=0.1", "rmsprop:lr=0.01", "adam:lr=0.05", "rprop"]
STEPS = 300
#: the scales of the claim, and one small enough for eps to matter
SCALES = (1e-3, 1e3)
TINY = 1e-8
#: path difference ratios: below NEGLIGIBLE the paths are indistinguishable on a slide,
#: below SMALL nearly the same, above LARGE completely different
NEGLIGIBLE, SMALL, LARGE = 1e-3, 0.05, 0.5


class Scaled(Problem):
    """``scale`` times another problem: the same minima, every gradient multiplied by scale.

    A lesson-local wrapper, not registered: the catalog's problems stay as they are.
    """

    name = "scaled"
    description = "a problem multiplied by a constant"
    formula = "f_scaled(x) = scale * f(x)"

    def __init__(self, base: Problem, scale: float) -> None:
        super().__init__()
        self.base, self.scale = base, float(scale)
        self.dim = base.dim
        self.stochastic = base.stochastic

    @property
    def spec(self) -> str:
        return f"{self.scale:g} * {self.base.spec}"

    def f(self, X: np.ndarray) -> np.ndarray:
        return self.scale * self.base.f(X)

    def grad(self, X: np.ndarray) -> np.ndarray:
        return self.scale * self.base.grad(X)

    def observe(self, X: np.ndarray, seeds: np.ndarray, step: int):
        loss, g = self.base.observe(X, seeds, step)
        return self.scale * loss, self.scale * g

    def start(self) -> np.ndarray:
        return self.base.start()

    def window(self) -> tuple[tuple[float, float], ...]:
        return self.base.window()

    def minima(self) -> tuple[Minimum, ...]:
        return tuple(Minimum(m.x, self.scale * m.f, m.kind) for m in self.base.minima())

    def bounds(self):
        return self.base.bounds()


def path_length(x: np.ndarray) -> float:
    """Sum of the step lengths of a path (its valid part)."""
    x = x[np.all(np.isfinite(x), axis=1)]
    return float(np.sum(np.linalg.norm(np.diff(x, axis=0), axis=1)))


def path_difference(x: np.ndarray, ref: np.ndarray) -> float:
    """max_t |x_t - ref_t| / length of ``ref``; +inf when ``x`` diverged (not finite)."""
    if not np.all(np.isfinite(x)):
        return float("inf")
    return float(np.max(np.linalg.norm(x - ref, axis=1)) / path_length(ref))


def scale_text(s: float) -> str:
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
    result = Result(problem=problem, steps=len(labelled[0].loss) - 1, tol=1e-6,
                    runs=labelled)
    plot_path(result, ax=ax)
    scaled = [lab.label for lab in labelled[1:]]
    dash = 4.0
    for line in ax.get_lines():
        label = line.get_label().split("\n")[0]
        if label == labelled[0].label:
            line.set(lw=7.0, alpha=0.35, marker="")
        elif label in scaled:
            k = scaled.index(label)
            line.set(lw=2.2, marker="",
                     ls=(k * dash, (dash, dash * (len(scaled) - 1))))
    ax.get_legend().remove()
    return ax


def plot_ratios(numbers: dict, ax: Axes) -> Axes:
    """Path difference ratios per optimizer and scale as grouped bars (log scale)."""
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
                ax.bar(x, top - floor, bottom=floor, width=width, color=color, alpha=0.35,
                       hatch="//", edgecolor=color)
                ax.text(x, floor * 3, "diverged", rotation=90, ha="center", va="bottom",
                        fontsize=LEGEND - 1)
            elif r <= floor:
                ax.text(x, floor * 3, "identical", rotation=90, ha="center", va="bottom",
                        fontsize=LEGEND - 1, color=color)
            else:
                ax.bar(x, r - floor, bottom=floor, width=width, color=color)
        handles.append(Patch(color=color, label=f"scale {scale_text(s)}"))
    for y, text, ls in ((LARGE, f"{fmt(LARGE)}: completely different above", "--"),
                        (SMALL, f"{fmt(SMALL)}: nearly the same below", ":")):
        ax.axhline(y, color="0.3", lw=1.2, ls=ls)
        handles.append(Line2D([], [], color="0.3", lw=1.2, ls=ls, label=text))
    ax.set_ylim(floor, top)
    ax.set_xlim(-0.6, len(o) - 0.4)
    ax.set_xticks(range(len(o)))
    ax.set_xticklabels(list(o), fontsize=LEGEND)
    ax.legend(handles=handles, fontsize=LEGEND, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.problem import make_problem

    base = make_problem(PROBLEM)
    scales = (*SCALES, TINY)
    results: dict[float, Result] = {1.0: optcompare.run(OPTS, base, steps=STEPS)}
    for s in scales:
        results[s] = optcompare.run(OPTS, Scaled(base, s), steps=STEPS)
    labels = results[1.0].labels
    numbers: dict = {"problem": PROBLEM, "steps": STEPS, "scales": list(scales),
                     "optimizers": {}}
    rows = []
    for i, lab in enumerate(labels):
        ref = results[1.0].runs[i]
        entry: dict = {"path_length": path_length(ref.x), "ratio": {}, "diverged_at": {},
                       "length_ratio": {}}
        for s in scales:
            r = results[s].runs[i]
            entry["ratio"][scale_text(s)] = path_difference(r.x, ref.x)
            entry["diverged_at"][scale_text(s)] = r.diverged_at
            entry["length_ratio"][scale_text(s)] = path_length(r.x) / entry["path_length"]
        numbers["optimizers"][lab] = entry
        rows.append([lab, entry["path_length"],
                     *(_ratio_cell(entry, s) for s in scales)])
    for lab in labels:
        key = lab.split()[0]
        for s in SCALES:
            numbers[f"{key}_ratio_{scale_text(s)}"] = numbers["optimizers"][lab]["ratio"][
                scale_text(s)]

    figures = {}
    fig, axes = new_figure(2, 2, figsize=(13.0, 10.0))
    for ax, (i, lab) in zip(axes.ravel(), enumerate(labels), strict=True):
        runs = {s: results[s].runs[i] for s in (1.0, *scales)}
        plot_scaled_paths(runs, base, ax)
        e = numbers["optimizers"][lab]
        parts = [f"{scale_text(s)}: " + ("diverged" if not np.isfinite(e["ratio"][
            scale_text(s)]) else fmt(e["ratio"][scale_text(s)], 2)) for s in scales]
        style(ax, f"{lab}\npath difference  " + ",  ".join(parts), "x", "y")
    handles = [line for line in axes[0, 0].get_lines() if line.get_label().startswith("scale")]
    fig.legend(handles=handles, labels=[h.get_label().split("\n")[0] for h in handles],
               loc="outside lower center", ncols=len(handles), fontsize=LEGEND)
    fig.suptitle(f"{PROBLEM} multiplied by a scale: the same paths?", fontsize=TITLE)
    figures["paths"] = fig

    fig, ax = new_figure(figsize=(11.0, 5.6))
    plot_ratios(numbers, ax)
    style(ax, "Path difference: max distance to the unscaled path / its length",
          "", "path difference (log scale)")
    figures["difference"] = fig

    header = ["optimizer", "path length", *(f"scale {scale_text(s)}" for s in scales)]
    text = page(
        TITLE_, CLAIM,
        f"The ravine `{PROBLEM}` and the same function multiplied by "
        f"{', '.join(scale_text(s) for s in scales)} (same minimum, same contours, every "
        f"gradient multiplied by the scale; a wrapper inside this lesson, there is no "
        f"scale key in the catalog), {STEPS} steps from (-5, -2), with "
        f"{', '.join(f'`{o}`' for o in OPTS)}. The path difference is the largest distance "
        f"between the scaled and the unscaled path at the same step, divided by the length "
        f"of the unscaled path: 0 means the same path, 1 a different one. The scale "
        f"{scale_text(TINY)} is there to find where the invariance ends.",
        [command(OPTS, PROBLEM, steps=STEPS)],
        "Path length of the unscaled run, and the path difference at each scale:\n\n"
        + table(header, rows),
        _findings(numbers, labels),
        [(f"paths.{ext}", "one panel per optimizer: the unscaled path wide and pale, the "
          "scaled paths dashed on top, their dashes taking turns. A dashed line running "
          "inside the pale one is the same path; where all colours alternate along one "
          "line, all scales gave the same path."),
         (f"difference.{ext}", "the path differences on a log scale; hatched bars reach "
          "the top for a run that diverged.")],
        notes="This is the honest form of 'RMSProp fixes vanishing and exploding "
              "gradients': RMSProp, Adam and Rprop divide each gradient coordinate by its "
              "own recent size (or use only its sign), so a constant factor on the "
              "objective cancels, up to eps. SGD's step is lr times the gradient, so the "
              "same lr is far too small for one scale and far too large for another; "
              "its lr would have to be retuned by the same factor. Invariance to a "
              "constant factor is not invariance to every change of scale: gradients "
              "that shrink layer by layer in a deep network are a different problem.",
    )
    results_out = {f"scale-{scale_text(s)}": results[s] for s in (1.0, *scales)}
    return LessonResult(figures=figures, text=text, numbers=numbers, results=results_out)


def _ratio_cell(entry: dict, s: float) -> str:
    k = scale_text(s)
    r = entry["ratio"][k]
    if not np.isfinite(r):
        return f"diverged (step {entry['diverged_at'][k]})"
    return "0 (identical)" if r == 0 else fmt(r)


def _findings(n: dict, labels: list[str]) -> list[str]:
    o = n["optimizers"]
    out = []
    for lab in labels:
        e = o[lab]
        parts = []
        for s in SCALES:
            k = scale_text(s)
            r = e["ratio"][k]
            if not np.isfinite(r):
                parts.append(f"at scale {k} it diverged at step {e['diverged_at'][k]}")
            elif r == 0:
                parts.append(f"at scale {k} the path is identical, bit for bit")
            elif r < NEGLIGIBLE:
                parts.append(f"at scale {k} the path differs by {fmt(r, 2)} of its length "
                             f"(invisible; the difference comes from eps)")
            elif r < SMALL:
                parts.append(f"at scale {k} the path differs by {fmt(r, 2)} of its length: "
                             f"small, but not nothing (eps is no longer negligible next to "
                             f"the scaled gradients)")
            elif r > LARGE:
                moved = e["length_ratio"][k]
                extra = (f", covering only {fmt(moved, 2)} of the unscaled path's length"
                         if moved < 0.5 else "")
                parts.append(f"at scale {k} it takes a completely different path (difference "
                             f"{fmt(r, 2)}{extra})")
            else:
                parts.append(f"at scale {k} the path differs by {fmt(r, 2)} of its length: "
                             f"clearly different")
        out.append(f"{lab}: " + "; ".join(parts) + ".")
    tiny = scale_text(TINY)
    broke = [f"{lab} ({fmt(o[lab]['ratio'][tiny], 2)})" for lab in labels
             if np.isfinite(o[lab]["ratio"][tiny]) and o[lab]["ratio"][tiny] >= SMALL
             and not lab.startswith("sgd")]
    held = [lab for lab in labels
            if np.isfinite(o[lab]["ratio"][tiny]) and o[lab]["ratio"][tiny] < NEGLIGIBLE]
    if broke:
        out.append(f"At scale {tiny} the gradients are comparable to eps = 1e-8 and the "
                   f"invariance breaks: path differences {', '.join(broke)}"
                   + (f"; {', '.join(held)} still unaffected" if held else "") + ".")
    elif held:
        out.append(f"Even at scale {tiny}, {', '.join(held)} kept the unscaled path.")
    return out


TITLE_ = "Gradient scale: who notices if the loss is multiplied by 1000?"
CLAIM = ("Multiplying the objective by a constant changes SGD's path completely (the same "
         "lr is too small or too large), while RMSProp, Adam and Rprop follow nearly the "
         "same path: they are invariant to the gradient's scale, up to eps.")

LESSON = Lesson(name="gradient-scale", title=TITLE_, claim=CLAIM, run=run)
