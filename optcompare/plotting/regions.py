"""Decision regions: what each optimizer's final model predicts over the data's plane.

For a classifier of points in the plane (a problem whose ``plane_data()`` is not
None, the mlp on a synthetic shape), each optimizer gets a panel: the class its
final model predicts at every pixel of the data window as a filled image, and the
data points over it, training points filled and test points hollow, the picture
TensorFlow Playground made familiar.  A label of several seeds shows its median run
(the run the path figure draws, :func:`optcompare.plotting.seeds.median_run`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.aspect import REACH, keep_filled, reach
from optcompare.plotting.seeds import median_run
from optcompare.plotting.style import (
    DPI,
    LEGEND,
    TICKS,
    TITLE,
    By,
    fit_title,
    problem_title,
    result_inks,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from optcompare.experiments.records import Result, Run
    from optcompare.problem import Problem

#: Class colours, dark for points and light for regions: ColorBrewer's PuOr, which
#: ColorBrewer marks colour-blind safe, and apart from the optimizers' frame colours.
CLASS_COLORS = ("#5E3C99", "#E66101")
REGION_COLORS = ("#B2ABD2", "#FDB863")
#: Pixels along each side of the decision image.
RESOLUTION = 200
#: The data window extends beyond the points by this fraction of their span on each side.
PAD = 0.1


def has_regions(problem: Problem) -> bool:
    """Whether ``problem`` classifies points of the plane (so a regions figure exists)."""
    return problem.plane_data() is not None


def data_window(points: np.ndarray, pad: float = PAD) -> tuple[float, float, float, float]:
    """(x_lo, x_hi, y_lo, y_hi): the points' bounding box grown by ``pad`` of its span
    on every side (default :data:`PAD`)."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.maximum(hi - lo, 1e-12)
    lo, hi = lo - pad * span, hi + pad * span
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def pixel_centres(
    window: tuple[float, float, float, float], resolution: int = RESOLUTION
) -> tuple[np.ndarray, np.ndarray]:
    """The centres of a resolution x resolution image over ``window``: x (columns) and y
    (rows, bottom first, as ``imshow(origin="lower")`` draws them)."""
    x_lo, x_hi, y_lo, y_hi = window
    k = (np.arange(resolution) + 0.5) / resolution
    return x_lo + k * (x_hi - x_lo), y_lo + k * (y_hi - y_lo)


