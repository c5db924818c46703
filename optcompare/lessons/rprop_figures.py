"""Measurements and figures of the ``rprop-minibatch`` lesson: Rprop's step sizes, its
distance to the best weights, and the final gaps against the batch size.

Kept apart from the lesson's text (and free of its constants, passed in as arguments)
so that both modules stay short.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.lessons.base import LEGEND, fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.records import Result

__all__ = ["distances", "legend_below", "plot_batches", "plot_collapse", "rprop_step_sizes"]


def rprop_step_sizes(result: Result, label: str) -> np.ndarray:
    """Rprop's step size per run and step, geometric mean over coordinates: (runs, steps)."""
    return np.array(
        [np.exp(np.mean(np.log(r.state["step_size"]), axis=1)) for r in result.runs_of(label)]
    )


def distances(result: Result, label: str) -> np.ndarray:
    """Distance to the minimiser w* per run and step (step 0 is the start): (runs, steps + 1)."""
    w_star = np.asarray(result.problem.minima()[0].x)
    return np.array([np.linalg.norm(r.x - w_star, axis=1) for r in result.runs_of(label)])


def _band(ax: Axes, Y: np.ndarray, steps: np.ndarray, color: str, ls: str, label: str) -> None:
    """Median over runs (rows of Y) and its 25-75% band, by the house rule (optcompare.stats)."""
    from optcompare import stats

    q25, q75 = stats.band(Y, axis=0)
    ax.fill_between(steps, q25, q75, color=color, alpha=0.2, lw=0)
    ax.plot(steps, stats.medians(Y, axis=0), color=color, lw=2.0, ls=ls, label=label)


def legend_below(fig: Any, axes: Any, ncols: int = 3) -> Any:
    """One legend for the path panels ``axes``, below them in ``ncols`` columns (default
    3): the last panel's, in place of every panel's own beside it.

    Beside the right panel, a legend took a third of a 16:9 slide and left the two
    equal-aspect panels narrow and unequal; below, both get the same place.
    """
    last = axes[-1].get_legend()
    handles, labels = last.legend_handles, [t.get_text() for t in last.get_texts()]
    title = last.get_title().get_text()
    for ax in axes:
        if (legend := ax.get_legend()) is not None:
            legend.remove()
    return fig.legend(
        handles=handles,
        labels=labels,
        loc="outside lower center",
        ncols=ncols,
        fontsize=LEGEND,
        title=title or None,
        title_fontsize=LEGEND,
    )


def plot_collapse(
    results: Mapping[str, Result],
    label: str,
    numbers: dict,
    axes: Any,
    names: Mapping[str, str],
    threshold: float,
) -> Any:
    """Left: Rprop's step size; right: its distance to w*; one line style per batch size.

    ``results`` maps each problem (full batch first, then the mini-batch) to its result,
    ``names`` each problem to its batch description.  A vertical line marks each batch
    size's median collapse step (``numbers["collapse"]``), a horizontal one ``threshold``.
    """
    from optcompare.plotting import result_colors

    first = next(iter(results))
    color = result_colors(results[first])[label]
    for (name, result), ls in zip(results.items(), ("-", "--"), strict=True):
        key = "full" if name == first else "mini"
        S, D = rprop_step_sizes(result, label), distances(result, label)
        _band(axes[0], S, np.arange(1, S.shape[1] + 1), color, ls, names[name])
        _band(axes[1], D, np.arange(D.shape[1]), color, ls, names[name])
        k = numbers["collapse"][key]["step"]
        if k is not None:
            for ax in axes:
                ax.axvline(
                    k,
                    color=color,
                    lw=1.0,
                    ls=":" if key == "full" else "-.",
                    label=f"{names[name]}: collapsed at step {fmt(k)}",
                )
    axes[0].axhline(
        threshold, color="0.3", lw=1.0, ls=(0, (1, 3)), label=f"collapsed: below {fmt(threshold)}"
    )
    for ax in axes:
        ax.set_yscale("log")
    title = f"Rprop, median of {numbers['seeds']} seeds, 25-75% band"
    axes[0].legend(
        fontsize=LEGEND - 1,
        loc="upper right",
        framealpha=0.9,
        title=title,
        title_fontsize=LEGEND - 1,
    )
    axes[1].legend(
        fontsize=LEGEND - 1,
        loc="center right",
        framealpha=0.9,
        title=title,
        title_fontsize=LEGEND - 1,
    )
    return axes


def plot_batches(
    numbers: dict, result: Result, labels: Mapping[str, str], specs: Sequence[str], ax: Axes
) -> Axes:
    """Final loss - f* per batch size (evenly spaced): median and 25-75% bar per optimizer.

    ``numbers["batch_sweep"][size][spec]`` holds the median and quartiles; ``labels``
    maps each spec to its label in ``result`` (for its colour).
    """
    from optcompare.plotting import LOSS_FLOOR, result_colors

    colors = result_colors(result)
    sweep = numbers["batch_sweep"]
    sizes = [int(b) for b in sweep]
    pos = np.arange(len(sizes))
    for k, (spec, marker) in enumerate(zip(specs, ("o", "s"), strict=True)):
        lab = labels[spec]
        med, lo, hi = (
            np.maximum([sweep[str(b)][spec][q] for b in sizes], LOSS_FLOOR)
            for q in ("median", "q25", "q75")
        )
        ax.errorbar(
            pos + (k - 0.5) * 0.08,
            med,
            yerr=[med - lo, hi - med],
            color=colors[lab],
            marker=marker,
            ms=7,
            lw=2.0,
            capsize=4,
            label=lab,
        )
    ax.set_yscale("log")
    ax.set_xticks(pos, [f"full ({b})" if b == numbers["n_samples"] else str(b) for b in sizes])
    ax.legend(
        fontsize=LEGEND,
        loc="lower left",
        framealpha=0.9,
        title=f"median of {numbers['seeds']} seeds, 25-75% bar",
        title_fontsize=LEGEND,
    )
    return ax
