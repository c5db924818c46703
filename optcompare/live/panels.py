"""The live window's still parts: contours, minima and axes, drawn once per window."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

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
