"""The one place where many runs become a median, quartiles or a band.

Every table, file, figure and page takes its statistics from here, so they
cannot disagree.  The convention:

- Quantiles are numpy's default (``method="linear"``): for n sorted values and
  level q, position h = (n - 1) q between the values at floor(h) and ceil(h).
  The median is the 0.5 quantile, so with an even count it is the mean of the
  two middle values.
- A diverged run counts as +inf (NaN, the value a diverged run's later steps
  hold, is read the same way).  A quantile whose interpolation touches a +inf
  value is +inf by rule: numpy alone would give NaN and a RuntimeWarning
  (inf - inf), and "at least this bad" is what such a quantile means.
- Nothing here returns NaN or warns; an empty set of values is an error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The band drawn around a median and printed beside it: the 25th and 75th percentiles.
BAND = (0.25, 0.75)


def worst_as_inf(values: np.ndarray | Sequence[float]) -> np.ndarray:
    """A float copy with NaN (a diverged run) replaced by +inf; -inf is kept."""
    a = np.array(values, dtype=float)
    a[np.isnan(a)] = np.inf
    return a


def quantiles(
    values: np.ndarray | Sequence[float], qs: Sequence[float] | float, axis: int = 0
) -> np.ndarray:
    """Linear-interpolation quantiles along ``axis`` with +inf for diverged runs.

    Args:
        values: numbers; NaN and +inf both mean "diverged" (the worst).
        qs: one level or several, each in [0, 1].
        axis: the axis that holds the runs.

    Returns:
        An array with the levels in front (a scalar level drops that axis), holding
        +inf wherever the interpolation touches a +inf value; never NaN.
    """
    a = np.moveaxis(worst_as_inf(values), axis, 0)
    n = a.shape[0]
    if n == 0:
        raise ValueError("quantiles of no values")
    levels = np.atleast_1d(np.asarray(qs, dtype=float))
    if np.any((levels < 0) | (levels > 1)):
        raise ValueError(f"quantile levels must be in [0, 1], got {levels.tolist()}")
    s = np.sort(a, axis=0)  # -inf first, +inf last
    h = (n - 1) * levels
    lo, hi = np.floor(h).astype(int), np.ceil(h).astype(int)
    # Stand in for the infinite values with the nearest finite one (the order stays
    # sorted), let numpy interpolate, then put the infinities back where touched:
    # the finite answers are numpy's own, to the last bit.
    finite = np.isfinite(s)
    big = np.where(finite, s, -np.inf).max(axis=0, initial=-np.inf)
    small = np.where(finite, s, np.inf).min(axis=0, initial=np.inf)
    big = np.where(np.isfinite(big), big, 0.0)
    small = np.where(np.isfinite(small), small, 0.0)
    filled = np.where(np.isposinf(s), big, np.where(np.isneginf(s), small, s))
    vals = np.quantile(filled, levels, axis=0)
    vals = np.where(np.isneginf(s[lo]), -np.inf, vals)
    vals = np.where(np.isposinf(s[hi]), np.inf, vals)
    return vals[0] if np.ndim(qs) == 0 else vals


def median(values: np.ndarray | Sequence[float]) -> float:
    """The 0.5 quantile of one set of runs under the same rule (the mean of the two
    middle values for an even count; +inf when either of them is +inf)."""
    return float(quantiles(np.ravel(values), 0.5))


def medians(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """:func:`median` along ``axis`` of an array of runs (e.g. per step, per grid point)."""
    return np.asarray(quantiles(values, 0.5, axis=axis))


def band(values: np.ndarray | Sequence[float], axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The 25th and 75th percentiles (:data:`BAND`) under the same rule."""
    q = quantiles(values, BAND, axis=axis)
    return q[0], q[1]


def median_and_band(values: np.ndarray | Sequence[float]) -> tuple[float, float, float]:
    """(q25, median, q75) of one set of runs, as floats (+inf allowed, never NaN)."""
    q = quantiles(values, (BAND[0], 0.5, BAND[1]))
    return float(q[0]), float(q[1]), float(q[2])


def median_run_index(final: np.ndarray | Sequence[float]) -> int:
    """The run drawn as "the median run": the one whose final value is nearest the median.

    With an odd count that run's value *is* the median.  With an even count the
    median lies between the two middle runs and the lower of them is chosen;
    ties go to the earlier run.  Diverged runs (+inf) are chosen only when the
    median itself is +inf.
    """
    a = worst_as_inf(final)
    n = len(a)
    if n == 0:
        raise ValueError("the median run of no runs")
    order = np.argsort(a, kind="stable")
    return int(order[(n - 1) // 2])


#: Points of the common grid that per-run curves are read on along the passes or time
#: axis: more than a figure has pixels across, so a median drawn on it keeps each step.
GRID_POINTS = 1001


def on_common_grid(
    xs: Sequence[np.ndarray],
    ys: Sequence[np.ndarray],
    end: float | None = None,
    points: int = GRID_POINTS,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-run curves y(x) read on one grid of x, so that runs whose steps fall at
    different x (passes, seconds) get one median and band per grid point.

    A run's value at a grid point g is its value at its last recorded step with
    x <= g (a step function, not a line between steps): what the run holds after
    spending g, never progress it has not yet paid for.  A run whose y ends in NaN
    diverged: it is +inf beyond its last valid x, as diverged runs are everywhere
    in this module.

    Args:
        xs, ys: per run, x at each recorded step (non-decreasing; NaN after a
            divergence allowed) and the value there.
        end: the grid's last x (default: the least final x of the runs that did not
            diverge, so each of them has a value everywhere; the largest valid x when
            all diverged).  A larger ``end``, such as a budget of K passes, holds each
            run's last value up to it: its last step was the last it could afford.
        points: grid points from the runs' largest first x (0 for passes and time)
            to ``end`` (:data:`GRID_POINTS` by default; one when they coincide).

    Returns:
        grid (points,) and values (runs, points): +inf for diverged runs, never NaN.
    """
    if len(xs) == 0 or len(xs) != len(ys):
        raise ValueError("on_common_grid needs one x and one y array per run, at least one run")
    curves = []
    for x, y in zip(xs, ys, strict=True):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        ok = np.isfinite(x) & ~np.isnan(y)
        if not ok[0]:
            raise ValueError("every run needs a valid first point")
        curves.append((x[ok], y[ok], bool(np.isnan(y[-1]))))
    start = max(float(x[0]) for x, _, _ in curves)
    if end is None:
        kept = [float(x[-1]) for x, _, gone in curves if not gone]
        end = min(kept) if kept else max(float(x[-1]) for x, _, _ in curves)
    grid = np.array([start]) if end <= start else np.linspace(start, end, int(points))
    values = np.empty((len(curves), len(grid)))
    for i, (x, y, gone) in enumerate(curves):
        values[i] = y[np.searchsorted(x, grid, side="right") - 1]
        if gone:
            values[i, grid > x[-1]] = np.inf
    return grid, values
