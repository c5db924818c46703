"""How a basins run ended: the rules that classify each run by its end point.

:func:`classify` applies them in this order:

1. **diverged**: the engine marked it so (non-finite, or a runaway).
2. Its end point is polished by damped Newton on the exact gradient
   (:func:`polish`); the stationary point reached is classified by its Hessian
   (:func:`stationary_kind`): a listed minimum (by index, global or local), an
   unlisted minimum, a saddle point or a maximum.  The run ended there when the
   point lies within reach, :data:`REACH_FRACTION` of the window's diagonal, of its
   end point, its mean step over the tail (below) is no longer than twice the
   reach (longer steps cannot stay within reach: such a run bounces about), and
   rule 3 does not say it is moving on.
3. **still moving**: its net displacement over the last :data:`TAIL_FRACTION` of
   its steps exceeds :data:`MOVING_RATIO` times its path length over them (and
   :data:`MOVE_FLOOR` of the window's diagonal), and the stationary point ahead,
   if any, is farther than that displacement.  Why net against path: a run
   rattling in a basin at a constant lr moves 1e-2 per step but nets 1e-3 over
   50 steps, while a slow run at lr 1e-3 moves 1e-4 per step, all of it net.  A
   run converging along a straight line (plain GD, say) also nets all of its
   path, but its limit is then nearer than it moved in the tail: it ended there.
4. A run that stopped near a listed minimum where Newton cannot go (a kink, or a
   minimum listed with few digits) is at that minimum when within
   :data:`RADIUS_FRACTION` of the window's diagonal of it, with steps as short.
5. **not converged**: none of these (e.g. plain GD bouncing about at too large a lr).

Outcome codes: k >= 0 is the listed minimum ``problem.minima()[k]``; the other
outcomes are negative constants here.  Their names and display order live in
:mod:`optcompare.experiments.basins`, which runs the grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optcompare.experiments.stationary import (
    EIG_TOL,
    GRAD_TOL,
    eigh,
    finite_rows,
    hessians,
    largest_abs,
    polish,
    row_norms,
)
from optcompare.problem import Problem

# the outcomes other than a listed minimum; negative, so they never clash with an index
DIVERGED = -1
NOT_CONVERGED = -2
STILL_MOVING = -3
UNLISTED_MINIMUM = -4
SADDLE = -5
MAXIMUM = -6
#: The share of a run's last steps whose movement decides "still moving".
TAIL_FRACTION = 0.1
#: Still moving when the net displacement over the tail exceeds this times its path length.
MOVING_RATIO = 0.5
#: A net displacement below this fraction of the window's diagonal counts as stopped: it is
#: invisible at the scale of any figure of the window (and covers rounding jitter).
MOVE_FLOOR = 1e-6
#: How far (a fraction of the window's diagonal) a stationary point may lie from an end
#: point and still count as where the run ended; also the cap on one Newton step.
REACH_FRACTION = 0.02
#: The fallback of rule 4: a stopped run this near (fraction of the diagonal) a listed
#: minimum is at it.
RADIUS_FRACTION = 0.02
#: A polished minimum this near (fraction of the diagonal) a listed one is that one.
MATCH_FRACTION = 1e-3


def _diagonal(problem: Problem) -> float:
    (x_lo, x_hi), (y_lo, y_hi) = problem.window()[:2]
    return float(np.hypot(x_hi - x_lo, y_hi - y_lo))


def stationary_kind(problem: Problem, P: np.ndarray) -> np.ndarray:
    """UNLISTED_MINIMUM, SADDLE or MAXIMUM per row of P by its Hessian, or NOT_CONVERGED
    where the gradient does not vanish.

    A zero eigenvalue leaves the Hessian test undecided; f at +-rho along each such
    eigenvector then decides (rising both ways as at a minimum, falling both ways
    as at a maximum, otherwise a saddle, as for x^3).
    """
    with np.errstate(all="ignore"):
        g = problem.grad(P)
        lam, V = eigh(hessians(problem, P))
        top = np.maximum(1.0, largest_abs(lam))
        size = np.maximum(1.0, row_norms(P))
        stationary = row_norms(g) <= GRAD_TOL * top * size
        zero = np.abs(lam) <= EIG_TOL * top[:, None]
        up = (lam > 0) & ~zero
        down = (lam < 0) & ~zero
        rho = 1e-2 * size
        f0 = problem.f(P)
        for j in range(P.shape[1]):
            fp, fm = (problem.f(P + s * rho[:, None] * V[:, :, j]) for s in (1.0, -1.0))
            up[:, j] |= zero[:, j] & (fp > f0) & (fm > f0)
            down[:, j] |= zero[:, j] & (fp < f0) & (fm < f0)
    kind = np.where(up.all(axis=1), UNLISTED_MINIMUM, np.where(down.all(axis=1), MAXIMUM, SADDLE))
    return np.where(stationary & finite_rows(P), kind, NOT_CONVERGED)


@dataclass(frozen=True)
class Ends:
    """What :func:`classify` found: the outcome code and the stationary point
    (NaN where none) per run."""

    outcome: np.ndarray
    point: np.ndarray


def classify(
    problem: Problem,
    final_x: np.ndarray,
    diverged_at: np.ndarray,
    tail_move: np.ndarray | None = None,
    tail_path: np.ndarray | None = None,
    tail_steps: int = 1,
) -> Ends:
    """Classify each run by where it ends (the rules in this module's docstring).

    Args:
        problem: the objective (its exact gradient, listed minima and window).
        final_x: (runs, dim) end points.
        diverged_at: (runs,) the engine's step of divergence, -1 for none.
        tail_move, tail_path: (runs,) net displacement and path length over the last
            ``tail_steps`` steps; None means the runs stopped (end points given by hand).
        tail_steps: the number of steps those cover.
    """
    n = len(final_x)
    diag = _diagonal(problem)
    reach = REACH_FRACTION * diag
    alive = np.asarray(diverged_at) < 0
    move = np.zeros(n) if tail_move is None else np.asarray(tail_move, dtype=float)
    path = np.zeros(n) if tail_path is None else np.asarray(tail_path, dtype=float)
    moving = (move > MOVING_RATIO * path) & (move > MOVE_FLOOR * diag)
    # a run stays within a disk only if its steps are no longer than the disk is wide
    settled = path / max(tail_steps, 1) <= 2.0 * reach

    point = np.full_like(final_x, np.nan, dtype=float)
    point[alive] = polish(problem, final_x[alive], max_step=reach)
    kind = np.full(n, NOT_CONVERGED)
    kind[alive] = stationary_kind(problem, point[alive])
    dist = row_norms(point - final_x)
    with np.errstate(invalid="ignore"):
        reached = (kind != NOT_CONVERGED) & (dist <= reach) & settled & (~moving | (dist <= move))

    mins = np.array([m.x for m in problem.minima()], dtype=float).reshape(-1, final_x.shape[1])
    if len(mins):
        d_point = row_norms(point[:, None, :] - mins[None])
        d_end = row_norms(final_x[:, None, :] - mins[None])
        with np.errstate(invalid="ignore"):
            at = np.nanargmin(np.where(np.isnan(d_point), np.inf, d_point), axis=1)
            listed = d_point[np.arange(n), at] <= MATCH_FRACTION * diag
        kind = np.where((kind == UNLISTED_MINIMUM) & listed, at, kind)
        near = np.argmin(d_end, axis=1)
        parked = np.where(
            (d_end[np.arange(n), near] <= RADIUS_FRACTION * diag) & settled, near, NOT_CONVERGED
        )
    else:
        parked = np.full(n, NOT_CONVERGED)
    outcome = np.where(reached, kind, np.where(moving, STILL_MOVING, parked))
    outcome = np.where(alive, outcome, DIVERGED)
    point[~reached] = np.nan
    return Ends(outcome.astype(int), point)


class Tail:
    """Net displacement and path length over the last ``tail`` of ``steps`` steps,
    fed by the engine's ``on_step`` hook: O(runs) memory, not O(runs x steps)."""

    def __init__(self, x0: np.ndarray, steps: int, tail: int) -> None:
        self.begin = steps - tail
        self.start = np.array(x0, dtype=float, copy=True)
        self.prev = self.start.copy()
        self.path = np.zeros(len(x0))

    def __call__(self, t: int, x: np.ndarray, rows: slice) -> None:
        # the engine advances big batches in chunks of runs: ``rows`` says which
        if t == self.begin:
            self.start[rows] = self.prev[rows] = x
        elif t > self.begin:
            self.path[rows] += row_norms(x - self.prev[rows])
            self.prev[rows] = x

    def move(self, final_x: np.ndarray) -> np.ndarray:
        return row_norms(final_x - self.start)


def tail_steps(steps: int) -> int:
    """The number of last steps that decide "still moving": 10% of them, at least 1."""
    return 0 if steps <= 0 else max(1, int(np.ceil(TAIL_FRACTION * steps)))
