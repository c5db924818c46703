"""Measurements and figures of the ``feature-scaling`` lesson: the Hessian's condition
numbers (as given, Jacobi-scaled, centred), each optimizer's tuning curve over the lr grid,
and the figures (loss - f* at the tuned lrs, the tuning curves, the raw features' spreads).

Free of the lesson's constants so that the lesson module can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import LEGEND, new_figure, retitle, style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from optcompare.experiments.records import Result
    from optcompare.experiments.sweep import SweepResult

__all__ = [
    "PLATEAU",
    "conditioning",
    "features_figure",
    "largest_rise",
    "loss_figure",
    "spreads",
    "tuning_curves",
    "tuning_figure",
]


def _kappa(H: np.ndarray) -> float:
    ev = np.linalg.eigvalsh(H)
    return float(ev[-1] / ev[0])


def _jacobi(H: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(H))
    return H / np.outer(d, d)


def _hessian(A: np.ndarray, z: np.ndarray, l2: float) -> np.ndarray:
    """The Hessian of the mean logistic loss plus (l2/2)|w|^2 (the intercept, last, not
    penalised) in the parameters (w, b), at logits z of the rows A."""
    s = 1.0 / (1.0 + np.exp(-z))
    A1 = np.hstack([A, np.ones((len(A), 1))])
    H = (A1 * (s * (1.0 - s))[:, None]).T @ A1 / len(A)
    H[:-1, :-1] += l2 * np.eye(A.shape[1])
    return H


def conditioning(problem: Any) -> dict[str, float]:
    """Condition numbers of binary logistic regression's Hessian (``problem`` a
    ``logistic`` problem with its minimiser known).

    ``kappa``: of the Hessian at the minimiser; ``kappa_jacobi``: after scaling each
    coordinate by the square root of the Hessian's diagonal (Jacobi scaling, the kind of
    rescaling a per-coordinate step size performs); ``kappa_jacobi_centred``: the same
    with the features centred first (the same model: the intercept absorbs the means, so
    the logits are unchanged); ``lambda_max``: the Hessian's largest eigenvalue at the
    minimiser, which bounds gradient descent's stable lr there (2 / lambda_max).
    """
    A = np.asarray(problem.A, dtype=float)
    (minimum,) = problem.minima()
    x = np.asarray(minimum.x, dtype=float)
    z = A @ x[:-1] + x[-1]
    H = _hessian(A, z, problem.l2)
    Hc = _hessian(A - A.mean(axis=0), z, problem.l2)
    return {
        "kappa": _kappa(H),
        "kappa_jacobi": _kappa(_jacobi(H)),
        "kappa_jacobi_centred": _kappa(_jacobi(Hc)),
        "lambda_max": float(np.linalg.eigvalsh(H)[-1]),
    }


def largest_rise(gap: np.ndarray) -> float:
    """The largest factor by which loss - f* rose above its lowest value so far (1: it
    never rose); values at the float floor count as 1e-16."""
    g = np.maximum(np.asarray(gap, dtype=float), 1e-16)
    return float(np.max(g / np.minimum.accumulate(g)))


def spreads(problem: Any, names: Sequence[str]) -> dict[str, Any]:
    """The training rows' per-feature standard deviation (population) and mean, as the
    optimizer sees them, with the names of the narrowest and widest feature."""
    A = np.asarray(problem.A, dtype=float)
    std, mean = A.std(axis=0), A.mean(axis=0)
    lo, hi = int(np.argmin(std)), int(np.argmax(std))
    return {
        "std": std.tolist(),
        "std_min": float(std[lo]),
        "std_max": float(std[hi]),
        "std_min_name": names[lo],
        "std_max_name": names[hi],
        "mean_abs_min": float(np.min(np.abs(mean))),
        "mean_abs_max": float(np.max(np.abs(mean))),
        "value_max": float(np.max(np.abs(A))),
    }


#: the plateau around a tuned lr: the grid values whose final gap is within this factor
PLATEAU = 3.0


def tuning_curves(sweep: SweepResult) -> dict[str, dict[str, Any]]:
    """Per sweep label: final loss - f* at every grid lr (None where the run diverged),
    the tuned lr (the grid's lowest final loss - f*, the first lr on a tie), its grid
    neighbours' (lr, gap), and the plateau around it (lowest lr, highest lr, median gap
    of the contiguous grid values within :data:`PLATEAU` times the best gap)."""
    ((_, values),) = sweep.axes
    f_star = sweep.problem.f_star
    assert f_star is not None, "the logistic problems know f*"
    out = {}
    for o in sweep.outcomes:
        tr = o.trajectory
        gap = np.where(tr.diverged_at >= 0, np.inf, tr.final_loss - f_star)
        best = int(np.argmin(gap))
        # the run of grid values around the best whose final gap stays within PLATEAU
        # times of it: how robust the tuned value is to the grid's luck
        lo = hi = best
        while lo > 0 and gap[lo - 1] <= PLATEAU * gap[best]:
            lo -= 1
        while hi < len(gap) - 1 and gap[hi + 1] <= PLATEAU * gap[best]:
            hi += 1
        near = [k for k in (best - 1, best + 1) if 0 <= k < len(gap)]
        out[o.label] = {
            "lrs": [float(v) for v in values],
            "gaps": [float(g) if np.isfinite(g) else None for g in gap],
            "lr": float(values[best]),
            "diverged": int(np.sum(tr.diverged_at >= 0)),
            "neighbours": [[float(values[k]), float(gap[k])] for k in near],
            "plateau": [float(values[lo]), float(values[hi]), float(np.median(gap[lo : hi + 1]))],
        }
    return out


# -- figures ---------------------------------------------------------------------------


def loss_figure(results: dict[str, Result], titles: dict[str, str], suptitle: str) -> Figure:
    """loss - f* against steps at the tuned lrs, one panel per scaling, each with its
    own y axis (shared, the raw panel's curves would merge into one band)."""
    from optcompare.plotting import plot_loss

    fig, axes = new_figure(1, len(results), figsize=(16.0, 6.8))
    for ax, (key, result) in zip(np.atleast_1d(axes), results.items(), strict=True):
        # loss - f* (not the raw training and test losses): the claim is about f*
        plot_loss(result, ax=ax, test=False)
        retitle(ax, titles[key])
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        ax.legend(fontsize=LEGEND, loc="best", framealpha=0.9)
    fig.suptitle(suptitle, fontsize=LEGEND + 4)
    return fig


def tuning_figure(
    sweeps: dict[str, SweepResult],
    curves: dict[str, dict[str, dict[str, Any]]],
    default_grid: tuple[float, float],
    titles: dict[str, str],
) -> Figure:
    """Final loss - f* against the lr, one line per optimizer, one panel per scaling
    (``curves`` from :func:`tuning_curves` per scaling); a star at each tuned lr and a
    grey span over ``--tune``'s default grid."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from optcompare.plotting import plot_sweep
    from optcompare.plotting.colors import inks

    fig, axes = new_figure(1, len(sweeps), figsize=(16.0, 6.8))
    for ax, (key, sw) in zip(np.atleast_1d(axes), sweeps.items(), strict=True):
        plot_sweep(sw, ax=ax)
        ax.set_xscale("log")  # a 1-2-5 grid is not one ratio apart, so plot_sweep keeps it linear
        ink = inks((o.label, o.optimizer) for o in sw.outcomes)
        for o in sw.outcomes:
            c = curves[key][o.label]
            gap = c["gaps"][c["lrs"].index(c["lr"])]
            ax.plot(
                [c["lr"]],
                [max(gap, 1e-16)],  # plot_sweep's floor on the log axis
                marker="*",
                ms=22,
                mec="black",
                mew=1.2,
                color=ink[o.label].color,
                ls="none",
                zorder=6,
                label="_nolegend_",
                gid="tuned",
            )
        ax.axvspan(*default_grid, color="0.85", alpha=0.5, zorder=0, lw=0, gid="default-grid")
        retitle(ax, titles[key])
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    handles += [
        Line2D([], [], marker="*", ms=16, mec="black", color="0.6", ls="none"),
        Patch(color="0.85", alpha=0.5),
    ]
    labels += ["tuned lr (lowest final loss - f*)", "--tune's default grid"]
    fig.legend(handles, labels, loc="outside right center", fontsize=LEGEND)
    return fig


def features_figure(std: Sequence[float], names: Sequence[str], title: str) -> Figure:
    """One bar per raw feature: its standard deviation over the training rows (log)."""
    fig, ax = new_figure(figsize=(14.0, 6.2))
    x = np.arange(len(std))
    ax.bar(x, std, color="0.45", width=0.75)
    ax.axhline(1.0, color="black", lw=1.5, ls="--", label="every feature after scale=standard")
    ax.set_yscale("log")
    ax.set_xticks(x, list(names), rotation=65, ha="right", fontsize=LEGEND - 2)
    ax.set_ylim(top=max(std) * 30)  # headroom for the legend above the tallest bar
    style(ax, title, "", "standard deviation (training rows)")
    ax.grid(False, axis="x")
    ax.legend(fontsize=LEGEND, loc="upper right")
    return fig
