"""Lesson ``adam-nonconvergence``: on Reddi et al.'s online problem Adam ends at the worst point."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optcompare.lessons.base import (
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

if TYPE_CHECKING:
    from matplotlib.axes import Axes

PROBLEM = "reddi"
LR = 0.5
BETAS = "beta1=0.9,beta2=0.99"
ADAM = f"adam:lr={LR},{BETAS}"
AMSGRAD = f"adam:lr={LR},{BETAS},amsgrad=true"
OPTS = [ADAM, AMSGRAD]
STEPS = 30_000
SCHEDULE = "inv-sqrt"
#: the zoom panel shows this many periods at the end of the run
ZOOM_PERIODS = 3
#: regret added per step is measured over this many periods at the end
RECENT_PERIODS = 10


def simulate(steps: int = STEPS, lr: float = LR) -> dict:
    """Adam and AMSGrad on ``reddi`` as one batch of two runs (amsgrad is a per-run column).

    Returns the iterates x (steps+1, 2), the average regret R_t/t (steps, 2), the
    problem, the labels and the wall time.  Running both in one batch halves the
    time; the trajectories are those of two separate ``optcompare.run`` calls.
    """
    from optcompare.engine import run_batch
    from optcompare.engine.schedules import lr_factors
    from optcompare.experiments.choices import make_optimizers
    from optcompare.problem import make_problem

    problem = make_problem(PROBLEM)
    choices = make_optimizers([f"adam:lr={lr},{BETAS}", f"adam:lr={lr},{BETAS},amsgrad=true"])
    values = dict(choices[0].values, amsgrad=np.array([False, True]))
    seeds = np.zeros(2, dtype=np.int64)
    x0 = np.repeat(problem.start()[None, :], 2, axis=0)
    tr = run_batch(choices[0].optimizer, values, problem, x0, seeds, steps,
                   lr_factors=lr_factors(SCHEDULE, steps))
    x = tr.x[:, :, 0]
    return {"problem": problem, "labels": [c.label for c in choices], "x": x,
            "avg_regret": problem.regret(x, seeds), "wall_time": tr.wall_time}


def plot_iterates(sim: dict, ax: Axes, start: int = 0, log: bool = True,
                  runs: tuple[int, ...] = (0, 1)) -> Axes:
    """x_t against t for the runs ``runs`` (0: Adam, 1: AMSGrad) from step ``start``.

    The best (-1) and worst (+1) points are marked where they are in view.
    """
    from optcompare.plotting import label_colors

    colors = label_colors(sim["labels"])
    x = sim["x"]
    t = np.arange(len(x))
    keep = slice(max(start, 1 if log else 0), None)
    for j in runs:
        lab = sim["labels"][j]
        ax.plot(t[keep], x[keep, j], color=colors[lab], lw=1.6, label=lab)
    if log:
        ax.set_xscale("log")
    seen = x[keep][:, list(runs)]
    lo, hi = float(seen.min()), float(seen.max())
    if len(runs) == 2:
        lo, hi = -1.0, 1.0
    pad = max(0.1 * (hi - lo), 1e-3)
    ax.set_ylim(lo - pad, hi + pad)
    for y, text, color, va in ((1.0, "worst point x = +1 ", "#D55E00", "bottom"),
                               (-1.0, "best point x = -1 ", "#009E73", "top")):
        if lo - pad <= y <= hi + pad:
            ax.axhline(y, color=color, lw=1.0, ls=":")
            ax.text(1.0, y, text, transform=ax.get_yaxis_transform(), ha="right", va=va,
                    fontsize=LEGEND, color=color)
    return ax


def period_regret(sim: dict) -> tuple[np.ndarray, np.ndarray]:
    """Regret added per step within each whole period: the end step of each period and
    (R_end - R_start) / period, shape (periods, 2)."""
    R = sim["avg_regret"] * np.arange(1, len(sim["avg_regret"]) + 1)[:, None]  # R_t
    period = sim["problem"].period
    ends = np.arange(period, len(R) + 1, period)  # t = period, 2 period, ...
    cum = np.vstack([np.zeros((1, R.shape[1])), R[ends - 1]])
    return ends, np.diff(cum, axis=0) / period


def plot_regret(sim: dict, ax: Axes, per_period: bool = False) -> Axes:
    """Average regret R_t / t (or the regret added per step in each period) against t,
    log-log, with the cost per step of standing at x = +1."""
    from optcompare.plotting import label_colors

    colors = label_colors(sim["labels"])
    if per_period:
        t, R = period_regret(sim)
    else:
        R = sim["avg_regret"]
        t = np.arange(1, len(R) + 1)
    worst = 2.0 * sim["problem"].slope
    for j, lab in enumerate(sim["labels"]):
        ax.plot(t, np.where(R[:, j] > 0, R[:, j], np.nan), color=colors[lab], lw=2.0,
                label=lab)
    ax.axhline(worst, color="0.3", lw=1.2, ls="--",
               label=f"standing at x = +1: {fmt(worst)} per step")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(fontsize=LEGEND, loc="lower left", framealpha=0.9)
    return ax


def run(ext: str = "png") -> LessonResult:
    sim = simulate()
    problem, x, R = sim["problem"], sim["x"], sim["avg_regret"]
    period = problem.period
    a = problem.slope
    checkpoints = [t for t in (STEPS // 100, STEPS // 10, STEPS) if t >= 1]
    numbers: dict = {
        "problem": PROBLEM, "steps": STEPS, "lr": LR, "lr_schedule": SCHEDULE,
        "average_slope": a, "regret_at_plus_one": 2 * a,
        "adam_final_x": float(x[-1, 0]), "amsgrad_final_x": float(x[-1, 1]),
        "adam_avg_regret": float(R[-1, 0]), "amsgrad_avg_regret": float(R[-1, 1]),
        "avg_regret_at": {str(t): [float(R[t - 1, 0]), float(R[t - 1, 1])]
                          for t in checkpoints},
    }
    # regret added per step over the last periods: where R_t / t is heading
    k = RECENT_PERIODS * period
    T = len(R)
    recent = (R[-1] * T - R[-1 - k] * (T - k)) / k
    numbers["adam_recent_regret_per_step"] = float(recent[0])
    numbers["amsgrad_recent_regret_per_step"] = float(recent[1])
    last = x[-period - 1:, :]  # the last full period
    numbers["adam_last_period_min_x"] = float(last[:, 0].min())
    numbers["amsgrad_last_period_min_x"] = float(last[:, 1].min())
    numbers["amsgrad_last_period_max_x"] = float(last[:, 1].max())
    per_step = (numbers["adam_recent_regret_per_step"],
                numbers["amsgrad_recent_regret_per_step"])
    rows = [[name, float(x[-1, j]), f"{fmt(last[:, j].min())} to {fmt(last[:, j].max())}",
             *(float(R[t - 1, j]) for t in checkpoints[-2:]), per_step[j]]
            for j, name in enumerate(("Adam", "AMSGrad"))]

    figures = {}
    from matplotlib.figure import Figure

    from optcompare.lessons.base import DPI

    fig = Figure(figsize=(14.0, 6.4), dpi=DPI, layout="constrained")
    axes = fig.subplot_mosaic([["all", "adam"], ["all", "amsgrad"]],
                              gridspec_kw={"width_ratios": [2, 1]})
    plot_iterates(sim, axes["all"])
    style(axes["all"], f"x_t over {STEPS:,} steps (log scale)", "step t", "x_t")
    axes["all"].legend(fontsize=LEGEND, loc="center left", framealpha=0.9)
    zoom = len(x) - 1 - ZOOM_PERIODS * period
    for j, key in enumerate(("adam", "amsgrad")):
        plot_iterates(sim, axes[key], start=zoom, log=False, runs=(j,))
        name = "Adam" if j == 0 else "AMSGrad"
        style(axes[key], f"{name}, the last {ZOOM_PERIODS} periods (zoomed)",
              "step t" if j else "", "x_t")
    fig.suptitle("Reddi et al.'s problem: one gradient of +1010 every 101 steps, -10 "
                 "otherwise; the best point is x = -1", fontsize=TITLE)
    figures["iterates"] = fig

    fig, axes = new_figure(1, 2, figsize=(14.0, 5.6))
    plot_regret(sim, axes[0])
    style(axes[0], "Average regret R_t / t (the paper's Figure 1)", "step t", "R_t / t")
    plot_regret(sim, axes[1], per_period=True)
    style(axes[1], "Regret added per step, in each period of 101 steps", "step t",
          "(R_t - R_t-101) / 101")
    figures["regret"] = fig

    header = ["", "final x", "x in the last period",
              *(f"R_t/t at t = {t:,}" for t in checkpoints[-2:]),
              f"regret per step, last {RECENT_PERIODS} periods"]
    cmd = ("optcompare run " + " ".join(f"--opt {o}" for o in OPTS)
           + f" --problem {PROBLEM} --steps {STEPS} --lr-schedule {SCHEDULE}")
    text = page(
        TITLE_, CLAIM,
        f"The online problem of Reddi, Kale & Kumar (2018, Section 5), problem `{PROBLEM}`: "
        f"on F = [-1, 1] the step-t loss is f_t(x) = 1010 x when t mod 101 = 1 and -10 x "
        f"otherwise. Over a period they add up to 10 x, so x = -1 is best and x = +1 worst "
        f"(the average slope is a = 10/101 = {fmt(a)}). PyTorch's Adam and AMSGrad "
        f"(bias-corrected, eps = 1e-8) with beta1 = 0.9, beta2 = 0.99 as in the paper, "
        f"step size {LR}/sqrt(t) (lr {LR}, schedule `{SCHEDULE}`), {STEPS:,} steps from "
        f"x = 0, iterates clipped to [-1, 1] after every step (the paper's projection). "
        f"Regret: R_T = sum_t f_t(x_t) - min over x in F of sum_t f_t(x), with x_t the "
        f"point played before f_t is revealed.",
        [cmd],
        table(header, rows),
        _findings(numbers, checkpoints),
        [(f"iterates.{ext}", "left: x_t over the whole run (log time axis): where each one "
          "drifts once the first periods are over. Right, zoomed in on the last periods: "
          "each big gradient is one sharp move down, the 100 small ones that follow one "
          "slow move up; for Adam the slow move up wins (x is held at +1 by the clipping); "
          "for AMSGrad the two nearly cancel, with the slow net drift down that the left "
          "panel shows."),
         (f"regret.{ext}", "left: the average regret R_t/t (log-log), which still carries "
          "the large regret of the first periods. Right: the regret added per step within "
          "each period, which shows where R_t/t is heading: Adam's levels off at or above "
          "the dashed line (the cost of standing at x = +1), AMSGrad's keeps falling. Points "
          "where it is negative are left out of the log scale.")],
        notes="Why Adam fails: its denominator sqrt(v) is a running average with a short "
              "memory (beta2 = 0.99: about 100 steps). Right after the big gradient, v is "
              "large and the step down is small; 100 steps later v has forgotten it and the "
              "small gradients get almost full-size steps up. AMSGrad divides by the largest "
              "v seen so far, so the big gradient keeps its weight and the average pull "
              "(toward -1) wins. The paper's Adam has no bias correction and no eps; "
              "optcompare's is PyTorch's, which has both, and it fails the same way. The "
              "lr 0.5 and the 30,000 steps were chosen so that both ends are reached "
              "within seconds; the paper does not give its step size. The stochastic "
              "variant (`reddi:stochastic=true`: +1010 x with probability 0.01) needs far "
              "longer runs for AMSGrad to settle and is not part of this lesson.",
    )
    header_csv = ["step", *(f"x_{k}" for k in ("adam", "amsgrad")),
                  *(f"avg_regret_{k}" for k in ("adam", "amsgrad"))]
    R_full = np.vstack([np.full((1, 2), np.nan), R])  # no regret before the first step
    csv_rows = ([t, repr(float(x[t, 0])), repr(float(x[t, 1])),
                 "" if t == 0 else repr(float(R_full[t, 0])),
                 "" if t == 0 else repr(float(R_full[t, 1]))] for t in range(len(x)))
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        tables={"iterates.csv": (header_csv, list(csv_rows))})


def _findings(n: dict, checkpoints: list[int]) -> list[str]:
    out = []
    xa, xm = n["adam_final_x"], n["amsgrad_final_x"]
    if xa > 0.9:
        out.append(f"Adam ended at x = {fmt(xa)}, next to the worst point +1.")
    elif xa > 0:
        out.append(f"Adam ended at x = {fmt(xa)}: on the wrong side, but not yet at +1.")
    else:
        out.append(f"Adam ended at x = {fmt(xa)}: it did not drift to the worst point on "
                   f"this run.")
    if xm < -0.9:
        out.append(f"AMSGrad ended at x = {fmt(xm)}, next to the best point -1.")
    elif xm < 0:
        out.append(f"AMSGrad ended at x = {fmt(xm)}: heading for the best point -1, not "
                   f"there yet.")
    else:
        out.append(f"AMSGrad ended at x = {fmt(xm)}: it did not reach the best side on "
                   f"this run.")
    first, end = str(checkpoints[-2]), str(checkpoints[-1])
    ra0, rm0 = n["avg_regret_at"][first]
    ra1, rm1 = n["adam_avg_regret"], n["amsgrad_avg_regret"]
    worst = n["regret_at_plus_one"]
    ka, km = n["adam_recent_regret_per_step"], n["amsgrad_recent_regret_per_step"]
    recent = f"over the last {RECENT_PERIODS} periods"
    out.append(f"Adam's average regret R_t/t went from {fmt(ra0)} at t = {int(first):,} to "
               f"{fmt(ra1)} at t = {int(end):,}, but {recent} its regret grew by {fmt(ka)} "
               f"per step"
               + (f", as much as standing at x = +1 costs ({fmt(worst)} per step): R_t/t is "
                  f"heading for about that, not for 0." if ka > 0.5 * worst else
                  f", less than half of what standing at +1 costs ({fmt(worst)}): this run "
                  f"does not show clearly that R_t/t stays away from 0."))
    if km < 0.1 * worst:
        out.append(f"AMSGrad's average regret went from {fmt(rm0)} to {fmt(rm1)}, and "
                   f"{recent} its regret grew by only {fmt(km)} per step: R_t/t is on its "
                   f"way to 0.")
    elif km < 0.5 * ka:
        out.append(f"AMSGrad's average regret went from {fmt(rm0)} to {fmt(rm1)}; {recent} "
                   f"its regret grew by {fmt(km)} per step, {fmt(ka / km, 2)} times less than "
                   f"Adam's. Most of it comes from x still wobbling within each period "
                   f"(between {fmt(n['amsgrad_last_period_min_x'])} and "
                   f"{fmt(n['amsgrad_last_period_max_x'])} in the last one) and shrinks with "
                   f"the step size: R_t/t keeps falling, slowly.")
    else:
        out.append(f"AMSGrad's average regret went from {fmt(rm0)} to {fmt(rm1)}; {recent} "
                   f"its regret grew by {fmt(km)} per step, not clearly less than Adam's "
                   f"{fmt(ka)}.")
    return out


TITLE_ = "Adam can converge to the worst point: Reddi et al.'s counterexample"
CLAIM = ("On a simple convex online problem Adam, with the usual beta1 = 0.9 and "
         "beta2 = 0.99, drifts to the worst point of the domain and its average regret does "
         "not go to zero; AMSGrad, which never lets its denominator shrink, finds the best "
         "point.")

LESSON = Lesson(name="adam-nonconvergence", title=TITLE_, claim=CLAIM, run=run)
