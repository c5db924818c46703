"""Measurements and figures of the ``noisy-gradients`` lesson: each seed's final loss - f*,
drawn as dots with the median and the 25-75% box.

Free of the lesson's constants so that the lesson module can import it without a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optcompare.lessons.base import LEGEND

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result

__all__ = ["final_gaps", "plot_final_gaps"]


def final_gaps(result: Result, label: str) -> np.ndarray:
    """Final loss - f* of each seed of ``label``; a diverged run counts as +inf."""
    f_star = result.problem.f_star or 0.0
    return np.array(
        [
            np.inf if r.diverged_at is not None else r.final_loss - f_star
            for r in result.runs_of(label)
        ]
    )


def plot_final_gaps(result: Result, ax: Axes) -> Axes:
    """Every seed's final loss - f* per optimizer (dots), with the median and 25-75% bar."""
    from optcompare import stats
    from optcompare.plotting import result_colors

    colors = result_colors(result)
    rng = np.random.default_rng(0)  # horizontal jitter only, so dots do not hide each other
    ax.set_yscale("log")
    for i, lab in enumerate(result.labels):
        g = final_gaps(result, lab)
        q25, med, q75 = stats.median_and_band(np.maximum(g, 1e-16))
        g = np.where(np.isfinite(g), np.maximum(g, 1e-16), np.nan)
        ax.scatter(
            i + rng.uniform(-0.15, 0.15, len(g)),
            g,
            s=28,
            color=colors[lab],
            alpha=0.7,
            edgecolors="none",
            zorder=3,
        )
        ax.plot([i - 0.3, i + 0.3], [med, med], color="black", lw=2.5, zorder=4)
        ax.add_patch(_box(i, q25, q75, colors[lab]))
    ax.set_xticks(range(len(result.labels)))
    ax.set_xticklabels([lab.replace(" ", "\n", 1) for lab in result.labels], fontsize=LEGEND)
    ax.set_xlim(-0.6, len(result.labels) - 0.4)
    return ax


def _box(i: float, lo: float, hi: float, color: str):
    from matplotlib.patches import Rectangle

    return Rectangle(
        (i - 0.3, lo), 0.6, hi - lo, facecolor=color, alpha=0.15, edgecolor=color, lw=1.5, zorder=2
    )
