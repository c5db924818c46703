"""Curves that overlap on the axes: found numerically, then made visible and named.

Two optimizers can trace the same curve (Adagrad and Adam at their defaults on
Rosenbrock take the same few steps along the valley); the curve drawn later then
covers the earlier one.  :func:`coincident` measures, in axes fractions (so a log
axis counts decades), how much of each curve lies within about a line's width of
the other; two curves overlap when each covers most of the other.  (A short
path that runs along a longer one is covered one way only: plot it after the
long one and both stay visible.)  :func:`reveal` dashes the later of two
overlapping curves, so the earlier one shows through its gaps, and returns a
legend note that says so.

Overlap is about the drawn shapes only.  Two paths over the contours that lie on
top of each other may be walked at very different speeds (RProp and Adam along
Rosenbrock's valley), so a note says the paths overlap, never that the runs are
the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

#: Within this distance (a fraction of the axes' width and height) a 2-point
#: line covers another: about one line width on a 6-inch axes.
NEAR = 0.006
#: Two curves overlap when each has at least this share of its points near the other.
SHARE = 0.75
#: The dash pattern (points on, off) of a curve that covers another.
DASHES = (0, (4.0, 3.0))

_MAX_POINTS = 400  # points of the hidden candidate tested (evenly spread)


@dataclass(frozen=True)
class Coincidence:
    """Curves ``first`` and ``second`` (drawn later) lie within :data:`NEAR` of each
    other on at least ``share`` of the points of each: on the axes they overlap."""

    first: str
    second: str
    share: float


def _fractions(ax: Axes, xy: np.ndarray) -> np.ndarray:
    """Data points -> axes fractions (log10 on a log axis); non-finite rows dropped."""
    out = []
    for j, (scale, (lo, hi)) in enumerate(((ax.get_xscale(), ax.get_xlim()),
                                           (ax.get_yscale(), ax.get_ylim()))):
        v = np.asarray(xy[:, j], dtype=float)
        if scale == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                v, lo, hi = np.log10(v), np.log10(lo), np.log10(hi)
        out.append((v - lo) / (hi - lo) if hi != lo else v * 0.0)
    f = np.column_stack(out)
    return f[np.all(np.isfinite(f), axis=1)]


def _covered(points: np.ndarray, line: np.ndarray, near: float) -> np.ndarray:
    """Which ``points`` lie within ``near`` of the polyline ``line`` (segment distance)."""
    if len(line) == 1:
        return np.hypot(*(points - line[0]).T) <= near
    a, b = line[:-1], line[1:]
    d = b - a
    dd = np.maximum(np.einsum("ij,ij->i", d, d), 1e-300)
    covered = np.zeros(len(points), dtype=bool)
    for start in range(0, len(points), 64):  # bounded memory for long lines
        p = points[start:start + 64, None, :]
        t = np.clip(np.einsum("pij,ij->pi", p - a, d) / dd, 0.0, 1.0)
        gap = p - (a + t[..., None] * d)
        covered[start:start + 64] = np.min(np.hypot(gap[..., 0], gap[..., 1]), axis=1) <= near
    return covered


def coincident(ax: Axes, curves: Sequence[tuple[str, np.ndarray]], near: float = NEAR,
               share: float = SHARE) -> list[Coincidence]:
    """Pairs of named curves, in drawing order, that overlap on the axes.

    Args:
        ax: the Axes the curves are drawn on, limits and scales final.
        curves: (name, points of shape (n, 2) in data coordinates), in drawing order.
        near: the covering distance in axes fractions (default :data:`NEAR`).
        share: the least share of each curve's points near the other (default :data:`SHARE`).

    Returns:
        One :class:`Coincidence` per pair, ``share`` the smaller of the two shares.
    """
    frac = [(name, _fractions(ax, np.asarray(xy, dtype=float))) for name, xy in curves]
    samples = [pts[np.unique(np.linspace(0, len(pts) - 1, min(len(pts), _MAX_POINTS))
                             .astype(int))] for _, pts in frac]
    out = []
    for i, (name, pts) in enumerate(frac):
        for j in range(i + 1, len(frac)):
            other, line = frac[j]
            if len(pts) == 0 or len(line) == 0:
                continue
            ab = float(np.mean(_covered(samples[i], line, near)))
            if ab < share:
                continue
            ba = float(np.mean(_covered(samples[j], pts, near)))
            if ba >= share:
                out.append(Coincidence(name, other, min(ab, ba)))
    return out


def reveal(ax: Axes, lines: Mapping[str, Line2D], curves: Sequence[tuple[str, np.ndarray]],
           what: str, near: float = NEAR) -> list[str]:
    """Dash the later curve of every overlapping pair; one legend note per pair.

    ``lines`` maps each curve's name to its drawn line; ``what`` names the curves
    in the plural ("paths", "loss curves").  A note reads "the paths of rprop and
    adam overlap (lie on top of each other): 96% of the points of each lie within
    0.6% of the axes of the other; adam dashed".
    """
    notes = []
    for c in coincident(ax, curves, near=near):
        second = lines[c.second]
        second.set_linestyle(DASHES)
        second.set_zorder(max(second.get_zorder(), lines[c.first].get_zorder()) + 0.1)
        notes.append(f"the {what} of {c.first} and {c.second} overlap (lie on top of each "
                     f"other): {c.share:.0%} of the points of each lie within {near:.1%} of "
                     f"the axes of the other; {c.second} dashed")
    return notes
