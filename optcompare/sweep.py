"""Hyperparameter grids as single batches: sweeps, and fair learning-rate tuning.

A sweep runs every combination of one or two hyperparameters' values and every
seed as one batch per optimizer (per-run hyperparameter arrays), keeping only
per-run summaries, so memory grows with the number of runs, not runs x steps.

Ranges are written ``lo:hi:count`` (evenly spaced, both ends included),
``lo:hi:count:log`` (log-spaced) or ``a|b|c`` (a list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optcompare.engine import run_batch
from optcompare.errors import SpecError
from optcompare.problem import Problem
from optcompare.trajectory import Trajectory

OBJECTIVES = ("final", "best", "auc")
#: The default tuning grid: 21 log-spaced learning rates from 1e-4 to 10, the
#: same for every optimizer, so each gets the same budget.
TUNE_GRID = np.logspace(-4, 1, 21)
#: Tuning seeds start here, far from the evaluation seeds (seed, seed+1, ...).
TUNE_SEED_OFFSET = 1_000_000


def parse_range(text: str, what: str = "range") -> np.ndarray:
    """Values from ``lo:hi:count[:log]`` or ``a|b|c``.

    Raises:
        SpecError: naming the range and the allowed forms.
    """
    forms = "write lo:hi:count, lo:hi:count:log or a|b|c"
    raw = text.strip()

    def numbers(parts: list[str]) -> list[float]:
        try:
            return [float(p) for p in parts]
        except ValueError:
            raise SpecError(f"{what} '{text}' is not a range of numbers; {forms}") from None

    if "|" in raw or ":" not in raw:
        values = np.array(numbers(raw.split("|")))
    else:
        parts = raw.split(":")
        if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3].strip() != "log"):
            raise SpecError(f"{what} '{text}' is not a range; {forms}")
        lo, hi, count = numbers(parts[:3])
        if count != int(count) or not 1 <= count <= 100_000:
            raise SpecError(f"{what} '{text}': count must be a whole number from 1 to 100000")
        if len(parts) == 4:
            if lo <= 0 or hi <= 0:
                raise SpecError(f"{what} '{text}': a log range needs lo > 0 and hi > 0")
            values = np.logspace(np.log10(lo), np.log10(hi), int(count))
        else:
            values = np.linspace(lo, hi, int(count))
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise SpecError(f"{what} '{text}' must contain finite numbers; {forms}")
    return values


def parse_param(text: str) -> tuple[str, np.ndarray]:
    """``name=RANGE`` as (name, values)."""
    name, eq, rng = text.partition("=")
    if not eq or not name.strip():
        raise SpecError(f"--param '{text}' is not name=range; e.g. lr=1e-4:10:25:log")
    return name.strip(), parse_range(rng, f"--param {name.strip()}")


def score(tr: Trajectory, objective: str, f_star: float | None) -> np.ndarray:
    """Per-run objective (lower is better); diverged runs score +inf."""
    if objective not in OBJECTIVES:
        raise SpecError(f"objective '{objective}' is not allowed; choose {', '.join(OBJECTIVES)}")
    gap = 0.0 if f_star is None else f_star
    value = {"final": tr.final_loss - gap, "best": tr.best_loss - gap, "auc": tr.auc}[objective]
    return np.where(tr.diverged_at >= 0, np.inf, value)


def starts_for(x0: np.ndarray, seeds: np.ndarray, jitter: float) -> np.ndarray:
    """One start per seed: x0, moved by N(0, jitter^2) per coordinate from each seed's stream."""
    from optcompare import noise

    x = np.tile(np.asarray(x0, dtype=float), (len(seeds), 1))
    if jitter > 0:
        x = x + jitter * noise.normal(seeds, 0, x.shape[1], stream=4)
    return x


@dataclass(frozen=True)
class Grid:
    """The runs of one optimizer's sweep: per-run values of the swept hyperparameters."""

    names: tuple[str, ...]
    values: dict[str, np.ndarray]  # name -> (runs,)
    seeds: np.ndarray              # (runs,)


def make_grid(axes: Sequence[tuple[str, np.ndarray]], seeds: np.ndarray) -> Grid:
    """Every combination of the axes' values and the seeds (seed varies fastest)."""
    if not 1 <= len(axes) <= 2:
        raise SpecError("sweep one or two hyperparameters (give --param once or twice)")
    names = tuple(n for n, _ in axes)
    if len(set(names)) != len(names):
        raise SpecError(f"--param {names[0]} is given twice")
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


def run_grid(choice, problem: Problem, grid: Grid, x0: np.ndarray, steps: int, *,
             objective: str = "final", jitter: float = 0.0, lr_factors=None,
             tol: float = 1e-6, record: bool = False, progress=None) -> SweepOutcome:
    """Run one optimizer over a grid in one batch; returns per-run scores."""
    settings = {**choice.given, **grid.values}
    values = choice.optimizer.resolve(settings, owner=choice.name)
    starts = starts_for(x0, grid.seeds, jitter)
    tr = run_batch(choice.optimizer, values, problem, starts, grid.seeds, steps,
                   lr_factors=lr_factors, tol=tol, record=record, progress=progress)
    return SweepOutcome(choice.label, choice.name, grid, tr, score(tr, objective, problem.f_star))


