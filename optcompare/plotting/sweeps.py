"""Sweeps: the objective against one hyperparameter, or heatmaps over two."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.notes import legend_notes
from optcompare.plotting.overlap import reveal
from optcompare.plotting.style import (
    LABEL,
    LEGEND,
    LOSS_FIGSIZE,
    LOSS_FLOOR,
    OUTSIDE,
    TICKS,
    By,
    by_label_note,
    finite,
    gaps,
    inks,
    new_axes,
    problem_title,
    root_figure,
    style_axes,
)
from optcompare.stats import BAND, quantiles

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.grid import SweepOutcome
    from optcompare.experiments.sweep import SweepResult


SWEEP_FIGSIZE = LOSS_FIGSIZE
#: Keywords of the patch that marks a diverged cell (passed with ** to Patch and Rectangle).
DIVERGED_HATCH: dict[str, Any] = {"facecolor": "white", "edgecolor": "0.3", "hatch": "xxx"}


def _objective_label(objective: str, f_star_known: bool) -> str:
    if objective == "auc":
        return "mean log10(loss - f*)" if f_star_known else "mean loss"
    return f"{objective} loss - f*" if f_star_known else f"{objective} loss"


def _log_spaced(values: np.ndarray) -> bool:
    """Whether positive ``values`` have a constant ratio (a log range such as 1e-4:1:9:log)."""
    v = np.asarray(values, dtype=float)
    if v.size < 2 or not np.all(v > 0):
        return False
    with np.errstate(divide="ignore", over="ignore"):  # 1e-308 / 1e308: a ratio of 0 or inf
        ratios = v[1:] / v[:-1]
        inverse = 1.0 / ratios[0]
    if np.any(np.isclose(ratios, 1.0)):
        return False
    if v.size == 2:
        return bool(max(ratios[0], inverse) >= 10.0)  # a decade apart, or more
    return bool(np.allclose(ratios, ratios[0], rtol=1e-6))


def _sweep_medians(sweep: SweepResult, outcome: SweepOutcome, floor: bool) -> list[np.ndarray]:
    """25th, 50th and 75th percentile over seeds of each grid point (+inf: diverged),
    under :mod:`optcompare.stats`' one convention."""
    scores = np.asarray(sweep.table(outcome), dtype=float)
    if floor:
        scores = np.maximum(scores, LOSS_FLOOR)  # loss - f* may reach 0 exactly
    return list(quantiles(scores, (BAND[0], 0.5, BAND[1]), axis=-1))


def _seeds_text(n: int) -> str:
    return "1 seed" if n == 1 else f"median of {n} seeds, 25-75% band"


