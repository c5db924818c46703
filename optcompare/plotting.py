"""Figures: loss curves, optimization paths, sweeps, basins, animations, effective steps.

Plot functions follow matplotlib's convention: they take ``ax=None``, create
axes only when none is given, draw, and return the Axes.  They never show or
save anything; :func:`loss_figure`, :func:`path_figure`, :func:`sweep_figure`,
:func:`basins_figure` and :func:`effective_step_figure` build a slide-ready
:class:`~matplotlib.figure.Figure` (no global pyplot state), and
:func:`path_animation` a figure with its animation, for the module that
writes files.  In a notebook, display ``ax.figure``.

Several seeds of one optimizer are summarised by their median and 25-75%
band; a diverged run counts as +inf from its divergence on, so a median that
diverged is shown as such (an "x" on the top edge), never as a huge number.

Every figure of one comparison colours an optimizer label the same way
(:func:`label_colors`), so the loss curve and the path of a run match.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from optcompare.experiments.basins import Basins
    from optcompare.experiments.grid import SweepOutcome
    from optcompare.experiments.records import Result, Run
    from optcompare.experiments.sweep import SweepResult
    from optcompare.problem import Problem

__all__ = [
    "DPI",
    "basins_figure",
    "comparison_figure",
    "comparison_figures",
    "effective_step_figure",
    "label_colors",
    "loss_figure",
    "median_run",
    "path_animation",
    "path_figure",
    "plot_basins",
    "plot_effective_step",
    "plot_loss",
    "plot_path",
    "plot_sweep",
    "plot_sweep_heatmap",
    "sweep_figure",
]

#: Resolution of saved figures: 1500 x 840 pixels for the default loss figure.
DPI = 150
LOSS_FIGSIZE = (10.0, 5.6)
PATH_FIGSIZE = (10.0, 6.4)

#: loss - f* is clipped here so that a run reaching f* exactly stays on a log axis.
LOSS_FLOOR = 1e-16

# Okabe & Ito's colour-blind-safe palette, yellow last (faint on white), then
# tab10 for comparisons with more than eight labels.
_OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
              "#000000", "#F0E442")
_TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf")
PALETTE = _OKABE_ITO + _TAB10

# sizes readable when projected
_TITLE = 14
_LABEL = 12
_TICKS = 11
_LEGEND = 11

_MINIMUM_STYLE = {"marker": "*", "s": 260, "c": "#FFD400", "edgecolors": "black",
                  "linewidths": 1.0, "zorder": 4}
_LEGEND_WIDTH = 28  # characters per legend line
_MAX_MARKERS = 30  # markers per path; longer runs get every k-th step marked
_OUTSIDE = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0}


def label_colors(labels: Iterable[str]) -> dict[str, str]:
    """One colour per distinct label, by order of first appearance.

    The same label list always gives the same colours, so every figure of a
    comparison matches.  The first eight labels get the Okabe-Ito palette, the
    next ten tab10; beyond eighteen the colours repeat.
    """
    colors: dict[str, str] = {}
    for label in labels:
        if label not in colors:
            colors[label] = PALETTE[len(colors) % len(PALETTE)]
    return colors


def _colors_for(result: Result, colors: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = dict(label_colors(r.label for r in result.runs))
    if colors:
        out.update(colors)
    return out


def _new_axes(figsize: tuple[float, float]) -> Axes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    return fig.add_subplot()


def _legend_labels(result: Result, band: bool = False) -> dict[str, str]:
    """Legend text per label: the label, plus where (or how many of) its runs diverged.

    Long labels wrap at spaces and the divergence note takes its own line, so
    a legend beside the axes does not squeeze them.  With ``band``, a label of
    several runs also says that its line is their median with a 25-75% band.
    """
    runs: dict[str, list[Run]] = {}
    for r in result.runs:
        runs.setdefault(r.label, []).append(r)
    out = {}
    for label, rs in runs.items():
        text = textwrap.fill(label, _LEGEND_WIDTH, break_long_words=False,
                             break_on_hyphens=False)
        if band and len(rs) > 1:
            text += f"\nmedian of {len(rs)}, 25-75% band"
        ks = [r.diverged_at for r in rs if r.diverged_at is not None]
        if ks and len(rs) == 1:
            text += f"\n(diverged at step {ks[0]})"
        elif ks:
            text += f"\n({len(ks)} of {len(rs)} runs diverged)"
        out[label] = text
    return out


def _counts(result: Result) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in result.runs:
        counts[r.label] = counts.get(r.label, 0) + 1
    return counts


def _valid(run: Run) -> int:
    """How many leading steps of ``run`` hold valid (pre-divergence) values."""
    return max(run.last_step + 1, 0)


def _style(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=_TITLE)
    ax.set_xlabel(xlabel, fontsize=_LABEL)
    ax.set_ylabel(ylabel, fontsize=_LABEL)
    ax.tick_params(labelsize=_TICKS)


def _finite(arrays: Iterable[np.ndarray]) -> np.ndarray:
    parts = [a[np.isfinite(a)] for a in arrays]
    return np.concatenate(parts) if parts else np.empty(0)


def _loss_top(curves: list[tuple[Run, np.ndarray]], log: bool) -> float | None:
    """Upper y limit that keeps diverging runs from flattening the others, or None.

    The chart covers every run that did not diverge, and every start, plus a
    margin; a diverging curve that leaves it is cut at the top edge.
    """
    kept = [y for run, y in curves if run.diverged_at is None] + [y[:1] for _, y in curves]
    ref, every = _finite(kept), _finite(y for _, y in curves)
    if not ref.size or not every.size:
        return None
    hi, lo = float(ref.max()), float(ref.min())
    top = hi * 10.0 if log else hi + 0.1 * max(hi - lo, abs(hi), 1e-12)
    return top if every.max() > top else None


def _margin(lo: float, hi: float, log: bool) -> float:
    """A lower limit 5% of the range below ``lo`` (in decades on a log axis)."""
    if log:
        return lo / (hi / lo) ** 0.05
    return lo - 0.05 * (hi - lo)


# -- loss curves ---------------------------------------------------------------------


def _percentiles(Y: np.ndarray, qs: Iterable[float], axis: int = 0) -> list[np.ndarray]:
    """Percentiles of Y along ``axis`` (numpy's linear method), where +inf may occur.

    A diverged run counts as +inf; a percentile is +inf exactly when it lies
    (partly) among the +inf values, and equals np.percentile of the finite
    values it interpolates between otherwise.  NaN is read as +inf.  Unlike
    np.percentile this neither warns nor returns NaN for inf - inf.
    """
    S = np.sort(np.where(np.isnan(Y), np.inf, Y), axis=axis)
    n = S.shape[axis]
    out = []
    for q in qs:
        pos = q / 100.0 * (n - 1)
        lo = int(np.floor(pos))
        t = pos - lo
        a = np.take(S, lo, axis=axis)
        if t == 0.0:
            out.append(a)
            continue
        b = np.take(S, min(lo + 1, n - 1), axis=axis)
        with np.errstate(invalid="ignore"):
            v = a + (b - a) * t
        out.append(np.where(np.isinf(b), np.inf, v))
    return out


def _last_finite(y: np.ndarray) -> int | None:
    idx = np.flatnonzero(np.isfinite(y))
    return int(idx[-1]) if idx.size else None


def _gaps(y: np.ndarray) -> np.ndarray:
    """y with non-finite values as NaN: matplotlib leaves a gap there."""
    return np.where(np.isfinite(y), y, np.nan)


def _loss_curves(result: Result) -> tuple[list[tuple[Run, np.ndarray]], np.ndarray, bool]:
    """Each run's loss - f* (floored for log axes), every finite value, and whether a
    log scale fits (all positive, spanning more than a decade)."""
    f_star = result.problem.f_star
    curves = []
    for run in result.runs:
        y = np.asarray(run.loss[:_valid(run)], dtype=float)
        if f_star is not None:
            y = np.maximum(y - f_star, LOSS_FLOOR)
        curves.append((run, y))
    every = _finite(y for _, y in curves)
    log = bool(every.size) and every.min() > 0 and every.max() > 10.0 * every.min()
    return curves, every, log


def plot_loss(result: Result, ax: Axes | None = None,
              colors: Mapping[str, Any] | None = None) -> Axes:
    """Loss against step: one line per run, or a median and band per label of seeds.

    With a known minimum value f* the curve is loss - f* (clipped at 1e-16);
    otherwise the raw loss.  The y axis is logarithmic when every value is
    positive and they span more than a decade, linear otherwise (saddles, whose
    loss goes negative).  A diverged run ends in an "x" at its last valid step
    and its legend entry says where it diverged.

    A label with several runs (seeds) is drawn as the median over its runs per
    step with a shaded 25-75% band.  A diverged run counts as +inf from its
    divergence step on, so the median stops (ending in an "x") once half of
    the runs diverged, and the band reaches the top edge once a quarter did.

    Args:
        result: what :func:`optcompare.run` returned.
        ax: Axes to draw on; a new figure's Axes when None.
        colors: label -> colour; defaults to :func:`label_colors` of the runs.

    Returns:
        The Axes drawn on.
    """
    from matplotlib.ticker import MaxNLocator

    if ax is None:
        ax = _new_axes(LOSS_FIGSIZE)
    colors = _colors_for(result, colors)
    legend = _legend_labels(result, band=True)
    f_star = result.problem.f_star

    curves, every, log = _loss_curves(result)
    if log:
        ax.set_yscale("log")
    top = _loss_top(curves, log)

    bands = {}
    for label in result.labels:
        ys = [y for run, y in curves if run.label == label]
        if len(ys) > 1:
            Y = np.full((len(ys), max(len(y) for y in ys)), np.inf)
            for i, y in enumerate(ys):
                Y[i, :len(y)] = y  # +inf from the divergence step on
            bands[label] = _percentiles(Y, (25, 50, 75))
    if top is None and any(np.isinf(q75).any() for _, _, q75 in bands.values()) and every.size:
        # a band that reaches +inf needs a top edge to end at
        hi, lo = float(every.max()), float(every.min())
        top = hi * 2.0 if log else hi + 0.08 * max(hi - lo, abs(hi), 1e-12)

    for label in result.labels:
        color = colors[label]
        if label not in bands:
            ((run, y),) = [(r, y) for r, y in curves if r.label == label]
            steps = np.arange(len(y))
            ax.plot(steps, y, color=color, lw=2.0, label=legend[label],
                    marker="o" if len(y) == 1 else None, ms=6)
            if run.diverged_at is not None and len(y) > 0:
                # a run that blew up off the chart ends in an x on the top edge
                end = y[-1] if top is None else min(y[-1], top)
                ax.scatter([steps[-1]], [end], marker="x", s=90, linewidths=2.5,
                           color=color, zorder=5, clip_on=False)
            continue
        q25, med, q75 = bands[label]
        steps = np.arange(len(med))
        ax.plot(steps, _gaps(med), color=color, lw=2.0, label=legend[label],
                marker="o" if len(med) == 1 else None, ms=6, zorder=3)
        upper = q75 if top is None else np.minimum(q75, top)  # clipped at the top edge
        ax.fill_between(steps, _gaps(q25), upper, where=np.isfinite(q25), color=color,
                        alpha=0.2, lw=0, zorder=2, label="_nolegend_")
        k = _last_finite(med)
        if k is not None and k < len(med) - 1:
            # the median is +inf from here on: half of the runs diverged
            end = med[k] if top is None else min(med[k], top)
            ax.scatter([k], [end], marker="x", s=90, linewidths=2.5, color=color,
                       zorder=5, clip_on=False)
    if top is not None:
        ax.set_ylim(_margin(float(every.min()), top, log), top)
    if max((len(y) for _, y in curves), default=0) <= 1:
        ax.set_xlim(-1.0, 1.0)  # only the start: one point at step 0
        ax.set_xticks([0])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ylabel = "loss" if f_star is None else "loss - f*"
    _style(ax, f"{result.problem.spec}: loss", "step", ylabel)
    ax.grid(True, alpha=0.3)
    if len(legend) <= 3:
        ax.legend(fontsize=_LEGEND, loc="best", framealpha=0.9)
    else:
        ax.legend(fontsize=_LEGEND, **_OUTSIDE)
    return ax


# -- optimization paths --------------------------------------------------------------


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
    if not span > 0:
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


def _draw_contours(ax: Axes, result: Result, window, grid: int) -> None:
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
    ax.contour(XX, YY, Zm, levels=levels, colors="0.45", linewidths=0.5, alpha=0.6,
               zorder=1)


def _view(result: Result) -> tuple[tuple[float, float], tuple[float, float]]:
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


def median_run(runs: list[Run]) -> Run:
    """The run whose final loss is the median of ``runs``' final losses.

    A diverged run counts as +inf.  With an even number of runs this is the
    lower of the two middle ones; among equal losses, the first run.
    """
    keys = np.array([np.inf if r.diverged_at is not None or not np.isfinite(r.final_loss)
                     else r.final_loss for r in runs])
    m = np.sort(keys)[(len(keys) - 1) // 2]
    return runs[int(np.flatnonzero(keys == m)[0])]


def plot_path(result: Result, ax: Axes | None = None,
              colors: Mapping[str, Any] | None = None, grid: int = 200) -> Axes:
    """The iterates of each run over the objective's contours.

    For a 2-D problem the contours of f over ``problem.window()`` (log-spaced
    levels of f - min f where that helps) underlie the paths; for more
    coordinates only the first two of each path are drawn (a projection, no
    contours).  Each path starts at a circle and ends at a square, or at an "x"
    where it diverged; stars mark the known minima.  The axes show exactly the
    problem's window, even when a path leaves it.

    A label with several runs (seeds) shows every path faintly and its median
    run (:func:`median_run`) strongly, with the start and end markers.

    Args:
        result: what :func:`optcompare.run` returned.
        ax: Axes to draw on; a new figure's Axes when None.
        colors: label -> colour; defaults to :func:`label_colors` of the runs.
        grid: contour grid points per axis.

    Returns:
        The Axes drawn on.
    """
    from matplotlib.lines import Line2D

    problem = result.problem
    dim = problem.dim
    if ax is None:
        ax = _new_axes(PATH_FIGSIZE)
    colors = _colors_for(result, colors)
    if dim == 1:
        return _plot_path_1d(result, ax, colors)
    legend = _legend_labels(result)
    window = _view(result)

    if dim == 2:
        _draw_contours(ax, result, window, grid)

    (x_lo, x_hi), (y_lo, y_hi) = window
    counts = _counts(result)
    strong = {id(median_run(result.runs_of(label))) for label in result.labels}
    first: dict[str, Any] = {}
    diverged_in_view = False
    for run in result.runs:
        n = _valid(run)
        x, y = run.x[:n, 0], run.x[:n, 1]
        color = colors[run.label]
        if id(run) not in strong:
            # another seed of a label: faint, so the median run stands out
            ax.plot(x, y, color=color, lw=0.8, alpha=0.25, zorder=2, label=legend[run.label])
            continue
        (line,) = ax.plot(x, y, color=color, lw=1.8, marker="o",
                          ms=2.5 if counts[run.label] > 1 else 3.5,
                          markevery=max(1, n // _MAX_MARKERS), zorder=3,
                          label=legend[run.label])
        first[run.label] = line
        if n == 0:
            continue
        # white: runs usually share their start, and the path's colour leaves it
        ax.scatter([x[0]], [y[0]], marker="o", s=80, color="white", edgecolors="black",
                   linewidths=1.5, zorder=6)
        if run.diverged_at is not None:
            diverged_in_view |= bool(x_lo <= x[-1] <= x_hi and y_lo <= y[-1] <= y_hi)
            ax.scatter([x[-1]], [y[-1]], marker="X", s=110, color=color, edgecolors="black",
                       linewidths=0.8, zorder=5)
        else:
            ax.scatter([x[-1]], [y[-1]], marker="s", s=70, color=color, edgecolors="black",
                       linewidths=1.0, zorder=5)
    handles: list[Any] = [first[label] for label in result.labels]

    minima = problem.minima()
    if minima:
        M = np.array([m.x[:2] for m in minima], dtype=float)
        handles.append(ax.scatter(M[:, 0], M[:, 1], label="minimum", **_MINIMUM_STYLE))
    # legend keys for the markers, not drawn on the axes
    key = {"color": "none", "markerfacecolor": "0.6", "markeredgecolor": "black", "ms": 8}
    handles.append(Line2D([], [], marker="o", label="start", **{**key, "markerfacecolor": "white"}))
    handles.append(Line2D([], [], marker="s", label="end", **key))
    if diverged_in_view:
        handles.append(Line2D([], [], marker="X", label="diverged", **key))
    if any(c > 1 for c in counts.values()):
        handles.append(Line2D([], [], color="0.3", lw=1.8, label="median run"))
        handles.append(Line2D([], [], color="0.3", lw=0.8, alpha=0.35, label="other seeds"))

    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    if dim == 2:
        _style(ax, f"{problem.spec}: optimization paths", "x", "y")
    else:
        _style(ax, f"{problem.spec}: optimization paths\n"
               f"first two of {dim} coordinates (projection)",
               "x0 (first coordinate)", "x1 (second coordinate)")
        ax.grid(True, alpha=0.3)
    ax.legend(handles=handles, fontsize=_LEGEND, **_OUTSIDE)
    return ax


def _plot_path_1d(result: Result, ax: Axes, colors: Mapping[str, Any]) -> Axes:
    """A 1-D problem's "path": x against step, the minima as dashed lines."""
    problem = result.problem
    legend = _legend_labels(result)
    strong = {id(median_run(result.runs_of(label))) for label in result.labels}
    handles: dict[str, Any] = {}
    for run in result.runs:
        n = _valid(run)
        steps = np.arange(n)
        if id(run) in strong:
            (handles[run.label],) = ax.plot(steps, run.x[:n, 0], color=colors[run.label],
                                            lw=1.8, label=legend[run.label], zorder=3)
        else:
            ax.plot(steps, run.x[:n, 0], color=colors[run.label], lw=0.8, alpha=0.25)
    lines = [handles[label] for label in result.labels]
    for k, m in enumerate(problem.minima()):
        lines.append(ax.axhline(m.x[0], color="0.2", ls="--", lw=1.2,
                                label="minimum" if k == 0 else None))
    (lo, hi), = problem.window()[:1]
    ax.set_ylim(lo, hi)
    _style(ax, f"{problem.spec}: x over the steps", "step", "x")
    ax.grid(True, alpha=0.3)
    ax.legend(handles=lines, fontsize=_LEGEND, **_OUTSIDE)
    return ax


# -- figures ---------------------------------------------------------------------------


def loss_figure(result: Result, figsize: tuple[float, float] = LOSS_FIGSIZE) -> Figure:
    """A slide-ready figure of :func:`plot_loss` (constrained layout, saved at 150 dpi)."""
    ax = plot_loss(result, ax=_new_axes(figsize))
    return ax.figure


def path_figure(result: Result, figsize: tuple[float, float] = PATH_FIGSIZE,
                grid: int = 200) -> Figure:
    """A slide-ready figure of :func:`plot_path` (constrained layout, saved at 150 dpi)."""
    ax = plot_path(result, ax=_new_axes(figsize), grid=grid)
    return ax.figure


def comparison_figures(result: Result) -> dict[str, Figure]:
    """Every figure of a comparison by name: ``{"loss": ..., "path": ...}``."""
    return {"loss": loss_figure(result), "path": path_figure(result)}


def comparison_figure(result: Result, kind: str) -> Figure:
    """The figure ``kind`` ("loss" or "path") of a comparison."""
    if kind == "loss":
        return loss_figure(result)
    if kind == "path":
        return path_figure(result)
    raise ValueError(f"unknown figure kind '{kind}'; choose 'loss' or 'path'")


# -- sweeps ----------------------------------------------------------------------------

SWEEP_FIGSIZE = LOSS_FIGSIZE
_DIVERGED_HATCH = {"facecolor": "white", "edgecolor": "0.3", "hatch": "xxx"}


def _objective_label(objective: str, f_star_known: bool) -> str:
    if objective == "auc":
        return "mean log10(loss - f*)" if f_star_known else "mean loss"
    return f"{objective} loss - f*" if f_star_known else f"{objective} loss"


def _log_spaced(values: np.ndarray) -> bool:
    """Whether positive ``values`` have a constant ratio (a log range such as 1e-4:1:9:log)."""
    v = np.asarray(values, dtype=float)
    if v.size < 2 or not np.all(v > 0):
        return False
    ratios = v[1:] / v[:-1]
    if np.any(np.isclose(ratios, 1.0)):
        return False
    if v.size == 2:
        return bool(max(ratios[0], 1.0 / ratios[0]) >= 10.0)  # a decade apart, or more
    return bool(np.allclose(ratios, ratios[0], rtol=1e-6))


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _sweep_medians(sweep: SweepResult, outcome: SweepOutcome, floor: bool) -> list[np.ndarray]:
    """25th, 50th and 75th percentile over seeds of each grid point (+inf: diverged)."""
    scores = np.asarray(sweep.table(outcome), dtype=float)
    if floor:
        scores = np.maximum(scores, LOSS_FLOOR)  # loss - f* may reach 0 exactly
    return _percentiles(scores, (25, 50, 75), axis=-1)


def _seeds_text(n: int) -> str:
    return "1 seed" if n == 1 else f"median of {n} seeds, 25-75% band"


def plot_sweep(sweep: SweepResult, ax: Axes | None = None,
               colors: Mapping[str, Any] | None = None) -> Axes:
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
        colors: label -> colour; defaults to :func:`label_colors` of the outcomes.

    Returns:
        The Axes drawn on.
    """
    from matplotlib.lines import Line2D

    if len(sweep.axes) != 1:
        raise ValueError(f"plot_sweep draws a sweep of one parameter; this one has "
                         f"{len(sweep.axes)} (use plot_sweep_heatmap)")
    if ax is None:
        ax = _new_axes(SWEEP_FIGSIZE)
    (name, values), = sweep.axes
    values = np.asarray(values, dtype=float)
    palette: dict[str, Any] = dict(label_colors(o.label for o in sweep.outcomes))
    if colors:
        palette.update(colors)
    f_known = sweep.problem.f_star is not None
    floor = sweep.objective != "auc" and f_known
    stats = [_sweep_medians(sweep, o, floor) for o in sweep.outcomes]
    n_seeds = len(sweep.seeds)

    finite = _finite(q for qs in stats for q in qs)
    log_y = sweep.objective != "auc" and bool(finite.size) and bool(finite.min() > 0)
    if log_y:
        ax.set_yscale("log")
    if _log_spaced(values):
        ax.set_xscale("log")
    meds = [m for _, m, _ in stats]
    any_diverged = any(bool(np.any(~np.isfinite(m))) for m in meds)
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        head = 0.16 if any_diverged else 0.08  # room for the "x" row under the top edge
        if log_y:
            span = hi / lo if hi > lo else 10.0
            bottom, top = lo / span ** 0.05, hi * span ** head
        else:
            span = hi - lo if hi > lo else max(abs(hi), 1.0)
            bottom, top = lo - 0.05 * span, hi + head * span
        ax.set_ylim(bottom, top)
    else:
        top = None
        ax.set_yticks([])
        ax.text(0.5, 0.5, "every median diverged", transform=ax.transAxes, ha="center",
                va="center", fontsize=_LABEL, color="0.3")

    for i, (o, (q25, med, q75)) in enumerate(zip(sweep.outcomes, stats, strict=True)):
        color = palette[o.label]
        ax.plot(values, _gaps(med), color=color, lw=2.0, marker="o", ms=5, label=o.label,
                zorder=3)
        if n_seeds > 1 and top is not None:
            ax.fill_between(values, _gaps(q25), np.minimum(q75, top), where=np.isfinite(q25),
                            color=color, alpha=0.2, lw=0, zorder=2, label="_nolegend_")
        bad = ~np.isfinite(med)
        if bad.any():
            # just under the top edge (axes coordinates), one row per optimizer
            ax.scatter(values[bad], np.full(int(bad.sum()), 0.97 - 0.045 * (i % 3)),
                       transform=ax.get_xaxis_transform(), marker="x", s=90,
                       linewidths=2.5, color=color, zorder=5, clip_on=False,
                       label="_nolegend_", gid="diverged")
    handles, _ = ax.get_legend_handles_labels()
    if any_diverged:
        handles.append(Line2D([], [], color="0.25", marker="x", ms=9, mew=2.5, ls="none",
                              label="diverged (median)"))
    ylabel = _objective_label(sweep.objective, f_known)
    _style(ax, f"{sweep.problem.spec}: {sweep.objective} vs {name} "
           f"({_seeds_text(n_seeds)})", name, ylabel)
    ax.grid(True, alpha=0.3)
    if len(handles) <= 4:
        ax.legend(handles=handles, fontsize=_LEGEND, loc="best", framealpha=0.9)
    else:
        ax.legend(handles=handles, fontsize=_LEGEND, **_OUTSIDE)
    return ax


def _heat_values(sweep: SweepResult, outcome: SweepOutcome) -> tuple[np.ndarray, bool]:
    """The median objective of each grid point on the colour scale, and whether it is log10.

    +inf (diverged) stays +inf.  final/best become log10 when every finite
    median is positive; auc is already a mean of log10.
    """
    f_known = sweep.problem.f_star is not None
    floor = sweep.objective != "auc" and f_known
    med = _sweep_medians(sweep, outcome, floor)[1]
    return med, sweep.objective != "auc" and bool(np.all(med[np.isfinite(med)] > 0))


def _heat_scale(sweep: SweepResult) -> bool:
    return all(_heat_values(sweep, o)[1] for o in sweep.outcomes)


def _to_colour_scale(med: np.ndarray, log: bool) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(med) if log else med.copy()
    return np.where(np.isfinite(med), z, np.inf)


def _heat_label(sweep: SweepResult, log: bool) -> str:
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


def plot_sweep_heatmap(sweep: SweepResult, outcome_index: int = 0, ax: Axes | None = None,
                       *, vmin: float | None = None, vmax: float | None = None,
                       colorbar: bool = True, legend: bool = True,
                       title: str | None = None) -> Axes:
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
        raise ValueError(f"plot_sweep_heatmap draws a sweep of two parameters; this one has "
                         f"{len(sweep.axes)} (use plot_sweep)")
    if ax is None:
        ax = _new_axes(SWEEP_FIGSIZE)
    outcome = sweep.outcomes[outcome_index]
    (name1, v1), (name2, v2) = sweep.axes
    med, _ = _heat_values(sweep, outcome)
    log = _heat_scale(sweep)
    Z = _to_colour_scale(med, log).T  # rows: the second parameter
    diverged = ~np.isfinite(Z)
    Zm = np.ma.masked_array(np.where(diverged, 0.0, Z), mask=diverged)
    if diverged.all():
        vmin, vmax = (0.0, 1.0) if vmin is None else (vmin, vmax)
    cmap = colormaps["viridis"].with_extremes(bad="white")
    n1, n2 = len(v1), len(v2)
    im = ax.imshow(Zm, origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                   interpolation="nearest", extent=(-0.5, n1 - 0.5, -0.5, n2 - 0.5))
    for j, i in zip(*np.nonzero(diverged), strict=True):
        ax.add_patch(Rectangle((i - 0.5, j - 0.5), 1.0, 1.0, lw=0, gid="diverged",
                               **_DIVERGED_HATCH))
    # at most ~1.6 labels per inch of width, so they never touch
    width = ax.get_position().width * ax.figure.get_figwidth()
    _index_ticks(ax, "x", np.asarray(v1), most=max(3, int(width * 1.6)))
    _index_ticks(ax, "y", np.asarray(v2))
    if title is None:
        title = (f"{sweep.problem.spec}: {outcome.label}\n"
                 f"{sweep.objective}, median of {len(sweep.seeds)} "
                 f"seed{'s' * (len(sweep.seeds) != 1)}")
    _style(ax, title, name1, name2)
    if colorbar:
        cb = ax.figure.colorbar(im, ax=ax)
        cb.set_label(_heat_label(sweep, log), fontsize=_LABEL)
        cb.ax.tick_params(labelsize=_TICKS)
    if legend and diverged.any():
        ax.legend(handles=[Patch(label="diverged", **_DIVERGED_HATCH)], fontsize=_LEGEND,
                  loc="upper left", bbox_to_anchor=(0.0, -0.14), borderaxespad=0.0)
    return ax


def sweep_figure(sweep: SweepResult) -> Figure:
    """A slide-ready figure of a sweep.

    One parameter: :func:`plot_sweep`.  Two: one :func:`plot_sweep_heatmap` per
    optimizer (up to three per row) on a shared colour scale, with one
    colorbar and one "diverged" legend patch.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    if len(sweep.axes) == 1:
        return plot_sweep(sweep, ax=_new_axes(SWEEP_FIGSIZE)).figure
    if len(sweep.axes) != 2:
        raise ValueError(f"a sweep figure needs one or two parameters, not {len(sweep.axes)}")
    n = len(sweep.outcomes)
    ncols = 2 if n == 4 else min(n, 3)
    nrows = -(-n // ncols)
    fig = Figure(figsize=(4.3 * ncols + 1.6, 3.9 * nrows + 1.2), dpi=DPI,
                 layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    log = _heat_scale(sweep)
    z = _finite(_to_colour_scale(_heat_values(sweep, o)[0], log) for o in sweep.outcomes)
    vmin, vmax = (float(z.min()), float(z.max())) if z.size else (0.0, 1.0)
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    for i, ax in enumerate(axes):
        if i >= n:
            ax.remove()
            continue
        plot_sweep_heatmap(sweep, i, ax=ax, vmin=vmin, vmax=vmax, colorbar=False,
                           legend=False, title=sweep.outcomes[i].label)
    used = list(axes[:n])
    cb = fig.colorbar(used[0].images[0], ax=used)
    cb.set_label(_heat_label(sweep, log), fontsize=_LABEL)
    cb.ax.tick_params(labelsize=_TICKS)
    seeds = len(sweep.seeds)
    # two lines: a single narrow panel must not clip the title
    fig.suptitle(f"{sweep.problem.spec}: {sweep.objective} over {sweep.axes[0][0]} x "
                 f"{sweep.axes[1][0]}\n"
                 + ("1 seed" if seeds == 1 else f"median of {seeds} seeds"), fontsize=_TITLE)
    if any(a.patches for a in used):
        fig.legend(handles=[Patch(label="diverged (median)", **_DIVERGED_HATCH)],
                   fontsize=_LEGEND, loc="outside lower center")
    return fig


# -- basins of attraction --------------------------------------------------------------

_DIVERGED_COLOR = "black"
_NOT_CONVERGED_COLOR = "#D3D3D3"
_OTHER_STATIONARY_COLOR = "#8C8C8C"
#: The outcomes besides "minimum k", in legend order (colours alike).
_OUTCOME_NAMES = ("diverged", "other stationary point", "not converged")
# qualitative, without black and grey (those mean diverged / not converged)
_BASIN_COLORS = tuple(c for c in PALETTE if c not in ("#000000", "#7f7f7f"))


def _basin_colors(k: int) -> list[str]:
    return [_BASIN_COLORS[i % len(_BASIN_COLORS)] for i in range(k)]


def _tint(color: Any, amount: float = 0.45) -> tuple[float, float, float]:
    """``color`` mixed with white: a pale area under full-colour markers."""
    from matplotlib.colors import to_rgb

    return tuple(float(c) * (1.0 - amount) + amount for c in to_rgb(color))  # type: ignore[return-value]


def _basin_names(problem: Problem) -> list[str]:
    return [f"minimum ({', '.join(_fmt(float(c)) for c in m.x[:2])})" for m in problem.minima()]


def _basin_fractions(basins: Basins, k: int) -> list[float]:
    """Fraction of starts per category: minima 0..k-1, diverged, other stationary
    point, not converged."""
    from optcompare.experiments.basins import DIVERGED, NOT_CONVERGED, OTHER_STATIONARY

    out = basins.outcome
    return [float(np.mean(out == i)) for i in range(k)] + [
        float(np.mean(out == DIVERGED)), float(np.mean(out == OTHER_STATIONARY)),
        float(np.mean(out == NOT_CONVERGED))]


def _basin_handles(problem: Problem, texts: list[str] | None = None) -> list[Any]:
    from matplotlib.patches import Patch

    k = len(problem.minima())
    faces = [_tint(c) for c in _basin_colors(k)] + [_DIVERGED_COLOR, _OTHER_STATIONARY_COLOR,
                                                    _NOT_CONVERGED_COLOR]
    names = _basin_names(problem) + list(_OUTCOME_NAMES)
    texts = names if texts is None else texts
    return [Patch(facecolor=f, edgecolor="0.4", lw=0.6, label=t)
            for f, t in zip(faces, texts, strict=True)]


def plot_basins(basins: Basins, problem: Problem, ax: Axes | None = None, *,
                legend: bool = True) -> Axes:
    """Basins of attraction: each grid start coloured by the minimum it reaches.

    One pale qualitative colour per known minimum (the minimum itself is a star
    in the full colour), black for starts that diverged and light grey for
    those that ended far from every minimum.  The image data is
    ``basins.outcome`` (rows: y, columns: x); the axes show the problem's window.

    Args:
        basins: what :func:`optcompare.basins.basins` returned.
        problem: the problem it ran on (its minima and window).
        ax: Axes to draw on; a new figure's Axes when None.
        legend: add a legend beside the axes with the fraction of starts per outcome.

    Returns:
        The Axes drawn on.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    if ax is None:
        ax = _new_axes(PATH_FIGSIZE)
    minima = problem.minima()
    k = len(minima)
    full = _basin_colors(k)
    # value -3 (other stationary point), -2 (not converged), -1 (diverged), minimum 0, 1, ...
    cmap = ListedColormap([_OTHER_STATIONARY_COLOR, _NOT_CONVERGED_COLOR, _DIVERGED_COLOR]
                          + [_tint(c) for c in full])
    norm = BoundaryNorm(np.arange(-3.5, k), cmap.N)
    xs, ys = np.asarray(basins.xs, dtype=float), np.asarray(basins.ys, dtype=float)
    dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
    dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
    # each cell centred on its start; the axes then show exactly the window
    ax.imshow(basins.outcome, origin="lower", cmap=cmap, norm=norm, interpolation="nearest",
              extent=(xs[0] - dx / 2, xs[-1] + dx / 2, ys[0] - dy / 2, ys[-1] + dy / 2),
              aspect="auto", zorder=0)
    if minima:
        M = np.array([m.x[:2] for m in minima], dtype=float)
        ax.scatter(M[:, 0], M[:, 1], **{**_MINIMUM_STYLE, "c": full}, label="minimum")
    (x_lo, x_hi), (y_lo, y_hi) = problem.window()[:2]
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    if np.isclose((x_hi - x_lo) / (y_hi - y_lo), 1.0, rtol=0.5):
        ax.set_aspect("equal")
    _style(ax, basins.label, "x", "y")
    if legend:
        fr = _basin_fractions(basins, k)
        names = _basin_names(problem) + list(_OUTCOME_NAMES)
        texts = [f"{t}: {p:.0%}" for t, p in zip(names, fr, strict=True)]
        ax.legend(handles=_basin_handles(problem, texts), fontsize=_LEGEND,
                  title=f"{basins.outcome.size} starts, {basins.steps} steps",
                  title_fontsize=_LEGEND, **_OUTSIDE)
    return ax


def basins_figure(basins_list: Sequence[Basins], problem: Problem) -> Figure:
    """One :func:`plot_basins` panel per optimizer, up to three per row (four: 2 x 2).

    A shared legend below names the outcomes; beside each panel, the fraction
    of its starts with each outcome (``np.mean(outcome == k)``), in the same order.
    """
    from matplotlib.figure import Figure

    basins_list = list(basins_list)
    if not basins_list:
        raise ValueError("basins_figure needs at least one Basins")
    n = len(basins_list)
    ncols = 2 if n == 4 else min(n, 3)
    nrows = -(-n // ncols)
    (x_lo, x_hi), (y_lo, y_hi) = problem.window()[:2]
    aspect = (y_hi - y_lo) / (x_hi - x_lo)
    aspect = aspect if np.isclose(aspect, 1.0, rtol=0.5) else 1.0  # see plot_basins
    fig = Figure(figsize=(max(4.6 * ncols + 0.4, 6.4), (3.4 * aspect + 0.5) * nrows + 1.2),
                 dpi=DPI, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    k = len(problem.minima())
    for i, ax in enumerate(axes):
        if i >= n:
            ax.remove()
            continue
        b = basins_list[i]
        plot_basins(b, problem, ax=ax, legend=False)
        fr = _basin_fractions(b, k)
        ax.legend(handles=_basin_handles(problem, [f"{p:.0%}" for p in fr]), fontsize=10,
                  handlelength=1.2, handletextpad=0.4, borderaxespad=0.0,
                  loc="upper left", bbox_to_anchor=(1.03, 1.0), frameon=False)
    # as few legend rows as the width allows (about 2.4 inches per entry), balanced
    entries = k + 2
    fit = max(1, int(fig.get_figwidth() / 2.4))
    rows = -(-entries // fit)
    fig.legend(handles=_basin_handles(problem), fontsize=_LEGEND, ncols=-(-entries // rows),
               loc="outside lower center")
    grid, steps = basins_list[0].outcome.shape, basins_list[0].steps
    sep = ": " if n > 1 else "\n"  # one panel is too narrow for one line
    fig.suptitle(f"{problem.spec}{sep}where {grid[1]} x {grid[0]} starts end after "
                 f"{steps} steps", fontsize=_TITLE)
    return fig


# -- animation -------------------------------------------------------------------------

#: Small enough that a 60-frame GIF stays well under 3 MB.
ANIMATION_FIGSIZE = (10.0, 5.2)
ANIMATION_DPI = 90


def _frame_steps(steps: int, frames: int) -> np.ndarray:
    """At most ``frames`` steps from 0 to ``steps``, evenly spread, both ends included."""
    n = max(1, min(int(frames), steps + 1))
    if n == 1:
        return np.array([steps])
    # floor(x + 0.5), not round(): values >= 1 apart never collide
    return np.floor(np.linspace(0, steps, n) + 0.5).astype(int)


def _freeze_background(fig: Figure, axes: list[Axes], moving: list[Any]) -> None:
    """Render everything on ``axes`` but the ``moving`` artists once, as one image.

    A saved animation redraws the whole figure for every frame; with the
    contours, ticks, labels and legend in one background image, a frame costs
    that image plus the moving lines.  The image spans the figure (in figure
    fractions), so it stays aligned if a writer saves at another dpi.
    """
    keep = {id(a) for a in moving}
    for a in moving:
        a.set_visible(False)
    fig.canvas.draw()
    background = np.asarray(fig.canvas.buffer_rgba()).copy()
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
def _frame_canvas() -> type:
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


def path_animation(result: Result, frames: int = 60, fps: int = 15):
    """An animation of the runs: paths (left) and losses (right) growing step by step.

    The contours, minima, axes limits and layout are built once; each frame only
    updates the lines' data up to its step.  Frames are the steps 0..steps
    subsampled evenly: ``min(frames, steps + 1)`` of them, the last one
    included.  Save it with
    ``anim.save("paths.gif", writer=matplotlib.animation.PillowWriter(fps=fps))``
    (figure 10 x 5.2 inches at 90 dpi: a 60-frame GIF is one to three MB).

    Args:
        result: what :func:`optcompare.run` returned (at least 2 coordinates).
        frames: the most frames to show.
        fps: frames per second when shown interactively (the writer sets it for files).

    Returns:
        ``(figure, animation)``; keep a reference to the animation until it is saved.
    """
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

    problem = result.problem
    if problem.dim < 2:
        raise ValueError(f"path_animation needs a problem of at least 2 coordinates; "
                         f"{problem.spec} has {problem.dim}")
    if frames < 1:
        raise ValueError(f"frames={frames}; an animation needs at least one frame")
    fig = Figure(figsize=ANIMATION_FIGSIZE, dpi=ANIMATION_DPI, layout="constrained")
    _frame_canvas()(fig)
    ax_path, ax_loss = fig.subplots(1, 2)
    colors = _colors_for(result, None)
    counts = _counts(result)
    f_star = problem.f_star
    window = _view(result)

    # static parts, drawn once
    if problem.dim == 2:
        _draw_contours(ax_path, result, window, grid=120)
    minima = problem.minima()
    if minima:
        M = np.array([m.x[:2] for m in minima], dtype=float)
        ax_path.scatter(M[:, 0], M[:, 1], **{**_MINIMUM_STYLE, "s": 180})
    ax_path.set_xlim(*window[0])
    ax_path.set_ylim(*window[1])
    names = ("x", "y") if problem.dim == 2 else ("x0", "x1")
    _style(ax_path, "paths", *names)

    curves, every, log = _loss_curves(result)
    if log:
        ax_loss.set_yscale("log")
    if every.size:
        # fixed limits: the whole run must fit before it is drawn
        top = _loss_top(curves, log)
        lo = float(every.min())
        hi = float(every.max()) if top is None else top
        if not hi > lo:
            hi = lo * 10.0 if log and lo > 0 else lo + 1.0
        if top is None:
            top = hi * (hi / lo) ** 0.05 if log else hi + 0.05 * (hi - lo)
        ax_loss.set_ylim(_margin(lo, hi, log), top)
    ax_loss.set_xlim(0, max(result.steps, 1))
    _style(ax_loss, "loss", "step", "loss" if f_star is None else "loss - f*")
    ax_loss.grid(True, alpha=0.3)

    legend = _legend_labels(result)
    shown: set[str] = set()
    artists = []
    for run, y in curves:
        several = counts[run.label] > 1
        color = colors[run.label]
        label = legend[run.label] if run.label not in shown else "_nolegend_"
        shown.add(run.label)
        (path,) = ax_path.plot([], [], color=color, lw=1.1 if several else 1.8,
                               alpha=0.7 if several else 1.0, zorder=3)
        (head,) = ax_path.plot([], [], ls="none", marker="o", ms=7, color=color,
                               mec="black", mew=1.0, zorder=5)
        (loss,) = ax_loss.plot([], [], color=color, lw=1.1 if several else 2.0,
                               alpha=0.7 if several else 1.0, label=label)
        (tip,) = ax_loss.plot([], [], ls="none", marker="o", ms=5, color=color, zorder=5)
        if len(y) > 0:
            ax_path.scatter(run.x[:1, 0], run.x[:1, 1], marker="o", s=50, color="white",
                            edgecolors="black", linewidths=1.2, zorder=4)
        artists.append((run, y, path, head, loss, tip))
    # below both panels: inside the loss axes it would hide the curves it names
    fig.legend(handles=[h for h in ax_loss.get_lines() if not h.get_label().startswith("_")],
               fontsize=10, loc="outside lower center", ncol=min(len(result.labels), 4),
               frameon=False)
    stamp = fig.suptitle("", fontsize=_TITLE)
    idx = _frame_steps(result.steps, frames)

    def update(k: int):
        for run, y, path, head, loss, tip in artists:
            n = min(k + 1, len(y))
            path.set_data(run.x[:n, 0], run.x[:n, 1])
            loss.set_data(np.arange(n), y[:n])
            if n > 0:
                head.set_data(run.x[n - 1:n, 0], run.x[n - 1:n, 1])
                tip.set_data([n - 1], y[n - 1:n])
                # a run that diverged by step k stays as an X where it left
                gone = run.diverged_at is not None and k >= run.diverged_at
                head.set_marker("X" if gone else "o")
                tip.set_marker("X" if gone else "o")
        stamp.set_text(f"{problem.spec}: step {k} of {result.steps}")
        return [a for _, _, *parts in artists for a in parts] + [stamp]

    update(int(idx[-1]))  # lay out with every artist in place, then freeze the layout
    fig.draw_without_rendering()
    fig.set_layout_engine(None)
    _freeze_background(fig, [ax_path, ax_loss], update(int(idx[0])))
    anim = FuncAnimation(fig, update, frames=[int(k) for k in idx],
                         interval=1000.0 / fps, blit=False, cache_frame_data=False)
    return fig, anim


# -- effective step --------------------------------------------------------------------

_COORD_STYLES = ("-", "--", ":", "-.")


def plot_effective_step(result: Result, ax: Axes | None = None,
                        coordinate_names: Sequence[str] | None = None) -> Axes:
    """The learning rate each coordinate actually got, per step: -(x_t - x_{t-1}) / g_t.

    One line per run and coordinate, in the run's colour, solid for the first
    coordinate, dashed for the second, and so on; log y.  For plain SGD every
    line is the lr; RMSProp and Adam divide it per coordinate by a running
    gradient scale, so the coordinates separate.  Non-positive values (a step
    against the gradient, e.g. with momentum) cannot sit on a log axis; they
    are left out and counted in the title.  Needs ``run(..., record_state=True)``.

    Args:
        result: what :func:`optcompare.run` returned, with recorded state.
        ax: Axes to draw on; a new figure's Axes when None.
        coordinate_names: one name per coordinate (default x0, x1, ...).

    Returns:
        The Axes drawn on.
    """
    runs = [r for r in result.runs if r.effective_step is not None]
    if not runs:
        raise ValueError("no effective step recorded; run with record_state=True "
                         "(optcompare.run(..., record_state=True))")
    if ax is None:
        ax = _new_axes(LOSS_FIGSIZE)
    colors = _colors_for(result, None)
    counts = _counts(result)
    dim = runs[0].effective_step.shape[1]
    names = [f"x{j}" for j in range(dim)] if coordinate_names is None else list(coordinate_names)
    if len(names) != dim:
        raise ValueError(f"coordinate_names has {len(names)} names for {dim} coordinates")
    ax.set_yscale("log")
    hidden = 0
    shown: set[tuple[str, int]] = set()
    for run in runs:
        E = np.asarray(run.effective_step, dtype=float)
        steps = np.arange(1, len(E) + 1)
        several = counts[run.label] > 1
        for j in range(dim):
            e = E[:, j]
            ok = np.isfinite(e) & (e > 0)
            hidden += int(np.sum(np.isfinite(e) & (e <= 0)))
            label = f"{run.label}, {names[j]}"
            ax.plot(steps, np.where(ok, e, np.nan), color=colors[run.label],
                    ls=_COORD_STYLES[j % len(_COORD_STYLES)], lw=1.2 if several else 2.0,
                    alpha=0.6 if several else 1.0,
                    label=label if (run.label, j) not in shown else "_nolegend_")
            shown.add((run.label, j))
    title = f"{result.problem.spec}: effective step per coordinate"
    if hidden:
        title += f"\n({hidden} values <= 0 not shown: steps against the gradient)"
    _style(ax, title, "step", r"effective step  $-(x_t - x_{t-1})\,/\,g_t$")
    ax.grid(True, alpha=0.3)
    ax.grid(True, which="minor", axis="y", alpha=0.1)
    if len(shown) <= 4:
        ax.legend(fontsize=_LEGEND, loc="best", framealpha=0.9)
    else:
        ax.legend(fontsize=_LEGEND, **_OUTSIDE)
    return ax


def effective_step_figure(result: Result, figsize: tuple[float, float] = LOSS_FIGSIZE) -> Figure:
    """A slide-ready figure of :func:`plot_effective_step`."""
    return plot_effective_step(result, ax=_new_axes(figsize)).figure
