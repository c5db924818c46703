"""Lesson ``adam-nonconvergence``: on Reddi et al.'s online problem Adam (beta2 = 0.99) ends at
the worst point; with PyTorch's default beta2 = 0.999 it does not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

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
from optcompare.plotting.style import by_label_note

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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
COUNTER = [f"adam:lr={LR},beta1=0.9,beta2={BETA2_TORCH}",
           f"adam:lr={LR},beta1=0.9,beta2={BETA2_TORCH},amsgrad=true"]
STEPS = 30_000
SCHEDULE = "inv-sqrt"
#: the zoom panel shows this many periods at the end of the run
ZOOM_PERIODS = 3
#: regret added per step is measured over this many periods at the end
RECENT_PERIODS = 10
#: every run is Adam, so each variant takes a palette colour and the legend says so
VARIANTS: dict[str, Any] = {"title": by_label_note("label"), "title_fontsize": LEGEND}
DIPS = "; x dips below +1 after each big gradient, which costs more on the small ones"


def simulate(steps: int = STEPS, lr: float = LR) -> dict:
    """Adam and AMSGrad at beta2 = 0.99 and 0.999 on ``reddi`` as one batch of four runs
    (amsgrad and beta2 are per-run columns), in the order of ``OPTS + COUNTER``.

    Returns the iterates x (steps+1, 4), the average regret R_t/t (steps, 4), the
    problem, the labels and the wall time.  Running all in one batch saves time; the
    trajectories are those of separate ``optcompare.run`` calls up to rounding (with
    beta2 a per-run column, beta2**t is an array power, which may differ in the last bit).
    """
    from optcompare.engine import run_batch
    from optcompare.engine.schedules import lr_factors
    from optcompare.experiments.choices import make_optimizers
    from optcompare.problem import make_problem

    problem = make_problem(PROBLEM)
    specs = [s.replace(f"lr={LR},", f"lr={lr},", 1) for s in OPTS + COUNTER]
    choices = make_optimizers(specs)
    values = dict(choices[0].values, amsgrad=np.array([False, True, False, True]),
                  beta2=np.array([BETA2, BETA2, BETA2_TORCH, BETA2_TORCH]))
    seeds = np.zeros(len(specs), dtype=np.int64)
    x0 = np.repeat(problem.start()[None, :], len(specs), axis=0)
    tr = run_batch(choices[0].optimizer, values, problem, x0, seeds, steps,
                   lr_factors=lr_factors(SCHEDULE, steps))
    assert tr.x is not None  # run_batch records the iterates unless told not to
    x = tr.x[:, :, 0]
    reddi: Any = problem  # the reddi problem adds regret() to the Problem interface
    return {"problem": problem, "labels": [c.label for c in choices], "x": x,
            "avg_regret": reddi.regret(x, seeds), "wall_time": tr.wall_time}


def plot_iterates(sim: dict, ax: Axes, start: int = 0, log: bool = True,
                  runs: tuple[int, ...] = (0, 1)) -> Axes:
    """x_t against t for the runs ``runs`` (0: Adam, 1: AMSGrad, 2 and 3 the same at
    beta2 = 0.999) from step ``start``.

    The best (-1) and worst (+1) points are marked where they are in view.
    """
    from optcompare.plotting import label_palette

    # all four runs are Adam: a colour per variant, not shades of one hue
    colors = label_palette(sim["labels"])
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
    if len(runs) > 1:
        lo, hi = -1.0, 1.0
    pad = max(0.1 * (hi - lo), 1e-3)
    ax.set_ylim(lo - pad, hi + pad)
    # reference lines in grey, so that they never take an optimizer's colour
    for y, text, color, va in ((1.0, "worst point x = +1 ", "0.25", "bottom"),
                               (-1.0, "best point x = -1 ", "0.25", "top")):
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


def recent_regret(avg_regret: np.ndarray, t: int, k: int) -> np.ndarray:
    """Regret added per step over steps t-k+1..t, per run: (R_t - R_t-k) / k."""
    R = avg_regret
    return (R[t - 1] * t - R[t - 1 - k] * (t - k)) / k


def plot_regret(sim: dict, ax: Axes, per_period: bool = False,
                runs: tuple[int, ...] = (0, 1)) -> Axes:
    """Average regret R_t / t (or the regret added per step in each period) of the runs
    ``runs`` against t, log-log, with the cost per step of standing at x = +1."""
    from optcompare.plotting import label_palette

    # all four runs are Adam: a colour per variant, not shades of one hue
    colors = label_palette(sim["labels"])
    if per_period:
        t, R = period_regret(sim)
    else:
        R = sim["avg_regret"]
        t = np.arange(1, len(R) + 1)
    worst = 2.0 * sim["problem"].slope
    for j in runs:
        lab = sim["labels"][j]
        ax.plot(t, np.where(R[:, j] > 0, R[:, j], np.nan), color=colors[lab], lw=2.0,
                label=lab)
    ax.axhline(worst, color="0.3", lw=1.2, ls="--",
               label=f"standing at x = +1: {fmt(worst)} per step")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(fontsize=LEGEND, loc="lower left", framealpha=0.9, **VARIANTS)
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
    recent = recent_regret(R, T, k)
    # against -1, standing still at the window's mean x costs a (mean + 1) per step; the
    # rest of the regret comes from x moving within the periods
    numbers["amsgrad_standing_cost"] = float(a * (x[T - k:T, 1].mean() + 1))
    numbers["amsgrad_recent_regret_earlier"] = float(recent_regret(R, STEPS // 3, k)[1])
    numbers["earlier_step"] = STEPS // 3
    numbers["adam_recent_regret_per_step"] = float(recent[0])
    numbers["amsgrad_recent_regret_per_step"] = float(recent[1])
    last = x[-period - 1:, :]  # the last full period
    numbers["adam_last_period_min_x"] = float(last[:, 0].min())
    numbers["amsgrad_last_period_min_x"] = float(last[:, 1].min())
    numbers["amsgrad_last_period_max_x"] = float(last[:, 1].max())
    drift_at = [STEPS // 10, STEPS // 3, 2 * STEPS // 3, STEPS]
    numbers["counter"] = {
        "beta2": BETA2_TORCH, "memory_steps": 1 / (1 - BETA2_TORCH), "period": period,
        "adam_final_x": float(x[-1, 2]), "amsgrad_final_x": float(x[-1, 3]),
        "adam_x_at": {str(t): float(x[t, 2]) for t in drift_at},
        "adam_recent_regret_per_step": float(recent[2]),
        "amsgrad_recent_regret_per_step": float(recent[3]),
        "adam_avg_regret": float(R[-1, 2]), "amsgrad_avg_regret": float(R[-1, 3])}
    names = [f"{'AMSGrad' if j % 2 else 'Adam'}, beta2 = {b}"
             for j, b in enumerate((BETA2, BETA2, BETA2_TORCH, BETA2_TORCH))]
    rows = [[name, float(x[-1, j]), f"{fmt(last[:, j].min())} to {fmt(last[:, j].max())}",
             *(float(R[t - 1, j]) for t in checkpoints[-2:]), float(recent[j])]
            for j, name in enumerate(names)]

    figures = {}
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14.0, 6.4), dpi=DPI, layout="constrained")
    axes = fig.subplot_mosaic([["all", "adam"], ["all", "amsgrad"]],
                              gridspec_kw={"width_ratios": [2, 1]})
    plot_iterates(sim, axes["all"])
    style(axes["all"], f"x_t over {STEPS:,} steps (log scale)", "step t", "x_t")
    axes["all"].legend(fontsize=LEGEND, loc="center left", framealpha=0.9, **VARIANTS)
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

    c = numbers["counter"]
    fig, ax = new_figure()
    plot_iterates(sim, ax, runs=(0, 2, 3))
    style(ax, f"x_t for Adam at beta2 = {BETA2} and {BETA2_TORCH} (PyTorch's default): final "
              f"x = {fmt(x[-1, 0])} and {fmt(c['adam_final_x'])}", "step t (log scale)", "x_t")
    ax.legend(fontsize=LEGEND, loc="center left", framealpha=0.9, **VARIANTS)
    figures["beta2"] = fig

    header = ["", "final x", "x in the last period",
              *(f"R_t/t at t = {t:,}" for t in checkpoints[-2:]),
              f"regret per step, last {RECENT_PERIODS} periods"]
    cmd, counter_cmd = (("optcompare run " + " ".join(f"--opt {o}" for o in opts)
                         + f" --problem {PROBLEM} --steps {STEPS} --lr-schedule {SCHEDULE}")
                        for opts in (OPTS, COUNTER))
    text = page(
        TITLE_, CLAIM,
        f"The online problem of Reddi, Kale & Kumar (2018, Section 5), problem `{PROBLEM}`: "
        f"on F = [-1, 1] the step-t loss is f_t(x) = 1010 x when t mod 101 = 1 and -10 x "
        f"otherwise. Over a period they add up to 10 x, so x = -1 is best and x = +1 worst "
        f"(the average slope is a = 10/101 = {fmt(a)}). PyTorch's Adam and AMSGrad "
        f"(bias-corrected, eps = 1e-8) with beta1 = 0.9, beta2 = {BETA2} as in the paper, "
        f"and again with PyTorch's default beta2 = {BETA2_TORCH} (the counter-case), "
        f"step size {LR}/sqrt(t) (lr {LR}, schedule `{SCHEDULE}`), {STEPS:,} steps from "
        f"x = 0, iterates clipped to [-1, 1] after every step (the paper's projection). "
        f"Regret: R_T = sum_t f_t(x_t) - min over x in F of sum_t f_t(x), with x_t the "
        f"point played before f_t is revealed.",
        [cmd, counter_cmd],
        table(header, rows),
        _findings(numbers, checkpoints),
        [(f"iterates.{ext}", f"left: x_t over the whole run (log time axis), beta2 = "
          f"{BETA2}. Right, zoomed in on the last {ZOOM_PERIODS} periods: each big gradient is "
          f"one sharp move down, the 100 small ones that follow one slow move up. In the last "
          f"period Adam's x stayed between {fmt(last[:, 0].min())} and "
          f"{fmt(last[:, 0].max())}"
          + (" (held at +1 by the clipping)" if last[:, 0].max() >= 1.0 else "")
          + f", AMSGrad's between {fmt(last[:, 1].min())} and {fmt(last[:, 1].max())}."),
         (f"regret.{ext}", f"left: the average regret R_t/t (log-log), which still carries "
          f"the large regret of the first periods. Right: the regret added per step within "
          f"each period, which shows where R_t/t is heading; the dashed line is the cost of "
          f"standing at x = +1 ({fmt(2 * a)} per step). Over the last {RECENT_PERIODS} "
          f"periods: Adam {fmt(recent[0])}, AMSGrad {fmt(recent[1])} per step. Points "
          f"where it is negative are left out of the log scale."),
         (f"beta2.{ext}", f"the counter-case: x_t for Adam at beta2 = {BETA2} and at "
          f"PyTorch's default {BETA2_TORCH}, and AMSGrad at {BETA2_TORCH}; final x "
          f"{fmt(x[-1, 0])}, {fmt(c['adam_final_x'])} and {fmt(c['amsgrad_final_x'])}.")],
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
        counter=_counter(numbers, x[-1, 0]),
    )
    keys = ("adam", "amsgrad", f"adam_beta2_{BETA2_TORCH}", f"amsgrad_beta2_{BETA2_TORCH}")
    header_csv = ["step", *(f"x_{k}" for k in keys), *(f"avg_regret_{k}" for k in keys)]
    csv_rows = ([t, *(repr(float(v)) for v in x[t]),
                 *(("",) * len(keys) if t == 0 else (repr(float(v)) for v in R[t - 1]))]
                for t in range(len(x)))  # no regret before the first step
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        tables={"iterates.csv": (header_csv, list(csv_rows))})


def _against(v: float, ref: float) -> str:
    """How ``v`` compares with ``ref`` (both positive), in words for a sentence."""
    return (f"{fmt(v / ref, 2)} times what" if v > 1.1 * ref else
            "about as much as" if v >= 0.9 * ref else f"{fmt(v / ref, 2)} of what")


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
               + (f", {_against(ka, worst)} standing at x = +1 costs ({fmt(worst)} per "
                  f"step{DIPS if ka > 1.1 * worst else ''}): R_t/t is heading for about "
                  f"{fmt(ka)}, not for 0."
                  if ka > 0.5 * worst else
                  f", less than half of what standing at +1 costs ({fmt(worst)}): this run "
                  f"does not show clearly that R_t/t stays away from 0."))
    if km < 0.1 * worst:
        out.append(f"AMSGrad's average regret went from {fmt(rm0)} to {fmt(rm1)}, and "
                   f"{recent} its regret grew by only {fmt(km)} per step: R_t/t is on its "
                   f"way to 0.")
    elif km < 0.5 * ka:
        stand, earlier = n["amsgrad_standing_cost"], n["amsgrad_recent_regret_earlier"]
        trend = ("falling" if km < earlier else "not falling")
        out.append(f"AMSGrad's average regret went from {fmt(rm0)} to {fmt(rm1)}; {recent} "
                   f"its regret grew by {fmt(km)} per step, {fmt(ka / km, 2)} times less than "
                   f"Adam's. Standing still at its mean x over those periods would cost only "
                   f"{fmt(stand)} per step; the rest comes from x moving within each period "
                   f"(between {fmt(n['amsgrad_last_period_min_x'])} and "
                   f"{fmt(n['amsgrad_last_period_max_x'])} in the last one). Over the "
                   f"{RECENT_PERIODS} periods up to t = {n['earlier_step']:,} it was "
                   f"{fmt(earlier)} per step: {trend}.")
    else:
        out.append(f"AMSGrad's average regret went from {fmt(rm0)} to {fmt(rm1)}; {recent} "
                   f"its regret grew by {fmt(km)} per step, not clearly less than Adam's "
                   f"{fmt(ka)}.")
    return out


TITLE_ = "Adam can converge to the worst point: Reddi et al.'s counterexample"
CLAIM = (f"On Reddi et al.'s convex online problem (lr {LR}/sqrt(t), {STEPS:,} steps), Adam "
         f"with beta1 = 0.9 and beta2 = {BETA2}, the paper's setting for this experiment, "
         f"drifts to the worst point of the domain and its average regret does not go to "
         f"zero; AMSGrad, which divides by the largest second moment seen so far, heads for "
         f"the best point. With PyTorch's default beta2 = {BETA2_TORCH} Adam does not reach "
         f"the worst point within those {STEPS:,} steps.")

LESSON = Lesson(name="adam-nonconvergence", title=TITLE_, claim=CLAIM, run=run)


def _counter(n: dict, adam_x: float) -> list[str]:
    c = n["counter"]
    b, xa, xm = c["beta2"], c["adam_final_x"], c["amsgrad_final_x"]
    if xa > 0.9:
        where = "next to the worst point +1: the failure holds at this beta2 too"
    elif xa > 0:
        where = "on the wrong side, but not at the worst point +1"
    else:
        where = "on the best side, not at the worst point +1"
    out = [f"With PyTorch's default beta2 = {b} and everything else the same, Adam ended at "
           f"x = {fmt(xa)} ({where}), against x = {fmt(adam_x)} at beta2 = {BETA2}; AMSGrad "
           f"at beta2 = {b} ended at x = {fmt(xm)}. Its memory, about 1 / (1 - beta2) = "
           f"{c['memory_steps']:,.0f} steps, is longer than the period of {c['period']} "
           f"steps, so v still holds the big gradient when the small ones come."]
    xs = list(c["adam_x_at"].items())
    path = ", ".join(f"{fmt(v)} at t = {int(t):,}" for t, v in xs)
    (t1, x1), (t2, x2) = xs[-2], xs[-1]
    move = x2 - x1
    if abs(move) < 0.01:
        trend = f"it moved by only {fmt(move)} from t = {int(t1):,} to {int(t2):,}"
    else:
        trend = (f"it was still moving {'up, toward +1' if move > 0 else 'down, toward -1'} "
                 f"({fmt(move, 2)} from t = {int(t1):,} to {int(t2):,}), so this run does not "
                 f"show where it settles")
    out.append(f"Adam's x at beta2 = {b}: {path}; {trend}. Over the last {RECENT_PERIODS} "
               f"periods its regret grew by {fmt(c['adam_recent_regret_per_step'])} per step, "
               f"against {fmt(n['regret_at_plus_one'])} for standing at x = +1.")
    return out
