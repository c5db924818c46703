"""Basins of attraction: each grid start coloured by where its run ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.style import (
    LEGEND,
    MINIMUM_STYLE,
    OUTSIDE,
    PALETTE,
    PATH_FIGSIZE,
    new_axes,
    style_axes,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.basins import Basins
    from optcompare.problem import Problem


def _fmt(v: float) -> str:
    return f"{v:.3g}"


_DIVERGED_COLOR = "black"
_NOT_CONVERGED_COLOR = "#D3D3D3"
_OTHER_STATIONARY_COLOR = "#8C8C8C"
#: The outcomes besides "minimum k", in legend order (colours alike).
_OUTCOME_NAMES = ("diverged", "other stationary point", "not converged")
# qualitative, without black and grey (those mean diverged / not converged)
_BASIN_COLORS = tuple(c for c in PALETTE if c not in ("#000000", "#7f7f7f"))


def _basin_colors(k: int) -> list[str]:
    return [_BASIN_COLORS[i % len(_BASIN_COLORS)] for i in range(k)]


def _tint(color: Any, amount: float = 0.45) -> tuple[float, float, float]:
    """``color`` mixed with white: a pale area under full-colour markers."""
    from matplotlib.colors import to_rgb

    return tuple(float(c) * (1.0 - amount) + amount for c in to_rgb(color))  # type: ignore[return-value]


def _basin_names(problem: Problem) -> list[str]:
    return [f"minimum ({', '.join(_fmt(float(c)) for c in m.x[:2])})" for m in problem.minima()]


def basin_fractions(basins: Basins, k: int) -> list[float]:
    """Fraction of starts per category: minima 0..k-1, diverged, other stationary
    point, not converged."""
    from optcompare.experiments.basins import DIVERGED, NOT_CONVERGED, OTHER_STATIONARY

    out = basins.outcome
    return [float(np.mean(out == i)) for i in range(k)] + [
        float(np.mean(out == DIVERGED)), float(np.mean(out == OTHER_STATIONARY)),
        float(np.mean(out == NOT_CONVERGED))]


def basin_handles(problem: Problem, texts: list[str] | None = None) -> list[Any]:
    from matplotlib.patches import Patch

    k = len(problem.minima())
    faces = [_tint(c) for c in _basin_colors(k)] + [_DIVERGED_COLOR, _OTHER_STATIONARY_COLOR,
                                                    _NOT_CONVERGED_COLOR]
    names = _basin_names(problem) + list(_OUTCOME_NAMES)
    texts = names if texts is None else texts
    return [Patch(facecolor=f, edgecolor="0.4", lw=0.6, label=t)
            for f, t in zip(faces, texts, strict=True)]


def plot_basins(basins: Basins, problem: Problem, ax: Axes | None = None, *,
                legend: bool = True) -> Axes:
    """Basins of attraction: each grid start coloured by the minimum it reaches.

    One pale qualitative colour per known minimum (the minimum itself is a star
    in the full colour), black for starts that diverged and light grey for
    those that ended far from every minimum.  The image data is
    ``basins.outcome`` (rows: y, columns: x); the axes show the problem's window.

    Args:
        basins: what :func:`optcompare.basins.basins` returned.
        problem: the problem it ran on (its minima and window).
        ax: Axes to draw on; a new figure's Axes when None.
        legend: add a legend beside the axes with the fraction of starts per outcome.

    Returns:
        The Axes drawn on.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    if ax is None:
        ax = new_axes(PATH_FIGSIZE)
    minima = problem.minima()
    k = len(minima)
    full = _basin_colors(k)
    # value -3 (other stationary point), -2 (not converged), -1 (diverged), minimum 0, 1, ...
    cmap = ListedColormap([_OTHER_STATIONARY_COLOR, _NOT_CONVERGED_COLOR, _DIVERGED_COLOR]
                          + [_tint(c) for c in full])
    norm = BoundaryNorm(np.arange(-3.5, k), cmap.N)
    xs, ys = np.asarray(basins.xs, dtype=float), np.asarray(basins.ys, dtype=float)
    dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
    dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
    # each cell centred on its start; the axes then show exactly the window
    ax.imshow(basins.outcome, origin="lower", cmap=cmap, norm=norm, interpolation="nearest",
              extent=(xs[0] - dx / 2, xs[-1] + dx / 2, ys[0] - dy / 2, ys[-1] + dy / 2),
              aspect="auto", zorder=0)
    if minima:
        M = np.array([m.x[:2] for m in minima], dtype=float)
        ax.scatter(M[:, 0], M[:, 1], **{**MINIMUM_STYLE, "c": full}, label="minimum")
    (x_lo, x_hi), (y_lo, y_hi) = problem.window()[:2]
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    if np.isclose((x_hi - x_lo) / (y_hi - y_lo), 1.0, rtol=0.5):
        ax.set_aspect("equal")
    style_axes(ax, basins.label, "x", "y")
    if legend:
        fr = basin_fractions(basins, k)
        names = _basin_names(problem) + list(_OUTCOME_NAMES)
        texts = [f"{t}: {p:.0%}" for t, p in zip(names, fr, strict=True)]
        ax.legend(handles=basin_handles(problem, texts), fontsize=LEGEND,
                  title=f"{basins.outcome.size} starts, {basins.steps} steps",
                  title_fontsize=LEGEND, **OUTSIDE)
    return ax
