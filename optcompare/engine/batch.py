"""The batched engine: advance many independent runs of one optimizer at once.

Everything inside a step is array arithmetic over the runs; there is no Python
loop over runs or coordinates.  A run whose iterate becomes non-finite or runs
away is marked diverged at that step and frozen there; the others go on.

Internally a batch is stored coordinate-major, as (dim, runs) arrays, and
problems and optimizers get their usual (runs, dim) view of it (the
transpose): a coordinate of every run is then one contiguous row, which is
what the problems' column arithmetic reads.  Big batches are advanced in
chunks of :data:`CHUNK_RUNS` runs, each through all its steps, so the
working set stays in cache.

One step is: observe the gradient (the problem's noise or sampling), clip it,
let the optimizer update, project onto the problem's bounds, evaluate the new
point (value and gradient in one call), check for divergence, record.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from optcompare.engine.clipping import Clipping
from optcompare.engine.oracle import Oracle
from optcompare.engine.record import SUMMARIES, Recorder, Running, Summaries
from optcompare.engine.trajectory import Trajectory
from optcompare.engine.working import at, clip, coordinate_major, drop, observer, record_state
from optcompare.optimizers.base import Optimizer, hyper
from optcompare.problem import Problem

#: An iterate this many times farther out than the plot window counts as diverged.
RUNAWAY_FACTOR = 1e6

#: Runs advanced together: (dim, runs) arrays of this width stay in a core's cache.
#: Measured on Rosenbrock with Adam: 4096 to 16384 are within a few percent.
CHUNK_RUNS = 8192


# the reductions of the divergence test, called as ufuncs: no wrapper per step
_max, _min, _sum = np.maximum.reduce, np.minimum.reduce, np.add.reduce


def runaway_limit(problem: Problem) -> float:
    """|x| beyond which a run is called diverged: far outside the problem's window."""
    span = max((max(abs(lo), abs(hi)) for lo, hi in problem.window()), default=1.0)
    return RUNAWAY_FACTOR * max(1.0, span)


@dataclass
class _Job:
    """What every chunk of one batch shares."""

    optimizer: Optimizer
    problem: Problem
    steps: int
    lr_factors: np.ndarray | None
    clipping: Clipping | None
    tol: float
    recorder: Recorder | None
    record_state: bool
    progress: Callable[[int], None] | None
    on_step: Callable[[int, np.ndarray, slice], None] | None
    total_runs: int
    summaries: bool
    clock: np.ndarray  # (steps+1,) seconds the chunks spent up to each step, summed


