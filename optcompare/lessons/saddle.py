"""Lesson ``saddle``: escaping the strict saddle x^2 - y^2 from just off its ridge."""

from __future__ import annotations

import math
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
#: the counter-case: gradient noise (standard deviation) and seeds for the start on the ridge
NOISE = 1e-3
NOISE_SEEDS = 10
#: the ridge figure's |x| axis stops here (RMSProp reaches 1e-200)
RIDGE_FLOOR = 1e-20


def escape_step(run, threshold: float = ESCAPE) -> int | None:
    """The first step at which |y| > threshold, or None."""
    k = np.flatnonzero(np.abs(run.x[:, 1]) > threshold)
    return int(k[0]) if k.size else None


def plot_escape(result: Result, ax: Axes, threshold: float = ESCAPE) -> Axes:
    """|y| against the step (log y) per run, with the escape threshold and escape marks."""
    from optcompare.plotting import result_colors

    colors = result_colors(result)
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


def plot_ridge(ridge: Result, noisy: Result, axes: Any) -> Any:
    """Left: |x| from the ridge start without noise; right: |y| per seed with gradient noise."""
    from optcompare.plotting import result_colors

    colors = result_colors(ridge)
    axes[0].set_yscale("log")
    for run in ridge.runs:
        x = np.abs(run.x[:, 0])
        axes[0].plot(np.arange(len(x)), np.where(x > 0, x, np.nan), color=colors[run.label],
                     lw=2.0, label=run.label)
    axes[1].set_yscale("log")
    for lab in noisy.labels:
        for i, run in enumerate(noisy.runs_of(lab)):
            y = np.abs(run.x[:, 1])
            axes[1].plot(np.arange(len(y)), np.where(y > 0, y, np.nan), color=colors[lab],
                         lw=1.0, alpha=0.6, label=lab if i == 0 else None)
            k = escape_step(run)
            if k is not None:
                axes[1].scatter([k], [abs(run.x[k, 1])], s=30, color=colors[lab],
                                edgecolors="black", linewidths=0.5, zorder=5)
    axes[1].axhline(ESCAPE, color="0.3", lw=1.2, ls="--", label=f"escaped: |y| > {fmt(ESCAPE)}")
    return axes


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_path
    from optcompare.problem import make_problem

    x0 = make_problem(PROBLEM).start()
    near = np.array([x0[0], x0[1] * CLOSER])
    ridge = np.array([x0[0], 0.0])
    noisy_problem = f"{PROBLEM}:noise={NOISE:g}"
    results = {"default": optcompare.run(OPTS, PROBLEM, steps=STEPS),
               "closer": optcompare.run(OPTS, PROBLEM, steps=STEPS, start=near),
               "ridge": optcompare.run(OPTS, PROBLEM, steps=STEPS, start=ridge),
               "noisy-ridge": optcompare.run(OPTS, noisy_problem, steps=STEPS, start=ridge,
                                             seeds=NOISE_SEEDS)}
    labels = results["default"].labels
    numbers: dict = {"problem": PROBLEM, "steps": STEPS, "threshold": ESCAPE,
                     "start": [float(v) for v in x0], "closer_start": [float(v) for v in near],
                     "optimizers": {}}
    rows = []
    for lab in labels:
        (r,) = results["default"].runs_of(lab)
        (c,) = results["closer"].runs_of(lab)
        k, kc = escape_step(r), escape_step(c)
        (g,) = results["ridge"].runs_of(lab)
        got = [e for e in (escape_step(n) for n in results["noisy-ridge"].runs_of(lab))
               if e is not None]
        all_out = len(got) == NOISE_SEEDS
        entry = {"escape_step": k, "escape_step_closer": kc,
                 "x_at_escape": None if k is None else float(r.x[k, 0]),
                 "first_y_step": float(abs(r.x[1, 1] - r.x[0, 1])),
                 "diverged_at": r.diverged_at,
                 "ridge_escape_step": escape_step(g),
                 "ridge_max_abs_y": float(np.max(np.abs(g.x[:, 1]))),
                 "ridge_final_abs_x": float(abs(g.x[-1, 0])),
                 "noisy_escaped": len(got),
                 "noisy_escape_median": float(np.median(got)) if all_out else None,
                 "noisy_escape_range": [min(got), max(got)] if all_out else None}
        numbers["optimizers"][lab] = entry
        rows.append([lab, fmt(entry["first_y_step"], 2), "-" if k is None else str(k),
                     "-" if kc is None else str(kc),
                     "-" if k is None or kc is None else f"{kc - k:+d}",
                     "-" if k is None else fmt(entry["x_at_escape"], 2)])
    # plain GD: y_t = y_0 (1 + 2 lr)^t, so |y| = 0.5 after ln(0.5 / |y_0|) / ln(1 + 2 lr) steps
    numbers["gd_theory"] = math.log(ESCAPE / abs(x0[1])) / math.log(1 + 2 * LR)
    numbers["gd_theory_closer"] = math.log(ESCAPE / abs(near[1])) / math.log(1 + 2 * LR)
    numbers["ridge_start"] = [float(v) for v in ridge]
    numbers["noise"], numbers["noise_seeds"] = NOISE, NOISE_SEEDS

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
    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6))
    plot_ridge(results["ridge"], results["noisy-ridge"], axes)
    style(axes[0], f"start ({fmt(ridge[0])}, 0), no noise: |x|", "step",
          "distance to the saddle point along x  (log scale)")
    style(axes[1], f"start ({fmt(ridge[0])}, 0), gradient noise {fmt(NOISE)}: |y|, "
          f"{NOISE_SEEDS} seeds", "step", "|y|  (log scale)")
    axes[0].set_ylim(RIDGE_FLOOR, 3.0)
    axes[1].set_ylim(1e-7, 1e3)
    axes[1].legend(fontsize=LEGEND - 1, loc="lower right", framealpha=0.9)
    fig.suptitle(_ridge_title(numbers), fontsize=TITLE)
    figures["ridge"] = fig

    text = page(
        TITLE_, CLAIM,
        f"The saddle f(x, y) = x^2 - y^2 (problem `{PROBLEM}`), started at "
        f"({fmt(x0[0])}, {fmt(x0[1])}), just off the ridge y = 0, and again {fmt(1 / CLOSER)} "
        f"times closer to it, at ({fmt(near[0])}, {fmt(near[1])}); {STEPS} steps, every "
        f"optimizer at lr {LR} (Rprop's lr is its initial step). A run has escaped at the "
        f"first step with |y| > {fmt(ESCAPE)}. The function has no minimum: once a run "
        f"escapes it keeps going down, and one that goes far enough counts as diverged.",
        [command(OPTS, PROBLEM, steps=STEPS),
         command(OPTS, PROBLEM, steps=STEPS, start=f"{fmt(near[0])},{fmt(near[1])}"),
         command(OPTS, PROBLEM, steps=STEPS, start=f"{fmt(ridge[0])},0"),
         command(OPTS, noisy_problem, steps=STEPS, start=f"{fmt(ridge[0])},0",
                 seeds=NOISE_SEEDS)],
        table(["optimizer", "first step in y", f"escape from y = {fmt(x0[1])}",
               f"from y = {fmt(near[1])}", "extra steps", "x at escape"], rows),
        _findings(numbers, labels),
        [(f"path.{ext}", "the paths from the default start: some first slide down x to "
          "the saddle point and only then turn off along y; others cut the corner."),
         (f"escape.{ext}", "|y| on a log scale for both starts. Plain SGD's line is straight "
          "(|y| grows by the same factor every step), so starting 1000 times closer to the "
          "ridge shifts it right by a fixed number of steps; the dot marks the escape."),
         (f"ridge.{ext}", "the counter-case (colours as in the legend on the right): left, "
          f"the start exactly on the ridge without noise: the runs slide along x into the "
          f"saddle point (the axis stops at "
          f"{fmt(RIDGE_FLOOR)}; a line that leaves it went further down); right, the same "
          f"start with gradient noise, one line per seed, dots at the escape.")],
        notes="Near the ridge the y-gradient -2y is tiny. Plain gradient descent multiplies "
              "y by (1 + 2 lr) per step, so its escape time grows with log(1/|y_0|). "
              "RMSProp, Adam and Rprop divide the gradient by its own size per coordinate, "
              "so y moves at about lr per step no matter how tiny its gradient is; "
              "Adagrad does too, but its steps shrink with every step. This is a 2-D toy: "
              "saddles in high dimensions (Dauphin et al. 2014) have many flat directions "
              "and noise, which also helps plain SGD escape.",
        counter=_counter(numbers, labels),
    )
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        results={"saddle": results["default"],
                                 "saddle-closer": results["closer"],
                                 "saddle-ridge": results["ridge"],
                                 "saddle-ridge-noise": results["noisy-ridge"]})


