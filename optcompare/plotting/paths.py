"""Optimization paths over the objective's contours (x against step in 1-D)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.aspect import fill_box, keep_filled, reach
from optcompare.plotting.notes import legend_notes
from optcompare.plotting.overlap import reveal
from optcompare.plotting.projection import PathView, Window, draw_contours, make_view
from optcompare.plotting.seeds import faint_key, faint_paths, median_legend, median_run
from optcompare.plotting.style import (
    LEGEND,
    LOCAL_MINIMUM_STYLE,
    MAX_MARKERS,
    MINIMUM_STYLE,
    OUTSIDE,
    PATH_FIGSIZE,
    By,
    Ink,
    by_label_note,
    label_counts,
    new_axes,
    problem_title,
    result_inks,
    style_axes,
    valid,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

    from optcompare.experiments.records import Result


def view(result: Result, pv: PathView | None = None) -> Window:
    """The window of the path figure: in the PCA view (``pv``) the projected paths' box;
    else the problem's window (first two coordinates), widened to hold every start.

    A start outside the window would otherwise leave an empty picture.
    """
    if pv is not None and (box := pv.window(result)) is not None:
        return box
    (x_lo, x_hi), (y_lo, y_hi) = (tuple(float(v) for v in w) for w in result.problem.window()[:2])
    starts = np.array([r.start[:2] for r in result.runs], dtype=float)
    starts = starts[np.all(np.isfinite(starts), axis=1)]
    if starts.size:
        pad_x, pad_y = 0.05 * (x_hi - x_lo), 0.05 * (y_hi - y_lo)
        x_lo = min(x_lo, float(starts[:, 0].min()) - pad_x)
        x_hi = max(x_hi, float(starts[:, 0].max()) + pad_x)
        y_lo = min(y_lo, float(starts[:, 1].min()) - pad_y)
        y_hi = max(y_hi, float(starts[:, 1].max()) + pad_y)
    return (x_lo, x_hi), (y_lo, y_hi)


def path_figsize(window: Window) -> tuple[float, float]:
    """A path figure's size for a window: :data:`PATH_FIGSIZE` for a square window, shorter
    for a wide one and taller for a tall one (axes height 5.5 x height/width inches,
    kept within 3.2 and 7), so an equal aspect wastes little of the slide."""
    (x_lo, x_hi), (y_lo, y_hi) = window
    ratio = (y_hi - y_lo) / (x_hi - x_lo) if x_hi > x_lo else 1.0
    extra = PATH_FIGSIZE[1] - 5.5  # title, labels and ticks
    return PATH_FIGSIZE[0], float(np.clip(5.5 * ratio, 3.2, 7.0)) + extra


def _length(xy: np.ndarray, window: Window) -> float:
    """The length of a path on the figure's plane in fractions of the window."""
    (x_lo, x_hi), (y_lo, y_hi) = window
    xy = xy / np.array([x_hi - x_lo, y_hi - y_lo])
    d = np.hypot(*np.diff(xy, axis=0).T)
    return float(np.sum(d[np.isfinite(d)]))


