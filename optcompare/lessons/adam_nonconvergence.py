"""Lesson ``adam-nonconvergence``: on Reddi et al.'s online problem Adam (beta2 = 0.99) ends at
the worst point; with PyTorch's default beta2 = 0.999 it does not.  NAdam, which the paper
names among the methods that can fail, runs beside them with Adam's settings."""

from __future__ import annotations

from typing import Any

import numpy as np

from optcompare.lessons.adam_nonconvergence_figures import VARIANTS, plot_iterates, plot_regret
from optcompare.lessons.adam_nonconvergence_text import counter_case, findings, nadam_case
from optcompare.lessons.base import (
    DPI,
    LEGEND,
    TITLE,
    Lesson,
    LessonResult,
    fmt,
    new_figure,
    page,
    style,
    table,
)

PROBLEM = "reddi"
LR = 0.5
#: Reddi et al.'s setting for this experiment (Section 5)
BETA2 = 0.99
#: the counter-case: PyTorch's default
BETA2_TORCH = 0.999
BETAS = f"beta1=0.9,beta2={BETA2}"
ADAM = f"adam:lr={LR},{BETAS}"
AMSGRAD = f"adam:lr={LR},{BETAS},amsgrad=true"
OPTS = [ADAM, AMSGRAD]
COUNTER = [
    f"adam:lr={LR},beta1=0.9,beta2={BETA2_TORCH}",
    f"adam:lr={LR},beta1=0.9,beta2={BETA2_TORCH},amsgrad=true",
]
#: NAdam with Adam's settings, at PyTorch's default momentum_decay and without the schedule
NADAM = [f"nadam:lr={LR},{BETAS}", f"nadam:lr={LR},{BETAS},momentum_decay=0"]
STEPS = 30_000
SCHEDULE = "inv-sqrt"
#: the zoom panel shows this many periods at the end of the run
ZOOM_PERIODS = 3
#: regret added per step is measured over this many periods at the end
RECENT_PERIODS = 10


def simulate(steps: int = STEPS, lr: float = LR) -> dict:
    """Adam and AMSGrad at beta2 = 0.99 and 0.999 on ``reddi`` as one batch of four runs
    (amsgrad and beta2 are per-run columns), then the two ``NADAM`` runs as a second batch
    (momentum_decay a per-run column), in the order of ``OPTS + COUNTER + NADAM``.

    Returns the iterates x (steps+1, 6), the average regret R_t/t (steps, 6), the
    problem, the labels, each run's ``amsgrad``, ``nadam`` and ``beta2``, and the wall
    time.  Running in batches saves time; the trajectories are those of separate
    ``optcompare.run`` calls up to rounding (with beta2 a per-run column, beta2**t is an
    array power, which may differ in the last bit).
    """
    from optcompare.engine import run_batch
    from optcompare.engine.schedules import lr_factors
    from optcompare.experiments.choices import make_optimizers
    from optcompare.problem import make_problem

    problem = make_problem(PROBLEM)
    specs = [s.replace(f"lr={LR},", f"lr={lr},", 1) for s in OPTS + COUNTER + NADAM]
    choices = make_optimizers(specs)
    amsgrad = np.array([False, True, False, True, False, False])
    beta2 = np.array([BETA2, BETA2, BETA2_TORCH, BETA2_TORCH, BETA2, BETA2])
    adam = dict(choices[0].values, amsgrad=amsgrad[:4], beta2=beta2[:4])
    decay = np.array([choices[j].values["momentum_decay"] for j in (4, 5)])
    nadam = dict(choices[4].values, momentum_decay=decay)
    seeds = np.zeros(len(specs), dtype=np.int64)
    xs, wall_time = [], 0.0
    for opt, values, n in ((choices[0].optimizer, adam, 4), (choices[4].optimizer, nadam, 2)):
        x0 = np.repeat(problem.start()[None, :], n, axis=0)
        tr = run_batch(
            opt, values, problem, x0, seeds[:n], steps, lr_factors=lr_factors(SCHEDULE, steps)
        )
        assert tr.x is not None  # run_batch records the iterates unless told not to
        xs.append(tr.x[:, :, 0])
        wall_time += tr.wall_time
    x = np.hstack(xs)
    reddi: Any = problem  # the reddi problem adds regret() to the Problem interface
    return {
        "problem": problem,
        "labels": [c.label for c in choices],
        "x": x,
        "avg_regret": reddi.regret(x, seeds),
        "amsgrad": amsgrad,
        "nadam": np.arange(len(specs)) >= 4,
        "beta2": beta2,
        "momentum_decay": decay,
        "wall_time": wall_time,
    }


