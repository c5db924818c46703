"""What the engine keeps of each step, and the per-run summaries made from it.

Recording on, the step loop only copies the iterate, the loss and the squared
gradient norm into preallocated buffers; everything else (NaN after
divergence, the best loss, the area under the curve, the first step below
the tolerance, the square root of the norms) is derived once at the end, in
blocks of steps.  Recording off, :class:`Running` accumulates the same
summaries step by step in O(runs) memory.  Both give the same numbers: the
best loss, the area and the first step bit for bit.

Buffers hold the iterates as (steps+1, dim, runs), the engine's own order (a
coordinate of every run is one contiguous row); :attr:`Recorder.x` hands them
out as the (steps+1, runs, dim) view every later layer reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Steps per block when summaries are derived from a recorded trajectory: big
#: enough for few Python iterations, small enough to stay in cache.
BLOCK_STEPS = 64


def score(loss: np.ndarray, f_star: float | None) -> np.ndarray:
    """What the area under the curve averages: log10(loss - f* + 1e-12), or the loss
    itself when f* is unknown.  Lower is better."""
    if f_star is None:
        return loss
    return np.log10(np.maximum(loss - f_star, 0.0) + 1e-12)


def below(loss: np.ndarray, f_star: float | None, tol: float) -> np.ndarray:
    """Where loss - f* <= tol (never, with f* unknown: there is no target)."""
    if f_star is None:
        return np.zeros(loss.shape, dtype=bool)
    return loss - f_star <= tol


#: The fields of :class:`Summaries`, in order.
SUMMARIES = ("best", "auc", "first_below")


@dataclass
class Summaries:
    """Per-run summaries of a batch: (runs,) arrays."""

    best: np.ndarray
    auc: np.ndarray
    first_below: np.ndarray


def valid_steps(diverged_at: np.ndarray, steps: int) -> np.ndarray:
    """How many steps of each run count: all of them, or those before it diverged
    (at least one, so a run that diverged at its start has a defined mean)."""
    return np.where(diverged_at < 0, steps + 1, np.maximum(diverged_at, 1))


class Recorder:
    """The whole trajectory of ``runs`` runs over ``steps`` steps."""

    def __init__(self, steps: int, runs: int, dim: int) -> None:
        # np.empty: pages are touched once, by the step that writes them
        self.xt = np.empty((steps + 1, dim, runs))
        self.loss = np.empty((steps + 1, runs))
        self.grad_sq = np.empty((steps + 1, runs))

    def write(
        self, t: int, rows: slice | np.ndarray, x: np.ndarray, loss: np.ndarray, g: np.ndarray
    ) -> None:
        """Step ``t`` of the runs ``rows`` (a slice, or positions once some have left):
        x and g are (runs, dim) views of (dim, runs) data."""
        self.xt[t][:, rows] = x.T
        self.loss[t, rows] = loss
        gt = g.T
        if isinstance(rows, slice):
            sq = self.grad_sq[t, rows]
            np.multiply(gt[0], gt[0], out=sq)
            for row in gt[1:]:  # a few coordinates: one pass each, no temporary
                sq += row * row
        else:
            self.grad_sq[t, rows] = np.einsum("dr,dr->r", gt, gt)

    def finish(self, diverged_at: np.ndarray) -> None:
        """NaN from each diverged run's step on (frozen runs were recorded as they were),
        then the norms from their squares."""
        steps = self.loss.shape[0]
        cols = np.flatnonzero(diverged_at >= 0)
        if len(cols):
            late = np.arange(steps)[:, None] >= diverged_at[cols][None, :]
            self.loss[:, cols] = np.where(late, np.nan, self.loss[:, cols])
            self.grad_sq[:, cols] = np.where(late, np.nan, self.grad_sq[:, cols])
            self.xt[:, :, cols] = np.where(late[:, None, :], np.nan, self.xt[:, :, cols])
        np.sqrt(self.grad_sq, out=self.grad_sq)

    @property
    def x(self) -> np.ndarray:
        return self.xt.transpose(0, 2, 1)

    @property
    def grad_norm(self) -> np.ndarray:
        return self.grad_sq

    def summaries(self, diverged_at: np.ndarray, f_star: float | None, tol: float) -> Summaries:
        """Best loss, area under the curve and first step below tol, from the record
        (after :meth:`finish`: NaN marks the steps that do not count)."""
        steps, runs = self.loss.shape
        best = np.full(runs, np.inf)
        total = np.zeros(runs)
        first = np.full(runs, -1, dtype=np.int64)
        for lo in range(0, steps, BLOCK_STEPS):
            block = self.loss[lo : lo + BLOCK_STEPS]
            np.fmin(best, np.fmin.reduce(block, axis=0), out=best)  # fmin skips NaN
            counted = score(block, f_star)
            counted[np.isnan(counted)] = 0.0
            for row in counted:  # step by step, in the order Running adds them
                total += row
            hit = below(block, f_star, tol)  # NaN compares False
            new = (first < 0) & hit.any(axis=0)
            first[new] = lo + np.argmax(hit[:, new], axis=0)
        return Summaries(best, total / valid_steps(diverged_at, steps - 1), first)


class Running:
    """The same summaries accumulated step by step, for runs that are not recorded."""

    def __init__(self, loss: np.ndarray, alive: np.ndarray, f_star: float | None, tol: float):
        self.f_star, self.tol = f_star, tol
        self.best = np.where(alive, loss, np.inf)
        self.total = np.where(alive, score(loss, f_star), 0.0)
        self.first = np.where(alive & below(loss, f_star, tol), 0, -1)

    def add(self, t: int, loss: np.ndarray, live: np.ndarray | None) -> None:
        """Step ``t``'s loss of the runs at positions ``live`` (None: all of them)."""
        if live is None:
            np.minimum(self.best, loss, out=self.best)
            self.total += score(loss, self.f_star)
            if self.f_star is not None:
                self.first[(self.first < 0) & below(loss, self.f_star, self.tol)] = t
            return
        self.best[live] = np.minimum(self.best[live], loss)
        self.total[live] += score(loss, self.f_star)
        if self.f_star is not None:
            hit = live[below(loss, self.f_star, self.tol)]
            self.first[hit[self.first[hit] < 0]] = t

    def summaries(self, diverged_at: np.ndarray, steps: int) -> Summaries:
        return Summaries(self.best, self.total / valid_steps(diverged_at, steps), self.first)
