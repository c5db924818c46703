"""An animation of the runs: paths and losses growing step by step."""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.loss import loss_curves, loss_top
from optcompare.plotting.paths import fill_box, view
from optcompare.plotting.projection import draw_contours, make_view
from optcompare.plotting.style import (
    LOCAL_MINIMUM_STYLE,
    MINIMUM_STYLE,
    TITLE,
    By,
    label_counts,
    legend_labels,
    margin,
    problem_title,
    result_inks,
    style_axes,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from optcompare.experiments.records import Result


ANIMATION_FIGSIZE = (10.0, 5.2)
ANIMATION_DPI = 90


def _frame_steps(steps: int, frames: int) -> np.ndarray:
    """At most ``frames`` steps from 0 to ``steps``, evenly spread, both ends included."""
    n = max(1, min(int(frames), steps + 1))
    if n == 1:
        return np.array([steps])
    # floor(x + 0.5), not round(): values >= 1 apart never collide
    return np.floor(np.linspace(0, steps, n) + 0.5).astype(int)


def _freeze_background(
    fig: Figure, canvas: FigureCanvasAgg, axes: list[Axes], moving: list[Any]
) -> None:
    """Render everything on ``axes`` but the ``moving`` artists once, as one image.

    A saved animation redraws the whole figure for every frame; with the
    contours, ticks, labels and legend in one background image, a frame costs
    that image plus the moving lines.  The image spans the figure (in figure
    fractions), so it stays aligned if a writer saves at another dpi.  ``canvas``
    is the figure's Agg canvas, which holds the rendered pixels.
    """
    keep = {id(a) for a in moving}
    for a in moving:
        a.set_visible(False)
    canvas.draw()
    background = np.asarray(canvas.buffer_rgba()).copy()
    for a in moving:
        a.set_visible(True)
    for ax in axes:
        for a in ax.get_children():
            if id(a) not in keep:
                a.set_visible(False)
    ax_bg = fig.add_axes((0.0, 0.0, 1.0, 1.0), zorder=-1)
    ax_bg.set_axis_off()
    ax_bg.imshow(background, extent=(0.0, 1.0, 0.0, 1.0), aspect="auto")
    ax_bg.set_gid("background")


@functools.cache
def _frame_canvas() -> type[FigureCanvasAgg]:
    """An Agg canvas for animations, which draws each frame once.

    With its own Agg canvas a figure reuses one renderer (and its cached text
    metrics) for every grabbed frame, instead of a fresh canvas per frame.  The
    animation asks for an idle redraw after each frame before the writer grabs
    (draws) it; this canvas skips that redraw, halving the work.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    class FrameCanvas(FigureCanvasAgg):
        def draw_idle(self, *args: Any, **kwargs: Any) -> None:
            pass  # the writer draws the frame when it grabs it

    return FrameCanvas


def path_animation(
    result: Result,
    frames: int = 60,
    fps: int = 15,
    colors: Mapping[str, str] | None = None,
    by: By = "optimizer",
):
    """An animation of the runs: paths (left) and losses (right) growing step by step.

    The contours, minima, axes limits and layout are built once; each frame only
    updates the lines' data up to its step.  The path panel has equal aspect, its
    view chosen as on :func:`~optcompare.plotting.paths.plot_path` (the problem's
    window, widened to hold every start, its shorter side grown to fill the panel;
    above two dimensions the plane of ``result.path_view``: the paths' principal
    components with f's contours, or the first two coordinates).
    Frames are the steps 0..steps
    subsampled evenly: ``min(frames, steps + 1)`` of them, the last one
    included.  Save it with
    ``anim.save("paths.gif", writer=matplotlib.animation.PillowWriter(fps=fps))``
    (figure 10 x 5.2 inches at 90 dpi: a 60-frame GIF is one to three MB).

    Args:
        result: what :func:`optcompare.run` returned (at least 2 coordinates).
        frames: the most frames to show.
        fps: frames per second when shown interactively (the writer sets it for files).
        colors: colours by label or optimizer name, over the fixed colour of
            each optimizer (:mod:`optcompare.plotting.colors`).
        by: "optimizer" (default) or "label": one palette colour per label.

    Returns:
        ``(figure, animation)``; keep a reference to the animation until it is saved.
    """
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

    problem = result.problem
    if problem.dim < 2:
        raise ValueError(
            f"path_animation needs a problem of at least 2 coordinates; "
            f"{problem.spec} has {problem.dim}"
        )
    if frames < 1:
        raise ValueError(f"frames={frames}; an animation needs at least one frame")
    fig = Figure(figsize=ANIMATION_FIGSIZE, dpi=ANIMATION_DPI, layout="constrained")
    canvas = _frame_canvas()(fig)
    ax_path, ax_loss = fig.subplots(1, 2)
    ink = result_inks(result, colors, by)
    counts = label_counts(result)
    f_star = problem.f_star
    pv = make_view(result)
    window = view(result, pv)
    flat = {id(run): pv.xy(run.x) for run in result.runs}  # each run's path on the plane

    # static parts, drawn once (the contours once the view is final, below)
    on_plane, _ = pv.minima(problem, window)
    for kind, style, size in (("global", MINIMUM_STYLE, 180), ("local", LOCAL_MINIMUM_STYLE, 75)):
        M = np.array([xy for k, xy in on_plane if k == kind], dtype=float)
        if len(M):
            ax_path.scatter(M[:, 0], M[:, 1], **{**style, "s": size})
    ax_path.set_xlim(*window[0])
    ax_path.set_ylim(*window[1])
    names = ("x", "y") if problem.dim == 2 else pv.axis_labels()
    style_axes(ax_path, "paths" if pv.plane is None else "paths (principal plane)", *names)

    curves, every, log = loss_curves(result)
    if log:
        ax_loss.set_yscale("log")
    if every.size:
        # fixed limits: the whole run must fit before it is drawn
        top = loss_top(curves, log)
        lo = float(every.min())
        hi = float(every.max()) if top is None else top
        if not hi > lo:  # one value; lo + 1 rounds back to lo from 1e16 on
            hi = lo * 10.0 if log and lo > 0 else lo + max(1.0, abs(lo))
        if top is None:
            top = hi * (hi / lo) ** 0.05 if log else hi + 0.05 * (hi - lo)
        ax_loss.set_ylim(margin(lo, hi, log), min(top, sys.float_info.max))
    ax_loss.set_xlim(0, max(result.steps, 1))
    style_axes(ax_loss, "loss", "step", "loss" if f_star is None else "loss - f*")
    ax_loss.grid(True, alpha=0.3)

    legend = legend_labels(result)
    shown: set[str] = set()
    artists = []
    for run, y in curves:
        several = counts[run.label] > 1
        color, ls = ink[run.label].color, ink[run.label].linestyle
        label = legend[run.label] if run.label not in shown else "_nolegend_"
        shown.add(run.label)
        (path,) = ax_path.plot(
            [],
            [],
            color=color,
            ls=ls,
            lw=1.1 if several else 1.8,
            alpha=0.7 if several else 1.0,
            zorder=3,
        )
        (head,) = ax_path.plot(
            [], [], ls="none", marker="o", ms=7, color=color, mec="black", mew=1.0, zorder=5
        )
        (loss,) = ax_loss.plot(
            [],
            [],
            color=color,
            ls=ls,
            lw=1.1 if several else 2.0,
            alpha=0.7 if several else 1.0,
            label=label,
        )
        (tip,) = ax_loss.plot([], [], ls="none", marker="o", ms=5, color=color, zorder=5)
        if len(y) > 0:
            ax_path.scatter(
                flat[id(run)][:1, 0],
                flat[id(run)][:1, 1],
                marker="o",
                s=50,
                color="white",
                edgecolors="black",
                linewidths=1.2,
                zorder=4,
            )
        artists.append((run, y, path, head, loss, tip))
    # below both panels: inside the loss axes it would hide the curves it names
    fig.legend(
        handles=[h for h in ax_loss.get_lines() if not h.get_label().startswith("_")],
        fontsize=10,
        loc="outside lower center",
        ncol=min(len(result.labels), 4),
        frameon=False,
    )
    stamp = fig.suptitle("", fontsize=TITLE)
    idx = _frame_steps(result.steps, frames)

    def update(k: int):
        for run, y, path, head, loss, tip in artists:
            n = min(k + 1, len(y))
            xy = flat[id(run)]
            path.set_data(xy[:n, 0], xy[:n, 1])
            loss.set_data(np.arange(n), y[:n])
            if n > 0:
                head.set_data(xy[n - 1 : n, 0], xy[n - 1 : n, 1])
                tip.set_data([n - 1], y[n - 1 : n])
                # a run that diverged by step k stays as an X where it left
                gone = run.diverged_at is not None and k >= run.diverged_at
                head.set_marker("X" if gone else "o")
                tip.set_marker("X" if gone else "o")
        stamp.set_text(f"{problem_title(problem)}: step {k} of {result.steps}")
        return [a for _, _, *parts in artists for a in parts] + [stamp]

    update(int(idx[-1]))  # lay out with every artist in place, then freeze the layout
    # true geometry as on the static path plot: the window's shorter side grown to
    # the box the layout leaves, so an equal aspect fills the panel
    (x_lo, x_hi), (y_lo, y_hi) = fill_box(ax_path, window)
    ax_path.set_xlim(x_lo, x_hi)
    ax_path.set_ylim(y_lo, y_hi)
    ax_path.set_aspect("equal")
    if pv.has_contours:
        draw_contours(ax_path, result, ((x_lo, x_hi), (y_lo, y_hi)), 120, pv)
    fig.draw_without_rendering()
    fig.set_layout_engine(None)
    _freeze_background(fig, canvas, [ax_path, ax_loss], update(int(idx[0])))
    anim = FuncAnimation(
        fig,
        update,
        frames=[int(k) for k in idx],
        interval=1000.0 / fps,
        blit=False,
        cache_frame_data=False,
    )
    return fig, anim
