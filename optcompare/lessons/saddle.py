"""Lesson ``saddle``: escaping the strict saddle x^2 - y^2 from just off its ridge."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

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
    retitle,
    style,
    table,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result

PROBLEM = "saddle"
LR = 0.01
SGD, MOMENTUM = f"sgd:lr={LR}", f"sgd:lr={LR},momentum=0.9"
OPTS = [SGD, MOMENTUM, f"adagrad:lr={LR}", f"rmsprop:lr={LR}", f"adam:lr={LR}", f"rprop:lr={LR}"]
STEPS = 800
#: a run has escaped once |y| exceeds this
ESCAPE = 0.5
#: the second start is this much closer to the ridge y = 0
CLOSER = 1e-3
#: |x| below this at the escape step: the run first slid down to the saddle point
AT_SADDLE = 0.05


def escape_step(run, threshold: float = ESCAPE) -> int | None:
    """The first step at which |y| > threshold, or None."""
    k = np.flatnonzero(np.abs(run.x[:, 1]) > threshold)
    return int(k[0]) if k.size else None


def plot_escape(result: Result, ax: Axes, threshold: float = ESCAPE) -> Axes:
    """|y| against the step (log y) per run, with the escape threshold and escape marks."""
    from optcompare.plotting import label_colors

    colors = label_colors(result.labels)
    ax.set_yscale("log")
    for run in result.runs:
        y = np.abs(run.x[:, 1])
        ax.plot(np.arange(len(y)), np.where(y > 0, y, np.nan), color=colors[run.label],
                lw=2.0, label=run.label)
        k = escape_step(run, threshold)
        if k is not None:
            ax.scatter([k], [abs(run.x[k, 1])], s=60, color=colors[run.label],
                       edgecolors="black", zorder=5)
    ax.axhline(threshold, color="0.3", lw=1.2, ls="--", label=f"escaped: |y| > {fmt(threshold)}")
    return ax


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_path
    from optcompare.problem import make_problem

    x0 = make_problem(PROBLEM).start()
    near = np.array([x0[0], x0[1] * CLOSER])
    results = {"default": optcompare.run(OPTS, PROBLEM, steps=STEPS),
               "closer": optcompare.run(OPTS, PROBLEM, steps=STEPS, start=near)}
    labels = results["default"].labels
    numbers: dict = {"problem": PROBLEM, "steps": STEPS, "threshold": ESCAPE,
                     "start": [float(v) for v in x0], "closer_start": [float(v) for v in near],
                     "optimizers": {}}
    rows = []
    for lab in labels:
        (r,) = results["default"].runs_of(lab)
        (c,) = results["closer"].runs_of(lab)
        k, kc = escape_step(r), escape_step(c)
        entry = {"escape_step": k, "escape_step_closer": kc,
                 "x_at_escape": None if k is None else float(r.x[k, 0]),
                 "diverged_at": r.diverged_at}
        numbers["optimizers"][lab] = entry
        rows.append([lab, "-" if k is None else str(k), "-" if kc is None else str(kc),
                     "-" if k is None or kc is None else f"{kc - k:+d}",
                     "-" if k is None else fmt(entry["x_at_escape"], 2)])
    # plain GD: y_t = y_0 (1 + 2 lr)^t, so |y| = 0.5 after ln(0.5 / |y_0|) / ln(1 + 2 lr) steps
    numbers["gd_theory"] = math.log(ESCAPE / abs(x0[1])) / math.log(1 + 2 * LR)
    numbers["gd_theory_closer"] = math.log(ESCAPE / abs(near[1])) / math.log(1 + 2 * LR)

    figures = {}
    fig, ax = new_figure(figsize=(10.0, 6.4))
    plot_path(results["default"], ax=ax)
    retitle(ax, f"Saddle x^2 - y^2 from ({fmt(x0[0])}, {fmt(x0[1])}), all at lr {LR}")
    figures["path"] = fig
    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6), sharey=True)
    for ax, key, y0 in zip(axes, ("default", "closer"), (x0[1], near[1]), strict=True):
        plot_escape(results[key], ax)
        style(ax, f"start y = {fmt(y0)}", "step", "|y|  (log scale)" if key == "default"
              else "")
    lowest = min(abs(x0[1]), abs(near[1]))
    axes[0].set_ylim(lowest / 3, 1e3)
    axes[1].legend(fontsize=LEGEND, loc="lower right", framealpha=0.9)
    fig.suptitle("Leaving the saddle: distance from the ridge y = 0; dots mark the escape",
                 fontsize=TITLE)
    figures["escape"] = fig

    text = page(
        TITLE_, CLAIM,
        f"The saddle f(x, y) = x^2 - y^2 (problem `{PROBLEM}`), started at "
        f"({fmt(x0[0])}, {fmt(x0[1])}), just off the ridge y = 0, and again {fmt(1 / CLOSER)} "
        f"times closer to it, at ({fmt(near[0])}, {fmt(near[1])}); {STEPS} steps, every "
        f"optimizer at lr {LR} (Rprop's lr is its initial step). A run has escaped at the "
        f"first step with |y| > {fmt(ESCAPE)}. The function has no minimum: once a run "
        f"escapes it keeps going down, and one that goes far enough counts as diverged.",
        [command(OPTS, PROBLEM, steps=STEPS),
         command(OPTS, PROBLEM, steps=STEPS, start=f"{fmt(near[0])},{fmt(near[1])}")],
        table(["optimizer", f"escape from y = {fmt(x0[1])}", f"from y = {fmt(near[1])}",
               "extra steps", "x at escape"], rows),
        _findings(numbers, labels),
        [(f"path.{ext}", "the paths from the default start: some first slide down x to "
          "the saddle point and only then turn off along y; others cut the corner."),
         (f"escape.{ext}", "|y| on a log scale for both starts. Plain SGD's line is straight "
          "(|y| grows by the same factor every step), so starting 1000 times closer to the "
          "ridge shifts it right by a fixed number of steps; the dot marks the escape.")],
        notes="Near the ridge the y-gradient -2y is tiny. Plain gradient descent multiplies "
              "y by (1 + 2 lr) per step, so its escape time grows with log(1/|y_0|). "
              "RMSProp, Adam and Rprop divide the gradient by its own size per coordinate, "
              "so y moves at about lr per step no matter how tiny its gradient is; "
              "Adagrad does too, but its steps shrink with every step. This is a 2-D toy: "
              "saddles in high dimensions (Dauphin et al. 2014) have many flat directions "
              "and noise, which also helps plain SGD escape.",
    )
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        results={"saddle": results["default"],
                                 "saddle-closer": results["closer"]})


def _findings(n: dict, labels: list[str]) -> list[str]:
    o = n["optimizers"]
    out = []
    sgd = o[labels[0]]
    k, kc = sgd["escape_step"], sgd["escape_step_closer"]
    if k is not None and kc is not None:
        out.append(f"Plain SGD escaped at step {k} (theory for gradient descent: "
                   f"{fmt(n['gd_theory'], 3)}), and from the start 1000 times closer to the "
                   f"ridge at step {kc} ({kc - k:+d} steps; theory "
                   f"{fmt(n['gd_theory_closer'] - n['gd_theory'], 3)}).")
    else:
        out.append(f"Plain SGD did not escape within {n['steps']} steps from "
                   f"{'the closer start' if k is not None else 'either start'}.")
    escaped = {lab: v["escape_step"] for lab, v in o.items() if v["escape_step"] is not None}
    faster = sorted((lab for lab in escaped if k is None or escaped[lab] < k),
                    key=lambda lab: escaped[lab])
    if faster:
        out.append("Faster than SGD: " + ", ".join(f"{lab} (step {escaped[lab]})"
                                                   for lab in faster) + ".")
    slower = [lab for lab in labels[1:] if k is not None and escaped.get(lab, -1) > k]
    if slower:
        out.append("Slower than SGD from this start: " + ", ".join(
            f"{lab} (step {escaped[lab]})" for lab in slower) + ".")
    sgd_extra = kc - k if k is not None and kc is not None else None

    def extra(lab: str) -> int | None:
        v = o[lab]
        if v["escape_step"] is None or v["escape_step_closer"] is None:
            return None
        return v["escape_step_closer"] - v["escape_step"]

    mom = extra(labels[1])
    if mom is not None and sgd_extra:
        out.append(f"Momentum escaped at step {o[labels[1]]['escape_step']}, but the closer "
                   f"start still cost it {mom:+d} steps ({fmt(mom / sgd_extra, 2)} of SGD's "
                   f"extra): it speeds up the growth of y, and the escape time still grows "
                   f"with log(1/|y_0|).")
    if sgd_extra:
        steady = [lab for lab in labels[2:]
                  if extra(lab) is not None and extra(lab) <= 0.05 * sgd_extra]
        if steady:
            out.append(f"For {', '.join(steady)} the closer start made "
                       f"{'no' if all(extra(lab) == 0 for lab in steady) else 'almost no'} "
                       f"difference: steps scaled by the gradient's own size do not care how "
                       f"small the y-gradient is.")
    never = [lab for lab, v in o.items() if v["escape_step"] is None]
    if never:
        out.append(f"Did not escape within {n['steps']} steps: {', '.join(never)}.")
    slid = [lab for lab, v in o.items()
            if v["x_at_escape"] is not None and abs(v["x_at_escape"]) < AT_SADDLE]
    if slid:
        out.append(f"{' and '.join(slid)} first slid down to the saddle point (|x| < "
                   f"{fmt(AT_SADDLE)} when |y| passed {fmt(n['threshold'])}) and waited there "
                   f"for y to grow; the others cut the corner.")
    gone = [f"{lab} (step {v['diverged_at']})" for lab, v in o.items()
            if v["diverged_at"] is not None]
    if gone:
        out.append(f"Counted as diverged after escaping: {', '.join(gone)}. Nothing went "
                   f"wrong: f has no minimum, and {'it' if len(gone) == 1 else 'they'} kept "
                   f"falling.")
    return out


TITLE_ = "Escaping a saddle"
CLAIM = ("Started just off the ridge of the saddle x^2 - y^2, plain gradient descent "
         "lingers near the saddle point for a long time, the longer the closer it starts; "
         "methods that scale each coordinate's step by its gradient's size (RMSProp, Adam, "
         "Rprop) leave much sooner.")

LESSON = Lesson(name="saddle", title=TITLE_, claim=CLAIM, run=run)
