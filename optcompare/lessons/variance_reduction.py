"""Lesson ``variance-reduction``: on a finite sum, SGD at a constant lr stalls at a noise floor
while SAG, SVRG, S2GD and SARAH converge linearly, per pass over the data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import (
    Lesson,
    LessonResult,
    command,
    fmt,
    new_figure,
    page,
    retitle,
    table,
)
from optcompare.lessons.variance_reduction_figures import (
    decades_per_pass,
    expected_sgd_gaps,
    first_below,
    grid_gaps,
    mark_floors,
    merged,
    sgd_floor,
    stays_below_from,
    window_mean,
)
from optcompare.lessons.variance_reduction_text import counter_case, findings, setup

if TYPE_CHECKING:
    from optcompare.experiments.records import Result

#: single-sample gradients (batch=1) on least-squares' default data (corr 0.8, data_seed 0)
N, DIM = 100, 2
PROBLEM = "least-squares:batch=1"
#: the counter-case: the same data recipe with nearly collinear features
ILL = "least-squares:batch=1,corr=0.99"
VR = ["sag", "svrg", "s2gd", "sarah", "sarah-plus"]
#: the work budget of every run, in passes over the data
PASSES = 30
SEEDS = 8
TUNE_SEEDS = 3  # optcompare.run's default
#: SGD's constant lrs, as multiples of 1/L_max: the step SAG, SVRG and S2GD take, and a tenth
SGD_FACTORS = (1.0, 0.1)
#: the decaying lr: lr / sqrt(t), its base lr tuned for the budget
SCHEDULE = "inv-sqrt"
#: the linear rate is fitted to the median over this range of passes
FIT = (PASSES / 3, PASSES)
#: "passes to reach" this loss - f*
TOL = 1e-6
#: the measured floor is the mean over the second half of the budget
SETTLED = PASSES / 2


def summarise(result: Result, sgd_ref: str | None = None) -> dict[str, dict[str, Any]]:
    """Per label: its lr, median and band of loss - f* at 1, 10 and the budget's passes,
    the linear rate over :data:`FIT`, the passes to :data:`TOL`, divergences, and where
    its median goes below ``sgd_ref``'s for good."""
    from optcompare import stats

    out: dict[str, dict[str, Any]] = {}
    medians = {}
    for lab in result.labels:
        grid, gaps = grid_gaps(result, lab, PASSES)
        q25, med, q75 = (np.asarray(q) for q in stats.quantiles(gaps, (0.25, 0.5, 0.75)))
        medians[lab] = med

        def at(p: float, q: np.ndarray = med, g: np.ndarray = grid) -> float:
            return float(q[np.searchsorted(g, p, side="right") - 1])

        runs = result.runs_of(lab)
        out[lab] = {
            "lr": float(np.ravel(runs[0].hyperparameters["lr"])[0]),
            "gap_0": at(0.0),
            "gap_1": at(1.0),
            "gap_10": at(10.0),
            "gap_final": float(med[-1]),
            "gap_final_q25": float(q25[-1]),
            "gap_final_q75": float(q75[-1]),
            "decades_per_pass": decades_per_pass(grid, med, *FIT),
            "passes_to_tol": first_below(grid, med, TOL),
            "diverged": sum(r.diverged_at is not None for r in runs),
        }
    if sgd_ref is not None:
        for lab in result.labels:
            out[lab]["below_sgd_from"] = stays_below_from(grid, medians[lab], medians[sgd_ref])
    return out


