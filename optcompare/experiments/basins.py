"""Basins of attraction: where does each start point of a grid end up?

Every point of a grid over the problem's window is a start; all of them run as
one batch.  Each run is then classified by where it ends (:func:`classify`):

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

The outcome names are defined here, once (:func:`outcome_name`); files,
figures and the terminal all take them from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from optcompare.engine import run_batch
from optcompare.engine.schedules import lr_factors as schedule_factors
from optcompare.errors import SpecError
from optcompare.experiments.choices import make_optimizers
from optcompare.experiments.records import OptimizerChoice
from optcompare.experiments.stationary import EIG_TOL, GRAD_TOL, eigh, hessians, polish
from optcompare.problem import Minimum, Problem, make_problem
from optcompare.progress import Report, plan
from optcompare.specs import Spec
from optcompare.stats import median

# Outcome codes; k >= 0 is the listed minimum problem.minima()[k].
DIVERGED = -1
NOT_CONVERGED = -2
STILL_MOVING = -3
UNLISTED_MINIMUM = -4
SADDLE = -5
MAXIMUM = -6
#: Display order after the listed minima (legends, tables, fractions).
OTHER_OUTCOMES = (UNLISTED_MINIMUM, SADDLE, MAXIMUM, STILL_MOVING, NOT_CONVERGED, DIVERGED)
_NAMES = {UNLISTED_MINIMUM: "unlisted minimum", SADDLE: "saddle point", MAXIMUM: "maximum",
          STILL_MOVING: "still moving", NOT_CONVERGED: "not converged", DIVERGED: "diverged"}

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


def outcome_name(code: int, minima: Sequence[Minimum]) -> str:
    """The name of an outcome: "minimum 3 (local)" (1-based, in the order of
    ``problem.minima()``), "unlisted minimum", "saddle point", "maximum",
    "still moving", "not converged" or "diverged"."""
    if code >= 0:
        return f"minimum {code + 1} ({minima[code].kind})"
    return _NAMES[code]


def outcome_codes(minima: Sequence[Minimum]) -> list[int]:
    """Every outcome code in display order: the listed minima, then :data:`OTHER_OUTCOMES`."""
    return [*range(len(minima)), *OTHER_OUTCOMES]


def outcome_meaning(code: int, tail_steps: int) -> str:
    """One sentence on what an outcome means, for notes under tables and in summary.json."""
    if code >= 0:
        return "ended at this listed minimum"
    return {
        UNLISTED_MINIMUM: "ended at a minimum that the problem does not list",
        SADDLE: "ended at a saddle point (f rises along some directions, falls along others)",
        MAXIMUM: "ended at a maximum",
        STILL_MOVING: (f"net displacement over the last {tail_steps} steps more than "
                       f"{MOVING_RATIO:g} x the path length over them"),
        NOT_CONVERGED: "neither still moving nor at a stationary point",
        DIVERGED: "the iterate became non-finite or ran away",
    }[code]


@dataclass(frozen=True)
class Basins:
    """Outcome per grid start: ``outcome[i, j]`` is the outcome code of the run
    from (xs[j], ys[i]): the index of a listed minimum, or one of
    :data:`OTHER_OUTCOMES`.

    Attributes:
        point: (ny, nx, 2) the stationary point each run ended at (NaN when none).
        tail_steps: the number of last steps that decide "still moving".
        tail_move: (ny, nx) net displacement over those steps.
        tail_path: (ny, nx) path length over those steps.
    """

    label: str
    xs: np.ndarray
    ys: np.ndarray
    outcome: np.ndarray      # (ny, nx) ints
    final_x: np.ndarray      # (ny, nx, 2)
    steps: int
    minima: tuple[Minimum, ...] = ()
    point: np.ndarray | None = None
    tail_steps: int = 0
    tail_move: np.ndarray | None = None
    tail_path: np.ndarray | None = None

    def names(self) -> list[str]:
        """The name of every outcome, in display order."""
        return [outcome_name(c, self.minima) for c in outcome_codes(self.minima)]

    def fractions(self, codes: Sequence[int] | None = None) -> dict[str, float]:
        """Fraction of the starts per outcome name, in display order: those of ``codes``
        (e.g. :func:`shown_codes`), every outcome when None."""
        codes = outcome_codes(self.minima) if codes is None else codes
        return {outcome_name(c, self.minima): float(np.mean(self.outcome == c)) for c in codes}

    def still_moving(self) -> dict[str, float | int]:
        """How many runs are still moving, and the median and largest net displacement
        of those runs over the last ``tail_steps`` steps (0 when none)."""
        moving = self.outcome == STILL_MOVING
        moves = self.tail_move[moving] if self.tail_move is not None else np.empty(0)
        return {"starts": int(moving.sum()), "tail_steps": self.tail_steps,
                "median_net_move": float(median(moves)) if moves.size else 0.0,
                "max_net_move": float(moves.max()) if moves.size else 0.0}

    def unlisted_minima(self) -> list[tuple[tuple[float, ...], int]]:
        """The distinct unlisted minima the runs ended at, with the number of starts each."""
        if self.point is None:
            return []
        pts = self.point[self.outcome == UNLISTED_MINIMUM]
        # Newton lands on one root to ~1e-15 from every start in its basin
        keys, first, counts = np.unique(np.round(pts, 8), axis=0, return_index=True,
                                        return_counts=True)
        return [(tuple(float(v) for v in pts[i]), int(c))
                for i, c in zip(first, counts, strict=True)]


def shown_codes(results: Sequence[Basins]) -> list[int]:
    """The outcomes a table or legend shows: every listed minimum, then each other
    outcome that some run of ``results`` had."""
    if not results:
        return []
    minima = results[0].minima
    return [c for c in outcome_codes(minima)
            if c >= 0 or any(np.any(b.outcome == c) for b in results)]


def grid_starts(problem: Problem, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    (x_lo, x_hi), (y_lo, y_hi) = problem.window()[:2]
    xs, ys = np.linspace(x_lo, x_hi, n), np.linspace(y_lo, y_hi, n)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([X.ravel(), Y.ravel()])


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
        top = np.maximum(1.0, np.abs(lam).max(axis=1))
        size = np.maximum(1.0, np.linalg.norm(P, axis=1))
        stationary = np.linalg.norm(g, axis=1) <= GRAD_TOL * top * size
        zero = np.abs(lam) <= EIG_TOL * top[:, None]
        up = (lam > 0) & ~zero
        down = (lam < 0) & ~zero
        rho = 1e-2 * size
        f0 = problem.f(P)
        for j in range(P.shape[1]):
            fp, fm = (problem.f(P + s * rho[:, None] * V[:, :, j]) for s in (1.0, -1.0))
            up[:, j] |= zero[:, j] & (fp > f0) & (fm > f0)
            down[:, j] |= zero[:, j] & (fp < f0) & (fm < f0)
    kind = np.where(up.all(axis=1), UNLISTED_MINIMUM,
                    np.where(down.all(axis=1), MAXIMUM, SADDLE))
    return np.where(stationary & np.all(np.isfinite(P), axis=1), kind, NOT_CONVERGED)


@dataclass(frozen=True)
class Ends:
    """What :func:`classify` found: the outcome code and the stationary point
    (NaN where none) per run."""

    outcome: np.ndarray
    point: np.ndarray


def classify(problem: Problem, final_x: np.ndarray, diverged_at: np.ndarray,
             tail_move: np.ndarray | None = None,
             tail_path: np.ndarray | None = None, tail_steps: int = 1) -> Ends:
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
    dist = np.linalg.norm(point - final_x, axis=1)
    with np.errstate(invalid="ignore"):
        reached = (kind != NOT_CONVERGED) & (dist <= reach) & settled \
            & (~moving | (dist <= move))

    mins = np.array([m.x for m in problem.minima()], dtype=float).reshape(-1, final_x.shape[1])
    if len(mins):
        d_point = np.linalg.norm(point[:, None, :] - mins[None], axis=-1)
        d_end = np.linalg.norm(final_x[:, None, :] - mins[None], axis=-1)
        with np.errstate(invalid="ignore"):
            at = np.nanargmin(np.where(np.isnan(d_point), np.inf, d_point), axis=1)
            listed = d_point[np.arange(n), at] <= MATCH_FRACTION * diag
        kind = np.where((kind == UNLISTED_MINIMUM) & listed, at, kind)
        near = np.argmin(d_end, axis=1)
        parked = np.where((d_end[np.arange(n), near] <= RADIUS_FRACTION * diag) & settled,
                          near, NOT_CONVERGED)
    else:
        parked = np.full(n, NOT_CONVERGED)
    outcome = np.where(reached, kind, np.where(moving, STILL_MOVING, parked))
    outcome = np.where(alive, outcome, DIVERGED)
    point[~reached] = np.nan
    return Ends(outcome.astype(int), point)


class _Tail:
    """Net displacement and path length over the last ``tail`` of ``steps`` steps,
    fed by the engine's ``on_step`` hook: O(runs) memory, not O(runs x steps)."""

    def __init__(self, x0: np.ndarray, steps: int, tail: int) -> None:
        self.begin = steps - tail
        self.start = self.prev = np.array(x0, dtype=float, copy=True)
        self.path = np.zeros(len(x0))

    def __call__(self, t: int, x: np.ndarray) -> None:
        if t == self.begin:
            self.start = self.prev = x
        elif t > self.begin:
            self.path = self.path + np.linalg.norm(x - self.prev, axis=1)
            self.prev = x

    def move(self, final_x: np.ndarray) -> np.ndarray:
        return np.linalg.norm(final_x - self.start, axis=1)