def plot_path(
    result: Result,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    grid: int = 200,
    by: By = "optimizer",
    path_view: str | PathView | None = None,
) -> Axes:
    """The iterates of each run over the objective's contours.

    For a 2-D problem the contours of f over ``problem.window()`` (log-spaced
    levels of f - min f where that helps) underlie the paths.  Above two
    dimensions the "pca" view (the default there) projects every iterate onto
    the plane of the paths' first two principal components, centred at the best
    point found, and draws f's contours on that plane; its axes say how much of
    the paths' variance each direction holds, and a listed minimum off the plane
    is named in the legend instead of drawn (:mod:`optcompare.plotting.projection`).
    The "coords" view draws the first two coordinates (a projection, no contours).
    Each path starts at a circle and ends at a square, or at an "x"
    where it diverged; stars mark the known minima, drawn above every marker.
    Markers along a path fall every k steps (k = (steps + 1) // 30, at least 1),
    and the legend says so.

    Geometry is true: one unit is as long on x as on y (equal aspect), so
    gradients cross contours at right angles as they do on paper.  The view
    holds the problem's window (widened to hold every start) and grows its
    shorter side until it fills the axes box, rather than shrinking the box.

    A label with several runs (seeds) shows its median run (:func:`median_run`,
    the run whose final loss is the median, as in ``summary.json``) strongly,
    with the start and end markers, and the legend names its seed.  Its other
    runs are drawn faintly, as one LineCollection per label, at an opacity that
    falls as more of them overlap (:func:`~optcompare.plotting.seeds.faint_alpha`:
    0.25 up to 10 paths, 2.5 / n beyond, at least 0.03); the legend says how many
    and at what opacity.

    Two median paths that lie on top of each other (:mod:`optcompare.plotting.overlap`)
    are told apart by dashing the later one, and a note says that the paths overlap: a
    statement about their shapes, as the runs may walk them at different speeds.  Notes
    go in the legend when short, else in a caption under the axes
    (:func:`~optcompare.plotting.notes.legend_notes`).

    Args:
        result: what :func:`optcompare.run` returned.
        ax: Axes to draw on; a new figure's Axes when None.
        colors: colours by label or optimizer name, over the fixed colour of
            each optimizer (:mod:`optcompare.plotting.colors`).
        grid: contour grid points per axis.
        by: "optimizer" (default) or "label": one palette colour per label.
        path_view: "pca" or "coords", or a :class:`PathView` already made (default
            None: ``result.path_view``).

    Returns:
        The Axes drawn on.
    """
    from matplotlib.lines import Line2D

    problem = result.problem
    dim = problem.dim
    if ax is None:
        ax = new_axes(PATH_FIGSIZE)
    ink = result_inks(result, colors, by)
    if dim == 1:
        return _plot_path_1d(result, ax, ink, by)
    legend = median_legend(result)
    pv = path_view if isinstance(path_view, PathView) else make_view(result, path_view)
    window = view(result, pv)
    every = max(1, (result.steps + 1) // MAX_MARKERS)

    (x_lo, x_hi), (y_lo, y_hi) = window
    counts = label_counts(result)
    medians = {label: median_run(result.runs_of(label)) for label in result.labels}
    strong = {id(run) for run in medians.values()}
    first: dict[str, Any] = {}
    shapes: list[tuple[str, np.ndarray]] = []
    diverged_in_view = False
    flat = {id(run): pv.xy(run.x[: valid(run)]) for run in medians.values()}
    # long paths first: a short path drawn along a long one stays on top, visible
    for run in sorted(medians.values(), key=lambda r: -_length(flat[id(r)], window)):
        n = valid(run)
        x, y = flat[id(run)].T
        color = ink[run.label].color
        (line,) = ax.plot(
            x,
            y,
            color=color,
            lw=1.8,
            ls=ink[run.label].linestyle,
            marker=ink[run.label].marker or "o",
            ms=2.5 if counts[run.label] > 1 else 3.5,
            markevery=every,
            zorder=3,
            label=legend[run.label],
        )
        first[run.label] = line
        shapes.append((run.label, np.column_stack([x, y])))
        if n == 0:
            continue
        # white: runs usually share their start, and the path's colour leaves it
        ax.scatter(
            [x[0]],
            [y[0]],
            marker="o",
            s=80,
            color="white",
            edgecolors="black",
            linewidths=1.5,
            zorder=6,
        )
        if run.diverged_at is not None:
            diverged_in_view |= bool(x_lo <= x[-1] <= x_hi and y_lo <= y[-1] <= y_hi)
            ax.scatter(
                [x[-1]],
                [y[-1]],
                marker="X",
                s=110,
                color=color,
                edgecolors="black",
                linewidths=0.8,
                zorder=5,
            )
        else:
            ax.scatter(
                [x[-1]],
                [y[-1]],
                marker="s",
                s=70,
                color=color,
                edgecolors="black",
                linewidths=1.0,
                zorder=5,
            )
    handles: list[Any] = [first[label] for label in result.labels]

    on_plane, off_plane = pv.minima(problem, window)
    for kind, style, name in (
        ("global", MINIMUM_STYLE, "minimum"),
        ("local", LOCAL_MINIMUM_STYLE, "local minimum"),
    ):
        M = np.array([xy for k, xy in on_plane if k == kind], dtype=float)
        if len(M):
            # above the start and end markers (zorder 6 and 5): a run that reaches the
            # minimum must not hide it
            handles.append(ax.scatter(M[:, 0], M[:, 1], label=name, **{**style, "zorder": 7}))
    handles.append(_marker_key("o", "start", face="white"))
    handles.append(_marker_key("s", "end"))
    handles.append(
        Line2D(
            [],
            [],
            color="0.3",
            lw=1.0,
            marker="o",
            ms=3.5,
            label="path marker: every step" if every == 1 else f"path markers: every {every} steps",
        )
    )
    if diverged_in_view:
        handles.append(_marker_key("X", "diverged"))
    faint = {label: counts[label] - 1 for label in result.labels if counts[label] > 1}
    if faint:
        handles.append(Line2D([], [], color="0.3", lw=1.8, label="median run (middle final loss)"))
        handles.append(faint_key(faint))

    off = [f"{k} minimum {d:.3g} off this plane (not drawn)" for k, d in off_plane]
    off = off[:2] + ([f"{len(off) - 2} more minima off it"] if off[2:] else [])
    origin = pv.origin_note(problem)
    handles += legend_notes(ax, [origin] if origin else [], off)
    below = pv.subtitle()
    title = f"{problem_title(problem)}: optimization paths" + (f"\n{below}" if below else "")
    style_axes(ax, title, *pv.axis_labels())
    if not pv.has_contours:
        ax.grid(True, alpha=0.3)
    # lay out with the legend in place, then fill the box the layout leaves
    ax.legend(handles=handles, fontsize=LEGEND, **OUTSIDE)
    filled = fill_box(ax, window)
    # contours beyond the view, as far as a restyled figure may grow it (aspect.REACH)
    keep_filled(ax, window, limit=reach(filled))
    if pv.has_contours:
        draw_contours(ax, result, filled, grid, pv, cover=reach(filled))
    # after the layout pass, which would otherwise transform every faint path once more
    faint_paths(ax, result, strong, ink, lambda run: pv.xy(run.x[: valid(run)]))
    handles += legend_notes(ax, reveal(ax, first, shapes, "paths"))
    ax.legend(
        handles=handles, fontsize=LEGEND, title=by_label_note(by), title_fontsize=LEGEND, **OUTSIDE
    )
    return ax


def _marker_key(marker: str, label: str, face: str = "0.6") -> Line2D:
    """A legend key for a path's start, end or divergence marker, not drawn on the axes."""
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        marker=marker,
        color="none",
        markerfacecolor=face,
        markeredgecolor="black",
        ms=8,
        label=label,
    )


