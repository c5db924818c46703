"""Basins of attraction: where does each start point of a grid end up?

Every point of a grid over the problem's window is a start; all of them run as
one batch.  Each run is then classified by where it ends (:func:`classify`, by the
rules that :mod:`optcompare.experiments.basin_rules` states and applies).

The outcome names are defined here, once (:func:`outcome_name`); files,
figures and the terminal all take them from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from optcompare import budget
from optcompare.engine import run_batch
from optcompare.engine.clipping import Clipping, make_clipping
from optcompare.engine.schedules import lr_factors as schedule_factors
from optcompare.errors import SpecError
from optcompare.experiments.basin_rules import (
    DIVERGED,
    MAXIMUM,
    MOVING_RATIO,
    NOT_CONVERGED,
    REACH_FRACTION,
    SADDLE,
    STILL_MOVING,
    UNLISTED_MINIMUM,
    Tail,
    classify,
    tail_steps,
)
from optcompare.experiments.choices import for_problem, make_optimizers, state_width
from optcompare.experiments.records import OptimizerChoice
from optcompare.params import check_number
from optcompare.problem import Minimum, Problem, make_problem
from optcompare.progress import Report, plan
from optcompare.specs import Spec
from optcompare.stats import median

# the rule constants and classify are re-exported: files and tests read them from here
__all__ = [
    "DIVERGED",
    "MAXIMUM",
    "MOVING_RATIO",
    "NOT_CONVERGED",
    "OTHER_OUTCOMES",
    "REACH_FRACTION",
    "SADDLE",
    "STILL_MOVING",
    "UNLISTED_MINIMUM",
    "Basins",
    "basins",
    "classify",
    "grid_starts",
    "outcome_codes",
    "outcome_meaning",
    "outcome_name",
    "run_basins",
    "shown_codes",
    "tail_steps",
]

#: Display order after the listed minima (legends, tables, fractions).
OTHER_OUTCOMES = (UNLISTED_MINIMUM, SADDLE, MAXIMUM, STILL_MOVING, NOT_CONVERGED, DIVERGED)
_NAMES = {
    UNLISTED_MINIMUM: "unlisted minimum",
    SADDLE: "saddle point",
    MAXIMUM: "maximum",
    STILL_MOVING: "still moving",
    NOT_CONVERGED: "not converged",
    DIVERGED: "diverged",
}


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
        STILL_MOVING: (
            f"net displacement over the last {tail_steps} steps more than "
            f"{MOVING_RATIO:g} x the path length over them"
        ),
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
    outcome: np.ndarray  # (ny, nx) ints
    final_x: np.ndarray  # (ny, nx, 2)
    steps: int
    minima: tuple[Minimum, ...] = ()
    point: np.ndarray | None = None
    tail_steps: int = 0
    tail_move: np.ndarray | None = None
    tail_path: np.ndarray | None = None
    clipping: Clipping | None = None
    clipped: np.ndarray | None = None  # (ny, nx) steps clipping changed the gradient; None: off

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
        return {
            "starts": int(moving.sum()),
            "tail_steps": self.tail_steps,
            "median_net_move": float(median(moves)) if moves.size else 0.0,
            "max_net_move": float(moves.max()) if moves.size else 0.0,
        }

    def unlisted_minima(self) -> list[tuple[tuple[float, ...], int]]:
        """The distinct unlisted minima the runs ended at, with the number of starts each."""
        if self.point is None:
            return []
        pts = self.point[self.outcome == UNLISTED_MINIMUM]
        # Newton lands on one root to ~1e-15 from every start in its basin
        keys, first, counts = np.unique(
            np.round(pts, 8), axis=0, return_index=True, return_counts=True
        )
        return [
            (tuple(float(v) for v in pts[i]), int(c)) for i, c in zip(first, counts, strict=True)
        ]


def shown_codes(results: Sequence[Basins]) -> list[int]:
    """The outcomes a table or legend shows: every listed minimum, then each other
    outcome that some run of ``results`` had."""
    if not results:
        return []
    minima = results[0].minima
    return [
        c for c in outcome_codes(minima) if c >= 0 or any(np.any(b.outcome == c) for b in results)
    ]


def grid_starts(problem: Problem, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs and ys of an n x n grid over the window's first two axes, and its (n * n, 2)
    starts, row by row (y outer, x inner), as ``Basins.outcome[i, j]`` reads them."""
    (x_lo, x_hi), (y_lo, y_hi) = problem.window()[:2]
    xs, ys = np.linspace(x_lo, x_hi, n), np.linspace(y_lo, y_hi, n)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([X.ravel(), Y.ravel()])


