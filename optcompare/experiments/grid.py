"""Hyperparameter grids as single batches: every combination and seed is one run.

A grid's runs of one optimizer advance as one batch (per-run hyperparameter
arrays), keeping only per-run summaries, so memory grows with the number of
runs, not runs x steps.  Sweeps and learning-rate tuning are both built on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optcompare.engine import Trajectory, run_batch
from optcompare.engine.clipping import Clipping
from optcompare.errors import SpecError
from optcompare.experiments.choices import problem_defaults, starts_for
from optcompare.experiments.records import OptimizerChoice
from optcompare.problem import Problem
from optcompare.progress import Tally

#: What a run is scored by (lower is better): the final or best loss above f*, or
#: the area under the log loss curve.
OBJECTIVES = ("final", "best", "auc")


def score(tr: Trajectory, objective: str, f_star: float | None) -> np.ndarray:
    """Per-run objective (lower is better); diverged runs score +inf."""
    if objective not in OBJECTIVES:
        raise SpecError(f"objective '{objective}' is not allowed; choose {', '.join(OBJECTIVES)}")
    gap = 0.0 if f_star is None else f_star
    value = {"final": tr.final_loss - gap, "best": tr.best_loss - gap, "auc": tr.auc}[objective]
    return np.where(tr.diverged_at >= 0, np.inf, value)


@dataclass(frozen=True)
class Grid:
    """The runs of one optimizer's sweep: per-run values of the swept hyperparameters."""

    names: tuple[str, ...]
    values: dict[str, np.ndarray]  # name -> (runs,)
    seeds: np.ndarray  # (runs,)


def make_grid(axes: Sequence[tuple[str, np.ndarray]], seeds: np.ndarray) -> Grid:
    """Every combination of the axes' values and the seeds (seed varies fastest)."""
    if not 1 <= len(axes) <= 2:
        raise SpecError("sweep one or two hyperparameters (give {p} once or twice)", "params")
    names = tuple(n for n, _ in axes)
    if len(set(names)) != len(names):
        raise SpecError(f"{{p}} {names[0]} is given twice", "params")
    mesh = np.meshgrid(*[v for _, v in axes], np.asarray(seeds), indexing="ij")
    values = {n: m.ravel() for n, m in zip(names, mesh[:-1], strict=True)}
    return Grid(names, values, mesh[-1].ravel().astype(np.int64))


@dataclass
class SweepOutcome:
    """Per-run summaries of one optimizer's sweep."""

    label: str
    optimizer: str
    grid: Grid
    trajectory: Trajectory
    scores: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)


def run_grid(
    choice: OptimizerChoice,
    problem: Problem,
    grid: Grid,
    x0: np.ndarray,
    steps: int,
    *,
    objective: str = "final",
    jitter: float = 0.0,
    lr_factors: np.ndarray | None = None,
    clipping: Clipping | None = None,
    tol: float = 1e-6,
    record: bool = False,
    tally: Tally | None = None,
) -> SweepOutcome:
    """Run one optimizer over a grid in one batch; returns per-run scores.

    ``tally`` (planned by the caller, who knows every batch) counts the run-steps.
    """
    settings = {**choice.given, **grid.values}
    values = choice.optimizer.resolve(settings, owner=choice.name)
    values = problem_defaults(choice.name, values, problem)
    starts = starts_for(x0, grid.seeds, jitter, problem)
    tr = run_batch(
        choice.optimizer,
        values,
        problem,
        starts,
        grid.seeds,
        steps,
        lr_factors=lr_factors,
        clipping=clipping,
        tol=tol,
        record=record,
        progress=None if tally is None else tally.batch(len(grid.seeds)),
    )
    return SweepOutcome(choice.label, choice.name, grid, tr, score(tr, objective, problem.f_star))
