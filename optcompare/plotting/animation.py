"""An animation of the runs: paths and losses growing step by step."""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.endings import divergence_text, exit_point, last_step
from optcompare.plotting.loss import loss_curves, loss_top
from optcompare.plotting.paths import fill_box, view
from optcompare.plotting.projection import draw_contours, make_view
from optcompare.plotting.restyle import apply_style
from optcompare.plotting.style import (
    LOCAL_MINIMUM_STYLE,
    MINIMUM_STYLE,
    TITLE,
    By,
    current_style,
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


#: Pixel sizes of ``--size``: "small" (the default, 900 x 468, light enough for a
#: lesson folder and a README) and two 16:9 sizes for a projector.  The inches stay
#: near 10 wide, so type and lines keep their proportion and the dpi sets the pixels.
SIZES: dict[str, tuple[tuple[float, float], int]] = {
    "small": (ANIMATION_FIGSIZE, ANIMATION_DPI),
    "720p": ((10.0, 5.625), 128),
    "1080p": ((10.0, 5.625), 192),
}


#: Seconds the last frame stays on screen before a looping animation starts over.
HOLD_SECONDS = 1.5

#: Share of the frame schedule spread on a log scale of steps; the rest follows path length.
LOG_SHARE = 0.25


def frame_steps(lengths: np.ndarray, frames: int) -> np.ndarray:
    """The steps to show: frames spaced by what happens, both ends included.

    ``lengths[k - 1]`` is how far the paths moved from step k - 1 to step k (summed
    over the runs), so there are ``steps = len(lengths)`` steps.  The steps shown
    are ``min(frames, steps + 1)`` distinct steps from 0 to ``steps``, placed at
    equal increments of a progress measure: three quarters (1 - ``LOG_SHARE``) the
    share of the whole path length covered by step k, one quarter ``log(1 + k) /
    log(1 + steps)``.  Path length puts frames where the paths move, which is
    mostly early; the log share keeps the first steps in view even when a late
    wobble carries most of the length, and it is the whole measure when nothing
    moves (or a length is not finite).  A jump bigger than one frame's share gets
    consecutive steps, so the steps stay strictly increasing.
    """
    steps = len(lengths)
    n = max(1, min(int(frames), steps + 1))
    if n == 1:
        return np.array([steps])
    k = np.arange(steps + 1)
    progress = np.log1p(k) / np.log1p(max(steps, 1))
    d = np.where(np.isfinite(lengths), np.abs(lengths), 0.0)
    total = float(d.sum())
    if total > 0 and np.isfinite(total):
        moved = np.concatenate([[0.0], np.cumsum(d)]) / total
        progress = LOG_SHARE * progress + (1.0 - LOG_SHARE) * moved
    targets = np.linspace(0.0, 1.0, n)
    # the first step whose progress reaches each target (the float sum may stop short of 1)
    idx = np.minimum(np.searchsorted(progress, targets - 1e-12), steps)
    idx[0], idx[-1] = 0, steps
    # strictly increasing within 0..steps: push repeats forward, then back from the end
    idx = np.maximum(idx, np.maximum.accumulate(idx - np.arange(n)) + np.arange(n))
    tail = steps - (n - 1 - np.arange(n))
    return np.minimum(idx, tail).astype(int)


def _moved(flat: list[np.ndarray], window: Any, steps: int) -> np.ndarray:
    """Per step, how far the paths moved on screen, summed over the runs.

    Positions are clipped to the window (beyond it nothing is seen moving) and
    scaled by its sides, so a long window counts both directions alike.  A step
    from or to a diverged (non-finite) point counts zero.
    """
    lo = np.array([w[0] for w in window])
    span = np.array([w[1] - w[0] for w in window])
    span = np.where(span > 0, span, 1.0)
    total = np.zeros(steps)
    for xy in flat:
        z = (np.clip(xy, lo, lo + span) - lo) / span
        with np.errstate(invalid="ignore"):
            seg = np.hypot(*np.diff(z, axis=0).T)
        total[: len(seg)] += np.where(np.isfinite(seg), seg, 0.0)[:steps]
    return total


def animation_steps(result: Result, frames: int) -> np.ndarray:
    """The steps :func:`path_animation` shows for ``result``: :func:`frame_steps` of the
    distance its paths move on the animation's plane, up to the step by which every run
    has diverged or ended (:func:`~optcompare.plotting.endings.last_step`), before the
    hold on the last one."""
    pv = make_view(result)
    flat = [pv.xy(run.x) for run in result.runs]
    return frame_steps(_moved(flat, view(result, pv), last_step(result)), frames)


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
    size: str = "small",
    hold: float = HOLD_SECONDS,
):
    """An animation of the runs: paths (left) and losses (right) growing step by step.

    The contours, minima, axes limits and layout are built once; each frame only
    updates the lines' data up to its step.  The path panel has equal aspect, its
    view chosen as on :func:`~optcompare.plotting.paths.plot_path` (the problem's
    window, widened to hold every start, its shorter side grown to fill the panel;
    above two dimensions the plane of ``result.path_view``: the paths' principal
    components with f's contours, or the first two coordinates).
    Frames are ``min(frames, end + 1)`` of the steps 0..end, spaced by what
    happens (:func:`frame_steps`: mostly by the distance the paths move on screen,
    partly on a log scale of steps), so the first steps are never skipped; ``end`` is
    the last step, or the step by which every run has diverged or ended (nothing moves
    after it).  A run that diverged shows an X where its path leaves the view and a
    sentence with the step and the reason.  Then
    the last frame repeats for ``hold`` seconds (a GIF writer merges the repeats
    into one long frame).  Save it with
    ``anim.save("paths.gif", writer=optcompare.plotting.gif.PaletteGifWriter(fps=fps))``
    (one palette for every frame, one byte per pixel held per distinct frame).

    Args:
        result: what :func:`optcompare.run` returned (at least 2 coordinates).
        frames: the most frames to show.
        fps: frames per second when shown interactively (the writer sets it for files).
        colors: colours by label or optimizer name, over the fixed colour of
            each optimizer (:mod:`optcompare.plotting.colors`).
        by: "optimizer" (default) or "label": one palette colour per label.
        size: a key of ``SIZES``: "small" (default, 900 x 468 pixels), "720p"
            (1280 x 720) or "1080p" (1920 x 1080).  In the talk style (the current
            style, :func:`~optcompare.plotting.style.use_style`) the figure takes the
            talk look (:func:`~optcompare.plotting.restyle.apply_style`: 16:9 inches,
            larger type, thicker lines); "small" then gives the talk figures' pixels
            (2000 x 1125), "720p" and "1080p" their own.
        hold: seconds the last frame stays (default ``HOLD_SECONDS``, 1.5 s), at ``fps``.

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
    if size not in SIZES:
        raise ValueError(f"size={size!r}; choose one of {', '.join(SIZES)}")
    figsize, dpi = SIZES[size]
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
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
    for kind, style, area in (("global", MINIMUM_STYLE, 180), ("local", LOCAL_MINIMUM_STYLE, 75)):
        M = np.array([xy for k, xy in on_plane if k == kind], dtype=float)
        if len(M):
            ax_path.scatter(M[:, 0], M[:, 1], **{**style, "s": area})
    ax_path.set_xlim(*window[0])
    ax_path.set_ylim(*window[1])
    style_axes(
        ax_path, "paths" if pv.plane is None else "paths (principal plane)", *pv.axis_labels()
    )

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
    # to the last step shown: a run that diverged at step 2 would be a dot at 0 of 1000
    ax_loss.set_xlim(0, max(last_step(result), 1))
    ax_loss.xaxis.get_major_locator().set_params(integer=True)
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
    end = last_step(result)
    idx = frame_steps(_moved(list(flat.values()), window, end), frames)  # as animation_steps
    seeded = {label for label, n in counts.items() if n > 1}
    # the reasons, lower left in the path panel, above the contours and paths
    why = ax_path.text(0.02, 0.02, "", transform=ax_path.transAxes, fontsize=9, va="bottom")
    why.set_bbox({"facecolor": "white", "alpha": 0.85, "edgecolor": "0.6", "pad": 3})
    why.set_zorder(8)

    def update(k: int):
        box = (ax_path.get_xlim(), ax_path.get_ylim())
        for run, y, path, head, loss, tip in artists:
            n = min(k + 1, len(y))
            xy = flat[id(run)]
            path.set_data(xy[:n, 0], xy[:n, 1])
            loss.set_data(np.arange(n), y[:n])
            if n > 0:
                # a run that diverged by step k stays as an X where its path leaves the view
                gone = run.diverged_at is not None and k >= run.diverged_at
                ok = xy[:n][np.all(np.isfinite(xy[:n]), axis=1)]
                at = exit_point(ok, box) if gone and len(ok) else xy[n - 1]
                head.set_data([at[0]], [at[1]])
                head.set_clip_on(not gone)  # an X on the panel's edge is drawn whole
                tip.set_data([n - 1], y[n - 1 : n])
                head.set_marker("X" if gone else "o")
                tip.set_marker("X" if gone else "o")
        width = ax_path.get_window_extent().width / (0.6 * why.get_fontsize() * fig.dpi / 72)
        why.set_text(divergence_text(result.runs, k, seeded, max(20, int(width) - 2)))
        why.set_visible(bool(why.get_text()))
        stamp.set_text(f"{problem_title(problem)}: step {k} of {result.steps}{ending(k)}")
        return [a for _, _, *parts in artists for a in parts] + [stamp, why]

    def ending(k: int) -> str:
        """What the stamp adds on the last frame when the runs stopped before the end."""
        if k < end or end >= result.steps:
            return ""
        gone = all(r.diverged_at is not None for r in result.runs)
        return f" (every run {'diverged' if gone else 'diverged or ended'} by step {end})"

    update(int(idx[-1]))  # lay out with every artist in place, then freeze the layout
    look = current_style()
    if look.figsize is not None:
        # restyled now: once the background is frozen, bigger type could not reach it
        apply_style(fig, look)  # 16:9 inches at the talk figures' dpi: their pixels
        if size != "small":  # the same inches (so the type keeps its proportion), size's pixels
            fig.set_dpi(figsize[1] * dpi / look.figsize[1])
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
        frames=[int(k) for k in idx] + [int(idx[-1])] * round(max(hold, 0.0) * fps),
        interval=1000.0 / fps,
        blit=False,
        cache_frame_data=False,
    )
    return fig, anim
