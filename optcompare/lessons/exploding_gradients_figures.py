"""Measurements and figures of the ``exploding-gradients`` lesson: step lengths, the
largest step of each run, the bounds RMSProp and Adam put on a step, where the terms of
rnn-cliff's gradient come from, SGD's largest step over a range of lrs, and the figures.

Free of the lesson's constants (every setting is passed in) so that the lesson module can
import it without a cycle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import LEGEND, fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result, Run
    from optcompare.problem import Problem

__all__ = [
    "adam_bound",
    "annotate_jump",
    "default_numbers",
    "edge_numbers",
    "gradient_share",
    "jumper_numbers",
    "largest_step",
    "lr_scan",
    "plot_largest_cdf",
    "plot_lr_scan",
    "plot_step_lengths",
    "rmsprop_ratios",
    "split_shares",
    "state_before_last",
    "step_lengths",
    "summarise_seeds",
]


def step_lengths(run: Run) -> np.ndarray:
    """|x_k - x_{k-1}| for steps k = 1..steps (index k - 1); NaN after a divergence."""
    return np.linalg.norm(np.diff(run.x, axis=0), axis=1)


def largest_step(run: Run) -> tuple[float, int, float]:
    """The run's longest step: its length, its number k (it moves x_{k-1} to x_k) and
    the observed |g| at x_{k-1}, the gradient that step used (before any clipping)."""
    d = step_lengths(run)
    k = int(np.nanargmax(d))
    return float(d[k]), k + 1, float(run.grad_norm[k])


def _inside(x: np.ndarray, window: Sequence[Sequence[float]]) -> np.ndarray:
    (w_lo, w_hi), (b_lo, b_hi) = window[:2]
    return (x[..., 0] >= w_lo) & (x[..., 0] <= w_hi) & (x[..., 1] >= b_lo) & (x[..., 1] <= b_hi)


def summarise_seeds(
    result: Result, label: str, thresholds: Sequence[float], tol: float
) -> dict[str, Any]:
    """One label's runs (seeds): their largest steps, the share of runs whose largest step
    exceeds each threshold, the final losses' median and 25-75% band (optcompare.stats),
    the share ending above ``tol``, the runs that ended outside the problem's window, and
    the largest |g| observed."""
    from optcompare import stats

    runs = result.runs_of(label)
    largest = np.array([largest_step(r)[0] for r in runs])
    final = np.array([r.final_loss for r in runs])
    q25, med, q75 = stats.quantiles(final, (0.25, 0.5, 0.75))
    ends = np.array([r.final_x[:2] for r in runs])
    clipped = [r.clipped_steps for r in runs]
    return {
        "runs": len(runs),
        "largest": largest,
        "largest_max": float(np.max(largest)),
        "largest_median": stats.median(largest),
        "over": {fmt(t): float(np.mean(largest > t)) for t in thresholds},
        "count_over": {fmt(t): int(np.sum(largest > t)) for t in thresholds},
        "final_median": float(med),
        "final_q25": float(q25),
        "final_q75": float(q75),
        "share_above_tol": float(np.mean(final > tol)),
        "ended_outside": int(np.sum(~_inside(ends, result.problem.window()))),
        "max_grad": float(max(np.nanmax(r.grad_norm) for r in runs)),
        "diverged": sum(r.diverged_at is not None for r in runs),
        "clipped_steps_median": None
        if any(c is None for c in clipped)
        else stats.median(np.array(clipped, dtype=float)),
    }


def rmsprop_ratios(
    result: Result, label: str, lr: float, big: float, small: float, tol: float, plateau: float
) -> dict[str, Any]:
    """How RMSProp's step compares with SGD's at the same lr, per step of every run:
    |x_k - x_{k-1}| / (lr |g(x_{k-1})|), the factor 1/(sqrt(v) + eps) in norm.

    Medians (optcompare.stats) over the steps where |g| > ``big``; where the loss is above
    ``plateau`` (the plateau below the cliff); and where 0 < |g| < ``small`` while the
    loss is still above ``tol`` (a small gradient that is not a converged run's). The
    first step is left out: v starts at 0, so it is lr/sqrt(1 - alpha) per coordinate
    whatever the gradient.
    """
    from optcompare import stats

    ratio, g, loss = [], [], []
    for r in result.runs_of(label):
        n = len(r.x) - 1
        g.append(r.grad_norm[1:n])
        loss.append(r.loss[1:n])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio.append(step_lengths(r)[1:] / (lr * r.grad_norm[1:n]))
    R, G, L = np.concatenate(ratio), np.concatenate(g), np.concatenate(loss)
    out: dict[str, Any] = {"max_grad": float(np.nanmax(G))}
    for key, mask in (
        ("big", big < G),
        ("plateau", plateau < L),
        ("small", (G > 0) & (small > G) & (tol < L)),
    ):
        out[key] = {
            "steps": int(np.sum(mask)),
            "ratio": stats.median(R[mask]) if mask.any() else None,
            "grad": stats.median(G[mask]) if mask.any() else None,
            "step_over_lr": stats.median(R[mask] * G[mask]) if mask.any() else None,
        }
    return out


def adam_bound(beta1: float, beta2: float, steps: int) -> float:
    """The most Adam (torch's, bias-corrected) can move one coordinate in one step, in
    units of lr, over steps 1..``steps``, whatever the gradients.

    With r = beta1^2 / beta2 < 1, Cauchy-Schwarz on m_t = (1 - beta1) sum_k beta1^k g_{t-k}
    gives |m_t| <= (1 - beta1) sqrt(sum_{k<t} r^k) sqrt(v_t / (1 - beta2)); the step
    lr m_t / (1 - beta1^t) / (sqrt(v_t / (1 - beta2^t)) + eps) is then at most lr times
    (1 - beta1) / sqrt(1 - beta2) sqrt((1 - r^t) / (1 - r)) sqrt(1 - beta2^t) / (1 - beta1^t)
    (1 at t = 1).
    """
    r = beta1**2 / beta2
    assert r < 1, "the bound needs beta1^2 < beta2"
    t = np.arange(1, steps + 1, dtype=float)
    factor = (
        (1 - beta1)
        / math.sqrt(1 - beta2)
        * np.sqrt((1 - r**t) / (1 - r))
        * np.sqrt(1 - beta2**t)
        / (1 - beta1**t)
    )
    return float(factor.max())


def gradient_share(problem: Any, point: Sequence[float], recent: int) -> dict[str, float]:
    """Where rnn-cliff's gradient dL/db at ``point`` comes from, by backpropagation through
    time written out: dL/db = sum_t delta_t, delta_T = x_T - target and delta_{t-1} =
    delta_t w (1 - tanh(x_{t-1})^2).  Returns the share |sum of the terms of steps
    1..T - ``recent``| / |dL/db|, the first step's term over the last one's, and the factor
    w (1 - tanh^2) at the last step (how much each step back multiplies a term by)."""
    w, b = float(point[0]), float(point[1])
    x, hs = problem.x0, []
    for _ in range(problem.T):
        h = math.tanh(x)
        hs.append(h)
        x = w * h + b
    delta, terms = x - problem.target, []
    for h in reversed(hs):
        terms.append(delta)
        delta *= w * (1.0 - h * h)
    terms = terms[::-1]  # terms[t - 1] is step t's
    total = sum(terms)
    return {
        "early_share": abs(sum(terms[: problem.T - recent])) / abs(total),
        "first_over_last": abs(terms[0]) / abs(terms[-1]),
        "factor": w * (1.0 - hs[-1] ** 2),
    }


def state_before_last(problem: Any, X: np.ndarray) -> np.ndarray:
    """x_{T-1} of rnn-cliff's recurrence at each row (w, b) of ``X``."""
    x = np.full(len(X), problem.x0)
    for _ in range(problem.T - 1):
        x = X[:, 0] * np.tanh(x) + X[:, 1]
    return x


def lr_scan(problem: Problem, lrs: np.ndarray, steps: int) -> np.ndarray:
    """Plain SGD's longest step from the problem's start at each lr, as one batch (the lr
    a per-run column)."""
    from optcompare.engine import run_batch
    from optcompare.experiments.choices import make_optimizers

    (choice,) = make_optimizers(["sgd"])
    values = dict(choice.values, lr=np.asarray(lrs, dtype=float))
    x0 = np.repeat(problem.start()[None, :], len(lrs), axis=0)
    tr = run_batch(choice.optimizer, values, problem, x0, np.zeros(len(lrs)), steps)
    assert tr.x is not None  # run_batch records the iterates unless told not to
    return np.nanmax(np.linalg.norm(np.diff(tr.x, axis=0), axis=2), axis=0)


def split_shares(lrs: np.ndarray, largest: np.ndarray, threshold: float) -> tuple[float, float]:
    """The share of lrs whose longest step exceeds ``threshold`` below and above the
    geometric middle of the range."""
    low = lrs < np.sqrt(lrs.min() * lrs.max())
    return float(np.mean(largest[low] > threshold)), float(np.mean(largest[~low] > threshold))


def default_numbers(run: Run) -> dict[str, Any]:
    """The largest step of one run (its length, number and |g|), its longest step before
    that, where that step landed, and where the run ended."""
    length, k, g = largest_step(run)
    before = np.linalg.norm(np.diff(run.x[:k], axis=0), axis=1)
    return {
        "largest": length,
        "step": k,
        "grad": g,
        "moves_before": float(before.max()) if before.size else 0.0,
        "landed": [float(v) for v in run.x[k]],
        "final_loss": run.final_loss,
        "final_x": [float(v) for v in run.final_x],
    }


def jumper_numbers(
    problem: Any, runs: Sequence[Run], largest: np.ndarray, jump: float
) -> dict[str, Any]:
    """The runs whose largest step exceeds ``jump``: how many, their final losses' range,
    |w| at their ends, and the median |x_(T-1)| of the net they end with."""
    from optcompare import stats

    jumpers = [r for r, s in zip(runs, largest, strict=True) if s > jump]
    if not jumpers:
        return {"count": 0}
    ends = np.array([r.final_x for r in jumpers])
    finals = np.array([r.final_loss for r in jumpers])
    return {
        "count": len(jumpers),
        "final_min": float(finals.min()),
        "final_max": float(finals.max()),
        "w_min": float(np.abs(ends[:, 0]).min()),
        "w_max": float(np.abs(ends[:, 0]).max()),
        "x_before_median": stats.median(np.abs(state_before_last(problem, ends))),
    }


def edge_numbers(
    runs: Sequence[Run], nudged: Sequence[Run], tol: float, wall: Callable[[Any], Any]
) -> dict[str, Any]:
    """Where RMSProp's runs end: the median |b - wall(w)| at the end, the median factor
    max/min of the loss over the last 50 steps, and against the same runs from nudged
    starts (``nudged``, in the same order): the share whose end moved by more than 1e-6,
    the share that crossed ``tol`` either way, and the nudged runs' median and share above
    ``tol``."""
    from optcompare import stats

    ends = np.array([r.final_x for r in runs])
    other = np.array([r.final_x for r in nudged])
    final = np.array([r.final_loss for r in runs])
    final_n = np.array([r.final_loss for r in nudged])
    last = [r.loss[-50:] for r in runs]
    return {
        "wall_distance_median": stats.median(np.abs(ends[:, 1] - wall(ends[:, 0]))),
        "oscillation_median": stats.median([np.max(v) / max(np.min(v), 1e-300) for v in last]),
        "moved_share": float(np.mean(np.max(np.abs(ends - other), axis=1) > 1e-6)),
        "side_share": float(np.mean((final > tol) != (final_n > tol))),
        "nudged_median": stats.median(final_n),
        "nudged_share_above_tol": float(np.mean(final_n > tol)),
    }


# -- figures ---------------------------------------------------------------------------


def annotate_jump(ax: Axes, run: Run, color: str, jump: float) -> None:
    """Name the step of ``run`` longer than ``jump`` (if any) where its line leaves the view:
    its number, |g| there, its length and where it landed (far off the axes)."""
    length, k, g = largest_step(run)
    if length <= jump:
        return
    (x0, y0), (x1, y1) = run.x[k - 1], run.x[k]
    (lo, hi), (blo, bhi) = ax.get_xlim(), ax.get_ylim()
    # the fraction of the step inside the view: the first edge its line reaches
    reach = [
        (edge - a) / (z - a)
        for a, z, edges in ((x0, x1, (lo, hi)), (y0, y1, (blo, bhi)))
        if z != a
        for edge in edges
        if (edge - a) / (z - a) > 0
    ]
    s = 0.85 * min(reach, default=0.0)
    ax.annotate(
        f"{run.label}, step {k}: |g| = {fmt(g)},\nstep {fmt(length)} long, "
        f"to (w, b) = ({fmt(x1)}, {fmt(y1)})",
        xy=(x0 + (x1 - x0) * s, y0 + (y1 - y0) * s),
        xytext=(0.97, 0.93),
        textcoords="axes fraction",
        fontsize=LEGEND,
        color=color,
        ha="right",
        va="top",
        arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5},
        bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": color, "pad": 3.0},
        zorder=8,
    )


def plot_step_lengths(
    ax: Axes, runs: Sequence[Run], colors: Mapping[str, str], bounds: Mapping[str, float]
) -> Axes:
    """|x_k - x_{k-1}| against the step k (log y), one line per run, and each label's
    bound on a step (``bounds``: label -> length) as a dotted line in its colour."""
    ax.set_yscale("log")
    for run in runs:
        d = step_lengths(run)
        k = np.arange(1, len(d) + 1)
        ax.plot(k, np.where(d > 0, d, np.nan), color=colors[run.label], lw=1.8, label=run.label)
    for label, y in bounds.items():
        ax.axhline(
            y, color=colors[label], ls=":", lw=2.0, label=f"bound of {label}: {fmt(y)}", zorder=1
        )
    return ax


def plot_largest_cdf(
    ax: Axes,
    largest: Mapping[str, np.ndarray],
    colors: Mapping[str, str],
    thresholds: Sequence[float],
) -> Axes:
    """The share of runs whose largest step exceeds s, against s (log x, a survival curve
    per label: where the curve ends on the right is the longest step of any run)."""
    ax.set_xscale("log")
    for label, values in largest.items():
        s = np.sort(values)
        above = 1.0 - np.arange(1, len(s) + 1) / len(s)
        ax.step(s, above, where="post", color=colors[label], lw=2.0, label=label)
    for t in thresholds:
        ax.axvline(t, color="0.3", ls="--", lw=1.0, zorder=1)
        ax.annotate(
            f"length {fmt(t)}",
            (t, 1.0),
            xytext=(3, -3),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=LEGEND,
            color="0.3",
        )
    ax.set_ylim(-0.02, 1.02)
    return ax


def plot_lr_scan(
    ax: Axes, lrs: np.ndarray, largest: np.ndarray, color: str, jump: float, mark: float
) -> Axes:
    """SGD's longest step against its lr (log-log), the ``jump`` threshold dashed, and the
    lesson's lr ``mark`` dotted."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.plot(lrs, largest, color=color, lw=1.5, marker="o", ms=3.0, label="sgd, one run per lr")
    ax.axhline(jump, color="0.3", ls="--", lw=1.0, label=f"a step {fmt(jump)} long")
    ax.axvline(mark, color=color, ls=":", lw=1.5, label=f"lr {fmt(mark)} (the lesson's)")
    return ax
