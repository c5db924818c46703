"""Measurements and figures of the ``small-network`` lesson: when each run reaches the best
straight-line classifier's loss and when it leaves that plateau, train and test losses over
the seeds (median and 25-75% band), and every seed's plateau on one chart.

Free of the lesson's constants so that the lesson module can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare import stats
from optcompare.lessons.base import LEGEND, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result

__all__ = ["first_at_or_below", "loss_panels", "plateau_chart", "summarise"]


def first_at_or_below(loss: np.ndarray, level: float) -> int | None:
    """The first step whose loss is at most ``level`` (None: never, or only after a
    divergence, whose NaN steps compare false)."""
    hit = np.flatnonzero(np.asarray(loss) <= level)
    return int(hit[0]) if hit.size else None


def _steps(values: Sequence[int | None]) -> np.ndarray:
    # a run that never got there counts as +inf: the worst, by the stats rule
    return np.array([np.inf if v is None else float(v) for v in values])


def _seed_at(runs: Sequence[Any], steps: Sequence[int | None], pick: Any) -> int:
    """The seed of the first run whose step is ``pick`` (min or max) of those that got there."""
    target = pick(v for v in steps if v is not None)
    return int(next(r.seed for r, v in zip(runs, steps, strict=True) if v == target))


def _spread(values: np.ndarray) -> dict[str, float]:
    q25, med, q75 = stats.median_and_band(values)
    return {"median": med, "q25": q25, "q75": q75}


def summarise(result: Result, linear: float, fraction: float) -> dict[str, dict[str, Any]]:
    """Per label of ``result``: its lr; per seed the step of reaching the best linear
    model's training loss ``linear`` and of leaving the plateau (loss at most
    ``fraction`` x ``linear``), with medians and 25-75% bands (+inf for a run that did
    not get there); final train and test loss, their gap, and the test accuracy."""
    out: dict[str, dict[str, Any]] = {}
    for lab in result.labels:
        runs = result.runs_of(lab)
        reach = [first_at_or_below(r.loss, linear) for r in runs]
        leave = [first_at_or_below(r.loss, fraction * linear) for r in runs]
        left = [v for v in leave if v is not None]
        on_plateau = [
            b - a for a, b in zip(reach, leave, strict=True) if a is not None and b is not None
        ]
        ok = [r for r in runs if r.diverged_at is None]
        train = np.array([r.final_loss if r.diverged_at is None else np.inf for r in runs])
        test = np.array(
            [r.metrics["test_loss"][-1] if r.diverged_at is None else np.inf for r in runs]
        )
        accuracy = np.array([r.metrics["test_accuracy"][-1] for r in ok])
        out[lab] = {
            "lr": float(np.ravel(runs[0].hyperparameters["lr"])[0]),
            "hyperparameters": {
                k: float(np.ravel(v)[0])
                for k, v in runs[0].hyperparameters.items()
                if np.ravel(v).dtype.kind in "fi"
            },
            "seeds": [r.seed for r in runs],
            "initial_loss": [float(r.loss[0]) for r in runs],
            "reach_steps": reach,
            "leave_steps": leave,
            "reached": sum(v is not None for v in reach),
            "left": len(left),
            "reach": _spread(_steps(reach)),
            "leave": _spread(_steps(leave)),
            "leave_min": min(left) if left else None,
            "leave_max": max(left) if left else None,
            "fastest_seed": _seed_at(runs, leave, min) if left else None,
            "slowest_seed": _seed_at(runs, leave, max) if left else None,
            "plateau_median": stats.median(on_plateau) if on_plateau else None,
            "train_final": _spread(train),
            "test_final": _spread(test),
            "gap_final": _spread(test - train),
            "test_accuracy": _spread(accuracy) if len(accuracy) else None,
            "test_accuracy_min": float(accuracy.min()) if len(accuracy) else None,
            "test_accuracy_max": float(accuracy.max()) if len(accuracy) else None,
            "diverged": len(runs) - len(ok),
        }
    return out


# -- figures ---------------------------------------------------------------------------


def _band_lines(ax: Axes, values: np.ndarray, color: str, label: str, ls: str = "-") -> None:
    q25, q75 = stats.band(values)
    med = stats.medians(values)
    steps = np.arange(values.shape[1])
    ax.plot(steps, med, color=color, lw=2.2, ls=ls, label=label, zorder=3)
    ax.fill_between(steps, q25, q75, color=color, alpha=0.2, lw=0, zorder=2)


def loss_panels(
    result: Result,
    labels: Sequence[str],
    colors: dict[str, str],
    axes: Sequence[Axes],
    linear: tuple[float, float],
    fraction: float,
) -> None:
    """Train loss (left) and test loss (right) of ``labels``: the median over seeds per
    step and its 25-75% band, log scale; on both, the best linear model's loss on that
    set (dashed grey) and, on the train panel, the level that counts as leaving the
    plateau (dotted).  ``linear`` is that model's (train, test) loss."""
    train_ax, test_ax = axes
    for lab in labels:
        runs = result.runs_of(lab)
        n = len(runs)
        legend = f"{lab}\nmedian of {n}, 25-75% band"
        _band_lines(train_ax, np.array([r.loss for r in runs]), colors[lab], legend)
        tests = np.array([r.metrics["test_loss"] for r in runs])
        _band_lines(test_ax, tests, colors[lab], legend)
    for ax, value, where in zip(axes, linear, ("train", "test"), strict=True):
        ax.axhline(
            value,
            color="0.35",
            ls="--",
            lw=1.3,
            zorder=1,
            label=f"best linear model, {where} ({value:.3g})",
        )
        ax.set_yscale("log")
    train_ax.axhline(
        fraction * linear[0],
        color="0.35",
        ls=":",
        lw=1.6,
        zorder=1,
        label=f"plateau left: {fraction:g} x linear ({fraction * linear[0]:.3g})",
    )
    # the mlp's split; a Problem in general has none
    problem: Any = result.problem
    rows = len(problem.train_idx), len(problem.test_idx)
    style(train_ax, f"training loss ({rows[0]} rows)", "step", "loss")
    style(test_ax, f"test loss ({rows[1]} held-out rows)", "step", "loss")
    for ax in axes:
        ax.legend(fontsize=LEGEND - 2, loc="lower left", framealpha=0.85)