def tune_lr(choice, problem: Problem, x0: np.ndarray, steps: int, tune_seeds: np.ndarray, *,
            grid: np.ndarray = TUNE_GRID, objective: str = "final", jitter: float = 0.0,
            lr_factors=None) -> dict[str, Any]:
    """Pick the lr of ``grid`` with the best median objective over ``tune_seeds``.

    Every optimizer gets the same grid, seeds and steps: the same budget.
    """
    g = make_grid([("lr", np.asarray(grid, dtype=float))], tune_seeds)
    out = run_grid(choice, problem, g, x0, steps, objective=objective, jitter=jitter,
                   lr_factors=lr_factors)
    per_lr = out.scores.reshape(len(grid), len(tune_seeds))
    with np.errstate(invalid="ignore"):
        median = np.median(per_lr, axis=1)
    best = int(np.argmin(median))
    return {"lr": float(grid[best]), "grid": [float(v) for v in grid],
            "median_objective": [float(v) if np.isfinite(v) else None for v in median],
            "objective": objective, "tuning_seeds": [int(s) for s in tune_seeds]}


@dataclass(frozen=True)
class SweepResult:
    """A sweep: per optimizer, the grid and each run's summaries."""

    problem: Problem
    steps: int
    objective: str
    axes: tuple[tuple[str, np.ndarray], ...]
    seeds: np.ndarray
    outcomes: list[SweepOutcome]

    def rows(self) -> list[dict[str, Any]]:
        """One row per optimizer, parameter value(s) and seed (sweep.csv)."""
        out = []
        for o in self.outcomes:
            tr = o.trajectory
            for i in range(tr.runs):
                row: dict[str, Any] = {"label": o.label, "optimizer": o.optimizer}
                for name in o.grid.names:
                    row[name] = float(o.grid.values[name][i])
                row.update(seed=int(o.grid.seeds[i]), final_loss=float(tr.final_loss[i]),
                           best_loss=float(tr.best_loss[i]), auc=float(tr.auc[i]),
                           diverged=False if tr.diverged_at[i] < 0 else int(tr.diverged_at[i]))
                out.append(row)
        return out

    def table(self, o: SweepOutcome) -> np.ndarray:
        """Scores reshaped to (len(axis 1)[, len(axis 2)], seeds)."""
        shape = [len(v) for _, v in self.axes] + [len(self.seeds)]
        return o.scores.reshape(shape)

    def best(self) -> list[dict[str, Any]]:
        """Per optimizer: the parameter value(s) with the lowest median objective."""
        out = []
        for o in self.outcomes:
            scores = self.table(o)
            with np.errstate(invalid="ignore"):
                med = np.median(scores, axis=-1)
            idx = np.unravel_index(int(np.argmin(med)), med.shape)
            entry: dict[str, Any] = {"label": o.label}
            for (name, values), k in zip(self.axes, idx, strict=True):
                entry[name] = float(values[k])
            entry["median_objective"] = float(med[idx]) if np.isfinite(med[idx]) else None
            entry["diverged_fraction"] = float(np.mean(o.trajectory.diverged_at >= 0))
            out.append(entry)
        return out


def sweep(optimizers, problem, params: Sequence[str], *, seeds: int = 1, seed: int = 0,
          steps: int = 500, objective: str = "final", start=None, jitter: float = 0.0,
          lr_schedule: str | None = None, progress=None) -> SweepResult:
    """Sweep one or two hyperparameters of each optimizer, each grid one batch.

    Args:
        optimizers: specs; settings in a spec stay fixed, swept ones vary.
        problem: a problem spec or Problem.
        params: ``["lr=1e-4:10:25:log"]`` or two of them.
        seeds: runs per grid point (seeds ``seed..seed+seeds-1``).
    """
    from optcompare.api import make_optimizers, parse_point
    from optcompare.problem import make_problem
    from optcompare.schedules import lr_factors

    prob = make_problem(problem)
    choices = make_optimizers(optimizers)
    axes = tuple(parse_param(p) for p in params)
    if int(seeds) != seeds or seeds < 1:
        raise SpecError(f"--seeds {seeds} is not allowed; --seeds must be a whole number >= 1")
    if objective not in OBJECTIVES:
        raise SpecError(f"--objective '{objective}' is not allowed; choose {', '.join(OBJECTIVES)}")
    for choice in choices:
        for name, _ in axes:
            if name in choice.given:
                raise SpecError(f"--opt {choice.label} sets {name}, which --param {name} "
                                f"sweeps; remove {name}={choice.given[name]} from the spec")
    run_seeds = seed + np.arange(int(seeds), dtype=np.int64)
    grid = make_grid(axes, run_seeds)
    x0 = prob.start() if start is None else parse_point(start, prob.dim)
    factors = lr_factors(lr_schedule, steps)
    outcomes, done = [], 0
    for choice in choices:
        cb = None if progress is None else (lambda t, b=done: progress(b + t))
        outcomes.append(run_grid(choice, prob, grid, x0, steps, objective=objective,
                                 jitter=jitter, lr_factors=factors, progress=cb))
        done += steps
    return SweepResult(prob, steps, objective, axes, run_seeds, outcomes)