def display(label: str) -> str:
    """An optimizer's name for a sentence ("SGD with momentum 0.9"); every lr is the same."""
    words = label.split()
    name = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSProp", "adam": "Adam",
            "rprop": "Rprop"}.get(words[0], words[0])
    momentum = [w.split("=")[1] for w in words if w.startswith("momentum=")]
    return f"{name} with momentum {momentum[0]}" if momentum else name


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _findings(n: dict, labels: list[str]) -> list[str]:
    o = n["optimizers"]
    name = {lab: display(lab) for lab in labels}
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
        out.append("Faster than SGD: " + ", ".join(f"{name[lab]} (step {escaped[lab]})"
                                                   for lab in faster) + ".")
    slower = [lab for lab in labels[1:] if k is not None and escaped.get(lab, -1) > k]
    if slower:
        out.append("Slower than SGD from this start: " + ", ".join(
            f"{name[lab]} (step {escaped[lab]})" for lab in slower) + ".")
    sgd_extra = kc - k if k is not None and kc is not None else None

    def extra(lab: str) -> int | None:
        v = o[lab]
        if v["escape_step"] is None or v["escape_step_closer"] is None:
            return None
        return v["escape_step_closer"] - v["escape_step"]

    groups: list[list[str]] = []
    for lab in sorted(labels, key=lambda lab: o[lab]["first_y_step"]):
        if groups and math.isclose(o[lab]["first_y_step"], o[groups[-1][0]]["first_y_step"],
                                   rel_tol=0.01):
            groups[-1].append(lab)
        else:
            groups.append([lab])
    out.append("The first step in y already tells them apart: y moved by " + "; by ".join(
        f"{fmt(o[g[0]]['first_y_step'], 2)} for {_and([name[lab] for lab in g])}"
        for g in groups)
        + f". Gradient descent moves y by 2 lr |y_0| = {fmt(2 * LR * n['start'][1], 2)}; a "
        f"step scaled by the gradient's size moves it by about lr = {fmt(LR)}, and RMSProp's "
        f"by lr / sqrt(1 - alpha) = {fmt(LR / math.sqrt(1 - 0.99), 2)} (alpha = 0.99) because "
        f"its average of squared gradients starts at zero.")
    mom = extra(labels[1])
    if mom is not None and sgd_extra:
        out.append(f"{name[labels[1]]} escaped at step {o[labels[1]]['escape_step']}, but the "
                   f"closer start still cost it {mom:+d} steps ({fmt(mom / sgd_extra, 2)} of "
                   f"SGD's extra): momentum speeds up the growth of y, and the escape time "
                   f"still grows with log(1/|y_0|).")
    if sgd_extra:
        steady = [lab for lab in labels[2:]
                  if extra(lab) is not None and extra(lab) <= 0.05 * sgd_extra]
        if steady:
            out.append(f"For {_and([name[lab] for lab in steady])} the closer start made "
                       f"{'no' if all(extra(lab) == 0 for lab in steady) else 'almost no'} "
                       f"difference: steps scaled by the gradient's own size do not care how "
                       f"small the y-gradient is.")
    never = [name[lab] for lab, v in o.items() if v["escape_step"] is None]
    if never:
        out.append(f"Did not escape within {n['steps']} steps: {_and(never)}.")
    slid = [name[lab] for lab, v in o.items()
            if v["x_at_escape"] is not None and abs(v["x_at_escape"]) < AT_SADDLE]
    if slid:
        out.append(f"{_and(slid)} first slid down to the saddle point (|x| < "
                   f"{fmt(AT_SADDLE)} when |y| passed {fmt(n['threshold'])}) and waited there "
                   f"for y to grow; the others cut the corner.")
    gone = [f"{name[lab]} (step {v['diverged_at']})" for lab, v in o.items()
            if v["diverged_at"] is not None]
    if gone:
        out.append(f"Counted as diverged after escaping: {_and(gone)}. Nothing went "
                   f"wrong: f has no minimum, and {'it' if len(gone) == 1 else 'they'} kept "
                   f"falling.")
    return out