def tail_steps(steps: int) -> int:
    """The number of last steps that decide "still moving": 10% of them, at least 1."""
    return 0 if steps <= 0 else max(1, int(np.ceil(TAIL_FRACTION * steps)))


def run_basins(choice: OptimizerChoice, problem: Problem, grid: int = 41, steps: int = 500,
               lr_factors: np.ndarray | None = None,
               progress: Callable[[int], None] | None = None) -> Basins:
    """Run ``choice`` from every point of a grid x grid lattice over the window and
    classify where each run ends (:func:`classify`).

    Args:
        choice: an optimizer choice (``make_optimizers``).
        problem: a 2-D problem.
        grid: starts per side, 2 to 401 (41 as on the command line).
        steps: steps per run (500 here; the command line's default is 1000).
        lr_factors: a schedule's factor per step, or None.
        progress: called with the step number after each step.
    """
    if problem.dim != 2:
        raise SpecError(f"basins needs a 2-D problem; '{problem.spec}' has dimension "
                        f"{problem.dim}")
    if not problem.minima():
        raise SpecError(f"basins needs known minima; '{problem.spec}' has none")
    if not 2 <= grid <= 401:
        raise SpecError(f"{{p}} {grid} is not allowed; {{p}} must be a whole number "
                        "from 2 to 401", "grid")
    xs, ys, starts = grid_starts(problem, grid)
    seeds = np.arange(len(starts), dtype=np.int64)
    tail = _Tail(starts, steps, tail_steps(steps))
    tr = run_batch(choice.optimizer, choice.values, problem, starts, seeds, steps,
                   lr_factors=lr_factors, record=False, progress=progress, on_step=tail)
    move = tail.move(tr.final_x)
    ends = classify(problem, tr.final_x, tr.diverged_at, move, tail.path, tail_steps(steps))
    shape = (grid, grid)
    return Basins(choice.label, xs, ys, ends.outcome.reshape(shape),
                  tr.final_x.reshape(grid, grid, 2), steps, problem.minima(),
                  ends.point.reshape(grid, grid, 2), tail_steps(steps), move.reshape(shape),
                  tail.path.reshape(shape))


def basins(optimizers: str | Sequence[str | Spec], problem: str | Spec | Problem, *,
           grid: int = 41, steps: int = 1000, lr_schedule: str | None = None,
           progress: Report | None = None) -> list[Basins]:
    """Where each optimizer ends from every start of a grid over the window.

    Args:
        optimizers: specs, as for :func:`optcompare.run` (``"all"`` too).
        problem: a 2-D problem with known minima.
        grid: starts per side, 2 to 401 (default 41, as on the command line).
        steps: steps per run (default 1000, as on the command line).
        lr_schedule: a schedule spec, the same for every optimizer.
        progress: optional ``report(done, total)`` in run-steps, after every step.

    Returns:
        One :class:`Basins` per optimizer choice.
    """
    prob = make_problem(problem)
    choices = make_optimizers(optimizers)
    factors = schedule_factors(lr_schedule, steps)
    tally = plan(progress, len(choices) * grid * grid * steps)
    return [run_basins(c, prob, grid, steps, lr_factors=factors, progress=tally.batch(grid * grid))
            for c in choices]
