"""Measurements and figures of the ``variance-reduction`` lesson: medians on the passes axis,
linear rates, SGD's expected loss from its exact second-moment recursion, and the loss
figure with SGD's floors marked.

Free of the lesson's constants so that the lesson module can import it without a cycle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import LEGEND

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result

__all__ = [
    "decades_per_pass",
    "expected_sgd_gaps",
    "first_below",
    "grid_gaps",
    "mark_floors",
    "merged",
    "sgd_floor",
    "stays_below_from",
    "window_mean",
]

#: gaps are read on a log scale: values at the float floor count as this
TINY = 1e-16


def grid_gaps(result: Result, label: str, passes: float) -> tuple[np.ndarray, np.ndarray]:
    """The grid of passes from 0 to ``passes`` and, per run of ``label``, loss - f* there.

    One rule for every number and band on the passes axis
    (:func:`optcompare.stats.on_common_grid`): a run holds the loss of its last step at or
    before each grid point, and a diverged run is +inf from its divergence on.
    """
    from optcompare import stats

    runs = result.runs_of(label)
    f_star = result.problem.f_star or 0.0
    assert all(r.passes is not None for r in runs), "runs recorded without passes"
    grid, values = stats.on_common_grid(
        [np.asarray(r.passes) for r in runs], [r.loss for r in runs], end=passes
    )
    return grid, values - f_star


def decades_per_pass(grid: np.ndarray, median: np.ndarray, lo: float, hi: float) -> float:
    """How many decades the median loss - f* falls per pass between ``lo`` and ``hi``
    passes: minus the slope of a least-squares line through log10 of it (0: a floor).
    +inf values (half the runs diverged) make it -inf."""
    keep = (grid >= lo) & (grid <= hi)
    y = median[keep]
    if not np.all(np.isfinite(y)):
        return -np.inf
    slope = np.polyfit(grid[keep], np.log10(np.maximum(y, TINY)), 1)[0]
    return float(-slope)


def first_below(grid: np.ndarray, median: np.ndarray, tol: float) -> float | None:
    """The first grid point (in passes) where the median loss - f* is at most ``tol``."""
    hit = np.flatnonzero(median <= tol)
    return float(grid[hit[0]]) if hit.size else None


def stays_below_from(grid: np.ndarray, a: np.ndarray, b: np.ndarray) -> float | None:
    """The first grid point from which ``a`` stays below ``b`` to the end; None if it
    is not below at the end."""
    above = np.flatnonzero(~(a < b))
    if above.size == 0:
        return float(grid[0])
    if above[-1] == len(grid) - 1:
        return None
    return float(grid[above[-1] + 1])


def window_mean(result: Result, label: str, since: float) -> float:
    """The mean over the runs of ``label`` of each run's mean loss - f* over its steps
    past ``since`` passes: a time average, to set against an expected value."""
    f_star = result.problem.f_star or 0.0
    means = []
    for r in result.runs_of(label):
        assert r.passes is not None, "runs recorded without passes"
        keep = np.asarray(r.passes) > since
        means.append(float(np.mean(r.loss[keep] - f_star)))
    return float(np.mean(means))


# -- SGD's expected loss, exactly ---------------------------------------------------------


def _data(problem: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    A = np.asarray(problem.A, dtype=float)
    r = A @ np.asarray(problem.w_star, dtype=float) - np.asarray(problem.b, dtype=float)
    return A, r, A.T @ A / len(A)


def expected_sgd_gaps(
    problem: Any, x0: np.ndarray, lrs: Sequence[float] | np.ndarray
) -> np.ndarray:
    """E[f(x_t)] - f* of SGD on single-sample least squares, t = 0 .. len(lrs), exactly.

    With e = x - w*, A_i = a_i a_i^T, r_i = a_i . w* - b_i (so sum_i r_i a_i = 0) and
    H = A^T A / n, a step on sample i is e' = (I - lr A_i) e - lr r_i a_i.  Averaging
    over i (drawn uniformly, independent of e), the mean m = E e and P = E e e^T obey
        m' = (I - lr H) m
        P' = P - lr (H P + P H) + lr^2 (1/n) sum_i (a_i^T P a_i) A_i
             + lr^2 S + 2 lr^2 (1/n) sum_i r_i (a_i . m) A_i,   S = (1/n) sum_i r_i^2 A_i,
    and f - f* = e^T H e / 2, so the expected gap is tr(H P) / 2.  ``lrs`` is the lr of
    each step (a schedule's factors times the base lr).
    """
    A, r, H = _data(problem)
    n = len(A)
    e0 = np.asarray(x0, dtype=float) - np.asarray(problem.w_star, dtype=float)
    m, P = e0.copy(), np.outer(e0, e0)
    out = [0.5 * float(np.sum(H * P))]
    for lr in np.asarray(lrs, dtype=float):
        q = np.einsum("nd,de,ne->n", A, P, A)
        # the lr^2 terms share the form (1/n) sum_i w_i A_i: one product for all three
        w = lr * lr * (q + r**2 + 2 * r * (A @ m))
        P = P - lr * (H @ P + P @ H) + (A * w[:, None]).T @ A / n
        P = 0.5 * (P + P.T)
        m = m - lr * (H @ m)
        out.append(0.5 * float(np.sum(H * P)))
    return np.array(out)


def sgd_floor(problem: Any, lr: float) -> float:
    """The limit of :func:`expected_sgd_gaps` at a constant lr: the stationary P solves
    H P + P H - lr (1/n) sum_i (a_i^T P a_i) A_i = lr S (m -> 0), a linear system in the
    dim^2 entries of P; inf when no stationary P exists (the lr is too large)."""
    A, r, H = _data(problem)
    n, d = A.shape
    eye = np.eye(d)
    K = np.kron(eye, H) + np.kron(H, eye)
    K -= lr * np.einsum("ni,nj,nk,nl->ikjl", A, A, A, A).reshape(d * d, d * d) / n
    S = (A * (r**2)[:, None]).T @ A / n
    P = np.linalg.solve(K, lr * S.reshape(-1)).reshape(d, d)
    if np.any(np.linalg.eigvalsh(0.5 * (P + P.T)) < 0):
        return float("inf")
    return 0.5 * float(np.sum(H * P))


# -- figures ---------------------------------------------------------------------------


def merged(base: Result, *others: tuple[Result, str]) -> Result:
    """``base`` with the runs of ``others`` added, each relabelled (result, new label),
    so that one figure and one legend hold them all (the same problem and budget)."""
    runs = list(base.runs)
    tuning = dict(base.tuning)
    for result, label in others:
        for r in result.runs:
            runs.append(dataclasses.replace(r, label=label))
        for t in result.tuning.values():
            tuning[label] = t
    return dataclasses.replace(base, runs=runs, tuning=tuning)


def mark_floors(ax: Axes, floors: dict[str, float], colors: dict[str, str], end: float) -> None:
    """A dotted line at each constant-lr SGD's exact expected floor, named at its right
    end (the legend stays the loss curves')."""
    for label, y in floors.items():
        ax.axhline(y, color=colors[label], ls=":", lw=2.0, zorder=1)
        ax.annotate(
            f"expected floor of {label}",
            (end, y),
            xytext=(-4, 4),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=LEGEND,
            color=colors[label],
            # the noisy curves run along the line: the name stays readable above them
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.5},
            zorder=6,
        )
