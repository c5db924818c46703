"""The record of a batch of runs: iterates, losses, divergence, optimizer state.

A :class:`Trajectory` is what the engine returns and what every summary, file
and figure is made from.  Arrays are indexed [step, run, ...]; step 0 is the
start.  After a run diverges its entries are NaN, and ``diverged_at`` holds the
step at which it did (-1 for runs that did not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

#: A per-run summary: its values, a function that computes them on first use, or
#: None when the caller said it needs none (``run_batch(..., summaries=False)``).
Summary = np.ndarray | Callable[[], np.ndarray] | None


def _resolved(summary: Summary, name: str) -> np.ndarray:
    if summary is None:
        raise ValueError(f"{name} was not computed: the batch ran with summaries=False")
    return summary() if callable(summary) else summary


@dataclass(frozen=True)
class Trajectory:
    """Iterates and measurements of a batch of runs of one optimizer.

    Attributes:
        x: (steps+1, runs, dim) iterates, or None when only summaries were kept.
        loss: (steps+1, runs) noise-free objective, or None likewise.
        passes: (steps+1, runs) passes over the data spent up to each step (a full
            gradient is one; a mini-batch batch/n), or None likewise.
        metrics: the problem's extra measurements (``Problem.metrics``), name ->
            (steps+1, runs), when recorded.
        grad_norm: (steps+1, runs) noise-free gradient norm, or None likewise.
        diverged_at: (runs,) first step with a non-finite or runaway iterate, -1 if none.
        final_x: (runs, dim) last iterate before any divergence.
        final_loss, best_loss: (runs,) loss at final_x, and the lowest loss seen.
        auc: (runs,) mean over steps 0..N of log10(loss - f* + 1e-12), or of the
            loss when f* is unknown; lower is better (the area under the loss curve).
            From a recorded trajectory it is computed on first use, as it costs a
            logarithm of every recorded loss.
        first_below: (runs,) first step with loss - f* <= tol, -1 if never or f* unknown.
        best, area, first: what ``best_loss``, ``auc`` and ``first_below`` read (values,
            a function computing them, or None when ``run_batch`` was told
            ``summaries=False``; reading them then raises ValueError).
        diverged_x: (runs, dim) the iterate that made each run diverge (NaN if none).
        limit: the |x| beyond which an iterate counted as runaway.
        state: per-step optimizer state (name -> (steps, runs, dim)) when recorded.
        effective_step: (steps, runs, dim) -(x_t - x_{t-1}) / g_t, the learning rate
            each coordinate actually got (NaN where g_t = 0), when recorded.
        lr: (steps,) learning-rate multiplier applied at each step.
        wall_time: seconds spent in the step loop.
        seconds: (steps+1,) the step loop's seconds up to each step, per run (the
            batch's time divided by its runs; recorded batches only): the x-axis "time".
        clipped: (runs,) steps at which gradient clipping changed the gradient, or
            None when clipping was off.
        gradient_failed: (runs,) True where a run diverged because its gradient's norm
            was not finite (detected only while clipping), or None when clipping was off.
    """

    steps: int
    diverged_at: np.ndarray
    final_x: np.ndarray
    final_loss: np.ndarray
    best: Summary
    area: Summary
    first: Summary
    diverged_x: np.ndarray | None = None
    limit: float = np.inf
    x: np.ndarray | None = None
    passes: np.ndarray | None = None
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    loss: np.ndarray | None = None
    grad_norm: np.ndarray | None = None
    state: dict[str, np.ndarray] = field(default_factory=dict)
    effective_step: np.ndarray | None = None
    lr: np.ndarray | None = None
    wall_time: float = 0.0
    seconds: np.ndarray | None = None
    clipped: np.ndarray | None = None
    gradient_failed: np.ndarray | None = None

    @cached_property
    def best_loss(self) -> np.ndarray:
        return _resolved(self.best, "best_loss")

    @cached_property
    def auc(self) -> np.ndarray:
        return _resolved(self.area, "auc")

    @cached_property
    def first_below(self) -> np.ndarray:
        return _resolved(self.first, "first_below")

    @property
    def runs(self) -> int:
        return len(self.diverged_at)

    def divergence_reason(self, run: int, problem) -> str | None:
        """Why ``run`` diverged, in words (None if it did not)."""
        if self.diverged_at[run] < 0:
            return None
        if self.gradient_failed is not None and self.gradient_failed[run]:
            return (
                "the gradient became NaN or infinite at this iterate (its norm is not "
                "finite, so clipping cannot scale it)"
            )
        if self.diverged_x is None:
            return "diverged"
        x = self.diverged_x[run]
        if hasattr(problem, "undefined_reason"):  # formulas know which operation failed
            why = problem.undefined_reason(x[None, :])[0]
            if why:
                return why
        if not np.all(np.isfinite(x)):
            return "the iterate became NaN or infinite (the step overflowed)"
        if np.max(np.abs(x)) > self.limit:
            return (
                f"the iterate ran away (|x| = {np.max(np.abs(x)):.3g}, beyond "
                f"{self.limit:.3g}); the step size is too large for this problem"
            )
        return "the loss became NaN or infinite at this iterate"

    def last_step(self, run: int) -> int:
        """The last step whose iterate is valid for ``run``."""
        k = int(self.diverged_at[run])
        return self.steps if k < 0 else k - 1
