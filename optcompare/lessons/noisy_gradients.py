"""Lesson ``noisy-gradients``: with noisy gradients, compare medians and bands over many seeds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optcompare.lessons.base import (
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
from optcompare.lessons.noisy_gradients_figures import final_gaps, plot_final_gaps
from optcompare.lessons.noisy_gradients_text import (
    counter_case,
    display,
    findings,
    schedule_caption,
)

if TYPE_CHECKING:
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
#: the last 10% of the steps, where a decayed lr has nearly stopped the runs
LATE = STEPS - STEPS // 10


def sgd_expected_gap(lr: float, h: np.ndarray, x0: np.ndarray, steps: int, batch: int = 1) -> float:
    """E[f(x_t)] - f* of plain SGD on the noisy quadratic, gradient noise N(0, H / batch).

    The second moment s_i = E[x_i^2] obeys s_i(t+1) = (1 - lr h_i)^2 s_i(t) + lr^2 h_i / batch
    (Zhang et al. 2019), so E f_t = sum_i h_i s_i(t) / 2 in closed form.
    """
    beta = (1.0 - lr * h) ** 2
    s_inf = lr**2 * h / batch / (1.0 - beta)
    s_t = s_inf + beta**steps * (x0**2 - s_inf)
    return float(0.5 * np.sum(h * s_t))


def summarise(result: Result) -> dict[str, dict]:
    """Per label: tuned lr, final-gap quartiles, the median gap halfway, divergences."""
    from optcompare import stats

    f_star = result.problem.f_star or 0.0
    out = {}
    for lab in result.labels:
        g = final_gaps(result, lab)
        q25, med, q75 = stats.median_and_band(g)
        L = np.array([r.loss for r in result.runs_of(lab)]) - f_star
        out[lab] = {
            "lr": float(result.tuning[lab]["lr"]),
            "final_gap_median": med,
            "final_gap_q25": q25,
            "final_gap_q75": q75,
            "final_gap_mean": float(np.mean(g)),
            "gap_median_at_half": float(stats.median(L[:, STEPS // 2])),
            "gap_median_late": float(stats.median(L[:, LATE])),
            "diverged": int(np.sum(~np.isfinite(g))),
        }
    return out


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.experiments.tuning import TUNE_GRID
    from optcompare.plotting import plot_loss, plot_path
    from optcompare.plotting.style import same_result_inks

    result = optcompare.run(
        OPTS, PROBLEM, steps=STEPS, seeds=SEEDS, tune=True, tune_seeds=TUNE_SEEDS
    )
    labels = result.labels
    numbers: dict = {
        "problem": PROBLEM,
        "steps": STEPS,
        "seeds": SEEDS,
        "tune_seeds": TUNE_SEEDS,
        "optimizers": summarise(result),
    }
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
    numbers["sgd_expected_gap"] = sgd_expected_gap(
        o[sgd]["lr"], np.asarray(problem.h), problem.start(), STEPS
    )
    numbers["sgd_floor"] = sgd_expected_gap(
        o[sgd]["lr"], np.asarray(problem.h), problem.start(), 10**9
    )

    # the counter-cases: the same tuning with a decaying lr, and without noise
    decayed = optcompare.run(
        OPTS,
        PROBLEM,
        steps=STEPS,
        seeds=SEEDS,
        tune=True,
        tune_seeds=TUNE_SEEDS,
        lr_schedule=SCHEDULE,
    )
    clean = optcompare.run(
        OPTS, NOISE_FREE, steps=STEPS, seeds=SEEDS, tune=True, tune_seeds=TUNE_SEEDS
    )
    numbers["schedule"] = SCHEDULE
    numbers["decayed"] = dict(zip(OPTS, summarise(decayed).values(), strict=True))
    numbers["noise_free"] = dict(zip(OPTS, summarise(clean).values(), strict=True))
    numbers["noise_free_seeds_identical"] = all(
        all(np.array_equal(r.x, clean.runs_of(lab)[0].x) for r in clean.runs_of(lab))
        for lab in clean.labels
    )
    numbers["specs"] = dict(zip(labels, OPTS, strict=True))

    rows = []
    for lab in labels:
        e = o[lab]
        q25, q75 = e["final_gap_q25"], e["final_gap_q75"]
        rows.append(
            [
                display(lab),
                e["lr"],
                e["final_gap_median"],
                f"{fmt(q25, 2)} to {fmt(q75, 2)}",
                fmt(q75 / q25, 2) if q25 > 0 else "inf",
                e["gap_median_at_half"],
                numbers["decayed"][numbers["specs"][lab]]["final_gap_median"],
            ]
        )

    figures = {}
    # one ink per label across the folder: its figures, animation and report's sliders
    with same_result_inks([result, decayed, clean]) as book:
        fig, ax = new_figure()
        plot_loss(result, ax=ax)
        retitle(ax, f"{PROBLEM}, {SEEDS} seeds at tuned lrs: median loss - f* and 25-75% band")
        figures["loss"] = fig
        fig, ax = new_figure()
        plot_final_gaps(result, ax)
        style(
            ax,
            f"Final loss - f* of each of the {SEEDS} seeds after {STEPS} steps "
            f"(bar: median, box: 25-75%)",
            "",
            "final loss - f*",
        )
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
        TITLE,
        CLAIM,
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
        [
            command(OPTS, PROBLEM, steps=STEPS, seeds=SEEDS, tune=True),
            command(OPTS, PROBLEM, steps=STEPS, seeds=SEEDS, tune=True, lr_schedule=SCHEDULE),
            command(OPTS, NOISE_FREE, steps=STEPS, seeds=SEEDS, tune=True),
        ],
        table(
            [
                "optimizer",
                "tuned lr",
                "final loss - f* (median)",
                "25-75%",
                "q75/q25",
                f"median at step {STEPS // 2}",
                f"median with {SCHEDULE} lr",
            ],
            rows,
        ),
        findings(numbers),
        [
            (
                f"loss.{ext}",
                "the median loss of each optimizer with its 25-75% band: where "
                "the bands overlap, the medians alone do not settle which is better.",
            ),
            (
                f"final.{ext}",
                "every seed's final loss - f*: how far apart two single runs "
                "of the same optimizer can land.",
            ),
            (
                f"path.{ext}",
                "the median run of each optimizer strongly, the other seeds "
                "faintly: each ends in a cloud around the minimum whose size is set by its lr "
                "and the noise.",
            ),
            (f"schedule.{ext}", schedule_caption(numbers, LATE)),
        ],
        notes="Tuning picks a single lr per optimizer on other seeds, so the comparison is "
        "fair but not final: with another step budget or another tuning objective "
        "the tuned lrs, and possibly the ranking, change.",
        counter=counter_case(numbers),
    )
    return LessonResult(
        figures=figures,
        text=text,
        numbers=numbers,
        results={"noisy-gradients": result, "cosine": decayed, "noise-free": clean},
        inks=book,
    )


TITLE = "Noisy gradients: medians and bands over many seeds"
CLAIM = (
    f"With noisy gradients (the noisy quadratic, {STEPS} steps) one run per optimizer "
    f"proves little: a fair comparison tunes each optimizer's learning rate on the same "
    f"budget and looks at the median and the spread over many seeds ({SEEDS} here)."
)

LESSON = Lesson(name="noisy-gradients", title=TITLE, claim=CLAIM, run=run)
