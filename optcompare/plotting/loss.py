"""Loss curves: one line per run, or a median and band per label of seeds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.notes import legend_notes
from optcompare.plotting.overlap import reveal
from optcompare.plotting.scale import log_fits, loss_gap, loss_label
from optcompare.plotting.style import (
    LABEL,
    LEGEND,
    LOSS_FIGSIZE,
    LOSS_FLOOR,
    OUTSIDE,
    By,
    Ink,
    by_label_note,
    finite,
    fit_title,
    gaps,
    last_finite,
    legend_labels,
    margin,
    new_axes,
    problem_title,
    result_inks,
    style_axes,
    valid,
)
from optcompare.stats import BAND, on_common_grid, quantiles

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result, Run


def loss_top(curves: list[tuple[Run, np.ndarray]], log: bool) -> float | None:
    """Upper y limit that keeps diverging runs from flattening the others, or None.

    The chart covers every run that did not diverge, and every start, plus a
    margin; a diverging curve that leaves it is cut at the top edge.  When every run
    diverged there are no others to keep in view: None, so the runaway is shown whole
    (a cut at ten times the start would leave nothing but the first step).
    """
    if all(run.diverged_at is not None for run, _ in curves):
        return None
    kept = [y for run, y in curves if run.diverged_at is None] + [y[:1] for _, y in curves]
    ref, every = finite(kept), finite(y for _, y in curves)
    if not ref.size or not every.size:
        return None
    hi, lo = float(ref.max()), float(ref.min())
    top = hi * 10.0 if log else hi + 0.1 * max(hi - lo, abs(hi), 1e-12)
    return top if every.max() > top else None


#: The recorded metric drawn in a panel below the training loss (``Problem.metrics``).
TEST_LOSS = "test_loss"


def shows_test(result: Result, test: bool | None = None) -> bool:
    """Whether the loss figure draws the test loss: ``test``, by default whenever the
    runs recorded one."""
    recorded = TEST_LOSS in result.metric_names
    return recorded if test is None else bool(test) and recorded


def _loss_of(run: Run) -> np.ndarray:
    return run.loss


def loss_curves(
    result: Result, raw: bool = False, of: Callable[[Run], np.ndarray] = _loss_of
) -> tuple[list[tuple[Run, np.ndarray]], np.ndarray, bool]:
    """Each run's loss - f* (floored for log axes; the loss itself with ``raw`` or when
    f* is unknown), every finite value, and whether a log scale fits (all positive,
    spanning more than a decade).  ``of`` reads another recorded series instead."""
    f_star = None if raw else result.problem.f_star
    curves = []
    for run in result.runs:
        y = np.asarray(of(run)[: valid(run)], dtype=float)
        curves.append((run, loss_gap(y, f_star)))
    every = finite(y for _, y in curves)
    return curves, every, log_fits(every)


#: The x-axes of the loss figure, and their labels.
X_LABELS = {
    "steps": "step",
    "passes": "passes over the data",
    "time": "seconds (step loop, per run)",
}


def x_of(run: Run, x_axis: str) -> np.ndarray:
    """Where each recorded step of ``run`` lies on ``x_axis`` (steps, passes or time)."""
    if x_axis == "passes" and run.passes is not None:
        return np.asarray(run.passes, dtype=float)
    if x_axis == "time" and run.seconds is not None:
        return np.asarray(run.seconds, dtype=float)
    if x_axis not in X_LABELS:
        raise ValueError(f"unknown x-axis '{x_axis}'; choose {', '.join(X_LABELS)}")
    return np.arange(len(run.loss), dtype=float)


def median_bands(
    result: Result,
    x_axis: str = "steps",
    raw: bool = False,
    of: Callable[[Run], np.ndarray] = _loss_of,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per label of several runs: x, and (q25, median, q75) of the loss at each x.

    On the steps axis x is every step; on the passes and time axes, where runs'
    steps fall at different x, it is one common grid
    (:func:`optcompare.stats.on_common_grid`: each run holds the loss of its last
    step at or before a grid point), from 0 to the budget when ``result.passes``
    set one, else to where the shortest run that did not diverge ends.
    Quantiles are :func:`optcompare.stats.quantiles` of the raw losses (a diverged
    run is +inf from its divergence on), then turned into loss - f*, so on the
    steps axis the median line's last value is ``summary.json``'s
    ``final_loss_median`` - f*.  ``raw`` and ``of`` as in :func:`loss_curves` (the
    median of the test loss: ``final_test_loss_median``).
    """
    f_star = None if raw else result.problem.f_star
    out = {}
    for label in result.labels:
        runs = result.runs_of(label)
        if len(runs) < 2:
            continue
        if x_axis == "steps":
            x = np.arange(max(valid(r) for r in runs), dtype=float)
            Y = np.full((len(runs), len(x)), np.inf)
            for i, r in enumerate(runs):
                Y[i, : valid(r)] = of(r)[: valid(r)]
        else:
            end = result.passes if x_axis == "passes" else None
            x, Y = on_common_grid([x_of(r, x_axis) for r in runs], [of(r) for r in runs], end)
        q = quantiles(Y, (BAND[0], 0.5, BAND[1]), axis=0)
        low, mid, high = (loss_gap(v, f_star) for v in q)
        out[label] = (x, low, mid, high)
    return out


