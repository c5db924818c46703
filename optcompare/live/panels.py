"""The live window's still parts: contours, minima and axes, drawn once per window."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.loss import loss_top
from optcompare.plotting.paths import fill_box
from optcompare.plotting.projection import PathView, draw_contours
from optcompare.plotting.scale import loss_label
from optcompare.plotting.style import LOCAL_MINIMUM_STYLE, MINIMUM_STYLE

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.problem import Problem

#: Contour grid points per axis, as on the animation.
CONTOUR_GRID = 120


def draw_static(ax_path: Axes, ax_loss: Axes, problem: Problem) -> tuple[Any, bool]:
    """Contours and minima of the 2-D ``problem`` on ``ax_path`` over its window, grown
    to the panel's shape at equal aspect; the loss panel's axes (log of loss - f* when f*
    is known).  Returns the start marker (a line with no data yet) and whether the loss
    axis is logarithmic."""
    (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in problem.window()[:2])
    ax_path.set_xlim(x0, x1)
    ax_path.set_ylim(y0, y1)
    lim = fill_box(ax_path, ((x0, x1), (y0, y1)))
    ax_path.set_xlim(*lim[0])
    ax_path.set_ylim(*lim[1])
    ax_path.set_aspect("equal")
    view = PathView("coords", 2)
    holder: Any = SimpleNamespace(problem=problem)  # draw_contours reads only a result's problem
    draw_contours(ax_path, holder, lim, CONTOUR_GRID, view)
    shown, _ = view.minima(problem, lim)
    for kind, style, size in (("global", MINIMUM_STYLE, 180), ("local", LOCAL_MINIMUM_STYLE, 75)):
        M = np.array([xy for k, xy in shown if k == kind], dtype=float)
        if len(M):
            ax_path.scatter(M[:, 0], M[:, 1], **{**style, "s": size})
    (start,) = ax_path.plot(
        [], [], ls="none", marker="o", ms=8, color="white", mec="black", mew=1.2, zorder=4
    )
    xname, yname = problem.axis_names()
    ax_path.set_xlabel(xname)
    ax_path.set_ylabel(yname)
    ax_path.set_title("paths (click to set the start)")
    log = problem.f_star is not None
    if log:
        ax_loss.set_yscale("log")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel(loss_label(problem.f_star))
    ax_loss.set_title("loss")
    ax_loss.grid(True, alpha=0.3)
    return start, log


def stack_reasons(ax: Axes, texts: list[Any]) -> None:
    """Stack the non-empty ``texts`` (each placed in ``ax``'s axes fraction) up from the
    panel's lower left corner, each wrapped to the panel's width, so that none runs over a
    title or past the window whatever its length."""
    box = ax.get_window_extent()
    y = 0.01
    for why in texts:
        words = why.get_text().replace("\n", " ")
        if not words:
            continue
        size = why.get_fontsize() * ax.figure.dpi / 72.0  # pixels
        chars = max(20, int(0.96 * box.width / (0.6 * size)))  # a glyph is about 0.6 em wide
        lines = textwrap.wrap(words, chars)
        why.set_text("\n".join(lines))
        why.set_y(y)
        y += (len(lines) * 1.25 + 0.6) * size / box.height


def fit_loss_limits(ax: Axes, shown: list[tuple[Any, np.ndarray]], log: bool, steps: int) -> bool:
    """Fit the loss panel ``ax`` to the ``shown`` (run, plotted loss) pairs over ``steps``;
    whether its limits changed (then the window draws in full).  As on loss.png
    (:func:`optcompare.plotting.loss.loss_top`), a run that diverged does not flatten the
    others: it leaves through the top."""
    before = (ax.get_xlim(), ax.get_ylim())
    every = np.concatenate([y for _, y in shown]) if shown else np.array([])
    every = every[np.isfinite(every)]
    top = loss_top(shown, log) if shown else None
    every = every[every <= top] if top is not None else every
    ax.set_xlim(0, max(steps, 1))
    if every.size:
        lo, hi = float(every.min()), float(every.max())
        if log:
            lo, hi = lo / 2.0, max(hi * 2.0, lo * 10.0)
        else:
            pad = 0.05 * (hi - lo) or 1.0
            lo, hi = lo - pad, hi + pad
        ax.set_ylim(lo, min(hi, 1e300))
    return before != (ax.get_xlim(), ax.get_ylim())