def plateau_chart(
    ax: Axes, summary: dict[str, dict[str, Any]], colors: dict[str, str], steps: int
) -> Axes:
    """One row per label, one short line per seed: from the step it reached the linear
    model's loss (hollow circle) to the step it left the plateau (filled circle); a run
    that did not get there ends in a triangle at the budget's edge; a black tick marks
    the median step of leaving."""
    labels = list(summary)
    k = max(len(s["seeds"]) for s in summary.values())
    for i, lab in enumerate(labels):
        s = summary[lab]
        c = colors[lab]
        offsets = np.linspace(-0.3, 0.3, len(s["seeds"])) if k > 1 else np.zeros(1)
        for dy, a, b in zip(offsets, s["reach_steps"], s["leave_steps"], strict=True):
            y = i + dy
            x0 = steps if a is None else a
            x1 = steps if b is None else b
            ax.plot([x0, x1], [y, y], color=c, lw=1.4, zorder=2)
            if a is not None:
                ax.plot(x0, y, "o", ms=6, mfc="white", mec=c, mew=1.6, zorder=3)
            if b is not None:
                ax.plot(x1, y, "o", ms=6, color=c, zorder=3)
            else:
                ax.plot(steps, y, ">", ms=7, color=c, zorder=3)
        med = s["leave"]["median"]
        if np.isfinite(med):
            ax.plot([med, med], [i - 0.42, i + 0.42], color="black", lw=2.2, zorder=4)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=LEGEND)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(-0.02 * steps, 1.04 * steps)
    from matplotlib.lines import Line2D

    keys = [
        Line2D([], [], ls="none", marker="o", mfc="white", mec="0.3", label="reached linear loss"),
        Line2D([], [], ls="none", marker="o", color="0.3", label="left the plateau"),
        Line2D([], [], ls="none", marker=">", color="0.3", label=f"not by step {steps}"),
        Line2D([], [], color="black", lw=2.2, label="median step of leaving"),
    ]
    # below the axes (inside, it would cover the late exits of the bottom rows), placed
    # by the layout: anchored to the axes, the talk style's larger x label ran into it
    ax.get_figure(root=True).legend(  # type: ignore[union-attr]
        handles=keys, fontsize=LEGEND - 1, loc="outside lower center", ncols=4, frameon=False
    )
    return ax