def plot_loss(
    result: Result,
    ax: Axes | None = None,
    colors: Mapping[str, str] | None = None,
    by: By = "optimizer",
    x_axis: str | None = None,
    test: bool | None = None,
) -> Axes:
    """Loss against steps, passes over the data or time: one line per run, or a median
    and band per label of seeds; the test loss in a panel of its own where it was recorded.

    With a known minimum value f* the curve is loss - f* (clipped at 1e-16);
    otherwise the raw loss.  The y axis is logarithmic when every value is
    positive and they span more than a decade, linear otherwise (saddles, whose
    loss goes negative).  A diverged run ends in an "x" at its last valid step
    and its legend entry says where it diverged.

    A label with several runs (seeds) is drawn as the median over its runs per
    step with a shaded 25-75% band (:func:`median_bands`, by the one convention
    of :mod:`optcompare.stats`).  A diverged run counts as +inf from its
    divergence step on, so the median stops (ending in an "x") once half of
    the runs diverged, and the band reaches the top edge once a quarter did.
    A curve that another one covers is revealed by dashing the covering one,
    with a note (:mod:`optcompare.plotting.overlap`): in the legend when short, else in a
    caption under the lowest panel (:func:`~optcompare.plotting.notes.legend_notes`).

    A problem that records a test loss (``Problem.metrics``' ``test_loss``: the model
    on held-out rows) gets it below, in a second panel that shares the x axis
    (:func:`split_panels` divides ``ax``'s place in two): the training panel keeps
    loss - f*, as every loss figure does, and the test panel draws the test loss
    itself on its own y axis, named so, since f* is the training loss's minimum and
    the test loss has none.  Both panels draw each label alike (medians, bands, "x"),
    so the one legend, beside the training panel, serves both.

    Args:
        result: what :func:`optcompare.run` returned.
        ax: Axes to draw on; a new figure's Axes when None.  With a test panel it must
            be a subplot (``Figure.add_subplot``, ``subplots``): the panel takes the
            lower part of its place.
        colors: colours by label or optimizer name, over the fixed colour of
            each optimizer (:mod:`optcompare.plotting.colors`).
        by: "optimizer" (default) or "label": one palette colour per label.
        x_axis: "steps", "passes" (:attr:`Run.passes`) or "time" (:attr:`Run.seconds`,
            the step loop's clock per run); default None: ``result.x_axis``.  Bands on
            the passes and time axes are taken on one common grid (:func:`median_bands`).
        test: draw the recorded test loss (default None: whenever there is one).

    Returns:
        The training panel's Axes (the test panel, when drawn, is
        ``ax.figure.axes``' Axes labelled :data:`TEST_LOSS`).
    """
    axis = result.x_axis if x_axis is None else x_axis
    if axis not in X_LABELS:
        raise ValueError(f"unknown x-axis '{axis}'; choose {', '.join(X_LABELS)}")
    if ax is None:
        ax = new_axes(LOSS_FIGSIZE)
    ink = result_inks(result, colors, by)
    legend = legend_labels(result, band=True)
    f_star = result.problem.f_star
    test_ax = split_panels(ax) if shows_test(result, test) else None

    curves, every, log = loss_curves(result)
    drawn, shapes = _draw_panel(ax, result, axis, ink, legend, curves, every, log)
    notes = reveal(ax, drawn, shapes, "loss curves")
    floor: list[str] = []
    if f_star is not None:
        lowest = min(
            (float(np.nanmin(r.loss[: valid(r)] - f_star)) for r in result.runs if valid(r) > 0),
            default=np.inf,
        )
        if lowest < LOSS_FLOOR:  # a log axis cannot show 0: say where it is drawn instead
            floor.append(
                f"loss - f* below {LOSS_FLOOR:g} is drawn at {LOSS_FLOOR:g} "
                f"(the lowest is {lowest:.3g})"
            )
    ylabel = loss_label(f_star)
    title = f"{problem_title(result.problem)}: loss"
    if test_ax is None:
        style_axes(ax, title, X_LABELS[axis], ylabel, grid=True)
    else:
        title = f"{problem_title(result.problem)}: training and test loss"
        style_axes(ax, title, "", f"training\n{ylabel}", grid=True)
        ax.tick_params(labelbottom=False)
    test_notes = [] if test_ax is None else _test_panel(result, test_ax, axis, ink, legend)
    # a caption goes under the lowest panel, whose x label ends the figure
    handles = [drawn[label] for label in result.labels] + legend_notes(
        ax, notes, floor, test_notes, under=test_ax
    )
    outside = len(handles) > 3 or test_ax is not None  # a legend inside covers a panel
    kw = OUTSIDE if outside else {"loc": "best", "framealpha": 0.9}
    ax.legend(
        handles=handles, fontsize=LEGEND, title=by_label_note(by), title_fontsize=LEGEND, **kw
    )
    return ax


