"""The working arrays of one chunk of runs: their memory order, what the optimizer
observes, clipping, the runs that leave when they diverge, and the recorded state.

These are the pieces of a step that :mod:`optcompare.engine.batch` strings together.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from optcompare.engine.clipping import Clipping, clip_gradient
from optcompare.optimizers.base import hyper, state_arrays
from optcompare.problem import Problem


def coordinate_major(a: np.ndarray) -> np.ndarray:
    """A (runs, dim) array whose transpose is C-contiguous (copied only if needed)."""
    return a if a.T.flags.c_contiguous else np.ascontiguousarray(a.T).T


def observer(problem: Problem, seeds: np.ndarray) -> Callable[..., tuple[Any, np.ndarray]]:
    """``observe(x, loss, g, t) -> (loss seen, gradient seen)`` for this problem.

    A problem whose ``stochastic`` is true (mini-batches, a gradient that changes
    with the step) is asked every step.  Any other hands back the values the engine
    already has, with its Gaussian ``noise`` added: its own ``observe`` would only
    evaluate the same point again (a full batch), doubling the cost of a step.
    """
    if problem.stochastic:

        def asked(x: np.ndarray, loss: np.ndarray, g: np.ndarray, t: int):
            seen_loss, seen_g = problem.observe(x, seeds, t)
            return seen_loss, coordinate_major(np.asarray(seen_g, dtype=float))

        return asked
    if problem.noise > 0:
        return lambda x, loss, g, t: (loss, problem.add_noise(g, seeds, t))
    return lambda x, loss, g, t: (loss, g)


def at(live: np.ndarray | None) -> np.ndarray | slice:
    """The chunk positions of the working rows (all of them while none has diverged)."""
    return slice(None) if live is None else live


def drop(
    x: np.ndarray,
    loss: np.ndarray,
    g: np.ndarray,
    state: Any,
    values: Mapping[str, Any],
    bad: np.ndarray,
    live: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any, Any, np.ndarray]:
    """The working arrays without the rows ``bad``: iterates, losses, gradients, the
    optimizer state and the per-run hyperparameters; and the positions still going."""
    keep = ~bad
    positions = (np.arange(len(bad)) if live is None else live)[keep]
    fields = {
        f.name: coordinate_major(v[keep]) if v.ndim == 2 and v.shape[1] > 1 else v[keep]
        for f in dataclasses.fields(state)
        if isinstance(v := getattr(state, f.name), np.ndarray) and len(v) == len(bad)
    }
    h = hyper({k: (v[positions] if isinstance(v, np.ndarray) else v) for k, v in values.items()})
    return (
        coordinate_major(x[keep]),
        loss[keep],
        coordinate_major(g[keep]),
        dataclasses.replace(state, **fields),
        h,
        positions,
    )


def record_state(
    rec_state: dict[str, np.ndarray],
    rec_eff: np.ndarray,
    t: int,
    state: Any,
    live: np.ndarray | None,
    x: np.ndarray,
    x_new: np.ndarray,
    g: np.ndarray,
) -> None:
    """The optimizer state after step ``t`` and the effective step -(x_t - x_{t-1}) / g_t
    of the runs still going (the others stay NaN)."""
    steps, runs, _ = rec_eff.shape
    rows = at(live)
    for name, arr in state_arrays(state).items():
        if arr.shape != x.shape:
            continue
        rec_state.setdefault(name, np.full(rec_eff.shape, np.nan))[t - 1, rows] = arr
    rec_eff[t - 1, rows] = np.where(g != 0, -(x_new - x) / g, np.nan)


def clip(g: np.ndarray, rule: Clipping) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The clipped gradient; the runs whose gradient it changed; and the runs whose
    gradient norm is not finite (None when there are none)."""
    g_clipped, norms = clip_gradient(g, rule)
    finite = np.isfinite(norms)
    changed = finite & np.any(g_clipped != g, axis=1)
    return coordinate_major(g_clipped), changed, (None if finite.all() else ~finite)
