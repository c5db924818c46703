"""Loss curves: one line per run, or a median and band per label of seeds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.style import (
    LEGEND,
    LOSS_FIGSIZE,
    LOSS_FLOOR,
    OUTSIDE,
    colors_for,
    finite,
    gaps,
    last_finite,
    legend_labels,
    margin,
    new_axes,
    style_axes,
    valid,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result, Run


def loss_top(curves: list[tuple[Run, np.ndarray]], log: bool) -> float | None:
    """Upper y limit that keeps diverging runs from flattening the others, or None.

    The chart covers every run that did not diverge, and every start, plus a
    margin; a diverging curve that leaves it is cut at the top edge.
    """
    kept = [y for run, y in curves if run.diverged_at is None] + [y[:1] for _, y in curves]
    ref, every = finite(kept), finite(y for _, y in curves)
    if not ref.size or not every.size:
        return None
    hi, lo = float(ref.max()), float(ref.min())
    top = hi * 10.0 if log else hi + 0.1 * max(hi - lo, abs(hi), 1e-12)
    return top if every.max() > top else None


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


def loss_curves(result: Result) -> tuple[list[tuple[Run, np.ndarray]], np.ndarray, bool]:
    """Each run's loss - f* (floored for log axes), every finite value, and whether a
    log scale fits (all positive, spanning more than a decade)."""
    f_star = result.problem.f_star
    curves = []
    for run in result.runs:
        y = np.asarray(run.loss[:valid(run)], dtype=float)
        if f_star is not None:
            y = np.maximum(y - f_star, LOSS_FLOOR)
        curves.append((run, y))
    every = finite(y for _, y in curves)
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
        ax = new_axes(LOSS_FIGSIZE)
    colors = colors_for(result, colors)
    legend = legend_labels(result, band=True)
    f_star = result.problem.f_star

    curves, every, log = loss_curves(result)
    if log:
        ax.set_yscale("log")
    top = loss_top(curves, log)

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
        ax.plot(steps, gaps(med), color=color, lw=2.0, label=legend[label],
                marker="o" if len(med) == 1 else None, ms=6, zorder=3)
        upper = q75 if top is None else np.minimum(q75, top)  # clipped at the top edge
        ax.fill_between(steps, gaps(q25), upper, where=np.isfinite(q25), color=color,
                        alpha=0.2, lw=0, zorder=2, label="_nolegend_")
        k = last_finite(med)
        if k is not None and k < len(med) - 1:
            # the median is +inf from here on: half of the runs diverged
            end = med[k] if top is None else min(med[k], top)
            ax.scatter([k], [end], marker="x", s=90, linewidths=2.5, color=color,
                       zorder=5, clip_on=False)
    if top is not None:
        ax.set_ylim(margin(float(every.min()), top, log), top)
    if max((len(y) for _, y in curves), default=0) <= 1:
        ax.set_xlim(-1.0, 1.0)  # only the start: one point at step 0
        ax.set_xticks([0])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ylabel = "loss" if f_star is None else "loss - f*"
    style_axes(ax, f"{result.problem.spec}: loss", "step", ylabel)
    ax.grid(True, alpha=0.3)
    if len(legend) <= 3:
        ax.legend(fontsize=LEGEND, loc="best", framealpha=0.9)
    else:
        ax.legend(fontsize=LEGEND, **OUTSIDE)
    return ax