def split_panels(ax: Axes) -> Axes:
    """Divide the place of subplot ``ax`` into two rows: ``ax`` keeps the upper one (the
    training loss), and a new Axes below it, sharing its x axis, is returned (the test
    loss; labelled :data:`TEST_LOSS`).  Raises ValueError for an Axes that is not a
    subplot (no grid place to divide)."""
    spec, fig = ax.get_subplotspec(), ax.get_figure(root=False)
    if spec is None or fig is None:
        raise ValueError(
            "the loss figure with a test panel needs a subplot Axes (Figure.add_subplot); "
            "pass test=False to draw the training loss alone"
        )
    rows = spec.subgridspec(2, 1)
    ax.set_subplotspec(rows[0])
    return fig.add_subplot(rows[1], sharex=ax, label=TEST_LOSS)


def _test_metric(run: Run) -> np.ndarray:
    return run.metrics[TEST_LOSS]


def _test_panel(
    result: Result, ax: Axes, axis: str, ink: Mapping[str, Ink], legend: Mapping[str, str]
) -> list[str]:
    """The test loss in its own panel, drawn as the training loss is but as it is (no f*:
    the held-out rows have their own minimum, which nobody knows); its notes."""
    curves, every, log = loss_curves(result, raw=True, of=_test_metric)
    bands = median_bands(result, axis, raw=True, of=_test_metric)
    drawn, shapes = _draw_panel(ax, result, axis, ink, legend, curves, every, log, bands, TEST_LOSS)
    style_axes(ax, "", X_LABELS[axis], "test loss", grid=True)
    fit_title(ax, "test loss on the held-out rows, as it is (no f* to subtract)", LABEL)
    return reveal(ax, drawn, shapes, "test loss curves")


def _draw_panel(
    ax: Axes,
    result: Result,
    axis: str,
    ink: Mapping[str, Ink],
    legend: Mapping[str, str],
    curves: list[tuple[Run, np.ndarray]],
    every: np.ndarray,
    log: bool,
    bands: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] | None = None,
    gid: str | None = None,
) -> tuple[dict[str, Any], list[tuple[str, np.ndarray]]]:
    """Each label's curve of ``curves`` (a run's, or the median of ``bands``, by default
    :func:`median_bands` of the loss - f*) with its band and "x", on ``ax``'s scale and
    limits, the lines tagged ``gid``; the lines by label, and the drawn shapes for
    :func:`reveal`."""
    from matplotlib.ticker import MaxNLocator

    if log:
        ax.set_yscale("log")
    top = loss_top(curves, log)
    bands = median_bands(result, axis) if bands is None else bands
    if top is None and any(np.isinf(q75).any() for *_, q75 in bands.values()) and every.size:
        # a band that reaches +inf needs a top edge to end at
        hi, lo = float(every.max()), float(every.min())
        top = hi * 2.0 if log else hi + 0.08 * max(hi - lo, abs(hi), 1e-12)
    drawn: dict[str, Any] = {}
    shapes: list[tuple[str, np.ndarray]] = []
    for label in result.labels:
        color, ls, marker = ink[label].color, ink[label].linestyle, ink[label].marker
        single = None
        if label not in bands:
            ((single, line),) = [(r, y) for r, y in curves if r.label == label]
            xs = x_of(single, axis)[: len(line)]
        else:
            xs, q25, line, q75 = bands[label]
            upper = q75 if top is None else np.minimum(q75, top)  # clipped at the top edge
            ax.fill_between(
                xs,
                gaps(q25),
                upper,
                where=np.isfinite(q25),
                color=color,
                alpha=0.2,
                lw=0,
                zorder=2,
                label="_nolegend_",
                # each run holds its loss until its next step: the grid reads steps
                step="post" if axis != "steps" else None,
            )
        (drawn[label],) = ax.plot(
            xs,
            gaps(line),
            color=color,
            lw=2.0,
            ls=ls,
            label=legend[label],
            gid=gid,
            zorder=3,
            marker="o" if len(line) == 1 else marker,
            ms=6,
            markevery=max(1, len(line) // 12),
            drawstyle="default" if axis == "steps" else "steps-post",
        )
        shapes.append((label, np.column_stack([xs, line])))
        k = last_finite(line)
        if k is not None and (
            k < len(line) - 1 or (single is not None and single.diverged_at is not None)
        ):
            # a median that is +inf from here on (half of the runs diverged), or a
            # single run that blew up, ends in an x (on the top edge when off the chart)
            end = line[k] if top is None else min(line[k], top)
            ax.scatter(
                [xs[k]],
                [end],
                marker="x",
                s=90,
                linewidths=2.5,
                color=color,
                zorder=5,
                clip_on=False,
            )
    if top is not None:
        ax.set_ylim(margin(float(every.min()), top, log), top)
    if max((len(y) for _, y in curves), default=0) <= 1:
        ax.set_xlim(-1.0, 1.0)  # only the start: one point at step 0
        ax.set_xticks([0])
    elif axis == "steps":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    return drawn, shapes
