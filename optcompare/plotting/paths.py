"""Optimization paths over the objective's contours (x against step in 1-D)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.overlap import reveal
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
    note_handles,
    problem_title,
    result_inks,
    root_figure,
    style_axes,
    valid,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

    from optcompare.experiments.records import Result, Run

#: A view of the plane: ((x_lo, x_hi), (y_lo, y_hi)).
Window = tuple[tuple[float, float], tuple[float, float]]


def _contour_levels(Z: np.ndarray, bounded: bool, n: int = 18) -> np.ndarray | None:
    """Contour levels for the finite values of Z, or None when Z is flat.

    Log-spaced in f - min(f) when the problem is bounded below and the values
    span many decades (so narrow valleys such as Rosenbrock's show); linear
    otherwise (saddles, small ranges).
    """
    z = Z[np.isfinite(Z)]
    if z.size == 0:
        return None
    lo, hi = float(z.min()), float(z.max())
    span = hi - lo
    # matplotlib's level arithmetic overflows (with a warning) for values near 1e308
    if not span > 0 or max(abs(lo), abs(hi)) > 1e300:
        return None
    d = z - lo
    d = d[d > 0]
    floor = max(float(np.percentile(d, 0.5)), span * 1e-6) if d.size else span
    if bounded and span / floor > 100.0:
        levels = lo + np.logspace(np.log10(floor), np.log10(span), n)
        levels = np.concatenate([[lo], levels])
    else:
        levels = np.linspace(lo, hi, n + 1)
    levels[0], levels[-1] = lo, hi
    return np.unique(levels)


def draw_contours(ax: Axes, result: Result, window: Window, grid: int) -> None:
    from matplotlib import colormaps

    problem = result.problem
    gx = np.linspace(*window[0], grid)
    gy = np.linspace(*window[1], grid)
    XX, YY = np.meshgrid(gx, gy)
    with np.errstate(all="ignore"):
        Z = np.asarray(problem.f(np.column_stack([XX.ravel(), YY.ravel()])), dtype=float)
    Z = Z.reshape(grid, grid)
    levels = _contour_levels(Z, bounded=problem.f_star is not None)
    if levels is None or levels.size < 2:
        return
    # pale greys, white in the valleys, so coloured paths stay the strongest ink
    shades = colormaps["Greys"](np.linspace(0.0, 0.5, levels.size - 1))
    Zm = np.ma.masked_invalid(Z)
    ax.contourf(XX, YY, Zm, levels=levels, colors=shades, zorder=0)
    ax.contour(XX, YY, Zm, levels=levels, colors="0.45", linewidths=0.5, alpha=0.6, zorder=1)


def view(result: Result) -> Window:
    """The problem's window (first two coordinates), widened to hold every start.

    A start outside the window would otherwise leave an empty picture.
    """
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


def fill_box(ax: Axes, window: Window) -> Window:
    """``window`` with its shorter side grown (about its centre) to the axes box's shape.

    The box is measured after a layout pass of the figure as it stands, so the
    legend and labels must already be there.  With these limits an equal aspect
    fills the box instead of shrinking it.
    """
    root_figure(ax).draw_without_rendering()
    box = ax.get_window_extent()
    (x_lo, x_hi), (y_lo, y_hi) = window
    rx, ry = x_hi - x_lo, y_hi - y_lo
    if not (box.width > 0 and box.height > 0 and rx > 0 and ry > 0):
        return window
    shape = box.height / box.width
    if ry / rx < shape:
        grow = (rx * shape - ry) / 2.0
        return (x_lo, x_hi), (y_lo - grow, y_hi + grow)
    grow = (ry / shape - rx) / 2.0
    return (x_lo - grow, x_hi + grow), (y_lo, y_hi)


def path_figsize(window: Window) -> tuple[float, float]:
    """A path figure's size for a window: :data:`PATH_FIGSIZE` for a square window, shorter
    for a wide one and taller for a tall one (axes height 5.5 x height/width inches,
    kept within 3.2 and 7), so an equal aspect wastes little of the slide."""
    (x_lo, x_hi), (y_lo, y_hi) = window
    ratio = (y_hi - y_lo) / (x_hi - x_lo) if x_hi > x_lo else 1.0
    extra = PATH_FIGSIZE[1] - 5.5  # title, labels and ticks
    return PATH_FIGSIZE[0], float(np.clip(5.5 * ratio, 3.2, 7.0)) + extra


def _length(run: Run, window: Window) -> float:
    """The length of a run's path (first two coordinates) in fractions of the window."""
    (x_lo, x_hi), (y_lo, y_hi) = window
    xy = run.x[: valid(run), :2] / np.array([x_hi - x_lo, y_hi - y_lo])
    d = np.hypot(*np.diff(xy, axis=0).T)
    return float(np.sum(d[np.isfinite(d)]))


def plot_path(
    result: Result,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    grid: int = 200,
    by: By = "optimizer",
) -> Axes:
    """The iterates of each run over the objective's contours.

    For a 2-D problem the contours of f over ``problem.window()`` (log-spaced
    levels of f - min f where that helps) underlie the paths; for more
    coordinates only the first two of each path are drawn (a projection, no
    contours).  Each path starts at a circle and ends at a square, or at an "x"
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
    are told apart by dashing the later one, and a legend note says that the paths
    overlap: a statement about their shapes, as the runs may walk them at different
    speeds.

    Args:
        result: what :func:`optcompare.run` returned.
        ax: Axes to draw on; a new figure's Axes when None.
        colors: colours by label or optimizer name, over the fixed colour of
            each optimizer (:mod:`optcompare.plotting.colors`).
        grid: contour grid points per axis.
        by: "optimizer" (default) or "label": one palette colour per label.

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
    window = view(result)
    every = max(1, (result.steps + 1) // MAX_MARKERS)

    (x_lo, x_hi), (y_lo, y_hi) = window
    counts = label_counts(result)
    medians = {label: median_run(result.runs_of(label)) for label in result.labels}
    strong = {id(run) for run in medians.values()}
    first: dict[str, Any] = {}
    shapes: list[tuple[str, np.ndarray]] = []
    diverged_in_view = False
    # long paths first: a short path drawn along a long one stays on top, visible
    for run in sorted(medians.values(), key=lambda r: -_length(r, window)):
        n = valid(run)
        x, y = run.x[:n, 0], run.x[:n, 1]
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

    for kind, style, name in (
        ("global", MINIMUM_STYLE, "minimum"),
        ("local", LOCAL_MINIMUM_STYLE, "local minimum"),
    ):
        M = np.array([m.x[:2] for m in problem.minima() if m.kind == kind], dtype=float)
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

    if dim == 2:
        style_axes(ax, f"{problem_title(problem)}: optimization paths", "x", "y")
    else:
        style_axes(
            ax,
            f"{problem_title(problem)}: optimization paths\n"
            f"first two of {dim} coordinates (projection)",
            "x0 (first coordinate)",
            "x1 (second coordinate)",
        )
        ax.grid(True, alpha=0.3)
    # lay out with the legend in place, then fill the box the layout leaves
    ax.legend(handles=handles, fontsize=LEGEND, **OUTSIDE)
    (x_lo, x_hi), (y_lo, y_hi) = fill_box(ax, window)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_aspect("equal")
    if dim == 2:
        draw_contours(ax, result, ((x_lo, x_hi), (y_lo, y_hi)), grid)
    # after the layout pass, which would otherwise transform every faint path once more
    faint_paths(ax, result, strong, ink, lambda run: run.x[: valid(run), :2])
    handles += note_handles(reveal(ax, first, shapes, "paths"))
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
    style_axes(ax, f"{problem_title(problem)}: x over the steps", "step", "x")
    ax.grid(True, alpha=0.3)
    if faint:
        lines.append(faint_key(faint))
    lines += note_handles(reveal(ax, handles, shapes, "curves"))
    ax.legend(
        handles=lines, fontsize=LEGEND, title=by_label_note(by), title_fontsize=LEGEND, **OUTSIDE
    )
    return ax