def recent_regret(avg_regret: np.ndarray, t: int, k: int) -> np.ndarray:
    """Regret added per step over steps t-k+1..t, per run: (R_t - R_t-k) / k."""
    R = avg_regret
    return (R[t - 1] * t - R[t - 1 - k] * (t - k)) / k


def run(ext: str = "png") -> LessonResult:
    sim = simulate()
    problem, x, R = sim["problem"], sim["x"], sim["avg_regret"]
    period = problem.period
    a = problem.slope
    checkpoints = [t for t in (STEPS // 100, STEPS // 10, STEPS) if t >= 1]
    numbers: dict = {
        "problem": PROBLEM,
        "steps": STEPS,
        "lr": LR,
        "lr_schedule": SCHEDULE,
        "average_slope": a,
        "regret_at_plus_one": 2 * a,
        "adam_final_x": float(x[-1, 0]),
        "amsgrad_final_x": float(x[-1, 1]),
        "adam_avg_regret": float(R[-1, 0]),
        "amsgrad_avg_regret": float(R[-1, 1]),
        "avg_regret_at": {str(t): [float(R[t - 1, 0]), float(R[t - 1, 1])] for t in checkpoints},
    }
    # regret added per step over the last periods: where R_t / t is heading
    k = RECENT_PERIODS * period
    T = len(R)
    recent = recent_regret(R, T, k)
    # against -1, standing still at the window's mean x costs a (mean + 1) per step; the
    # rest of the regret comes from x moving within the periods
    numbers["amsgrad_standing_cost"] = float(a * (x[T - k : T, 1].mean() + 1))
    numbers["amsgrad_recent_regret_earlier"] = float(recent_regret(R, STEPS // 3, k)[1])
    numbers["earlier_step"] = STEPS // 3
    numbers["adam_recent_regret_per_step"] = float(recent[0])
    numbers["amsgrad_recent_regret_per_step"] = float(recent[1])
    last = x[-period - 1 :, :]  # the last full period
    numbers["adam_last_period_min_x"] = float(last[:, 0].min())
    numbers["amsgrad_last_period_min_x"] = float(last[:, 1].min())
    numbers["amsgrad_last_period_max_x"] = float(last[:, 1].max())
    drift_at = [STEPS // 10, STEPS // 3, 2 * STEPS // 3, STEPS]
    numbers["counter"] = {
        "beta2": BETA2_TORCH,
        "memory_steps": 1 / (1 - BETA2_TORCH),
        "period": period,
        "adam_final_x": float(x[-1, 2]),
        "amsgrad_final_x": float(x[-1, 3]),
        "adam_x_at": {str(t): float(x[t, 2]) for t in drift_at},
        "adam_recent_regret_per_step": float(recent[2]),
        "amsgrad_recent_regret_per_step": float(recent[3]),
        "adam_avg_regret": float(R[-1, 2]),
        "amsgrad_avg_regret": float(R[-1, 3]),
    }
    numbers["nadam"] = {
        "beta2": BETA2,
        "momentum_decay": [float(v) for v in sim["momentum_decay"]],
        "final_x": [float(v) for v in x[-1, 4:]],
        "recent_regret_per_step": [float(v) for v in recent[4:]],
        "avg_regret": [float(v) for v in R[-1, 4:]],
    }
    names = [
        f"{'AMSGrad' if j % 2 else 'Adam'}, beta2 = {b}"
        for j, b in enumerate((BETA2, BETA2, BETA2_TORCH, BETA2_TORCH))
    ] + [f"NAdam, beta2 = {BETA2}, momentum_decay = {fmt(d)}" for d in sim["momentum_decay"]]
    rows = [
        [
            name,
            float(x[-1, j]),
            f"{fmt(last[:, j].min())} to {fmt(last[:, j].max())}",
            *(float(R[t - 1, j]) for t in checkpoints[-2:]),
            float(recent[j]),
        ]
        for j, name in enumerate(names)
    ]

    figures = {}
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14.0, 8.4), dpi=DPI, layout="constrained")
    axes = fig.subplot_mosaic(
        [["all", "adam"], ["all", "amsgrad"], ["all", "nadam"]],
        gridspec_kw={"width_ratios": [2, 1]},
    )
    plot_iterates(sim, axes["all"], runs=(0, 1, 4))
    style(axes["all"], f"x_t over {STEPS:,} steps (log scale)", "step t", "x_t")
    axes["all"].legend(fontsize=LEGEND, loc="center left", framealpha=0.9, **VARIANTS)
    zoom = len(x) - 1 - ZOOM_PERIODS * period
    for j, key, name in ((0, "adam", "Adam"), (1, "amsgrad", "AMSGrad"), (4, "nadam", "NAdam")):
        plot_iterates(sim, axes[key], start=zoom, log=False, runs=(j,))
        style(
            axes[key],
            f"{name}, the last {ZOOM_PERIODS} periods (zoomed)",
            "step t" if key == "nadam" else "",
            "x_t",
        )
    fig.suptitle(
        "Reddi et al.'s problem: one gradient of +1010 every 101 steps, -10 "
        "otherwise; the best point is x = -1",
        fontsize=TITLE,
    )
    figures["iterates"] = fig

    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6))
    plot_regret(sim, axes[0], runs=(0, 1, 4), legend=False)  # one legend for both panels
    style(axes[0], "Average regret R_t / t (the paper's Figure 1)", "step t", "R_t / t")
    plot_regret(sim, axes[1], per_period=True, runs=(0, 1, 4))
    style(
        axes[1],
        "Regret added per step, in each period of 101 steps",
        "step t",
        "(R_t - R_t-101) / 101",
    )
    figures["regret"] = fig

    c = numbers["counter"]
    fig, ax = new_figure()
    plot_iterates(sim, ax, runs=(0, 2, 3))
    style(
        ax,
        f"x_t for Adam at beta2 = {BETA2} and {BETA2_TORCH} (PyTorch's default): final "
        f"x = {fmt(x[-1, 0])} and {fmt(c['adam_final_x'])}",
        "step t (log scale)",
        "x_t",
    )
    ax.legend(fontsize=LEGEND, loc="center left", framealpha=0.9, **VARIANTS)
    figures["beta2"] = fig

    header = [
        "",
        "final x",
        "x in the last period",
        *(f"R_t/t at t = {t:,}" for t in checkpoints[-2:]),
        f"regret per step, last {RECENT_PERIODS} periods",
    ]
    cmd, counter_cmd, nadam_cmd = (
        (
            "optcompare run "
            + " ".join(f"--opt {o}" for o in opts)
            + f" --problem {PROBLEM} --steps {STEPS} --lr-schedule {SCHEDULE}"
        )
        for opts in (OPTS, COUNTER, NADAM)
    )
    text = page(
        TITLE_,
        CLAIM,
        f"The online problem of Reddi, Kale & Kumar (2018, Section 5), problem `{PROBLEM}`: "
        f"on F = [-1, 1] the step-t loss is f_t(x) = 1010 x when t mod 101 = 1 and -10 x "
        f"otherwise. Over a period they add up to 10 x, so x = -1 is best and x = +1 worst "
        f"(the average slope is a = 10/101 = {fmt(a)}). PyTorch's Adam and AMSGrad "
        f"(bias-corrected, eps = 1e-8) with beta1 = 0.9, beta2 = {BETA2} as in the paper, "
        f"and again with PyTorch's default beta2 = {BETA2_TORCH} (the counter-case); "
        f"PyTorch's NAdam with Adam's settings at beta2 = {BETA2}, once with PyTorch's "
        f"default momentum_decay = {fmt(sim['momentum_decay'][0])} and once with 0; "
        f"step size {LR}/sqrt(t) (lr {LR}, schedule `{SCHEDULE}`), {STEPS:,} steps from "
        f"x = 0, iterates clipped to [-1, 1] after every step (the paper's projection). "
        f"Regret: R_T = sum_t f_t(x_t) - min over x in F of sum_t f_t(x), with x_t the "
        f"point played before f_t is revealed.",
        [cmd, counter_cmd, nadam_cmd],
        table(header, rows),
        findings(numbers, checkpoints, RECENT_PERIODS) + nadam_case(numbers, RECENT_PERIODS),
        [
            (
                f"iterates.{ext}",
                f"left: x_t over the whole run (log time axis), beta2 = {BETA2}. Right, "
                f"zoomed in on the last {ZOOM_PERIODS} periods: each big gradient is one sharp "
                f"move down, the 100 small ones that follow one slow move up. In the last "
                f"period Adam's x stayed between {fmt(last[:, 0].min())} and "
                f"{fmt(last[:, 0].max())}"
                + (" (held at +1 by the clipping)" if last[:, 0].max() >= 1.0 else "")
                + f", AMSGrad's between {fmt(last[:, 1].min())} and {fmt(last[:, 1].max())}"
                f", NAdam's (momentum_decay = {fmt(sim['momentum_decay'][0])}) between "
                f"{fmt(last[:, 4].min())} and {fmt(last[:, 4].max())}.",
            ),
            (
                f"regret.{ext}",
                f"left: the average regret R_t/t (log-log), which still carries "
                f"the large regret of the first periods. Right: the regret added per step within "
                f"each period, which shows where R_t/t is heading; the dashed line is the cost of "
                f"standing at x = +1 ({fmt(2 * a)} per step). Over the last {RECENT_PERIODS} "
                f"periods: Adam {fmt(recent[0])}, AMSGrad {fmt(recent[1])}, NAdam "
                f"{fmt(recent[4])} per step. Points "
                f"where it is negative are left out of the log scale.",
            ),
            (
                f"beta2.{ext}",
                f"the counter-case: x_t for Adam at beta2 = {BETA2} and at "
                f"PyTorch's default {BETA2_TORCH}, and AMSGrad at {BETA2_TORCH}; final x "
                f"{fmt(x[-1, 0])}, {fmt(c['adam_final_x'])} and {fmt(c['amsgrad_final_x'])}.",
            ),
        ],
        notes="Why Adam fails: its denominator sqrt(v) is a running average with a short "
        "memory (beta2 = 0.99: about 100 steps). Right after the big gradient, v is "
        "large and the step down is small; 100 steps later v has forgotten it and the "
        "small gradients get almost full-size steps up. AMSGrad divides by the largest "
        "v seen so far, so the big gradient keeps its weight and the average pull "
        "(toward -1) wins. The paper's Adam has no bias correction and no eps; "
        f"optcompare's is PyTorch's, which has both (here it ended at x = "
        f"{fmt(x[-1, 0])} at beta2 = {BETA2}). Reddi et al. chose beta1 = 0.9, "
        f"beta2 = {BETA2} for this experiment; PyTorch's default is beta2 = "
        f"{BETA2_TORCH}, whose memory (about {c['memory_steps']:,.0f} steps) is longer "
        f"than the period of {period} steps. The paper's Theorem 2 states that for any "
        f"beta1 < sqrt(beta2) some online convex problem gives Adam a non-zero average "
        f"regret, so a larger beta2 is no cure in general. The lr {LR} and the "
        f"{STEPS:,} steps were chosen so that both ends are reached within seconds; the "
        f"paper's main text does not give its step size. The stochastic variant "
        f"(`reddi:stochastic=true`: +1010 x with probability 0.01) is not part of this "
        f"lesson.",
        counter=counter_case(numbers, x[-1, 0], BETA2, RECENT_PERIODS),
    )
    keys = (
        "adam",
        "amsgrad",
        f"adam_beta2_{BETA2_TORCH}",
        f"amsgrad_beta2_{BETA2_TORCH}",
        "nadam",
        "nadam_momentum_decay_0",
    )
    header_csv = ["step", *(f"x_{k}" for k in keys), *(f"avg_regret_{k}" for k in keys)]
    csv_rows = (
        [
            t,
            *(repr(float(v)) for v in x[t]),
            *(("",) * len(keys) if t == 0 else (repr(float(v)) for v in R[t - 1])),
        ]
        for t in range(len(x))
    )  # no regret before the first step
    return LessonResult(
        figures=figures,
        text=text,
        numbers=numbers,
        tables={"iterates.csv": (header_csv, list(csv_rows))},
    )


TITLE_ = "Adam can converge to the worst point: Reddi et al.'s counterexample"
CLAIM = (
    f"On Reddi et al.'s convex online problem (lr {LR}/sqrt(t), {STEPS:,} steps), Adam "
    f"with beta1 = 0.9 and beta2 = {BETA2}, the paper's setting for this experiment, "
    f"drifts to the worst point of the domain and its average regret does not go to "
    f"zero; AMSGrad, which divides by the largest second moment seen so far, heads for "
    f"the best point. With PyTorch's default beta2 = {BETA2_TORCH} Adam does not reach "
    f"the worst point within those {STEPS:,} steps. Reddi et al. name Nadam among the "
    f"methods that can fail this way; PyTorch's NAdam runs beside Adam with its settings."
)

LESSON = Lesson(name="adam-nonconvergence", title=TITLE_, claim=CLAIM, run=run)
