"""Curves that overlap on the axes: found numerically, then made visible and named.

Two optimizers can trace the same curve (Adagrad and Adam at their defaults on
Rosenbrock take the same few steps along the valley); the curve drawn later then
covers the earlier one.  :func:`coincident` measures, in axes fractions (so a log
axis counts decades) and along the drawn length (so steps spent standing still
count as a dot, not as most of a curve), how much of each curve lies within
about a line's width of a curve drawn after it; the earlier one is hidden when
that is most of it.  (A short path drawn after a long one hides little of it:
paths are drawn longest first.)  :func:`reveal` dashes the later curve, so the
earlier one shows through its gaps, and returns notes that say so (placed by
:func:`optcompare.plotting.notes.legend_notes`).

Overlap is about the drawn shapes only.  Two paths over the contours that lie on
top of each other may be walked at very different speeds (RProp and Adam along
Rosenbrock's valley), so a note says where one lies under another, never that
the runs are the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

#: Within this distance (a fraction of the axes' width and height) a 2-point
#: line covers another: about one line width on a 6-inch axes.
NEAR = 0.006
#: A curve is hidden when at least this share of its drawn length lies under a later one.
SHARE = 0.6
#: The dash pattern (points on, off) of a curve that covers another.
DASHES: Final = (0, (4.0, 3.0))
#: The pattern instead where dashes already mean something (a loss figure's test loss).
DOTS: Final = ":"

_MAX_POINTS = 400  # points tested per curve, evenly spread along its drawn length


@dataclass(frozen=True)
class Coincidence:
    """Curve ``second``, drawn later, lies over ``share`` of the drawn length of ``first``
    (within :data:`NEAR`): on the axes it hides that much of ``first``."""

    first: str
    second: str
    share: float


def _fractions(ax: Axes, xy: np.ndarray) -> np.ndarray:
    """Data points -> axes fractions (log10 on a log axis); non-finite rows dropped."""
    out = []
    for j, (scale, (lo, hi)) in enumerate(
        ((ax.get_xscale(), ax.get_xlim()), (ax.get_yscale(), ax.get_ylim()))
    ):
        v = np.asarray(xy[:, j], dtype=float)
        if scale == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                v, lo, hi = np.log10(v), np.log10(lo), np.log10(hi)
        out.append((v - lo) / (hi - lo) if hi != lo else v * 0.0)
    f = np.column_stack(out)
    return f[np.all(np.isfinite(f), axis=1)]


def _along(points: np.ndarray, n: int = _MAX_POINTS) -> np.ndarray:
    """``n`` points evenly spaced along the drawn polyline.

    By length, not by step: a run that sits at its minimum for 900 of 1000 steps
    draws a dot there, not 90% of its path, so overlap is judged on what is seen.
    """
    if len(points) < 2:
        return points
    seg = np.hypot(*np.diff(points, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] == 0.0:
        return points[:1]
    t = np.linspace(0.0, s[-1], n)
    return np.column_stack([np.interp(t, s, points[:, 0]), np.interp(t, s, points[:, 1])])


def _covered(points: np.ndarray, line: np.ndarray, near: float) -> np.ndarray:
    """Which ``points`` lie within ``near`` of the polyline ``line`` (segment distance)."""
    if len(line) == 1:
        return np.hypot(*(points - line[0]).T) <= near
    a, b = line[:-1], line[1:]
    d = b - a
    dd = np.maximum(np.einsum("ij,ij->i", d, d), 1e-300)
    covered = np.zeros(len(points), dtype=bool)
    for start in range(0, len(points), 64):  # bounded memory for long lines
        p = points[start : start + 64, None, :]
        t = np.clip(np.einsum("pij,ij->pi", p - a, d) / dd, 0.0, 1.0)
        gap = p - (a + t[..., None] * d)
        covered[start : start + 64] = np.min(np.hypot(gap[..., 0], gap[..., 1]), axis=1) <= near
    return covered


def coincident(
    ax: Axes, curves: Sequence[tuple[str, np.ndarray]], near: float = NEAR, share: float = SHARE
) -> list[Coincidence]:
    """Pairs of named curves, in drawing order, where the later one hides the earlier.

    Args:
        ax: the Axes the curves are drawn on, limits and scales final.
        curves: (name, points of shape (n, 2) in data coordinates), in drawing order.
        near: the covering distance in axes fractions (default :data:`NEAR`).
        share: the least share of the earlier curve's drawn length under the later one
            (default :data:`SHARE`).

    Returns:
        One :class:`Coincidence` per pair, ``share`` the earlier curve's share hidden.
    """
    frac = [(name, _fractions(ax, np.asarray(xy, dtype=float))) for name, xy in curves]
    samples = [_along(pts) for _, pts in frac]
    out = []
    for i, (name, pts) in enumerate(frac):
        for j in range(i + 1, len(frac)):
            other, line = frac[j]
            if len(pts) == 0 or len(line) == 0:
                continue
            # what hides a curve is a later one drawn over it: the earlier one's share
            under = float(np.mean(_covered(samples[i], line, near)))
            if under >= share:
                out.append(Coincidence(name, other, under))
    return out


def reveal(
    ax: Axes,
    lines: Mapping[str, Line2D],
    curves: Sequence[tuple[str, np.ndarray]],
    what: str,
    near: float = NEAR,
    dots: bool = False,
) -> list[str]:
    """Dash the later curve of every pair where it hides the earlier; notes saying so.

    ``lines`` maps each curve's name to its drawn line; ``what`` names the curves
    in the plural ("paths", "loss curves").  Three or more curves of which each lies
    under every later one get one note ("a, b and c lie on one path (each at least 99%
    under the later ones, which are dashed)"); any other hidden curve one note, e.g.
    "rmsprop lies under rprop (99%), adam (99%)"; then one note says what the percentages
    measure and which other curves are dashed (dotted with ``dots``, where dashed lines
    mean something else).
    Grouping keeps the notes short: seven variants of one method on one curve made
    ten pairwise sentences.
    """
    share: dict[tuple[str, str], float] = {}
    dashed: list[str] = []
    for c in coincident(ax, curves, near=near):
        second = lines[c.second]
        second.set_linestyle(DOTS if dots else DASHES)
        second.set_zorder(max(second.get_zorder(), lines[c.first].get_zorder()) + 0.1)
        share[c.first, c.second] = c.share
        dashed += [c.second] if c.second not in dashed else []
    if not share:
        return []
    one = what[:-1] if what.endswith("s") else what
    mark = "dotted" if dots else "dashed"
    notes = _groups(curves, share, one, mark)
    # the closing note names the dashed curves of the pairs; a group's note names its own
    dashed = [name for name in dashed if any(name == b for _, b in share)]
    under: dict[str, list[str]] = {}
    for (first, later), s in share.items():  # pairs left after grouping
        under.setdefault(first, []).append(f"{later} ({s:.0%})")
    notes += [f"{first} lies under {', '.join(over)}" for first, over in under.items()]
    named = f"; {', '.join(dashed)} {mark}" if dashed else ""
    notes.append(f"(% of its {one}'s length within {near:.1%} of the axes{named})")
    return notes


def _groups(
    curves: Sequence[tuple[str, np.ndarray]],
    share: dict[tuple[str, str], float],
    one: str,
    mark: str,
) -> list[str]:
    """A note for each run of three or more curves, in drawing order, each under every
    later one, with the least share among them; their pairs are taken out of ``share``."""
    names = [name for name, _ in curves]
    notes = []
    for i, first in enumerate(names):
        group = [first] + [n for n in names[i + 1 :] if (first, n) in share]
        pairs = [(a, b) for k, a in enumerate(group) for b in group[k + 1 :]]
        if len(group) >= 3 and all(p in share for p in pairs):
            least = min(share.pop(p) for p in pairs)
            notes.append(
                f"{', '.join(group[:-1])} and {group[-1]} lie on one {one} "
                f"(each at least {least:.0%} under the later ones, which are {mark})"
            )
    return notes