def run_basins(
    choice: OptimizerChoice,
    problem: Problem,
    grid: int = 41,
    steps: int = 500,
    lr_factors: np.ndarray | None = None,
    progress: Callable[[int], None] | None = None,
    clipping: Clipping | None = None,
) -> Basins:
    """Run ``choice`` from every point of a grid x grid lattice over the window and
    classify where each run ends (:func:`classify`).

    Args:
        choice: an optimizer choice (``make_optimizers``).
        problem: a 2-D problem.
        grid: starts per side, 2 to 401 (41 as on the command line).
        steps: steps per run (500 here; the command line's default is 1000).
        lr_factors: a schedule's factor per step, or None.
        progress: called with the step number after each step.
        clipping: gradient clipping (default None: none).
    """
    if problem.dim != 2:
        raise SpecError(f"basins needs a 2-D problem; '{problem.spec}' has dimension {problem.dim}")
    if type(problem).value_and_grad_at is not Problem.value_and_grad_at:
        raise SpecError(
            f"basins needs an objective that stays put; '{problem.spec}' moves with every "
            "step, so where a run ends depends on when it stops"
        )
    if not problem.minima():
        why = f" ({problem.minima_note})" if problem.minima_note else ""
        raise SpecError(f"basins needs known minima; '{problem.spec}' has none{why}")
    if not 2 <= grid <= 401:
        raise SpecError(
            f"{{p}} {grid} is not allowed; {{p}} must be a whole number from 2 to 401", "grid"
        )
    xs, ys, starts = grid_starts(problem, grid)
    seeds = np.arange(len(starts), dtype=np.int64)
    tail = Tail(starts, steps, tail_steps(steps))
    tr = run_batch(
        choice.optimizer,
        choice.values,
        problem,
        starts,
        seeds,
        steps,
        lr_factors=lr_factors,
        clipping=clipping,
        record=False,
        progress=progress,
        on_step=tail,
        summaries=False,  # only the end points and the tail decide a basin
    )
    move = tail.move(tr.final_x)
    ends = classify(problem, tr.final_x, tr.diverged_at, move, tail.path, tail_steps(steps))
    shape = (grid, grid)
    return Basins(
        label=choice.label,
        xs=xs,
        ys=ys,
        outcome=ends.outcome.reshape(shape),
        final_x=tr.final_x.reshape(grid, grid, 2),
        steps=steps,
        minima=problem.minima(),
        point=ends.point.reshape(grid, grid, 2),
        tail_steps=tail_steps(steps),
        tail_move=move.reshape(shape),
        tail_path=tail.path.reshape(shape),
        clipping=clipping,
        clipped=None if tr.clipped is None else tr.clipped.reshape(shape),
    )


#: Values basins keep per start after its batch: outcome, final iterate, stationary
#: point, tail move and path; the tail's running arrays; and the text of basins.csv.
#: The 128 once covered rows built as lists of Python objects (about 0.9 kB per start
#: measured at --grid 401); the text is now formatted a column at a time, one optimizer
#: at a time, and ``basins --opt all --grid 401`` peaked at 0.25 GB instead of 0.93 GB,
#: but the estimate is kept: lower, it would admit requests the README has not measured.
BASINS_KEPT_VALUES = 12 + 128


def basins_request(optimizers: int, problem: Problem, grid: int, steps: int) -> budget.Request:
    """What :func:`basins` asks of the budget: grid x grid runs per optimizer, one
    batch each, keeping each run's end and classification."""
    per_choice = int(grid) ** 2
    return budget.Request(
        what="these basins",
        runs=optimizers * per_choice,
        steps=int(steps),
        dim=problem.dim,
        cost=problem.evaluation_cost(),
        batch_runs=per_choice,
        kept_width=BASINS_KEPT_VALUES,
        reduce="fewer --steps, a smaller --grid or fewer --opt",
    )


def basins(
    optimizers: str | Sequence[str | Spec],
    problem: str | Spec | Problem,
    *,
    grid: int = 41,
    steps: int = 1000,
    lr_schedule: str | None = None,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    progress: Report | None = None,
) -> list[Basins]:
    """Where each optimizer ends from every start of a grid over the window.

    Args:
        optimizers: specs, as for :func:`optcompare.run` (``"all"`` too).
        problem: a 2-D problem with known minima.
        grid: starts per side, 2 to 401 (default 41, as on the command line).
        steps: steps per run (default 1000, as on the command line).
        lr_schedule: a schedule spec, the same for every optimizer.
        clip_norm, clip_value: gradient clipping, as for :func:`optcompare.run`
            (default None: none).
        progress: optional ``report(done, total)`` in run-steps, after every step.

    Returns:
        One :class:`Basins` per optimizer choice.
    """
    prob = make_problem(problem)
    choices = for_problem(make_optimizers(optimizers), prob)
    grid = check_number(grid, "grid", "int", low=2, high=401)
    steps = check_number(steps, "steps", "int", low=0)
    clipping = make_clipping(clip_norm, clip_value)
    budget.check(
        basins_request(len(choices), prob, grid, steps).holding(state_width(choices, prob))
    )
    factors = schedule_factors(lr_schedule, steps)
    tally = plan(progress, len(choices) * grid * grid * steps)
    return [
        run_basins(
            c, prob, grid, steps, factors, progress=tally.batch(grid * grid), clipping=clipping
        )
        for c in choices
    ]
