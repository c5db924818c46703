"""What the engine keeps of each step, and the per-run summaries made from it.

Recording on, the step loop only copies the iterate, the loss and the squared
gradient norm into preallocated buffers (a diverged run's columns are NaN from
its step on); everything else (the best loss, the area under the
curve, the first step below the tolerance, the square root of the norms) is
derived once at the end, in blocks of steps.  Recording off, :class:`Running` accumulates the same
summaries step by step in O(runs) memory.  Both give the same numbers: the
best loss, the area and the first step bit for bit.

Buffers hold the iterates as (steps+1, dim, runs), the engine's own order (a
coordinate of every run is one contiguous row); :attr:`Recorder.x` hands them
out as the (steps+1, runs, dim) view every later layer reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from optcompare.problem.base import Problem as BaseProblem

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

    def __init__(self, steps: int, runs: int, dim: int, passes: bool = False) -> None:
        # np.empty: pages are touched once, by the step that writes them
        self.xt = np.empty((steps + 1, dim, runs))
        self.loss = np.empty((steps + 1, runs))
        self.grad_sq = np.empty((steps + 1, runs))
        # work counted per run by the oracle of methods that build their own direction
        self.passes = np.empty((steps + 1, runs)) if passes else None

    def part(self, rows: slice) -> Part:
        """The writer of one chunk of runs (the runs ``rows``)."""
        return Part(self, rows)

    def finish(self) -> None:
        """The gradient norms from their squares."""
        np.sqrt(self.grad_sq, out=self.grad_sq)

    def metrics(self, problem: Any) -> dict[str, np.ndarray]:
        """The problem's extra measurements at every recorded iterate, name ->
        (steps+1, runs), NaN where the iterate is (none unless the problem has some)."""
        if type(problem).metrics is BaseProblem.metrics:
            return {}
        out: dict[str, np.ndarray] = {}
        steps, dim, runs = self.xt.shape
        flat = self.xt.transpose(0, 2, 1).reshape(-1, dim)  # (steps x runs, dim)
        valid = ~np.isnan(self.loss.ravel())
        for lo in range(0, len(flat), BLOCK_STEPS * runs):
            block, ok = flat[lo : lo + BLOCK_STEPS * runs], valid[lo : lo + BLOCK_STEPS * runs]
            for name, values in problem.metrics(block[ok]).items():
                column = out.setdefault(name, np.full(steps * runs, np.nan))
                column[lo : lo + len(block)][ok] = values
        return {name: v.reshape(steps, runs) for name, v in out.items()}

    @property
    def x(self) -> np.ndarray:
        return self.xt.transpose(0, 2, 1)

    @property
    def grad_norm(self) -> np.ndarray:
        return self.grad_sq

    def summaries(self, f_star: float | None, tol: float) -> tuple[np.ndarray, np.ndarray]:
        """Best loss and first step below tol of each run, from the record (after
        :meth:`finish`: NaN marks the steps that do not count)."""
        steps, runs = self.loss.shape
        best = np.full(runs, np.inf)
        first = np.full(runs, -1, dtype=np.int64)
        for lo in range(0, steps, BLOCK_STEPS):
            block = self.loss[lo : lo + BLOCK_STEPS]
            np.fmin(best, np.fmin.reduce(block, axis=0), out=best)  # fmin skips NaN
            hit = below(block, f_star, tol)  # NaN compares False
            new = (first < 0) & hit.any(axis=0)
            first[new] = lo + np.argmax(hit[:, new], axis=0)
        return best, first

    def area(self, diverged_at: np.ndarray, f_star: float | None) -> np.ndarray:
        """The area under each run's curve (the mean score over the steps that count),
        added step by step in the order :class:`Running` adds them."""
        steps, runs = self.loss.shape
        total = np.zeros(runs)
        for lo in range(0, steps, BLOCK_STEPS):
            counted = score(self.loss[lo : lo + BLOCK_STEPS], f_star)
            counted[np.isnan(counted)] = 0.0
            for row in counted:
                total += row
        return total / valid_steps(diverged_at, steps - 1)


class Part:
    """Writes one chunk's steps into a :class:`Recorder`.

    While every run of the chunk is going, a step is three contiguous copies.
    Once some have diverged, the runs still going are scattered into their
    columns by a boolean mask (numpy's cheapest scatter, one coordinate row at a
    time) and the diverged columns get NaN.
    """

    def __init__(self, rec: Recorder, rows: slice) -> None:
        self.rec, self.rows = rec, rows
        self.live: np.ndarray | None = None  # mask of the runs still going; None: all
        self.dead = np.zeros(0, dtype=np.int64)  # columns of the runs that diverged

    def write(
        self, t: int, x: np.ndarray, loss: np.ndarray, g: np.ndarray, work: np.ndarray | None
    ) -> None:
        """Step ``t`` of the runs still going: x and g are (runs, dim) views of (dim, runs);
        ``work`` their passes over the data so far (kept when the recorder counts them)."""
        rec, rows, live, gt = self.rec, self.rows, self.live, g.T
        xt, row_loss, sq = rec.xt[t][:, rows], rec.loss[t, rows], rec.grad_sq[t, rows]
        if rec.passes is not None and work is not None:
            done = rec.passes[t, rows]
            done[slice(None) if live is None else live] = work
            done[self.dead] = np.nan
        if live is None:
            xt[...] = x.T
            row_loss[...] = loss
            np.multiply(gt[0], gt[0], out=sq)
            for row in gt[1:]:  # a few coordinates: one pass each, no temporary
                sq += row * row
            return
        for d, row in enumerate(x.T):
            xt[d][live] = row
        row_loss[live] = loss
        sq[live] = np.einsum("dr,dr->r", gt, gt)
        xt[:, self.dead] = row_loss[self.dead] = sq[self.dead] = np.nan

    def retire(self, t: int, gone: np.ndarray, live: np.ndarray) -> None:
        """The runs at chunk positions ``gone`` diverged at step ``t``: NaN from there on.
        ``live`` are the positions still going."""
        self.dead = np.union1d(self.dead, gone)
        here = self.rows.start + gone  # step t may be written already (step 0 is)
        self.rec.xt[t][:, here] = self.rec.loss[t, here] = self.rec.grad_sq[t, here] = np.nan
        self.live = np.zeros(self.rows.stop - self.rows.start, dtype=bool)
        self.live[live] = True


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
