"""Fair learning-rate tuning: the same grid, seeds and steps for every optimizer."""

from __future__ import annotations

from typing import Any

import numpy as np

from optcompare import stats
from optcompare.engine.clipping import Clipping
from optcompare.experiments.grid import make_grid, run_grid, score
from optcompare.experiments.passes import cut, varies
from optcompare.experiments.records import OptimizerChoice
from optcompare.problem import Problem
from optcompare.progress import Tally

#: The default tuning grid: 21 log-spaced learning rates from 1e-4 to 10, the
#: same for every optimizer, so each gets the same budget.
TUNE_GRID = np.logspace(-4, 1, 21)
#: Tuning seeds start here, far from the evaluation seeds (seed, seed+1, ...).
TUNE_SEED_OFFSET = 1_000_000
#: The tolerance of the tuning runs' first step below it (not part of any objective).
DEFAULT_TOL = 1e-6


def tune_lr(
    choice: OptimizerChoice,
    problem: Problem,
    x0: np.ndarray,
    steps: int,
    tune_seeds: np.ndarray,
    *,
    grid: np.ndarray = TUNE_GRID,
    objective: str = "final",
    jitter: float = 0.0,
    lr_factors: np.ndarray | None = None,
    clipping: Clipping | None = None,
    tally: Tally | None = None,
    passes: float | None = None,
) -> dict[str, Any]:
    """Pick the lr of ``grid`` with the best median objective over ``tune_seeds``.

    Every optimizer gets the same grid, seeds and steps: the same budget.  With
    ``passes`` (a budget in passes; default None) the budget is the same work
    instead, and the objective is read on the passes axis: ``steps`` are what the
    budget buys (:func:`optcompare.experiments.passes.steps_for`), and a method whose
    cost varies per run is scored on its steps within the budget, its area under
    the curve on one grid of passes from 0 to the budget.
    """
    within = passes is not None and varies(choice.optimizer)
    g = make_grid([("lr", np.asarray(grid, dtype=float))], tune_seeds)
    out = run_grid(
        choice,
        problem,
        g,
        x0,
        steps,
        objective=objective,
        jitter=jitter,
        lr_factors=lr_factors,
        clipping=clipping,
        tally=tally,
        record=within,
    )
    scores = out.scores
    if within:
        assert passes is not None
        kept, _ = cut(out.trajectory, passes, problem.f_star, DEFAULT_TOL)
        scores = score(kept, objective, problem.f_star)
    per_lr = scores.reshape(len(grid), len(tune_seeds))
    median = stats.medians(per_lr, axis=1)
    best = int(np.argmin(median))
    found: dict[str, Any] = {
        "lr": float(grid[best]),
        "grid": [float(v) for v in grid],
        "median_objective": [float(v) if np.isfinite(v) else None for v in median],
        "objective": objective,
        "tuning_seeds": [int(s) for s in tune_seeds],
    }
    if passes is not None:
        found["passes"] = passes  # the budget each grid point had, in passes
    return found