@dataclass
class _Chunk:
    """What one chunk returns; run_batch joins them."""

    diverged_at: np.ndarray
    diverged_x: np.ndarray
    final_x: np.ndarray
    final_loss: np.ndarray
    summaries: Summaries | None
    clipped: np.ndarray | None
    grad_failed: np.ndarray | None
    state: dict[str, np.ndarray]
    effective_step: np.ndarray | None


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
    on_step: Callable[[int, np.ndarray, slice], None] | None = None,
    summaries: bool = True,
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
        record_state: also keep the optimizer state and effective step per step
            (the batch then runs as one chunk).
        progress: called with a count of steps after each step: the whole batch's
            run-steps done so far divided by its runs.
        on_step: called after each step with the step number, the (runs, dim)
            iterates of one chunk (a diverged run frozen at its last good one) and
            the slice of the batch's runs they are; for summaries of part of a run
            that must not cost a whole recorded trajectory.
        summaries: keep each run's best loss, area under the curve and first step
            below tol (the default); a caller that needs none of them (basins) saves
            their cost per step when nothing is recorded.
    """
    x0 = np.asarray(x0, dtype=float)
    runs, dim = x0.shape
    seeds = np.asarray(seeds, dtype=np.int64)
    recorder = Recorder(steps, runs, dim, optimizer.direction is not None) if record else None
    job = _Job(
        optimizer,
        problem,
        steps,
        lr_factors,
        clipping,
        tol,
        recorder,
        record_state,
        progress,
        on_step,
        runs,
        summaries,
        np.zeros(steps + 1),
    )
    width = runs if record_state else CHUNK_RUNS
    chunks = []
    start = time.perf_counter()
    for lo in range(0, max(runs, 1), width):
        rows = slice(lo, min(lo + width, runs))
        own = {k: (v[rows] if isinstance(v, np.ndarray) else v) for k, v in values.items()}
        chunks.append(_advance(job, own, x0[rows], seeds[rows], rows))
    wall = time.perf_counter() - start

    def joined(name: str, of: Any = None) -> Any:
        parts = [getattr(c if of is None else of(c), name) for c in chunks]
        if parts[0] is None or len(parts) == 1:  # one chunk: its arrays, not copies
            return parts[0]
        return np.concatenate(parts)

    diverged_at = joined("diverged_at")
    best: Any = None
    area: Any = None
    first_below: Any = None
    if recorder is not None:
        recorder.finish()
        # derived from the record on first use: a caller that reads only trajectories
        # pays nothing for them
        derived = functools.cache(functools.partial(recorder.summaries, problem.f_star, tol))
        best, first_below = (lambda: derived()[0]), (lambda: derived()[1])
        area = functools.partial(recorder.area, diverged_at, problem.f_star)
    elif summaries:
        best, area, first_below = (joined(k, lambda c: c.summaries) for k in SUMMARIES)
    only = chunks[0]  # record_state runs as one chunk
    return Trajectory(
        steps=steps,
        diverged_at=diverged_at,
        final_x=joined("final_x"),
        final_loss=joined("final_loss"),
        best=best,
        area=area,
        first=first_below,
        diverged_x=joined("diverged_x"),
        limit=runaway_limit(problem),
        x=None if recorder is None else recorder.x,
        passes=_passes(problem, recorder, steps, runs),
        metrics={} if recorder is None else recorder.metrics(problem),
        loss=None if recorder is None else recorder.loss,
        grad_norm=None if recorder is None else recorder.grad_norm,
        state=only.state,
        effective_step=only.effective_step,
        lr=None if lr_factors is None else np.asarray(lr_factors, dtype=float),
        wall_time=wall,
        seconds=None if recorder is None else job.clock / max(runs, 1),
        clipped=joined("clipped"),
        gradient_failed=joined("grad_failed"),
    )


def _advance(
    job: _Job, values: Mapping[str, Any], x0: np.ndarray, seeds: np.ndarray, rows: slice
) -> _Chunk:
    """Every step of one chunk of runs.

    A run that diverges leaves the working arrays at that step (its state and
    hyperparameters with it), so the runs still going keep the fast path: no
    masks, no per-row checks.  ``live`` holds the chunk positions still going.
    """
    problem, optimizer, steps, rec = job.problem, job.optimizer, job.steps, job.recorder
    runs, dim = x0.shape
    h = hyper(values)
    lr0 = h.lr
    limit = runaway_limit(problem)
    bounds = problem.bounds()
    observe = observer(problem, seeds)
    oracle = Oracle(problem, seeds) if optimizer.direction is not None else None
    clipping = job.clipping
    done_before = rows.start * steps  # run-steps of the chunks before this one

    with np.errstate(all="ignore"):
        x = coordinate_major(np.array(x0, dtype=float, copy=True))
        loss, g_true = problem.value_and_grad_at(x, 0)
        g_true = coordinate_major(np.asarray(g_true, dtype=float))
        state = optimizer.init(x, h)
        alive = np.isfinite(loss) & np.all(np.isfinite(x), axis=1)
        diverged_at = np.where(alive, -1, 0)
        diverged_x = np.where(alive[:, None], np.nan, x)  # the offending iterates
        # the end of every run, kept apart only once some run ends early (diverges)
        final_x: np.ndarray | None = None
        final_loss: np.ndarray | None = None
        running = (
            Running(loss, alive, problem.f_star, job.tol) if rec is None and job.summaries else None
        )
        clipped = np.zeros(runs, dtype=np.int64) if clipping is not None else None
        grad_failed = np.zeros(runs, dtype=bool) if clipping is not None else None
        rec_state: dict[str, np.ndarray] = {}
        rec_eff = np.full((steps, runs, dim), np.nan) if job.record_state else None
        part = None if rec is None else rec.part(rows)
        if part is not None:
            part.write(0, x, loss, g_true, None if oracle is None else np.zeros(runs))
        live: np.ndarray | None = None  # None: every run of the chunk, in order
        x_all = x  # the whole chunk (frozen runs at their last good iterate), for on_step
        if not alive.all():
            final_x, final_loss = np.array(x), np.array(loss)  # the starts that failed stay
            x, loss, g_true, state, h, live = drop(x, loss, g_true, state, values, ~alive, None)
            oracle = None if oracle is None else oracle.take(alive)
            if part is not None:
                part.retire(0, np.flatnonzero(~alive), live)
            observe = observer(problem, seeds[live])

        began = time.perf_counter()
        for t in range(1, steps + 1):
            if job.lr_factors is not None:
                h.lr = lr0 * job.lr_factors[t - 1]
            if oracle is not None:  # the method builds its own direction (variance reduction)
                seen_loss, g, state = optimizer.direction(x, state, oracle, h, t)  # type: ignore[misc]
                g = coordinate_major(np.asarray(g, dtype=float))
            else:
                seen_loss, g = observe(x, loss, g_true, t)
            grad_bad = None
            if clipping is not None and clipped is not None:  # off: no extra work per step
                g, changed, grad_bad = clip(g, clipping)
                clipped[at(live)] += changed
            x_new, state = optimizer.update(x, g, state, h, seen_loss)
            if bounds is not None:
                x_new = np.clip(x_new, bounds[0], bounds[1])
            loss_new, g_new = problem.value_and_grad_at(x_new, t)

            # NaN fails every comparison, so these tests catch NaN, inf and runaways; the
            # whole-chunk test is three reductions (not BLAS dot products: their threads
            # spin against other processes), rows are checked only if it fails
            if grad_bad is not None or not (
                _max(x_new, axis=None, initial=-np.inf) <= limit
                and _min(x_new, axis=None, initial=np.inf) >= -limit
                and np.isfinite(_sum(loss_new))
            ):
                bad = ~((np.abs(x_new).max(axis=1, initial=0.0) <= limit) & np.isfinite(loss_new))
                if grad_bad is not None and grad_failed is not None:
                    # the step was not taken: the iterate whose gradient failed is the culprit
                    x_new = np.where(grad_bad[:, None], x, x_new)
                    grad_failed[at(live)] |= grad_bad
                    bad |= grad_bad
                if bad.any():
                    gone = (np.arange(len(bad)) if live is None else live)[bad]
                    diverged_at[gone] = t
                    diverged_x[gone] = x_new[bad]
                    if final_x is None or final_loss is None:
                        final_x, final_loss = np.zeros((runs, dim)), np.zeros(runs)
                        final_x[at(live)], final_loss[at(live)] = x, loss
                    final_x[gone], final_loss[gone] = x[bad], loss[bad]
                    if rec_eff is not None:  # the effective step below needs them
                        x, g = x[~bad], g[~bad]
                    kept = drop(x_new, loss_new, g_new, state, values, bad, live)
                    x_new, loss_new, g_new, state, h, live = kept
                    if part is not None:
                        part.retire(t, gone, live)
                    lr0 = h.lr  # the live runs' own lr, before any schedule
                    observe = observer(problem, seeds[live])
                    oracle = None if oracle is None else oracle.take(~bad)
            if rec_eff is not None:
                record_state(rec_state, rec_eff, t, state, live, x, x_new, g)
            x, loss, g_true = coordinate_major(x_new), loss_new, coordinate_major(g_new)
            if part is not None:
                part.write(t, x, loss, g_true, None if oracle is None else oracle.work)
            elif running is not None:
                running.add(t, loss, live)
            if job.on_step is not None:
                if live is not None:
                    x_all = np.array(x_all)
                    x_all[live] = x
                else:
                    x_all = x
                job.on_step(t, x_all, rows)
            job.clock[t] += time.perf_counter() - began
            if job.progress is not None:
                job.progress((done_before + t * runs) // max(job.total_runs, 1))

    if final_x is None or final_loss is None:  # no run ended early
        final_x, final_loss = np.ascontiguousarray(x), loss
    else:
        final_x[at(live)], final_loss[at(live)] = x, loss
    return _Chunk(
        diverged_at=diverged_at,
        diverged_x=diverged_x,
        final_x=final_x,
        final_loss=final_loss,
        summaries=None if running is None else running.summaries(diverged_at, steps),
        clipped=clipped,
        grad_failed=grad_failed,
        state=rec_state,
        effective_step=rec_eff,
    )


def _passes(problem: Problem, rec: Recorder | None, steps: int, runs: int) -> np.ndarray | None:
    """(steps+1, runs) passes over the data spent by each step: counted by the oracle for
    methods that ask it, else the problem's cost of one observed gradient per step."""
    if rec is not None and rec.passes is not None:
        return rec.passes
    if rec is None:
        return None
    n = getattr(problem, "n", None)
    if n:  # counted in whole components, then divided once: 3,000 steps of 1/100 are 30
        per_step = np.arange(steps + 1) * round(problem.passes_per_step() * n) / n
    else:
        per_step = np.arange(steps + 1) * problem.passes_per_step()
    return np.broadcast_to(per_step[:, None], (steps + 1, runs))
