"""The effective step: the learning rate each coordinate actually got."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from optcompare.plotting.style import (
    LEGEND,
    LOSS_FIGSIZE,
    OUTSIDE,
    By,
    label_counts,
    new_axes,
    problem_title,
    result_colors,
    style_axes,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result


_COORD_STYLES = ("-", "--", ":", "-.")


def plot_effective_step(
    result: Result,
    ax: Axes | None = None,
    coordinate_names: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    by: By = "optimizer",
) -> Axes:
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
        coordinate_names: one name per coordinate (default: the problem's,
            :meth:`~optcompare.problem.Problem.axis_names`: x, y in two dimensions).
        colors: colours by label or optimizer name, over the fixed colour of
            each optimizer (:mod:`optcompare.plotting.colors`).
        by: "optimizer" (default) or "label": one palette colour per label.

    Returns:
        The Axes drawn on.
    """
    recorded = [(run, E) for run in result.runs if (E := run.effective_step) is not None]
    if not recorded:
        raise ValueError(
            "no effective step recorded; run with record_state=True "
            "(optcompare.run(..., record_state=True))"
        )
    if ax is None:
        ax = new_axes(LOSS_FIGSIZE)
    colors = result_colors(result, colors, by)
    counts = label_counts(result)
    dim = recorded[0][1].shape[1]
    names = list(result.problem.axis_names() if coordinate_names is None else coordinate_names)
    if len(names) != dim:
        raise ValueError(f"coordinate_names has {len(names)} names for {dim} coordinates")
    ax.set_yscale("log")
    hidden = 0
    shown: set[tuple[str, int]] = set()
    for run, E in recorded:
        E = np.asarray(E, dtype=float)
        steps = np.arange(1, len(E) + 1)
        several = counts[run.label] > 1
        for j in range(dim):
            e = E[:, j]
            ok = np.isfinite(e) & (e > 0)
            hidden += int(np.sum(np.isfinite(e) & (e <= 0)))
            label = f"{run.label}, {names[j]}"
            ax.plot(
                steps,
                np.where(ok, e, np.nan),
                color=colors[run.label],
                ls=_COORD_STYLES[j % len(_COORD_STYLES)],
                lw=1.2 if several else 2.0,
                alpha=0.6 if several else 1.0,
                label=label if (run.label, j) not in shown else "_nolegend_",
            )
            shown.add((run.label, j))
    title = f"{problem_title(result.problem)}: effective step per coordinate"
    if hidden:
        title += f"\n({hidden} values <= 0 not shown: steps against the gradient)"
    style_axes(ax, title, "step", r"effective step  $-(x_t - x_{t-1})\,/\,g_t$")
    ax.grid(True, alpha=0.3)
    ax.grid(True, which="minor", axis="y", alpha=0.1)
    if len(shown) <= 4:
        ax.legend(fontsize=LEGEND, loc="best", framealpha=0.9)
    else:
        ax.legend(fontsize=LEGEND, **OUTSIDE)
    return ax
