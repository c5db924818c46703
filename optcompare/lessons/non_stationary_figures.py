"""Measurements and figures of the ``non-stationary`` lesson: tracking errors per period of the
drifting target, each run's effective learning rate replayed from its iterates, and the three
figures (iterates against the target, error per period, effective lr per step).

Free of the lesson's constants so that the lesson module can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import LEGEND, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Run
    from optcompare.problem import Problem

__all__ = [
    "effective_lrs",
    "errors",
    "period_means",
    "plot_periods",
    "plot_steps",
    "plot_tracking",
    "shared_legend",
    "stays_below_from",
    "summarise",
    "targets",
]

#: the band drawn and reported around every median (optcompare.stats' convention)
BAND = "25-75% band"


def targets(problem: Any, steps: int) -> np.ndarray:
    """c_t for t = 0..steps: the target step t's gradient saw (drift's ``target``)."""
    return np.array([problem.target(t) for t in range(steps + 1)])


def errors(problem: Any, runs: Sequence[Run]) -> np.ndarray:
    """|x_t - c_t|^2 / D per step and run, (steps+1, runs), from the recorded iterates."""
    X = np.stack([r.x for r in runs], axis=1)  # (steps+1, runs, dim)
    c = targets(problem, len(X) - 1)
    return np.mean((X - c[:, None, None]) ** 2, axis=2)


def period_means(err: np.ndarray, period: int) -> np.ndarray:
    """Each run's mean of ``err`` over steps kP+1..(k+1)P, (periods, runs): the tracking
    error of period k+1 (step 0, the start, belongs to none)."""
    periods = (len(err) - 1) // period
    return err[1 : periods * period + 1].reshape(periods, period, -1).mean(axis=1)


def effective_lrs(problem: Problem, groups: Sequence[Sequence[Run]]) -> list[np.ndarray]:
    """The lr each step of each run actually applied to coordinate 1: -(x_t - x_{t-1}) / g_t,
    (steps, runs) per group.

    g_t is the gradient the run observed, noise included, replayed with the problem's own
    ``observe`` (each run's noise depends only on its seed and the step), all groups in
    one call per step.  It is NaN where g_t is exactly 0.
    """
    X = np.concatenate([np.stack([r.x for r in runs], axis=1) for runs in groups], axis=1)
    seeds = np.array([r.seed for runs in groups for r in runs], dtype=np.int64)
    steps = len(X) - 1
    g = np.empty((steps, X.shape[1]))
    for t in range(1, steps + 1):
        g[t - 1] = problem.observe(X[t - 1], seeds, t)[1][:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        eff = -(X[1:, :, 0] - X[:-1, :, 0]) / g
    eff[g == 0] = np.nan
    cuts = np.cumsum([0, *(len(runs) for runs in groups)])
    return [eff[:, a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def stays_below_from(values: np.ndarray, ref: float) -> int | None:
    """The first step (1-based) from which ``values`` (one per step 1..T) stays below
    ``ref`` to the end; None if the last one is not below."""
    above = np.flatnonzero(~(values < ref))
    if above.size == 0:
        return 1
    if above[-1] == len(values) - 1:
        return None
    return int(above[-1] + 2)


def summarise(problem: Any, runs: Sequence[Run], eff: np.ndarray, ref_lr: float) -> dict[str, Any]:
    """One setting's numbers: per period the median tracking error with its 25-75% band
    and the median of each run's mean effective lr; the growth from the first period to
    the last and from the lowest to the last; the step from which the median effective lr
    stays below ``ref_lr``; and the median run's seed (by last-period error)."""
    from optcompare import stats

    per = period_means(errors(problem, runs), problem.period)
    q25, med, q75 = (np.asarray(q) for q in stats.quantiles(per, (0.25, 0.5, 0.75), axis=1))
    lr_per = period_means(np.vstack([np.zeros((1, eff.shape[1])), eff]), problem.period)
    lowest = int(np.argmin(med))
    return {
        "lr": float(np.ravel(runs[0].hyperparameters["lr"])[0]),
        "runs": len(runs),
        "periods": med.tolist(),
        "q25": q25.tolist(),
        "q75": q75.tolist(),
        "growth": float(med[-1] / med[0]),
        "lowest_period": lowest + 1,
        "growth_from_lowest": float(med[-1] / med[lowest]),
        "rises_from_lowest": bool(np.all(np.diff(med[lowest:]) > 0)),
        "eff_lr_periods": stats.medians(lr_per, axis=1).tolist(),
        "below_ref_from": stays_below_from(stats.medians(eff, axis=1), ref_lr),
        "median_seed": int(runs[stats.median_run_index(per[-1])].seed),
    }


# -- figures ---------------------------------------------------------------------------


def plot_tracking(
    axes: Sequence[Axes],
    problem: Any,
    runs: dict[str, Run],
    colors: dict[str, str],
    caption: str,
) -> Sequence[Axes]:
    """One panel (of ``axes``) per label: the target c_t (grey) and the run's x_t in
    coordinate 1 (in the label's colour) against the step, the period boundaries dotted."""
    for ax, (label, run) in zip(axes, runs.items(), strict=True):
        c = targets(problem, len(run.x) - 1)
        t = np.arange(len(c))
        ax.plot(t, run.x[:, 0], color=colors[label], lw=0.8, label=f"x_t, seed {run.seed}")
        ax.plot(t, c, color="0.35", lw=2.0, ls="--", label="target c_t")
        for k in range(problem.period, len(c), problem.period):
            ax.axvline(k, color="0.6", lw=0.8, ls=":")
        style(ax, f"{label}: {caption}", "", "coordinate 1")
        ax.legend(fontsize=LEGEND, loc="upper right", ncols=2, framealpha=0.9)
    axes[-1].set_xlabel("step", fontsize=axes[0].yaxis.label.get_fontsize())
    return axes


def plot_periods(
    ax: Axes,
    numbers: dict[str, dict[str, Any]],
    inks: dict[str, dict[str, Any]],
    log: bool = False,
) -> Axes:
    """Per label, the median tracking error of each period (markers) with its 25-75% band
    (shaded) when there are several runs; ``inks`` gives each label's colour and line style.
    No legend: :func:`shared_legend` draws one for the figure."""
    for label, o in numbers.items():
        k = np.arange(1, len(o["periods"]) + 1)
        several = o["runs"] > 1
        text = f"{label}\nmedian of {o['runs']}, {BAND}" if several else label
        ax.plot(k, o["periods"], marker="o", lw=2.2, ms=7, label=text, **inks[label])
        if several:
            ax.fill_between(k, o["q25"], o["q75"], color=inks[label]["color"], alpha=0.18, lw=0)
    ax.set_xticks(np.arange(1, max(len(o["periods"]) for o in numbers.values()) + 1))
    if log:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    return ax


def shared_legend(fig: Any, left: Axes, right: Axes, title: str) -> Any:
    """One legend below both panels for the labels of ``left`` (the right one's are among
    them), each label's first line, titled ``title``.

    Inside the left panel, two columns of two-line entries were wider than the panel in
    talk and covered its y label; the right panel repeated three of the labels.
    """
    handles, labels = left.get_legend_handles_labels()
    return fig.legend(
        handles,
        [label.split("\n")[0] for label in labels],
        loc="outside lower center",
        ncols=2,
        fontsize=LEGEND,
        title=title,
        title_fontsize=LEGEND,
    )


def plot_steps(
    ax: Axes,
    effs: dict[str, np.ndarray],
    inks: dict[str, dict[str, Any]],
    crossings: dict[str, int | None],
    ref_lr: float,
) -> Axes:
    """Per label, the median effective lr per step with its 25-75% band, log-log; a dotted
    vertical line, named in the legend, where a label of ``crossings`` stays below ``ref_lr``
    from on."""
    from optcompare import stats

    for label, eff in effs.items():
        t = np.arange(1, len(eff) + 1)
        q25, med, q75 = (np.asarray(q) for q in stats.quantiles(eff, (0.25, 0.5, 0.75), axis=1))
        ax.plot(t, med, lw=2.0, label=f"{label}\nmedian of {eff.shape[1]}, {BAND}", **inks[label])
        ax.fill_between(t, q25, q75, color=inks[label]["color"], alpha=0.15, lw=0)
        step = crossings.get(label)
        if step is not None:
            ax.axvline(
                step,
                color=inks[label]["color"],
                lw=1.4,
                ls=":",
                label=f"{label}: median below {ref_lr:.3g} from step {step}",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(fontsize=LEGEND, loc="upper right", framealpha=0.9)
    return ax
