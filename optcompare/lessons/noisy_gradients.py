"""Lesson ``noisy-gradients``: with noisy gradients, compare medians and bands over many seeds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optcompare.lessons.base import (
    LEGEND,
    Lesson,
    LessonResult,
    command,
    fmt,
    fmt_gap,
    new_figure,
    page,
    retitle,
    style,
    table,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result

PROBLEM = "noisy-quadratic"
#: the same quadratic without noise (noisy-quadratic's defaults: h = (1, 1/kappa), kappa 10)
NOISE_FREE = "expr:(x**2 + 0.1*y**2)/2;start=3,3;minima=0,0;name=quadratic-without-noise"
OPTS = ["sgd", "sgd:momentum=0.9", "rmsprop", "adam"]
STEPS = 500
SEEDS = 20
TUNE_SEEDS = 3  # optcompare.run's default
#: the counter-case's schedule: the lr decays to 0 over the run
SCHEDULE = "cosine"
#: a median gap that fell by less than this factor over the second half counts as a floor
FLOOR_FACTOR = 2.0
#: the last 10% of the steps, where a decayed lr has nearly stopped the runs
LATE = STEPS - STEPS // 10


def display(label: str) -> str:
    """An optimizer's name for a sentence: "SGD with momentum 0.9" (no lr, no "(tuned)")."""
    words = label.split()
    name = {"sgd": "SGD", "rmsprop": "RMSProp", "adam": "Adam"}.get(words[0], words[0])
    momentum = [w.split("=")[1] for w in words if w.startswith("momentum=")]
    return f"{name} with momentum {momentum[0]}" if momentum else name


def sgd_expected_gap(lr: float, h: np.ndarray, x0: np.ndarray, steps: int,
                     batch: int = 1) -> float:
    """E[f(x_t)] - f* of plain SGD on the noisy quadratic, gradient noise N(0, H / batch).

    The second moment s_i = E[x_i^2] obeys s_i(t+1) = (1 - lr h_i)^2 s_i(t) + lr^2 h_i / batch
    (Zhang et al. 2019), so E f_t = sum_i h_i s_i(t) / 2 in closed form.
    """
    beta = (1.0 - lr * h) ** 2
    s_inf = lr**2 * h / batch / (1.0 - beta)
    s_t = s_inf + beta**steps * (x0**2 - s_inf)
    return float(0.5 * np.sum(h * s_t))


def final_gaps(result: Result, label: str) -> np.ndarray:
    """Final loss - f* of each seed of ``label``; a diverged run counts as +inf."""
    f_star = result.problem.f_star or 0.0
    return np.array([np.inf if r.diverged_at is not None else r.final_loss - f_star
                     for r in result.runs_of(label)])


def plot_final_gaps(result: Result, ax: Axes) -> Axes:
    """Every seed's final loss - f* per optimizer (dots), with the median and 25-75% bar."""
    from optcompare import stats
    from optcompare.plotting import result_colors

    colors = result_colors(result)
    rng = np.random.default_rng(0)  # horizontal jitter only, so dots do not hide each other
    ax.set_yscale("log")
    for i, lab in enumerate(result.labels):
        g = final_gaps(result, lab)
        q25, med, q75 = stats.median_and_band(np.maximum(g, 1e-16))
        g = np.where(np.isfinite(g), np.maximum(g, 1e-16), np.nan)
        ax.scatter(i + rng.uniform(-0.15, 0.15, len(g)), g, s=28, color=colors[lab],
                   alpha=0.7, edgecolors="none", zorder=3)
        ax.plot([i - 0.3, i + 0.3], [med, med], color="black", lw=2.5, zorder=4)
        ax.add_patch(_box(i, q25, q75, colors[lab]))
    ax.set_xticks(range(len(result.labels)))
    ax.set_xticklabels([lab.replace(" ", "\n", 1) for lab in result.labels], fontsize=LEGEND)
    ax.set_xlim(-0.6, len(result.labels) - 0.4)
    return ax


