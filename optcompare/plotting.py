"""Figures of a comparison: loss curves and optimization paths.

Plot functions follow matplotlib's convention: they take ``ax=None``, create
axes only when none is given, draw, and return the Axes.  They never show or
save anything; :func:`loss_figure` and :func:`path_figure` build a slide-ready
:class:`~matplotlib.figure.Figure` (no global pyplot state) for the module that
writes files.  In a notebook, display ``ax.figure``.

Every figure of one comparison colours an optimizer label the same way
(:func:`label_colors`), so the loss curve and the path of a run match.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from optcompare.api import Result, Run

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

    curves = []
    for run in result.runs:
        y = np.asarray(run.loss[:_valid(run)], dtype=float)
        if f_star is not None:
            y = np.maximum(y - f_star, LOSS_FLOOR)
        curves.append((run, y))
    every = _finite(y for _, y in curves)
    log = bool(every.size) and every.min() > 0 and every.max() > 10.0 * every.min()
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
    if dim < 2:
        raise ValueError(f"plot_path needs a problem of at least 2 coordinates; "
                         f"{problem.spec} has {dim}")
    if ax is None:
        ax = _new_axes(PATH_FIGSIZE)
    colors = _colors_for(result, colors)
    legend = _legend_labels(result)
    window = tuple(tuple(float(v) for v in w) for w in problem.window()[:2])

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
