"""Equal-aspect axes that fill the box the layout gives them, in any style.

A path figure keeps true geometry (one unit as long on x as on y).  Matplotlib keeps
an equal aspect by shrinking the axes inside the place the layout gave it; constrained
layout does not know of that shrinking, counts the empty strips as room it can spend,
and widens the place on each pass, until the y label and the legend reach past the
figure's edges (the talk style's 16:9 paths, whose box no longer had the paper
figure's shape).  Growing the view's shorter side instead, whenever the axes are laid
out or drawn, keeps the box and its place the same: the layout then sees what is drawn.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from optcompare.plotting.projection import Window
from optcompare.plotting.style import root_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["REACH", "fill_box", "fix_ticks", "grown", "keep_filled", "reach"]

#: How far (a factor on each side, about the centre) the view may grow beyond the one
#: it was drawn with: the contours cover that much, so a figure whose box changes shape
#: by up to this factor (paper to talk) is still filled with contours.
REACH = 2.0


def grown(window: Window, shape: float) -> Window:
    """``window`` with its shorter side grown about its centre to height / width = ``shape``."""
    (x_lo, x_hi), (y_lo, y_hi) = window
    rx, ry = x_hi - x_lo, y_hi - y_lo
    if not (shape > 0 and rx > 0 and ry > 0):
        return window
    if ry / rx < shape:
        grow = (rx * shape - ry) / 2.0
        return (x_lo, x_hi), (y_lo - grow, y_hi + grow)
    grow = (ry / shape - rx) / 2.0
    return (x_lo - grow, x_hi + grow), (y_lo, y_hi)


def reach(window: Window, factor: float = REACH) -> Window:
    """``window`` with each side ``factor`` (default :data:`REACH`) times as long, about
    its centre: what the contours cover."""
    (x_lo, x_hi), (y_lo, y_hi) = window
    gx, gy = (factor - 1.0) * (x_hi - x_lo) / 2.0, (factor - 1.0) * (y_hi - y_lo) / 2.0
    return (x_lo - gx, x_hi + gx), (y_lo - gy, y_hi + gy)


def fill_box(ax: Axes, window: Window) -> Window:
    """``window`` with its shorter side grown (about its centre) to the axes box's shape.

    The box is measured after a layout pass of the figure as it stands, so the
    legend and labels must already be there.  With these limits an equal aspect
    fills the box instead of shrinking it.
    """
    root_figure(ax).draw_without_rendering()
    box = ax.get_window_extent()
    if not (box.width > 0 and box.height > 0):
        return window
    return grown(window, box.height / box.width)


def keep_filled(ax: Axes, window: Window, limit: Window | None = None) -> Axes:
    """Give ``ax`` an equal aspect and, from now on, the limits ``window`` grown to the
    shape of the place the layout gives it, each time it is laid out or drawn (after
    the talk style resized the figure too), no further than ``limit`` (default: no
    limit) beyond which the box shrinks as matplotlib's equal aspect does.

    Grown from ``window`` each time, never from the last limits, so restyling a figure
    back and forth does not widen its view.
    """
    ax.set_aspect("equal")
    fix_ticks(ax, window)
    ax._optcompare_fill = (window, limit)  # type: ignore[attr-defined]
    ax.apply_aspect = partial(_apply_filled, ax)  # type: ignore[method-assign]
    _apply_filled(ax)
    return ax


def fix_ticks(ax: Axes, window: Window, bins: int = 6) -> Axes:
    """Ticks on both axes of ``ax`` every ``step`` units, ``step`` the one a
    :class:`~matplotlib.ticker.MaxNLocator` of ``bins`` (default 6) picks for ``window``'s
    longer side: the same spacing on x and y, as the scales are equal.

    Automatic ticks follow the axes' size, so the y tick labels' width (the left margin)
    could change with the height, which a wrapped title changes, which the left margin
    moves: constrained layout settles such a loop in two passes only, and left the mlp
    PCA view's y label past the figure's edge in talk.  Ticks set by the view break it.
    """
    from matplotlib.ticker import MaxNLocator, MultipleLocator

    (x_lo, x_hi), (y_lo, y_hi) = window
    lo, hi = (x_lo, x_hi) if x_hi - x_lo >= y_hi - y_lo else (y_lo, y_hi)
    ticks = MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    if len(ticks) > 1 and float(ticks[1] - ticks[0]) > 0:
        ax.xaxis.set_major_locator(MultipleLocator(float(ticks[1] - ticks[0])))
        ax.yaxis.set_major_locator(MultipleLocator(float(ticks[1] - ticks[0])))
    return ax


def _apply_filled(ax: Axes, position: Any = None) -> None:
    """Set ``ax``'s limits for its place (``position``, default its laid-out one), then
    apply its aspect as matplotlib does (a no-op when the limits fit)."""
    window, limit = ax._optcompare_fill  # type: ignore[attr-defined]
    place = position if position is not None else ax.get_position(original=True)
    width, height = root_figure(ax).get_size_inches()
    if place.width > 0 and place.height > 0:
        (x_lo, x_hi), (y_lo, y_hi) = grown(window, (place.height * height) / (place.width * width))
        if limit is not None:
            (lx_lo, lx_hi), (ly_lo, ly_hi) = limit
            x_lo, x_hi = max(x_lo, lx_lo), min(x_hi, lx_hi)
            y_lo, y_hi = max(y_lo, ly_lo), min(y_hi, ly_hi)
        if (x_lo, x_hi) != tuple(ax.get_xlim()):
            ax.set_xlim(x_lo, x_hi)
        if (y_lo, y_hi) != tuple(ax.get_ylim()):
            ax.set_ylim(y_lo, y_hi)
    type(ax).apply_aspect(ax, position)
