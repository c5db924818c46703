"""Basins of attraction: where does each start point of a grid end up?

Every point of a grid over the problem's window is a start; all of them run as
one batch.  Each start is labelled by the known minimum its run ends near, or
as diverged, or as not converged (still far from every minimum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optcompare.engine import run_batch
from optcompare.errors import SpecError
from optcompare.problem import Problem

DIVERGED = -1
NOT_CONVERGED = -2
#: Ended where the gradient vanishes but at no listed minimum: a local minimum
#: (or a saddle) of the problem.
OTHER_STATIONARY = -3
#: The gradient norm below which a run counts as stopped at a stationary point.
STATIONARY_GRAD = 1e-3
#: A run "reached" a minimum when it ends within this fraction of the window's
#: diagonal of it.
RADIUS_FRACTION = 0.02


@dataclass(frozen=True)
class Basins:
    """Outcome per grid start: ``label[i, j]`` is the index of the minimum reached
    from (xs[j], ys[i]), or DIVERGED / NOT_CONVERGED / OTHER_STATIONARY."""

    label: str
    xs: np.ndarray
    ys: np.ndarray
    outcome: np.ndarray      # (ny, nx) ints
    final_x: np.ndarray      # (ny, nx, 2)
    steps: int

    def fractions(self, n_minima: int) -> dict[str, float]:
        total = self.outcome.size
        out = {f"minimum {k}": float(np.sum(self.outcome == k)) / total for k in range(n_minima)}
        out["diverged"] = float(np.sum(self.outcome == DIVERGED)) / total
        out["other stationary point"] = float(np.sum(self.outcome == OTHER_STATIONARY)) / total
        out["not converged"] = float(np.sum(self.outcome == NOT_CONVERGED)) / total
        return out


def grid_starts(problem: Problem, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    (x_lo, x_hi), (y_lo, y_hi) = problem.window()[:2]
    xs, ys = np.linspace(x_lo, x_hi, n), np.linspace(y_lo, y_hi, n)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([X.ravel(), Y.ravel()])


def classify(problem: Problem, final_x: np.ndarray, diverged_at: np.ndarray) -> np.ndarray:
    """Index of the nearest known minimum within the radius; else OTHER_STATIONARY where
    the gradient vanishes (a local minimum), NOT_CONVERGED, or DIVERGED."""
    mins = np.array([m.x for m in problem.minima()], dtype=float)
    (x_lo, x_hi), (y_lo, y_hi) = problem.window()[:2]
    radius = RADIUS_FRACTION * np.hypot(x_hi - x_lo, y_hi - y_lo)
    d = np.linalg.norm(final_x[:, None, :] - mins[None, :, :], axis=-1)
    nearest = np.argmin(d, axis=1)
    with np.errstate(all="ignore"):
        stationary = np.linalg.norm(problem.grad(final_x), axis=1) <= STATIONARY_GRAD
    out = np.where(d[np.arange(len(d)), nearest] <= radius, nearest,
                   np.where(stationary, OTHER_STATIONARY, NOT_CONVERGED))
    return np.where(diverged_at >= 0, DIVERGED, out)


def basins(choice, problem: Problem, grid: int = 41, steps: int = 500,
           lr_factors=None, progress=None) -> Basins:
    """Run ``choice`` from every point of a grid x grid lattice over the window."""
    if problem.dim != 2:
        raise SpecError(f"basins needs a 2-D problem; '{problem.spec}' has dimension "
                        f"{problem.dim}")
    if not problem.minima():
        raise SpecError(f"basins needs known minima; '{problem.spec}' has none")
    if not 2 <= grid <= 401:
        raise SpecError(f"--grid {grid} is not allowed; --grid must be a whole number "
                        "from 2 to 401")
    xs, ys, starts = grid_starts(problem, grid)
    seeds = np.arange(len(starts), dtype=np.int64)
    tr = run_batch(choice.optimizer, choice.values, problem, starts, seeds, steps,
                   lr_factors=lr_factors, record=False, progress=progress)
    outcome = classify(problem, tr.final_x, tr.diverged_at).reshape(grid, grid)
    return Basins(choice.label, xs, ys, outcome, tr.final_x.reshape(grid, grid, 2), steps)
