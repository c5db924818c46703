"""A work budget in passes over the data (``passes=K``, ``--passes K``) instead of steps.

A pass is n component gradients of a finite sum (one full gradient); a problem
that is not a finite sum costs one pass per gradient.  Two kinds of method:

- One whose every step costs the same (the problem's observed gradient: one
  pass, or batch/n for a mini-batch) gets floor(K / cost) steps, all within K.
- One that builds its own direction (``Optimizer.direction``: the
  variance-reduced methods) spends a different amount per step and per run
  (SVRG's full gradient at each outer start, S2GD's random inner lengths), known
  only as it runs.  It runs for ceil(K n) steps, what K passes buy at one
  component gradient a step, the least a step of such a method costs, so every
  run reaches K; each run is then cut at its last step whose passes are at most K.
  A run that diverged counts as diverged unless its budget was already spent
  when it did.

The cut's summaries (final and best loss, first step below tol, the area under the
curve) are those of the steps within the budget; the area is the mean score on one
grid of passes from 0 to K (:func:`optcompare.stats.on_common_grid`).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from optcompare import stats
from optcompare.engine import Trajectory
from optcompare.engine.record import score
from optcompare.errors import SpecError
from optcompare.optimizers.base import Optimizer
from optcompare.params import check_number
from optcompare.problem import Problem

#: Relative slack when comparing passes with the budget: K / cost and sums of 1/n
#: carry rounding (0.3 / 0.1 is 2.9999999999999996), which must not cost a step.
SLACK = 1e-9

#: The x-axes a figure can have.
X_AXES = ("steps", "passes", "time")


def check_budget(passes: float | None) -> float | None:
    """``passes`` as a positive finite float (None stays None)."""
    if passes is None:
        return None
    return float(check_number(passes, "passes", low=0, low_open=True, high=1e9))


def varies(optimizer: Optimizer) -> bool:
    """Whether the optimizer's cost per step varies (it builds its own direction)."""
    return optimizer.direction is not None


def steps_for(optimizer: Optimizer, problem: Problem, passes: float) -> int:
    """The steps to run for a budget of ``passes`` (see the module's rules)."""
    n = getattr(problem, "n", None)
    if varies(optimizer) and n is not None:
        return max(math.ceil(passes * n * (1 - SLACK)), 0)
    return max(math.floor(passes / problem.passes_per_step() * (1 + SLACK)), 0)


def default_axis(optimizers: list[Optimizer], problem: Problem, passes: float | None) -> str:
    """The x-axis figures use unless told: passes when a method that builds its own
    direction meets a finite-sum problem, or when the budget is in passes; else steps."""
    finite_sum = hasattr(problem, "component_grad")
    if passes is not None or (finite_sum and any(varies(o) for o in optimizers)):
        return "passes"
    return "steps"


def check_axis(x_axis: str) -> str:
    if x_axis not in X_AXES:
        raise SpecError(f"{{p}} '{x_axis}' is not allowed; choose {', '.join(X_AXES)}", "x_axis")
    return x_axis


def last_steps(tr: Trajectory, passes: float) -> np.ndarray:
    """(runs,) each run's last step whose passes are at most ``passes`` (its last valid
    step at the latest: passes are NaN from a divergence on for methods that count them)."""
    assert tr.passes is not None, "a budget in passes needs the recorded passes"
    within = tr.passes <= passes * (1 + SLACK)  # NaN compares False
    last = within.sum(axis=0) - 1
    d = tr.diverged_at
    return np.where(d >= 0, np.minimum(last, d - 1), last)


def diverged_within(tr: Trajectory, last: np.ndarray, passes: float) -> np.ndarray:
    """(runs,) the step at which each run diverged within the budget, -1 if none."""
    assert tr.passes is not None
    d = tr.diverged_at
    before = np.where(d > 0, d - 1, 0)
    spent = tr.passes[before, np.arange(tr.runs)]
    gone = (d >= 0) & (d == last + 1) & ~(spent >= passes * (1 - SLACK))
    return np.where(gone, d, -1)


def cut(
    tr: Trajectory, passes: float, f_star: float | None, tol: float
) -> tuple[Trajectory, np.ndarray]:
    """The trajectory's summaries over each run's steps within ``passes``, and (runs,)
    the last of those steps.  The recorded arrays are kept whole (the caller trims
    them per run or drops them)."""
    assert tr.loss is not None and tr.passes is not None and tr.x is not None
    last = last_steps(tr, passes)
    diverged = diverged_within(tr, last, passes)
    runs = np.arange(tr.runs)
    safe = np.maximum(last, 0)
    final_x = tr.x[safe, runs].copy()
    final_loss = tr.loss[safe, runs].copy()
    best = np.empty(tr.runs)
    first = np.full(tr.runs, -1, dtype=np.int64)
    area = np.empty(tr.runs)
    gap = 0.0 if f_star is None else f_star
    for i in range(tr.runs):
        loss = tr.loss[: last[i] + 1, i]
        best[i] = np.fmin.reduce(loss, initial=np.inf)
        hit = np.flatnonzero(loss - gap <= tol) if f_star is not None else np.empty(0)
        first[i] = hit[0] if hit.size else -1
        if last[i] < 0:  # diverged at its start
            area[i] = np.inf
            continue
        k = last[i] + 1 + (diverged[i] >= 0)  # a diverged run keeps its NaN step
        _, values = stats.on_common_grid([tr.passes[:k, i]], [tr.loss[:k, i]], end=passes)
        counted = values[np.isfinite(values)]
        area[i] = float(np.mean(score(counted, f_star))) if counted.size else np.inf
    kept = dataclasses.replace(
        tr,
        diverged_at=diverged,
        final_x=final_x,
        final_loss=final_loss,
        best=best,
        area=area,
        first=first,
    )
    return kept, last


def summaries_only(tr: Trajectory) -> Trajectory:
    """``tr`` without its recorded arrays (a sweep keeps summaries only)."""
    return dataclasses.replace(
        tr, x=None, loss=None, grad_norm=None, passes=None, metrics={}, state={}
    )