def run(ext: str = "png") -> LessonResult:
    import optcompare
    from optcompare.plotting import plot_loss, result_colors
    from optcompare.problem import make_problem

    # least squares' finite-sum attributes (n, l_max, mu, A, b, w_star) are not Problem's
    problem: Any = make_problem(PROBLEM)
    sgd_specs = [f"sgd:lr={fmt(c / problem.l_max)}" for c in SGD_FACTORS]
    main = optcompare.run(VR + sgd_specs, PROBLEM, passes=PASSES, seeds=SEEDS)
    problem = main.problem
    decayed = optcompare.run(
        ["sgd"],
        PROBLEM,
        passes=PASSES,
        seeds=SEEDS,
        tune=True,
        tune_seeds=TUNE_SEEDS,
        lr_schedule=SCHEDULE,
    )
    ill_problem: Any = make_problem(ILL)
    ill_sgd = f"sgd:lr={fmt(1 / ill_problem.l_max)}"
    ill = optcompare.run(VR + [ill_sgd], ILL, passes=PASSES, seeds=SEEDS)

    sgd_labels = main.labels[len(VR) :]
    (tuned,) = decayed.labels
    lr0 = float(decayed.tuning[tuned]["lr"])
    decay_label = f"sgd lr={lr0:.3g}/sqrt(t) (tuned)"
    everything = merged(main, (decayed, decay_label))
    o = summarise(everything, sgd_ref=sgd_labels[0])

    x0 = problem.start()
    steps = int(round(PASSES * problem.n))  # SGD's steps: one sample, 1/n of a pass, each
    late = np.arange(steps + 1) / problem.n > SETTLED
    sgd: dict[str, dict[str, Any]] = {}
    lr_of = {lab: o[lab]["lr"] for lab in sgd_labels}
    lr_of[decay_label] = lr0
    for lab, lr in lr_of.items():
        lrs = lr / np.sqrt(np.arange(1, steps + 1)) if lab == decay_label else np.full(steps, lr)
        expected = expected_sgd_gaps(problem, x0, lrs)
        source = decayed if lab == decay_label else main
        floor = None if lab == decay_label else sgd_floor(problem, lr)
        near = np.flatnonzero(expected <= 2 * floor) if floor is not None else np.empty(0)
        sgd[lab] = {
            "lr": lr,
            "floor": floor,
            "passes_to_twice_floor": float(near[0] / problem.n) if near.size else None,
            "expected_settled": float(np.mean(expected[late])),
            "measured_settled": window_mean(source, tuned if lab == decay_label else lab, SETTLED),
            "expected_final": float(expected[-1]),
        }
    A = problem.A
    r = A @ problem.w_star - problem.b
    sigma2 = float(np.mean(r**2 * np.einsum("nd,nd->n", A, A)))

    ill_p = ill.problem
    numbers: dict[str, Any] = {
        "problem": PROBLEM,
        "n": problem.n,
        "dim": problem.dim,
        "batch": problem.component_batch,
        "corr": problem.corr,
        "l_max": problem.l_max,
        "mu": problem.mu,
        "l_max_over_mu": problem.l_max / problem.mu,
        "sigma2": sigma2,
        "passes": PASSES,
        "seeds": SEEDS,
        "tune_seeds": TUNE_SEEDS,
        "schedule": SCHEDULE,
        "fit": list(FIT),
        "tol": TOL,
        "settled": SETTLED,
        "vr": VR,
        "sgd_constant": sgd_labels,
        "sgd_decay": decay_label,
        "optimizers": o,
        "sgd": sgd,
        "ill": {
            "problem": ILL,
            "corr": ill_p.corr,
            "l_max": ill_p.l_max,
            "mu": ill_p.mu,
            "l_max_over_mu": ill_p.l_max / ill_p.mu,
            "sgd": ill.labels[-1],
            "optimizers": summarise(ill, sgd_ref=ill.labels[-1]),
        },
    }

    rows = []
    for lab in everything.labels:
        e = o[lab]
        rows.append(
            [
                lab,
                e["lr"],
                e["gap_1"],
                e["gap_10"],
                e["gap_final"],
                f"{fmt(e['gap_final_q25'], 2)} to {fmt(e['gap_final_q75'], 2)}",
                fmt(e["decades_per_pass"], 2),
                "-" if e["passes_to_tol"] is None else fmt(e["passes_to_tol"], 3),
            ]
        )

    figures = {}
    fig, ax = new_figure(figsize=(13.0, 7.5))
    plot_loss(everything, ax=ax, x_axis="passes")
    colors = result_colors(everything)
    mark_floors(ax, {lab: sgd[lab]["floor"] for lab in sgd_labels}, colors, PASSES)
    retitle(
        ax,
        f"{PROBLEM} (n {problem.n}, dim {problem.dim}), {SEEDS} seeds, {PASSES} passes: "
        f"median loss - f* and 25-75% band",
    )
    figures["loss"] = fig
    fig, ax = new_figure(figsize=(13.0, 7.5))
    plot_loss(ill, ax=ax, x_axis="passes")
    retitle(
        ax,
        f"Counter-case: corr {fmt(ill_p.corr)} (L_max/mu {fmt(ill_p.l_max / ill_p.mu)}), "
        f"{SEEDS} seeds, {PASSES} passes",
    )
    figures["conditioning"] = fig

    text = page(
        TITLE,
        CLAIM,
        setup(numbers),
        [
            command(VR + sgd_specs, PROBLEM, passes=PASSES, seeds=SEEDS),
            command(["sgd"], PROBLEM, passes=PASSES, seeds=SEEDS, tune=True, lr_schedule=SCHEDULE),
            command(VR + [ill_sgd], ILL, passes=PASSES, seeds=SEEDS),
        ],
        table(
            [
                "method",
                "lr",
                "after 1 pass",
                "after 10",
                f"after {PASSES} (median)",
                "25-75%",
                f"decades per pass ({fmt(FIT[0])}-{fmt(FIT[1])})",
                f"passes to {fmt(TOL)}",
            ],
            rows,
        ),
        findings(numbers),
        [
            (
                f"loss.{ext}",
                f"loss - f* against passes over the data (log scale): each method's median "
                f"over {SEEDS} seeds with its 25-75% band, in its own colour (SGD's three "
                f"settings in shades of blue). The dotted lines are the exact expected floors "
                f"of SGD at its two constant lrs (means: the medians sit lower). A straight "
                f"falling line on this axis is linear convergence.",
            ),
            (
                f"conditioning.{ext}",
                f"the counter-case on nearly collinear features (corr {fmt(ill_p.corr)}), "
                f"the same methods, seeds and budget, SGD at 1/L_max of these data: compare "
                f"the slopes with `loss.{ext}`.",
            ),
        ],
        notes="One pass is n component gradients: an SGD step costs 1/n of a pass; SVRG, "
        "S2GD and SARAH pay a full pass at each outer start and two component gradients per "
        "inner step, SAG one per step. Medians and bands on the passes axis are read on one "
        "grid of 1,001 points where each run holds the loss of its last step within the "
        "passes spent (`optcompare.stats.on_common_grid`). The expected SGD values come "
        "from the exact recursion of E[(x - w*)(x - w*)^T] over the uniformly drawn "
        "sample, not from a simulation. The decay is lr/sqrt(t) (`inv-sqrt`, the step size of "
        "the convergence theorems optcompare's schedules include); it has no 1/t schedule.",
        counter=counter_case(numbers),
    )
    return LessonResult(
        figures=figures,
        text=text,
        numbers=numbers,
        results={"variance-reduction": main, "sgd-decay": decayed, "ill-conditioned": ill},
    )


TITLE = "Variance reduction: linear convergence per pass where SGD stalls"
CLAIM = (
    f"On least squares with single-sample gradients (n = {N}, dim = {DIM}, {PASSES} passes over "
    f"the data), SGD at a constant lr stalls at a noise floor set by its lr, while SAG, SVRG, "
    f"S2GD, SARAH and SARAH+ at their default steps (multiples of 1/L_max) converge "
    f"linearly per pass; SGD with a decaying lr ({SCHEDULE}) gets below the floor, but not "
    f"linearly."
)

LESSON = Lesson(name="variance-reduction", title=TITLE, claim=CLAIM, run=run)
