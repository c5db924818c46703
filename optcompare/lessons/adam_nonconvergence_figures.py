"""Figures of the ``adam-nonconvergence`` lesson: the iterates x_t and the regret of the
four Adam runs (Adam and AMSGrad, each at two values of beta2) and of NAdam.

Free of the lesson's constants (what a figure needs comes with the simulation) so that the
lesson module can import it without a cycle.
"""

from __future__ import annotations

from textwrap import fill
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import LEGEND, fmt
from optcompare.plotting.style import LEGEND_WIDTH, OUTSIDE, by_label_note

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["VARIANTS", "inks", "period_regret", "plot_iterates", "plot_regret"]

#: the colours mark the variant (Adam, AMSGrad, NAdam), not one optimizer each, and the legend
#: says so
VARIANTS: dict[str, Any] = {"title": by_label_note("label"), "title_fontsize": LEGEND}


def inks(sim: dict) -> dict[str, dict[str, Any]]:
    """Colour and line style per label: colour by algorithm, dashes by beta2.

    Adam takes one end of the ordered ramp (``sequence(2)[0]``) and AMSGrad the other, so
    the algorithm reads at a glance (four ramp colours for four Adam runs looked alike);
    NAdam takes its own fixed colour (``optimizer_color("nadam")``), which is on neither
    end of the ramp.  Runs at Adam's PyTorch default beta2 (from the optimizer registry,
    0.999) are dashed, the others solid.  ``sim`` holds per-run ``amsgrad``, ``nadam`` and
    ``beta2`` as ``simulate`` returns.
    """
    from optcompare.optimizers import OPTIMIZERS
    from optcompare.plotting.colors import optimizer_color, sequence

    adam, amsgrad = sequence(2)
    nadam = optimizer_color("nadam")
    default = OPTIMIZERS.get("adam").resolve({})["beta2"]
    runs = zip(sim["labels"], sim["amsgrad"], sim["nadam"], sim["beta2"], strict=True)
    return {
        lab: {
            "color": nadam if nad else amsgrad if ams else adam,
            "ls": "--" if b2 == default else "-",
        }
        for lab, ams, nad, b2 in runs
    }


def plot_iterates(
    sim: dict, ax: Axes, start: int = 0, log: bool = True, runs: tuple[int, ...] = (0, 1)
) -> Axes:
    """x_t against t for the runs ``runs`` (0: Adam, 1: AMSGrad, 2 and 3 the same at
    beta2 = 0.999, 4 and 5 NAdam) from step ``start``, drawn as :func:`inks` says.

    The best (-1) and worst (+1) points are marked where they are in view.
    """
    ink = inks(sim)
    x = sim["x"]
    t = np.arange(len(x))
    keep = slice(max(start, 1 if log else 0), None)
    for j in runs:
        lab = sim["labels"][j]
        ax.plot(t[keep], x[keep, j], lw=1.6, label=lab, **ink[lab])
    if log:
        ax.set_xscale("log")
    seen = x[keep][:, list(runs)]
    lo, hi = float(seen.min()), float(seen.max())
    if len(runs) > 1:
        lo, hi = -1.0, 1.0
    pad = max(0.1 * (hi - lo), 1e-3)
    ax.set_ylim(lo - pad, hi + pad)
    # reference lines in grey, so that they never take an optimizer's colour
    for y, text, color, va in (
        (1.0, "worst point x = +1 ", "0.25", "bottom"),
        (-1.0, "best point x = -1 ", "0.25", "top"),
    ):
        if lo - pad <= y <= hi + pad:
            ax.axhline(y, color=color, lw=1.0, ls=":")
            ax.text(
                1.0,
                y,
                text,
                transform=ax.get_yaxis_transform(),
                ha="right",
                va=va,
                fontsize=LEGEND,
                color=color,
            )
    return ax


def period_regret(sim: dict) -> tuple[np.ndarray, np.ndarray]:
    """Regret added per step within each whole period: the end step of each period and
    (R_end - R_start) / period, shape (periods, runs)."""
    R = sim["avg_regret"] * np.arange(1, len(sim["avg_regret"]) + 1)[:, None]  # R_t
    period = sim["problem"].period
    ends = np.arange(period, len(R) + 1, period)  # t = period, 2 period, ...
    cum = np.vstack([np.zeros((1, R.shape[1])), R[ends - 1]])
    return ends, np.diff(cum, axis=0) / period


def plot_regret(
    sim: dict,
    ax: Axes,
    per_period: bool = False,
    runs: tuple[int, ...] = (0, 1),
    legend: bool = True,
) -> Axes:
    """Average regret R_t / t (or the regret added per step in each period) of the runs
    ``runs`` against t, log-log, with the cost per step of standing at x = +1; drawn as
    :func:`inks` says.

    With ``legend`` (default True) the legend stands beside the axes, labels wrapped, where
    it covers no curve whatever the curves do (inside, every corner is crossed by some run
    in one panel or another, and the talk style's larger type would grow it over more);
    panels side by side with the same runs need it on one of them only.
    """
    ink = inks(sim)
    if per_period:
        t, R = period_regret(sim)
    else:
        R = sim["avg_regret"]
        t = np.arange(1, len(R) + 1)
    worst = 2.0 * sim["problem"].slope
    for j in runs:
        lab = sim["labels"][j]
        ax.plot(t, np.where(R[:, j] > 0, R[:, j], np.nan), lw=2.0, label=lab, **ink[lab])
    ax.axhline(
        worst, color="0.3", lw=1.2, ls="--", label=f"standing at x = +1: {fmt(worst)} per step"
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        wrapped = [fill(text, LEGEND_WIDTH, break_long_words=False) for text in labels]
        ax.legend(handles, wrapped, fontsize=LEGEND, **OUTSIDE, **VARIANTS)
    return ax
