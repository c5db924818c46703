"""Figures: loss curves, optimization paths, sweeps, basins, animations, effective steps,
decision regions.

Plot functions follow matplotlib's convention: they take ``ax=None``, create
axes only when none is given, draw, and return the Axes.  They never show or
save anything; :func:`loss_figure`, :func:`path_figure`, :func:`sweep_figure`,
:func:`basins_figure` and :func:`effective_step_figure` build a slide-ready
:class:`~matplotlib.figure.Figure` (no global pyplot state), and
:func:`path_animation` a figure with its animation, for the module that
writes files.  In a notebook, display ``ax.figure``.

One module per figure family (``loss``, ``paths``, ``sweeps``, ``basins``,
``steps``, ``animation``, ``regions``), the Figure builders in ``figures``, and the
shared look (sizes, colours, legends) in ``style``, which the lessons use too.

Several seeds of one optimizer are summarised by their median and 25-75%
band; a diverged run counts as +inf from its divergence on, so a median that
diverged is shown as such (an "x" on the top edge), never as a huge number.
"""

from optcompare.plotting.animation import path_animation
from optcompare.plotting.basins import plot_basins
from optcompare.plotting.figures import (
    basins_figure,
    comparison_figure,
    comparison_figures,
    comparison_kinds,
    effective_step_figure,
    loss_figure,
    path_figure,
    sweep_figure,
)
from optcompare.plotting.loss import plot_loss
from optcompare.plotting.paths import median_run, plot_path
from optcompare.plotting.regions import has_regions, plot_regions, regions_figure
from optcompare.plotting.steps import plot_effective_step
from optcompare.plotting.style import (
    DPI,
    LOSS_FIGSIZE,
    LOSS_FLOOR,
    OPTIMIZER_COLORS,
    PATH_FIGSIZE,
    Ink,
    check_colors,
    inks,
    label_palette,
    optimizer_color,
    parse_color,
    result_colors,
    result_inks,
)
from optcompare.plotting.sweeps import plot_sweep, plot_sweep_heatmap

__all__ = [
    "DPI",
    "LOSS_FIGSIZE",
    "LOSS_FLOOR",
    "OPTIMIZER_COLORS",
    "PATH_FIGSIZE",
    "Ink",
    "basins_figure",
    "check_colors",
    "comparison_figure",
    "comparison_figures",
    "comparison_kinds",
    "effective_step_figure",
    "has_regions",
    "inks",
    "label_palette",
    "loss_figure",
    "median_run",
    "optimizer_color",
    "parse_color",
    "path_animation",
    "path_figure",
    "plot_basins",
    "plot_effective_step",
    "plot_loss",
    "plot_path",
    "plot_regions",
    "plot_sweep",
    "plot_sweep_heatmap",
    "regions_figure",
    "result_colors",
    "result_inks",
    "sweep_figure",
]