def _ridge_title(n: dict) -> str:
    o = n["optimizers"]
    stuck = sum(v["ridge_escape_step"] is None for v in o.values())
    escaped = sum(v["noisy_escaped"] == n["noise_seeds"] for v in o.values())
    return (f"On the ridge y = 0: {stuck} of {len(o)} optimizers stay on it without noise; "
            f"with noise {fmt(n['noise'])}, {escaped} of {len(o)} escape in every seed")


def _counter(n: dict, labels: list[str]) -> list[str]:
    o = n["optimizers"]
    name = {lab: display(lab) for lab in labels}
    steps, start = n["steps"], n["ridge_start"]
    out = []
    stuck = [lab for lab in labels if o[lab]["ridge_escape_step"] is None]
    flat = [lab for lab in stuck if o[lab]["ridge_max_abs_y"] == 0]
    if stuck:
        who = ("no optimizer" if len(stuck) == len(labels)
               else _and([name[lab] for lab in stuck]))
        text = (f"Started exactly on the ridge, at ({fmt(start[0])}, 0), {who} escaped "
                f"within {steps} steps")
        if flat == stuck:
            text += (": y stayed exactly 0 in every run. The y-gradient -2y is exactly 0 "
                     "there, and scaling a zero by its own size gives zero (0 / (0 + eps) "
                     "for RMSProp and Adam, sign(0) = 0 for Rprop)")
        out.append(text + ". Rescaling a small gradient helps; it cannot create one.")
        into = sorted((lab for lab in stuck if o[lab]["ridge_final_abs_x"] < AT_SADDLE),
                      key=lambda lab: o[lab]["ridge_final_abs_x"])
        if into:
            out.append(f"Instead {_and([name[lab] for lab in into])} slid along x into the "
                       f"saddle point, a stationary point that is not a minimum, and stayed "
                       f"there: |x| after {steps} steps was " + ", ".join(
                           f"{fmt(o[lab]['ridge_final_abs_x'], 2)} ({name[lab]})"
                           for lab in into) + ".")
        on_way = [lab for lab in stuck if lab not in into]
        if on_way:
            out.append(_and([f"{name[lab]} (|x| = {fmt(o[lab]['ridge_final_abs_x'], 2)})"
                             for lab in on_way])
                       + f" was still sliding toward it after {steps} steps.")
    else:
        out.append(f"Even from exactly the ridge, ({fmt(start[0])}, 0), every optimizer "
                   f"escaped within {steps} steps.")
    sgd = o[labels[0]]
    noise, seeds = fmt(n["noise"]), n["noise_seeds"]
    if sgd["noisy_escape_median"] is not None:
        lo, hi = sgd["noisy_escape_range"]
        text = (f"With gradient noise of standard deviation {noise} (`saddle:noise={noise}`, "
                f"{seeds} seeds) the same start on the ridge no longer traps plain SGD: it "
                f"escaped in every seed, at a median step {fmt(sgd['noisy_escape_median'])} "
                f"(from {lo} to {hi})")
        kc = sgd["escape_step_closer"]
        if kc is not None and sgd["noisy_escape_median"] < kc:
            text += (f", sooner than without noise from y = {fmt(n['closer_start'][1])} "
                     f"(step {kc}): once the start is closer to the ridge than the noise "
                     f"pushes it, the noise, not the start, sets the escape time")
        out.append(text + ".")
    else:
        out.append(f"With gradient noise of standard deviation {noise} ({seeds} seeds) plain "
                   f"SGD escaped in {sgd['noisy_escaped']} of {seeds} seeds within {steps} "
                   f"steps.")
    same = [lab for lab in labels[1:]
            if o[lab]["noisy_escape_range"] is not None and o[lab]["escape_step"] is not None
            and abs(o[lab]["noisy_escape_median"] - o[lab]["escape_step"]) <= 2]
    if same:
        out.append(f"With that noise {_and([name[lab] for lab in same])} escaped at the "
                   f"same step (within 2) as from the default start without noise: the "
                   f"noise gives them a y-gradient to rescale.")
    return out


TITLE_ = "Escaping a saddle"
CLAIM = (f"Started just off the ridge of the saddle x^2 - y^2, with every optimizer at lr "
         f"{LR} for {STEPS} steps, plain gradient descent lingers near the saddle point for a "
         f"long time, the longer the closer it starts; methods that scale each coordinate's "
         f"step by its gradient's size (RMSProp, Adam, Rprop) leave much sooner. Adagrad "
         f"scales too, but its steps shrink: from y = 0.001 it is no faster than gradient "
         f"descent.")

LESSON = Lesson(name="saddle", title=TITLE_, claim=CLAIM, run=run)