def plot_sweep(
    sweep: SweepResult,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    by: By = "optimizer",
) -> Axes:
    """The objective against one swept hyperparameter, one line per optimizer.

    Each line is the median over seeds at each value with a shaded 25-75% band.
    A value whose median is +inf (at least half of its seeds diverged) leaves a
    gap in the line and gets an "x" at the top edge in the optimizer's colour;
    a band whose upper quartile diverged reaches the top edge.  The x axis is
    logarithmic for log-spaced positive values, the y axis for "final" and
    "best" (loss - f*, clipped at 1e-16) when every value is positive;
    "auc" (already a mean of log10) stays linear.

    Args:
        sweep: what :func:`optcompare.experiments.sweep.sweep` returned, with one parameter.
        ax: Axes to draw on; a new figure's Axes when None.
        colors: colours by label or optimizer name, over the fixed colour of
            each optimizer (:mod:`optcompare.plotting.colors`).
        by: "optimizer" (default) or "label": one palette colour per label.

    Returns:
        The Axes drawn on.
    """
    from matplotlib.lines import Line2D

    if len(sweep.axes) != 1:
        raise ValueError(
            f"plot_sweep draws a sweep of one parameter; this one has "
            f"{len(sweep.axes)} (use plot_sweep_heatmap)"
        )
    if ax is None:
        ax = new_axes(SWEEP_FIGSIZE)
    ((name, values),) = sweep.axes
    values = np.asarray(values, dtype=float)
    ink = inks(((o.label, o.optimizer) for o in sweep.outcomes), colors, by)
    f_known = sweep.problem.f_star is not None
    floor = sweep.objective != "auc" and f_known
    stats = [_sweep_medians(sweep, o, floor) for o in sweep.outcomes]
    n_seeds = len(sweep.seeds)

    known = finite(q for qs in stats for q in qs)
    log_y = sweep.objective != "auc" and bool(known.size) and bool(known.min() > 0)
    if log_y:
        ax.set_yscale("log")
    if _log_spaced(values):
        ax.set_xscale("log")
    meds = [m for _, m, _ in stats]
    any_diverged = any(bool(np.any(~np.isfinite(m))) for m in meds)
    if known.size:
        lo, hi = float(known.min()), float(known.max())
        head = 0.16 if any_diverged else 0.08  # room for the "x" row under the top edge
        if log_y:
            span = hi / lo if hi > lo else 10.0
            bottom, top = lo / span**0.05, hi * span**head
        else:
            span = hi - lo if hi > lo else max(abs(hi), 1.0)
            bottom, top = lo - 0.05 * span, hi + head * span
        ax.set_ylim(bottom, top)
    else:
        top = None
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            "every median diverged",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=LABEL,
            color="0.3",
        )

    drawn: dict[str, Any] = {}
    for i, (o, (q25, med, q75)) in enumerate(zip(sweep.outcomes, stats, strict=True)):
        color = ink[o.label].color
        (drawn[o.label],) = ax.plot(
            values,
            gaps(med),
            color=color,
            lw=2.0,
            ls=ink[o.label].linestyle,
            marker=ink[o.label].marker or "o",
            ms=5,
            label=o.label,
            zorder=3,
        )
        if n_seeds > 1 and top is not None:
            ax.fill_between(
                values,
                gaps(q25),
                np.minimum(q75, top),
                where=np.isfinite(q25),
                color=color,
                alpha=0.2,
                lw=0,
                zorder=2,
                label="_nolegend_",
            )
        bad = ~np.isfinite(med)
        if bad.any():
            # just under the top edge (axes coordinates), one row per optimizer
            ax.scatter(
                values[bad],
                np.full(int(bad.sum()), 0.97 - 0.045 * (i % 3)),
                transform=ax.get_xaxis_transform(),
                marker="x",
                s=90,
                linewidths=2.5,
                color=color,
                zorder=5,
                clip_on=False,
                label="_nolegend_",
                gid="diverged",
            )
    handles: list[Any] = list(drawn.values())
    if any_diverged:
        handles.append(
            Line2D(
                [],
                [],
                color="0.25",
                marker="x",
                ms=9,
                mew=2.5,
                ls="none",
                label="diverged (median)",
            )
        )
    ylabel = _objective_label(sweep.objective, f_known)
    style_axes(
        ax,
        f"{problem_title(sweep.problem)}: {sweep.objective} vs {name} ({_seeds_text(n_seeds)})",
        name,
        ylabel,
    )
    ax.grid(True, alpha=0.3)
    shapes = [
        (o.label, np.column_stack([values, m])) for o, m in zip(sweep.outcomes, meds, strict=True)
    ]
    handles += legend_notes(ax, reveal(ax, drawn, shapes, "curves"))
    kw = {"loc": "best", "framealpha": 0.9} if len(handles) <= 4 else OUTSIDE
    ax.legend(
        handles=handles, fontsize=LEGEND, title=by_label_note(by), title_fontsize=LEGEND, **kw
    )
    return ax


def heat_values(sweep: SweepResult, outcome: SweepOutcome) -> tuple[np.ndarray, bool]:
    """The median objective of each grid point on the colour scale, and whether it is log10.

    +inf (diverged) stays +inf.  final/best become log10 when every finite
    median is positive; auc is already a mean of log10.
    """
    f_known = sweep.problem.f_star is not None
    floor = sweep.objective != "auc" and f_known
    med = _sweep_medians(sweep, outcome, floor)[1]
    return med, sweep.objective != "auc" and bool(np.all(med[np.isfinite(med)] > 0))


def heat_scale(sweep: SweepResult) -> bool:
    return all(heat_values(sweep, o)[1] for o in sweep.outcomes)


def to_colour_scale(med: np.ndarray, log: bool) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(med) if log else med.copy()
    return np.where(np.isfinite(med), z, np.inf)


def heat_label(sweep: SweepResult, log: bool) -> str:
    text = _objective_label(sweep.objective, sweep.problem.f_star is not None)
    return f"log10(median {text})" if log else f"median {text}"


def _short(v: float) -> str:
    """A short tick label: 0.1, 0.032, 3.2e-4, 1e-4, 250, 1e+5."""
    text = f"{v:.2g}"
    if v != 0 and (abs(v) < 1e-2 or abs(v) >= 1e4):
        mantissa, exponent = f"{v:.1e}".split("e")
        mantissa = mantissa.removesuffix(".0")
        text = f"{mantissa}e{int(exponent)}"
    return text


