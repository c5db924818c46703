"""Slide-ready Figures built from the plot functions (no global pyplot state).

The module that writes files saves these; in a notebook, display them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from optcompare.plotting.basins import plot_basins, share_table, shown_codes
from optcompare.plotting.loss import plot_loss
from optcompare.plotting.paths import path_figsize, plot_path, view
from optcompare.plotting.projection import make_view
from optcompare.plotting.regions import has_regions, regions_figure
from optcompare.plotting.steps import plot_effective_step
from optcompare.plotting.style import (
    DPI,
    LABEL,
    LEGEND,
    LOSS_FIGSIZE,
    PATH_FIGSIZE,
    TICKS,
    TITLE,
    By,
    finite,
    new_axes,
    problem_title,
    root_figure,
)
from optcompare.plotting.sweeps import (
    DIVERGED_HATCH,
    SWEEP_FIGSIZE,
    heat_label,
    heat_scale,
    heat_values,
    plot_sweep,
    plot_sweep_heatmap,
    to_colour_scale,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from optcompare.experiments.basins import Basins
    from optcompare.experiments.records import Result
    from optcompare.experiments.sweep import SweepResult
    from optcompare.problem import Problem


def loss_figure(
    result: Result,
    figsize: tuple[float, float] = LOSS_FIGSIZE,
    colors: Mapping[str, str] | None = None,
    by: By = "optimizer",
) -> Figure:
    """A slide-ready figure of :func:`plot_loss` (constrained layout, saved at 150 dpi).

    ``colors`` (by label or optimizer name) and ``by`` as in :func:`plot_loss`.
    """
    return root_figure(plot_loss(result, ax=new_axes(figsize), colors=colors, by=by))


def path_figure(
    result: Result,
    figsize: tuple[float, float] | None = None,
    grid: int = 200,
    colors: Mapping[str, str] | None = None,
    by: By = "optimizer",
    path_view: str | None = None,
) -> Figure:
    """A slide-ready figure of :func:`plot_path` (constrained layout, saved at 150 dpi).

    ``figsize`` defaults to :func:`~optcompare.plotting.paths.path_figsize` of the
    view: :data:`PATH_FIGSIZE` for a square window (1-D problems and the PCA view too).
    ``path_view`` as in :func:`plot_path` (default None: ``result.path_view``).
    """
    pv = make_view(result, path_view)  # once: the PCA plane sets the size and the drawing
    if figsize is None:
        # the PCA plane's legend holds more notes, and its window is the paths' own box:
        # a full-height figure shows more of f's landscape around a long, flat path
        flat = result.problem.dim < 2 or pv.plane is not None
        figsize = PATH_FIGSIZE if flat else path_figsize(view(result, pv))
    ax = new_axes(figsize)
    return root_figure(plot_path(result, ax=ax, grid=grid, colors=colors, by=by, path_view=pv))


def comparison_kinds(result: Result) -> tuple[str, ...]:
    """The figures a comparison has: "loss" and "path", and "regions" for a classifier
    of points in the plane (:func:`~optcompare.plotting.regions.has_regions`)."""
    return ("loss", "path", "regions") if has_regions(result.problem) else ("loss", "path")


def comparison_figures(
    result: Result, colors: Mapping[str, str] | None = None, by: By = "optimizer"
) -> dict[str, Figure]:
    """Every figure of a comparison by name: ``{"loss": ..., "path": ...}`` (and
    ``"regions"``, see :func:`comparison_kinds`)."""
    return {k: comparison_figure(result, k, colors, by) for k in comparison_kinds(result)}


def comparison_figure(
    result: Result, kind: str, colors: Mapping[str, str] | None = None, by: By = "optimizer"
) -> Figure:
    """The figure ``kind`` ("loss", "path" or "regions") of a comparison."""
    if kind == "loss":
        return loss_figure(result, colors=colors, by=by)
    if kind == "path":
        return path_figure(result, colors=colors, by=by)
    if kind == "regions" and has_regions(result.problem):
        return regions_figure(result, colors=colors, by=by)
    *others, last = (f"'{k}'" for k in comparison_kinds(result))
    raise ValueError(f"unknown figure kind '{kind}'; choose {', '.join(others)} or {last}")


def sweep_figure(
    sweep: SweepResult, colors: Mapping[str, str] | None = None, by: By = "optimizer"
) -> Figure:
    """A slide-ready figure of a sweep.

    One parameter: :func:`plot_sweep` (with ``colors`` and ``by``).  Two: one
    :func:`plot_sweep_heatmap` per optimizer (up to three per row) on a shared
    colour scale, with one colorbar and one "diverged" legend patch.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    if len(sweep.axes) == 1:
        return root_figure(plot_sweep(sweep, ax=new_axes(SWEEP_FIGSIZE), colors=colors, by=by))
    if len(sweep.axes) != 2:
        raise ValueError(f"a sweep figure needs one or two parameters, not {len(sweep.axes)}")
    n = len(sweep.outcomes)
    ncols = 2 if n == 4 else min(n, 3)
    nrows = -(-n // ncols)
    fig = Figure(figsize=(4.3 * ncols + 1.6, 3.9 * nrows + 1.2), dpi=DPI, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    log = heat_scale(sweep)
    z = finite(to_colour_scale(heat_values(sweep, o)[0], log) for o in sweep.outcomes)
    vmin, vmax = (float(z.min()), float(z.max())) if z.size else (0.0, 1.0)
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    for i, ax in enumerate(axes):
        if i >= n:
            ax.remove()
            continue
        plot_sweep_heatmap(
            sweep,
            i,
            ax=ax,
            vmin=vmin,
            vmax=vmax,
            colorbar=False,
            legend=False,
            title=sweep.outcomes[i].label,
        )
    used = list(axes[:n])
    cb = fig.colorbar(used[0].images[0], ax=used)
    cb.set_label(heat_label(sweep, log), fontsize=LABEL)
    cb.ax.tick_params(labelsize=TICKS)
    seeds = len(sweep.seeds)
    # two lines: a single narrow panel must not clip the title
    fig.suptitle(
        f"{problem_title(sweep.problem)}: {sweep.objective} over {sweep.axes[0][0]} x "
        f"{sweep.axes[1][0]}\n" + ("1 seed" if seeds == 1 else f"median of {seeds} seeds"),
        fontsize=TITLE,
    )
    if any(a.patches for a in used):
        fig.legend(
            handles=[Patch(label="diverged (median)", **DIVERGED_HATCH)],
            fontsize=LEGEND,
            loc="outside lower center",
        )
    return fig


def basins_figure(basins_list: Sequence[Basins], problem: Problem) -> Figure:
    """One :func:`plot_basins` panel per optimizer, all in one row up to four, else
    three per row, and under them :func:`share_table`: each outcome's colour and name,
    and the share of each panel's starts that end so.

    One row suits the talk style's 16:9 figure, where two rows of four panels had
    left each panel a fifth of the figure's height.
    """
    from matplotlib.figure import Figure

    basins_list = list(basins_list)
    if not basins_list:
        raise ValueError("basins_figure needs at least one Basins")
    n = len(basins_list)
    ncols = n if n <= 4 else 3
    nrows = -(-n // ncols)
    (x_lo, x_hi), (y_lo, y_hi) = problem.window()[:2]
    aspect = (y_hi - y_lo) / (x_hi - x_lo)
    aspect = aspect if np.isclose(aspect, 1.0, rtol=0.5) else 1.0  # see plot_basins
    fig = Figure(
        figsize=(max(4.2 * ncols + 0.4, 6.4), (3.8 * aspect + 0.6) * nrows + 0.8),
        dpi=DPI,
        layout="constrained",
    )
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    codes = shown_codes(basins_list)  # the same outcomes, in the same order, on every panel
    for i, ax in enumerate(axes):
        if i >= n:
            ax.remove()
            continue
        plot_basins(basins_list[i], problem, ax=ax, legend=False)
    share_table(fig, basins_list, problem.minima(), codes)
    grid, steps = basins_list[0].outcome.shape, basins_list[0].steps
    sep = ": " if n > 1 else "\n"  # one panel is too narrow for one line
    fig.suptitle(
        f"{problem_title(problem)}{sep}where {grid[1]} x {grid[0]} starts end after {steps} steps",
        fontsize=TITLE,
    )
    return fig


def effective_step_figure(
    result: Result,
    figsize: tuple[float, float] = LOSS_FIGSIZE,
    colors: Mapping[str, str] | None = None,
    by: By = "optimizer",
) -> Figure:
    """A slide-ready figure of :func:`plot_effective_step`."""
    return root_figure(plot_effective_step(result, ax=new_axes(figsize), colors=colors, by=by))