def region_classes(
    problem: Problem, x: np.ndarray, window: tuple[float, float, float, float], resolution: int
) -> np.ndarray:
    """The class the model ``x`` predicts at each pixel centre: (resolution, resolution),
    row 0 at the bottom of the window."""
    xs, ys = pixel_centres(window, resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    return problem.predict(np.asarray(x, dtype=float)[None, :], grid)[0].reshape(gy.shape)


def accuracy(problem: Problem, x: np.ndarray, rows: np.ndarray) -> float | None:
    """The fraction of the data rows ``rows`` that the model ``x`` classifies right
    (None without rows)."""
    data = problem.plane_data()
    if data is None or not rows.any():
        return None
    points, labels, _ = data
    predicted = problem.predict(np.asarray(x, dtype=float)[None, :], points[rows])[0]
    return float(np.mean(predicted == labels[rows]))


def _panel_title(label: str, run: Run, runs: int, train: float | None, test: float | None) -> str:
    which = f"seed {run.seed}" if runs == 1 else f"median of {runs}: seed {run.seed}"
    end = (
        f"diverged at step {run.diverged_at}: last finite model"
        if run.diverged_at is not None
        else f"train loss {run.final_loss:.3g}"
    )
    parts = [f"acc. {100 * train:.1f}%" if train is not None else ""]
    parts.append(f"test {100 * test:.1f}%" if test is not None else "")
    # two short lines: in talk a third line, or a longer one, leaves a 2 x 2 grid no room
    return f"{label} ({which})\n{end}, " + ", ".join(p for p in parts if p)


def plot_regions(
    result: Result,
    label: str | None = None,
    ax: Axes | None = None,
    resolution: int = RESOLUTION,
    colors: Mapping[str, str] | None = None,
    by: By = "optimizer",
    legend: bool = True,
) -> Axes:
    """The decision regions of one label's final model (its median run) with the data.

    Args:
        result: a comparison on a problem with ``plane_data()`` (see :func:`has_regions`).
        label: which optimizer choice (default: the first).
        ax: where to draw (default: new axes).
        resolution: pixels along each side of the image (default :data:`RESOLUTION`).
        colors, by: the frame and title colour, as in :func:`~optcompare.plotting.plot_loss`.
        legend: draw the key of classes and train/test markers on the axes.

    Returns:
        The Axes: one image (the predicted class per pixel, as an index into the sorted
        labels) and the points.  The view is :func:`data_window` of all the points, its
        shorter side grown to the shape of the axes' place (equal scales,
        :func:`~optcompare.plotting.aspect.keep_filled`); the image covers
        :data:`~optcompare.plotting.aspect.REACH` times the window on each side, with
        ``resolution`` pixels along each side of the window.
    """
    problem = result.problem
    data = problem.plane_data()
    if data is None:
        raise ValueError(f"problem {problem.name} does not classify points of the plane")
    from matplotlib.colors import ListedColormap

    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(5.0, 4.6), dpi=DPI, layout="constrained").add_subplot()
    label = result.labels[0] if label is None else label
    runs = result.runs_of(label)
    run = median_run(runs)
    points, labels, held = data
    classes = np.unique(labels)
    window = data_window(points)
    view = ((window[0], window[1]), (window[2], window[3]))
    # predicted as far as a restyled panel's view may grow (aspect.REACH), at the
    # window's pixel size: the panel fills its place instead of shrinking in it
    (x_lo, x_hi), (y_lo, y_hi) = cover = reach(view)
    extent = (x_lo, x_hi, y_lo, y_hi)
    predicted = region_classes(problem, run.final_x, extent, round(resolution * REACH))
    index = np.searchsorted(classes, predicted)
    k = len(classes)
    ax.imshow(
        index,
        extent=extent,
        origin="lower",
        cmap=ListedColormap(list(REGION_COLORS[:k])),
        vmin=-0.5,
        vmax=k - 0.5,
        interpolation="nearest",
        zorder=0,
    )
    for c, cls in enumerate(classes):
        mine = labels == cls
        name = f"class {cls:+g}"
        style: dict[str, Any] = {"s": 26, "zorder": 3}
        train, test = points[mine & ~held], points[mine & held]
        ax.scatter(
            train[:, 0],
            train[:, 1],
            c=CLASS_COLORS[c],
            marker="o",
            edgecolors="white",
            linewidths=0.5,
            label=f"{name}, train ({len(train)})",
            **style,
        )
        if (mine & held).any():
            ax.scatter(
                test[:, 0],
                test[:, 1],
                facecolors="white",
                edgecolors=CLASS_COLORS[c],
                marker="s",
                linewidths=1.6,
                label=f"{name}, test ({len(test)})",
                **style,
            )
    keep_filled(ax, view, limit=cover)
    ink = result_inks(result, colors, by)[label]
    train, test = accuracy(problem, run.final_x, ~held), accuracy(problem, run.final_x, held)
    # the frame carries the optimizer's colour; the title stays black, since a class
    # colour may be close to an optimizer's (PuOr's orange to adam's vermilion)
    # at the tick labels' size: a panel that fills its place reaches the figure's edge,
    # where a centred title wraps at twice its distance from it
    fit_title(ax, _panel_title(label, run, len(runs), train, test), TICKS)
    for spine in ax.spines.values():
        spine.set_edgecolor(ink.color)
        spine.set_linewidth(2.5)
    ax.tick_params(labelsize=TICKS - 1)
    if legend:
        ax.legend(fontsize=LEGEND - 2, loc="best", framealpha=0.85)
    return ax


def regions_figure(
    result: Result, colors: Mapping[str, str] | None = None, by: By = "optimizer"
) -> Figure:
    """One :func:`plot_regions` panel per label, up to three per row (four: 2 x 2), with one
    key of the markers below and a title naming the problem and the steps."""
    from matplotlib.figure import Figure

    labels = result.labels
    n = len(labels)
    ncols = 2 if n == 4 else min(n, 3)
    nrows = -(-n // ncols)
    data = result.problem.plane_data()
    x_lo, x_hi, y_lo, y_hi = data_window(data[0]) if data is not None else (0, 1, 0, 1)
    aspect = min(max((y_hi - y_lo) / (x_hi - x_lo), 0.4), 1.5)  # panels of equal aspect
    # at least 8 inches wide, so one panel has room for the title and the key below
    width = max(4.6 * ncols + 0.6, 8.0)
    fig = Figure(figsize=(width, (4.2 * aspect + 1.2) * nrows + 1.4), dpi=DPI, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        if i >= n:
            ax.remove()
            continue
        plot_regions(result, labels[i], ax=ax, colors=colors, by=by, legend=False)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, fontsize=LEGEND, loc="outside lower center", ncols=2 if n < 3 else 4)
    spent = f"{result.steps} steps" if result.passes is None else f"{result.passes:g} passes"
    sep = ": " if n > 1 else "\n"  # one panel is too narrow for one line
    fig.suptitle(
        f"{problem_title(result.problem)}{sep}decision regions of the final model after {spent}",
        fontsize=TITLE,
    )
    return fig
