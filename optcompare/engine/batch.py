"""The batched engine: advance many independent runs of one optimizer at once.

Everything inside a step is array arithmetic over (runs, dim); there is no
Python loop over runs or coordinates.  A run whose iterate becomes non-finite or
runs away is marked diverged at that step and frozen there; the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from optcompare.engine.clipping import Clipping, clip_gradient
from optcompare.engine.trajectory import Trajectory
from optcompare.optimizers.base import Optimizer, hyper, state_arrays
from optcompare.problem import Problem

#: An iterate this many times farther out than the plot window counts as diverged.
RUNAWAY_FACTOR = 1e6


def runaway_limit(problem: Problem) -> float:
    """|x| beyond which a run is called diverged: far outside the problem's window."""
    span = max((max(abs(lo), abs(hi)) for lo, hi in problem.window()), default=1.0)
    return RUNAWAY_FACTOR * max(1.0, span)


def run_batch(
    optimizer: Optimizer,
    values: Mapping[str, Any],
    problem: Problem,
    x0: np.ndarray,
    seeds: np.ndarray,
    steps: int,
    *,
    lr_factors: np.ndarray | None = None,
    clipping: Clipping | None = None,
    tol: float = 1e-6,
    record: bool = True,
    record_state: bool = False,
    progress: Callable[[int], None] | None = None,
    on_step: Callable[[int, np.ndarray], None] | None = None,
) -> Trajectory:
    """Run ``optimizer`` with hyperparameters ``values`` from every row of ``x0``.

    Args:
        optimizer: a registered optimizer.
        values: resolved hyperparameters (``optimizer.resolve``); each a scalar or
            an array with one value per run.
        problem: the objective.
        x0: (runs, dim) start points.
        seeds: (runs,) seeds of each run's random stream (stochastic problems).
        steps: number of optimizer steps (0 just evaluates the start).
        lr_factors: (steps,) multipliers of lr at each step (a schedule), or None.
        clipping: clip the observed gradient before each update (after noise, before
            the optimizer's weight decay); None (the default) leaves it as observed.
            A run whose gradient norm is not finite is then marked diverged.
        tol: threshold on loss - f* for ``first_below``.
        record: keep the whole trajectory (x, loss, grad_norm); otherwise only
            the per-run summaries, so memory grows with runs, not runs x steps.
        record_state: also keep the optimizer state and effective step per step.
        progress: called with the step number after each step.
        on_step: called after each step with the step number and the (runs, dim)
            iterates (a diverged run frozen at its last good one); for summaries
            of part of a run that must not cost a whole recorded trajectory.
    """
    x = np.array(x0, dtype=float, copy=True)
    runs, dim = x.shape
    seeds = np.asarray(seeds, dtype=np.int64)
    h = hyper(values)
    lr0 = h.lr
    limit = runaway_limit(problem)
    f_star = problem.f_star
    random_gradients = problem.stochastic or problem.noise > 0
    bounds = problem.bounds()

    with np.errstate(all="ignore"):
        loss, g_true = problem.f(x), problem.grad(x)
        state = optimizer.init(x, h)
        diverged_at = np.where(np.isfinite(loss) & np.all(np.isfinite(x), axis=1), -1, 0)
        diverged_x = np.where(diverged_at[:, None] == 0, x, np.nan)  # the offending iterates
        alive = diverged_at < 0

        rec_x = np.full((steps + 1, runs, dim), np.nan) if record else None
        rec_loss = np.full((steps + 1, runs), np.nan) if record else None
        rec_gn = np.full((steps + 1, runs), np.nan) if record else None
        rec_state: dict[str, np.ndarray] = {}
        rec_eff = np.full((steps, runs, dim), np.nan) if record_state else None

        # with f* unknown there is no target: first_below stays -1 ("never")
        gap = (lambda f: f - f_star) if f_star is not None else (lambda f: np.full_like(f, np.inf))
        score = (
            (lambda f: np.log10(np.maximum(f - f_star, 0.0) + 1e-12))
            if f_star is not None
            else (lambda f: f)
        )
        best = np.where(alive, loss, np.inf)
        auc_sum = np.where(alive, score(loss), 0.0)
        first_below = np.where(alive & (gap(loss) <= tol), 0, -1)
        clipped = np.zeros(runs, dtype=np.int64) if clipping is not None else None
        grad_failed = np.zeros(runs, dtype=bool) if clipping is not None else None
        grad_bad = None

        def remember(t: int, x_t, loss_t, g_t, alive_t) -> None:
            xs, losses, norms = rec_x, rec_loss, rec_gn  # locals, so the checks narrow them
            if xs is not None and losses is not None and norms is not None:
                xs[t] = np.where(alive_t[:, None], x_t, np.nan)
                losses[t] = np.where(alive_t, loss_t, np.nan)
                norms[t] = np.where(alive_t, np.linalg.norm(g_t, axis=1), np.nan)

        remember(0, x, loss, g_true, alive)
        start = time.perf_counter()
        for t in range(1, steps + 1):
            if lr_factors is not None:
                h.lr = lr0 * lr_factors[t - 1]
            if random_gradients:
                seen_loss, g = problem.observe(x, seeds, t)
            else:
                seen_loss, g = loss, g_true
            if clipping is not None:  # off: not one extra array operation per step
                g, grad_bad = _clip(g, clipping, alive, clipped)
            x_new, state = optimizer.update(x, g, state, h, seen_loss)
            if bounds is not None:
                x_new = np.clip(x_new, bounds[0], bounds[1])
            loss_new, g_new = problem.f(x_new), problem.grad(x_new)

            # NaN fails every comparison, so these tests catch NaN, inf and runaways;
            # the whole-batch test is one cheap reduction, rows are checked only if it fails
            everyone = bool(alive.all())
            if grad_bad is not None or not (
                np.abs(x_new).max(initial=0.0) <= limit and np.isfinite(loss_new).all()
            ):
                ok = (np.abs(x_new).max(axis=1, initial=0.0) <= limit) & np.isfinite(loss_new)
                bad = alive & ~ok
                if grad_bad is not None and grad_failed is not None:
                    # the step was not taken: the iterate whose gradient failed is the culprit
                    x_new = np.where(grad_bad[:, None], x, x_new)
                    grad_failed |= alive & grad_bad
                    bad |= alive & grad_bad
                if bad.any():
                    diverged_at[bad] = t
                    diverged_x[bad] = x_new[bad]
                    alive = alive & ~bad
                everyone = bool(alive.all())
            if rec_eff is not None:
                for name, arr in state_arrays(state).items():
                    if arr.shape != x.shape:
                        continue
                    rec_state.setdefault(name, np.full((steps, runs, dim), np.nan))[t - 1] = (
                        np.where(alive[:, None], arr, np.nan)
                    )
                rec_eff[t - 1] = np.where(alive[:, None] & (g != 0), -(x_new - x) / g, np.nan)

            if everyone:
                x, loss, g_true = x_new, loss_new, g_new
                auc_sum = auc_sum + score(loss)
            else:  # diverged runs stay frozen at their last good iterate
                x = np.where(alive[:, None], x_new, x)
                loss = np.where(alive, loss_new, loss)
                g_true = np.where(alive[:, None], g_new, g_true)
                auc_sum = auc_sum + np.where(alive, score(loss), 0.0)
            remember(t, x, loss, g_true, alive)
            if on_step is not None:
                on_step(t, x)
            # a frozen run's loss was already counted, so these need no mask
            best = np.minimum(best, loss)
            first_below = np.where((first_below < 0) & (gap(loss) <= tol), t, first_below)
            if progress is not None:
                progress(t)
        wall = time.perf_counter() - start
        final_x, final_loss = x, loss
        n_valid = np.where(diverged_at < 0, steps + 1, np.maximum(diverged_at, 1))
        auc = auc_sum / n_valid

    lr_record = None if lr_factors is None else np.asarray(lr_factors, dtype=float)
    return Trajectory(
        steps=steps,
        diverged_at=diverged_at,
        final_x=final_x,
        final_loss=final_loss,
        best_loss=best,
        auc=auc,
        first_below=first_below,
        diverged_x=diverged_x,
        limit=limit,
        x=rec_x,
        loss=rec_loss,
        grad_norm=rec_gn,
        state=rec_state,
        effective_step=rec_eff,
        lr=lr_record,
        wall_time=wall,
        clipped=clipped,
        gradient_failed=grad_failed,
    )


def _clip(
    g: np.ndarray, rule: Clipping, alive: np.ndarray, clipped: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The clipped gradient, counting in ``clipped`` the live runs it changed; and the
    runs whose gradient norm is not finite (None when there are none)."""
    g_clipped, norms = clip_gradient(g, rule)
    finite = np.isfinite(norms)
    if clipped is not None:
        clipped += alive & finite & np.any(g_clipped != g, axis=1)
    return g_clipped, (None if finite.all() else ~finite)
