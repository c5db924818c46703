"""Measurements and figures of the ``saddle`` lesson: when a run escapes, |y| against the
step from both starts, and the runs started on the ridge.

Free of the lesson's constants (the escape threshold is passed in) so that the lesson
module can import it without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result

__all__ = ["escape_step", "plot_escape", "plot_ridge"]


def escape_step(run, threshold: float) -> int | None:
    """The first step at which |y| > threshold, or None."""
    k = np.flatnonzero(np.abs(run.x[:, 1]) > threshold)
    return int(k[0]) if k.size else None


def plot_escape(result: Result, ax: Axes, threshold: float) -> Axes:
    """|y| against the step (log y) per run, with the escape threshold and escape marks."""
    from optcompare.plotting import result_colors

    colors = result_colors(result)
    ax.set_yscale("log")
    for run in result.runs:
        y = np.abs(run.x[:, 1])
        ax.plot(
            np.arange(len(y)),
            np.where(y > 0, y, np.nan),
            color=colors[run.label],
            lw=2.0,
            label=run.label,
        )
        k = escape_step(run, threshold)
        if k is not None:
            ax.scatter(
                [k], [abs(run.x[k, 1])], s=60, color=colors[run.label], edgecolors="black", zorder=5
            )
    ax.axhline(threshold, color="0.3", lw=1.2, ls="--", label=f"escaped: |y| > {fmt(threshold)}")
    return ax


def plot_ridge(ridge: Result, noisy: Result, axes: Any, threshold: float) -> Any:
    """Left: |x| from the ridge start without noise; right: |y| per seed with gradient noise,
    escaped (dots) once |y| > ``threshold``."""
    from optcompare.plotting import result_colors

    colors = result_colors(ridge)
    axes[0].set_yscale("log")
    for run in ridge.runs:
        x = np.abs(run.x[:, 0])
        axes[0].plot(
            np.arange(len(x)),
            np.where(x > 0, x, np.nan),
            color=colors[run.label],
            lw=2.0,
            label=run.label,
        )
    axes[1].set_yscale("log")
    for lab in noisy.labels:
        for i, run in enumerate(noisy.runs_of(lab)):
            y = np.abs(run.x[:, 1])
            axes[1].plot(
                np.arange(len(y)),
                np.where(y > 0, y, np.nan),
                color=colors[lab],
                lw=1.0,
                alpha=0.6,
                label=lab if i == 0 else None,
            )
            k = escape_step(run, threshold)
            if k is not None:
                axes[1].scatter(
                    [k],
                    [abs(run.x[k, 1])],
                    s=30,
                    color=colors[lab],
                    edgecolors="black",
                    linewidths=0.5,
                    zorder=5,
                )
    axes[1].axhline(
        threshold, color="0.3", lw=1.2, ls="--", label=f"escaped: |y| > {fmt(threshold)}"
    )
    return axes