def _index_ticks(ax: Axes, which: str, values: np.ndarray, most: int = 8) -> None:
    """Ticks at the cell centres 0..n-1, labelled with the values (every k-th if many)."""
    n = len(values)
    every = max(1, int(np.ceil(n / most)))
    ticks = np.arange(0, n, every)
    labels = [_short(float(values[k])) for k in ticks]
    if which == "x":
        ax.set_xticks(ticks, labels)
    else:
        ax.set_yticks(ticks, labels)


def plot_sweep_heatmap(
    sweep: SweepResult,
    outcome_index: int = 0,
    ax: Axes | None = None,
    *,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = True,
    legend: bool = True,
    title: str | None = None,
) -> Axes:
    """A heatmap of one optimizer's median objective over two swept hyperparameters.

    Columns are the values of the first parameter, rows those of the second,
    each cell the median over seeds, coloured by log10 of it for "final" and
    "best" (by the value itself for "auc", already a mean of log10).  Cells are
    evenly spaced, so a log range reads evenly; the ticks show the values.
    Cells whose median diverged (+inf) are hatched, with a "diverged" legend
    patch; their values are masked in the image (``get_array().mask``).

    Args:
        sweep: what :func:`optcompare.experiments.sweep.sweep` returned, with two parameters.
        outcome_index: which optimizer (index into ``sweep.outcomes``).
        ax: Axes to draw on; a new figure's Axes when None.
        vmin, vmax: the colour scale (shared across panels in :func:`sweep_figure`).
        colorbar: add a colorbar beside the axes.
        legend: add the "diverged" legend patch when some cell diverged.
        title: the axes title; by default the problem, the optimizer and the seeds.

    Returns:
        The Axes drawn on.
    """
    from matplotlib import colormaps
    from matplotlib.patches import Patch, Rectangle

    if len(sweep.axes) != 2:
        raise ValueError(
            f"plot_sweep_heatmap draws a sweep of two parameters; this one has "
            f"{len(sweep.axes)} (use plot_sweep)"
        )
    if ax is None:
        ax = new_axes(SWEEP_FIGSIZE)
    outcome = sweep.outcomes[outcome_index]
    (name1, v1), (name2, v2) = sweep.axes
    med, _ = heat_values(sweep, outcome)
    log = heat_scale(sweep)
    Z = to_colour_scale(med, log).T  # rows: the second parameter
    diverged = ~np.isfinite(Z)
    Zm = np.ma.masked_array(np.where(diverged, 0.0, Z), mask=diverged)
    if diverged.all():
        vmin, vmax = (0.0, 1.0) if vmin is None else (vmin, vmax)
    cmap = colormaps["viridis"].with_extremes(bad="white")
    n1, n2 = len(v1), len(v2)
    im = ax.imshow(
        Zm,
        origin="lower",
        aspect="auto",
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
        extent=(-0.5, n1 - 0.5, -0.5, n2 - 0.5),
    )
    for j, i in zip(*np.nonzero(diverged), strict=True):
        ax.add_patch(
            Rectangle((i - 0.5, j - 0.5), 1.0, 1.0, lw=0, gid="diverged", **DIVERGED_HATCH)
        )
    # at most ~1.6 labels per inch of width, so they never touch
    width = ax.get_position().width * root_figure(ax).get_figwidth()
    _index_ticks(ax, "x", np.asarray(v1), most=max(3, int(width * 1.6)))
    _index_ticks(ax, "y", np.asarray(v2))
    if title is None:
        title = (
            f"{problem_title(sweep.problem)}: {outcome.label}\n"
            f"{sweep.objective}, median of {len(sweep.seeds)} "
            f"seed{'s' * (len(sweep.seeds) != 1)}"
        )
    style_axes(ax, title, name1, name2)
    if colorbar:
        cb = ax.figure.colorbar(im, ax=ax)
        cb.set_label(heat_label(sweep, log), fontsize=LABEL)
        cb.ax.tick_params(labelsize=TICKS)
    if legend and diverged.any():
        ax.legend(
            handles=[Patch(label="diverged", **DIVERGED_HATCH)],
            fontsize=LEGEND,
            loc="upper left",
            bbox_to_anchor=(0.0, -0.14),
            borderaxespad=0.0,
        )
    return ax