def _plot_path_1d(result: Result, ax: Axes, ink: Mapping[str, Ink], by: By) -> Axes:
    """A 1-D problem's "path": x against step, the minima as dashed lines."""
    problem = result.problem
    legend = median_legend(result)
    strong = {id(median_run(result.runs_of(label))) for label in result.labels}
    faint = faint_paths(
        ax,
        result,
        strong,
        ink,
        lambda run: np.column_stack([np.arange(valid(run)), run.x[: valid(run), 0]]),
    )
    handles: dict[str, Any] = {}
    shapes: list[tuple[str, np.ndarray]] = []
    for run in result.runs:
        if id(run) not in strong:
            continue
        n = valid(run)
        steps = np.arange(n)
        (handles[run.label],) = ax.plot(
            steps,
            run.x[:n, 0],
            color=ink[run.label].color,
            lw=1.8,
            ls=ink[run.label].linestyle,
            marker=ink[run.label].marker,
            markevery=max(1, n // 12),
            label=legend[run.label],
            zorder=3,
        )
        shapes.append((run.label, np.column_stack([steps, run.x[:n, 0]])))
    lines = [handles[label] for label in result.labels]
    for k, m in enumerate(problem.minima()):
        lines.append(
            ax.axhline(m.x[0], color="0.2", ls="--", lw=1.2, label="minimum" if k == 0 else None)
        )
    ((lo, hi),) = problem.window()[:1]
    ax.set_ylim(lo, hi)
    (name,) = problem.axis_names()
    style_axes(ax, f"{problem_title(problem)}: {name} over the steps", "step", name)
    ax.grid(True, alpha=0.3)
    if faint:
        lines.append(faint_key(faint))
    lines += legend_notes(ax, reveal(ax, handles, shapes, "curves"))
    ax.legend(
        handles=lines, fontsize=LEGEND, title=by_label_note(by), title_fontsize=LEGEND, **OUTSIDE
    )
    return ax
