"""Lesson ``saddle``: escaping the strict saddle x^2 - y^2 from just off its ridge."""

from __future__ import annotations

import math

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
from optcompare.lessons.saddle_figures import escape_step, plot_escape, plot_ridge
from optcompare.lessons.saddle_text import counter_case, findings, ridge_title

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


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_path
    from optcompare.problem import make_problem

    x0 = make_problem(PROBLEM).start()
    near = np.array([x0[0], x0[1] * CLOSER])
    ridge = np.array([x0[0], 0.0])
    noisy_problem = f"{PROBLEM}:noise={NOISE:g}"
    results = {
        "default": optcompare.run(OPTS, PROBLEM, steps=STEPS),
        "closer": optcompare.run(OPTS, PROBLEM, steps=STEPS, start=near),
        "ridge": optcompare.run(OPTS, PROBLEM, steps=STEPS, start=ridge),
        "noisy-ridge": optcompare.run(
            OPTS, noisy_problem, steps=STEPS, start=ridge, seeds=NOISE_SEEDS
        ),
    }
    labels = results["default"].labels
    numbers: dict = {
        "problem": PROBLEM,
        "steps": STEPS,
        "threshold": ESCAPE,
        "start": [float(v) for v in x0],
        "closer_start": [float(v) for v in near],
        "optimizers": {},
    }
    rows = []
    for lab in labels:
        (r,) = results["default"].runs_of(lab)
        (c,) = results["closer"].runs_of(lab)
        k, kc = escape_step(r, ESCAPE), escape_step(c, ESCAPE)
        (g,) = results["ridge"].runs_of(lab)
        got = [
            e
            for e in (escape_step(n, ESCAPE) for n in results["noisy-ridge"].runs_of(lab))
            if e is not None
        ]
        all_out = len(got) == NOISE_SEEDS
        entry = {
            "escape_step": k,
            "escape_step_closer": kc,
            "x_at_escape": None if k is None else float(r.x[k, 0]),
            "first_y_step": float(abs(r.x[1, 1] - r.x[0, 1])),
            "diverged_at": r.diverged_at,
            "ridge_escape_step": escape_step(g, ESCAPE),
            "ridge_max_abs_y": float(np.max(np.abs(g.x[:, 1]))),
            "ridge_final_abs_x": float(abs(g.x[-1, 0])),
            "noisy_escaped": len(got),
            "noisy_escape_median": float(np.median(got)) if all_out else None,
            "noisy_escape_range": [min(got), max(got)] if all_out else None,
        }
        numbers["optimizers"][lab] = entry
        rows.append(
            [
                lab,
                fmt(entry["first_y_step"], 2),
                "-" if k is None else str(k),
                "-" if kc is None else str(kc),
                "-" if k is None or kc is None else f"{kc - k:+d}",
                "-" if k is None else fmt(entry["x_at_escape"], 2),
            ]
        )
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
        plot_escape(results[key], ax, ESCAPE)
        style(ax, f"start y = {fmt(y0)}", "step", "|y|  (log scale)" if key == "default" else "")
    lowest = min(abs(x0[1]), abs(near[1]))
    axes[0].set_ylim(lowest / 3, 1e3)
    axes[1].legend(fontsize=LEGEND, loc="lower right", framealpha=0.9)
    fig.suptitle(
        "Leaving the saddle: distance from the ridge y = 0; dots mark the escape", fontsize=TITLE
    )
    figures["escape"] = fig
    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6))
    plot_ridge(results["ridge"], results["noisy-ridge"], axes, ESCAPE)
    style(
        axes[0],
        f"start ({fmt(ridge[0])}, 0), no noise: |x|",
        "step",
        "distance to the saddle point along x  (log scale)",
    )
    style(
        axes[1],
        f"start ({fmt(ridge[0])}, 0), gradient noise {fmt(NOISE)}: |y|, {NOISE_SEEDS} seeds",
        "step",
        "|y|  (log scale)",
    )
    axes[0].set_ylim(RIDGE_FLOOR, 3.0)
    axes[1].set_ylim(1e-7, 1e3)
    axes[1].legend(fontsize=LEGEND - 1, loc="lower right", framealpha=0.9)
    fig.suptitle(ridge_title(numbers), fontsize=TITLE)
    figures["ridge"] = fig

    text = page(
        TITLE_,
        CLAIM,
        f"The saddle f(x, y) = x^2 - y^2 (problem `{PROBLEM}`), started at "
        f"({fmt(x0[0])}, {fmt(x0[1])}), just off the ridge y = 0, and again {fmt(1 / CLOSER)} "
        f"times closer to it, at ({fmt(near[0])}, {fmt(near[1])}); {STEPS} steps, every "
        f"optimizer at lr {LR} (Rprop's lr is its initial step). A run has escaped at the "
        f"first step with |y| > {fmt(ESCAPE)}. The function has no minimum: once a run "
        f"escapes it keeps going down, and one that goes far enough counts as diverged.",
        [
            command(OPTS, PROBLEM, steps=STEPS),
            command(OPTS, PROBLEM, steps=STEPS, start=f"{fmt(near[0])},{fmt(near[1])}"),
            command(OPTS, PROBLEM, steps=STEPS, start=f"{fmt(ridge[0])},0"),
            command(
                OPTS, noisy_problem, steps=STEPS, start=f"{fmt(ridge[0])},0", seeds=NOISE_SEEDS
            ),
        ],
        table(
            [
                "optimizer",
                "first step in y",
                f"escape from y = {fmt(x0[1])}",
                f"from y = {fmt(near[1])}",
                "extra steps",
                "x at escape",
            ],
            rows,
        ),
        findings(numbers, labels, LR, AT_SADDLE),
        [
            (
                f"path.{ext}",
                "the paths from the default start: some first slide down x to "
                "the saddle point and only then turn off along y; others cut the corner.",
            ),
            (
                f"escape.{ext}",
                "|y| on a log scale for both starts. Plain SGD's line is straight "
                "(|y| grows by the same factor every step), so starting 1000 times closer to the "
                "ridge shifts it right by a fixed number of steps; the dot marks the escape.",
            ),
            (
                f"ridge.{ext}",
                "the counter-case (colours as in the legend on the right): left, "
                f"the start exactly on the ridge without noise: the runs slide along x into the "
                f"saddle point (the axis stops at "
                f"{fmt(RIDGE_FLOOR)}; a line that leaves it went further down); right, the same "
                f"start with gradient noise, one line per seed, dots at the escape.",
            ),
        ],
        notes="Near the ridge the y-gradient -2y is tiny. Plain gradient descent multiplies "
        "y by (1 + 2 lr) per step, so its escape time grows with log(1/|y_0|). "
        "RMSProp, Adam and Rprop divide the gradient by its own size per coordinate, "
        "so y moves at about lr per step no matter how tiny its gradient is; "
        "Adagrad does too, but its steps shrink with every step. This is a 2-D toy: "
        "saddles in high dimensions (Dauphin et al. 2014) have many flat directions "
        "and noise, which also helps plain SGD escape.",
        counter=counter_case(numbers, labels, AT_SADDLE),
    )
    return LessonResult(
        figures=figures,
        text=text,
        numbers=numbers,
        results={
            "saddle": results["default"],
            "saddle-closer": results["closer"],
            "saddle-ridge": results["ridge"],
            "saddle-ridge-noise": results["noisy-ridge"],
        },
    )


TITLE_ = "Escaping a saddle"
CLAIM = (
    f"Started just off the ridge of the saddle x^2 - y^2, with every optimizer at lr "
    f"{LR} for {STEPS} steps, plain gradient descent lingers near the saddle point for a "
    f"long time, the longer the closer it starts; methods that scale each coordinate's "
    f"step by its gradient's size (RMSProp, Adam, Rprop) leave much sooner. Adagrad "
    f"scales too, but its steps shrink: from y = 0.001 it is no faster than gradient "
    f"descent."
)

LESSON = Lesson(name="saddle", title=TITLE_, claim=CLAIM, run=run)