def _box(i: float, lo: float, hi: float, color: str):
    from matplotlib.patches import Rectangle

    return Rectangle((i - 0.3, lo), 0.6, hi - lo, facecolor=color, alpha=0.15,
                     edgecolor=color, lw=1.5, zorder=2)


def summarise(result: Result) -> dict[str, dict]:
    """Per label: tuned lr, final-gap quartiles, the median gap halfway, divergences."""
    from optcompare import stats

    f_star = result.problem.f_star or 0.0
    out = {}
    for lab in result.labels:
        g = final_gaps(result, lab)
        q25, med, q75 = stats.median_and_band(g)
        L = np.array([r.loss for r in result.runs_of(lab)]) - f_star
        out[lab] = {"lr": float(result.tuning[lab]["lr"]), "final_gap_median": med,
                    "final_gap_q25": q25, "final_gap_q75": q75,
                    "final_gap_mean": float(np.mean(g)),
                    "gap_median_at_half": float(stats.median(L[:, STEPS // 2])),
                    "gap_median_late": float(stats.median(L[:, LATE])),
                    "diverged": int(np.sum(~np.isfinite(g)))}
    return out


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.experiments.tuning import TUNE_GRID
    from optcompare.plotting import plot_loss, plot_path

    result = optcompare.run(OPTS, PROBLEM, steps=STEPS, seeds=SEEDS, tune=True,
                            tune_seeds=TUNE_SEEDS)
    labels = result.labels
    numbers: dict = {"problem": PROBLEM, "steps": STEPS, "seeds": SEEDS,
                     "tune_seeds": TUNE_SEEDS, "optimizers": summarise(result)}
    o = numbers["optimizers"]
    finals = {lab: final_gaps(result, lab) for lab in labels}
    order = sorted(labels, key=lambda lab: o[lab]["final_gap_median"])
    best, second = order[0], order[1]
    numbers["ranking"] = order
    numbers["best"], numbers["runner_up"] = best, second
    # the runs of one seed share their gradient noise, so seed-by-seed is a paired comparison
    numbers["seeds_best_beats_runner_up"] = int(np.sum(finals[best] < finals[second]))
    F = np.array([finals[lab] for lab in labels])
    numbers["seeds_best_is_first"] = int(np.sum(np.argmin(F, axis=0) == labels.index(best)))
    problem = result.problem
    sgd = labels[0]
    numbers["sgd_expected_gap"] = sgd_expected_gap(o[sgd]["lr"], np.asarray(problem.h),
                                                   problem.start(), STEPS)
    numbers["sgd_floor"] = sgd_expected_gap(o[sgd]["lr"], np.asarray(problem.h),
                                            problem.start(), 10**9)

    # the counter-cases: the same tuning with a decaying lr, and without noise
    decayed = optcompare.run(OPTS, PROBLEM, steps=STEPS, seeds=SEEDS, tune=True,
                             tune_seeds=TUNE_SEEDS, lr_schedule=SCHEDULE)
    clean = optcompare.run(OPTS, NOISE_FREE, steps=STEPS, seeds=SEEDS, tune=True,
                           tune_seeds=TUNE_SEEDS)
    numbers["schedule"] = SCHEDULE
    numbers["decayed"] = dict(zip(OPTS, summarise(decayed).values(), strict=True))
    numbers["noise_free"] = dict(zip(OPTS, summarise(clean).values(), strict=True))
    numbers["noise_free_seeds_identical"] = all(
        all(np.array_equal(r.x, clean.runs_of(lab)[0].x) for r in clean.runs_of(lab))
        for lab in clean.labels)
    numbers["specs"] = dict(zip(labels, OPTS, strict=True))

    rows = []
    for lab in labels:
        e = o[lab]
        q25, q75 = e["final_gap_q25"], e["final_gap_q75"]
        rows.append([display(lab), e["lr"], e["final_gap_median"],
                     f"{fmt(q25, 2)} to {fmt(q75, 2)}",
                     fmt(q75 / q25, 2) if q25 > 0 else "inf", e["gap_median_at_half"],
                     numbers["decayed"][numbers["specs"][lab]]["final_gap_median"]])

    figures = {}
    fig, ax = new_figure()
    plot_loss(result, ax=ax)
    retitle(ax, f"{PROBLEM}, {SEEDS} seeds at tuned lrs: median loss - f* and 25-75% band")
    figures["loss"] = fig
    fig, ax = new_figure()
    plot_final_gaps(result, ax)
    style(ax, f"Final loss - f* of each of the {SEEDS} seeds after {STEPS} steps "
          f"(bar: median, box: 25-75%)", "", "final loss - f*")
    figures["final"] = fig
    fig, ax = new_figure(figsize=(10.0, 6.4))
    plot_path(result, ax=ax)
    retitle(ax, f"{PROBLEM}: the median run of each optimizer, the other seeds faint")
    figures["path"] = fig
    fig, ax = new_figure()
    plot_loss(decayed, ax=ax)
    retitle(ax, f"Counter-case: {SCHEDULE} lr schedule, lrs tuned again, {SEEDS} seeds")
    figures["schedule"] = fig

    grid = np.asarray(TUNE_GRID)
    text = page(
        TITLE, CLAIM,
        f"The noisy quadratic model (problem `{PROBLEM}`: f = (x^2 + y^2 / 10) / 2, and the "
        f"optimizer sees the gradient plus Gaussian noise with covariance H, as from "
        f"mini-batches of one), from (3, 3), {STEPS} steps, PyTorch's default "
        f"hyperparameters except the lr. Each optimizer's lr was first tuned on a grid of "
        f"{len(grid)} log-spaced values from {fmt(grid[0])} to {fmt(grid[-1])} by the median "
        f"final loss over {TUNE_SEEDS} seeds that are not used afterwards (the same budget "
        f"for all), then run on {SEEDS} seeds. The runs of one seed see the same noise "
        f"draws, so the seeds also pair up the optimizers. The counter-cases repeat the "
        f"whole procedure with a {SCHEDULE} lr schedule (the lr decays to 0 by the last "
        f"step) and on the same quadratic without noise (`{NOISE_FREE}`).",
        [command(OPTS, PROBLEM, steps=STEPS, seeds=SEEDS, tune=True),
         command(OPTS, PROBLEM, steps=STEPS, seeds=SEEDS, tune=True, lr_schedule=SCHEDULE),
         command(OPTS, NOISE_FREE, steps=STEPS, seeds=SEEDS, tune=True)],
        table(["optimizer", "tuned lr", "final loss - f* (median)", "25-75%", "q75/q25",
               f"median at step {STEPS // 2}", f"median with {SCHEDULE} lr"], rows),
        _findings(numbers),
        [(f"loss.{ext}", "the median loss of each optimizer with its 25-75% band: where "
          "the bands overlap, the medians alone do not settle which is better."),
         (f"final.{ext}", "every seed's final loss - f*: how far apart two single runs "
          "of the same optimizer can land."),
         (f"path.{ext}", "the median run of each optimizer strongly, the other seeds "
          "faintly: each ends in a cloud around the minimum whose size is set by its lr "
          "and the noise."),
         (f"schedule.{ext}", _schedule_caption(numbers))],
        notes="Tuning picks a single lr per optimizer on other seeds, so the comparison is "
              "fair but not final: with another step budget or another tuning objective "
              "the tuned lrs, and possibly the ranking, change.",
        counter=_counter(numbers),
    )
    return LessonResult(figures=figures, text=text, numbers=numbers,
                        results={"noisy-gradients": result, "cosine": decayed,
                                 "noise-free": clean})


def _schedule_caption(n: dict) -> str:
    d, o, specs = n["decayed"], n["optimizers"], n["specs"]
    change = max(abs(d[s]["final_gap_median"] / d[s]["gap_median_late"] - 1) for s in d)
    lower = [display(lab) for lab in o
             if d[specs[lab]]["final_gap_median"] < o[lab]["final_gap_median"]]
    return (f"the counter-case with a {n['schedule']} schedule (lrs tuned again): as the lr "
            f"shrinks to 0 the runs slow down, and from step {LATE} to {n['steps']} the "
            f"medians changed by at most {change:.0%}. They end lower than at a constant lr "
            f"for " + (_and(lower) if lower else "none of the optimizers") + ".")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _findings(n: dict) -> list[str]:
    o = n["optimizers"]
    best, second = n["best"], n["runner_up"]
    b, s = o[best], o[second]
    B, S = display(best), display(second)
    seeds, steps, half = n["seeds"], n["steps"], n["steps"] // 2
    out: list[str] = []
    wins = n["seeds_best_beats_runner_up"]
    if b["final_gap_q75"] >= s["final_gap_q25"]:
        out.append(f"Ranked by the median final loss - f* over {seeds} seeds, {B} comes "
                   f"first ({fmt(b['final_gap_median'])}) and {S} second "
                   f"({fmt(s['final_gap_median'])}). The difference is smaller than the "
                   f"spread: the middle halves of their seeds overlap "
                   f"({fmt(b['final_gap_q25'], 2)} to {fmt(b['final_gap_q75'], 2)} against "
                   f"{fmt(s['final_gap_q25'], 2)} to {fmt(s['final_gap_q75'], 2)}).")
    else:
        out.append(f"Ranked by the median final loss - f* over {seeds} seeds, {B} is clearly "
                   f"first: its median ({fmt(b['final_gap_median'])}) and its whole 25-75% "
                   f"range lie below {S}'s (median {fmt(s['final_gap_median'])}).")
    out.append(f"Seed by seed (the two see the same noise), {B} beat {S} in {wins} of "
               f"{seeds} seeds: a single seed would have shown {S} ahead in {seeds - wins} "
               f"cases out of {seeds}. Among all four, {B} had the lowest final loss in only "
               f"{n['seeds_best_is_first']} of the {seeds} seeds.")
    widest = max(o, key=lambda lab: o[lab]["final_gap_q75"] / max(o[lab]["final_gap_q25"],
                                                                  1e-300))
    w = o[widest]
    out.append(f"One optimizer's runs scatter too: the middle half of {display(widest)}'s "
               f"seeds spans a factor {fmt(w['final_gap_q75'] / w['final_gap_q25'], 2)} "
               f"({fmt(w['final_gap_q25'], 2)} to {fmt(w['final_gap_q75'], 2)}).")
    floored = [lab for lab in o
               if o[lab]["final_gap_median"] * FLOOR_FACTOR > o[lab]["gap_median_at_half"]]
    falling = [lab for lab in o if lab not in floored]
    floor = ("At a constant lr the gap cannot fall below a floor set by the lr and the "
             "noise: the runs keep moving in a cloud around the minimum.")
    if floored:
        def went(lab: str) -> str:
            a, b = o[lab]["gap_median_at_half"], o[lab]["final_gap_median"]
            return (f"{'rose' if b >= a else 'fell only'} from {fmt(a, 2)} to {fmt(b, 2)}"
                    + (f" for {display(lab)}" if len(floored) > 1 else ""))
        floor += (" " + _and([display(lab) for lab in floored])
                  + f" had reached {'its' if len(floored) == 1 else 'their'} floor by step "
                  f"{half}: from step {half} to {steps} the median gap "
                  + _and([went(lab) for lab in floored]) + ".")
    if falling:
        floor += (" " + _and([display(lab) for lab in falling])
                  + f" {'was' if len(falling) == 1 else 'were'} still falling by more than "
                  f"a factor {fmt(FLOOR_FACTOR)} ("
                  + _and([f"{fmt(o[lab]['gap_median_at_half'], 2)} to "
                          f"{fmt(o[lab]['final_gap_median'], 2)}" for lab in falling]) + ").")
    out.append(floor)
    sgd = next(iter(o))
    out.append(f"For plain SGD the floor can be computed: with noise covariance H the second "
               f"moments obey s_i(t+1) = (1 - lr h_i)^2 s_i(t) + lr^2 h_i (Zhang et al. "
               f"2019). At lr {fmt(o[sgd]['lr'])} the floor (t to infinity) is "
               f"{fmt(n['sgd_floor'])} and the expected loss - f* after {steps} steps "
               f"{fmt(n['sgd_expected_gap'])}; the mean over the {seeds} seeds is "
               f"{fmt(o[sgd]['final_gap_mean'])}, and the median "
               f"{fmt(o[sgd]['final_gap_median'])} is lower because a few seeds land far "
               f"out.")
    diverged = {lab: o[lab]["diverged"] for lab in o if o[lab]["diverged"]}
    if diverged:
        out.append("Some runs diverged even at the tuned lr: " + _and([
            f"{display(lab)} {k} of {seeds}" for lab, k in diverged.items()]) + ".")
    return out


def _counter(n: dict) -> list[str]:
    o, d, c = n["optimizers"], n["decayed"], n["noise_free"]
    specs = n["specs"]
    seeds, sched = n["seeds"], n["schedule"]
    out = []
    ratio = {lab: o[lab]["final_gap_median"] / d[specs[lab]]["final_gap_median"]
             for lab in o}
    lower = [lab for lab in o if ratio[lab] > 1]
    text = (f"A decaying lr lowers the floor. With a {sched} schedule (lrs tuned again the "
            f"same way: " + _and([f"{fmt(d[specs[lab]]['lr'])} for {display(lab)}"
                                  for lab in o])
            + ") the median final gaps were " + _and([
                f"{fmt(d[specs[lab]]['final_gap_median'], 2)}" for lab in o])
            + ", against " + _and([f"{fmt(o[lab]['final_gap_median'], 2)}" for lab in o])
            + " at a constant lr: " + (
                f"{fmt(min(ratio.values()), 2)} to {fmt(max(ratio.values()), 2)} times lower."
                if lower == list(o) else
                "lower for " + (_and([display(lab) for lab in lower]) if lower else "none")
                + "."))
    if len(lower) == len(o) and max(ratio.values()) < 10:
        text += (f" Within {n['steps']} steps the floor is lowered, not removed: the noise "
                 f"still decides a good part of the final gap.")
    out.append(text)
    best_d = min(d, key=lambda spec: d[spec]["final_gap_median"])
    names = {spec: lab for lab, spec in specs.items()}
    if names[best_d] != n["best"]:
        out.append(f"The ranking changed with the schedule: {display(names[best_d])} now has "
                   f"the lowest median, not {display(n['best'])}. A ranking holds for the "
                   f"schedule and budget it was measured with.")
    identical = n["noise_free_seeds_identical"]
    if identical:
        spread = ("its " + str(seeds) + " seeds are one and the same run, so one run is the "
                  "whole answer and the claim does not apply")
    else:
        spread = "its seeds still differ"
    gaps = [c[specs[lab]]["final_gap_median"] for lab in o]
    reached = ("all four reached the float floor (below 1e-15)" if max(gaps) < 1e-15 else
               "the median final gaps were " + _and([
                   f"{fmt_gap(c[specs[lab]]['final_gap_median'])} for {display(lab)}"
                   for lab in o]))
    out.append(f"Without noise (the same quadratic as a formula) every optimizer is "
               f"deterministic from the fixed start: {spread}; {reached}.")
    bigger = [lab for lab in o if c[specs[lab]]["lr"] > 3 * o[lab]["lr"]]
    if bigger:
        out.append("Without noise the tuning also picked far larger learning rates (" + _and([
            f"{fmt(c[specs[lab]]['lr'])} instead of {fmt(o[lab]['lr'])} for {display(lab)}"
            for lab in bigger]) + "): with noise, it is the noise floor, not the curvature, "
            "that holds the lr down.")
    return out


TITLE = "Noisy gradients: medians and bands over many seeds"
CLAIM = (f"With noisy gradients (the noisy quadratic, {STEPS} steps) one run per optimizer "
         f"proves little: a fair comparison tunes each optimizer's learning rate on the same "
         f"budget and looks at the median and the spread over many seeds ({SEEDS} here).")

LESSON = Lesson(name="noisy-gradients", title=TITLE, claim=CLAIM, run=run)
