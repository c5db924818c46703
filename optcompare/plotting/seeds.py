"""Several seeds of one label on a path figure: the median run, and the others faint.

"The median run" is :func:`median_run` (the middle final loss, as ``summary.json``'s
``median_run_seed``); every other run of a label is drawn faintly, all of them as one
LineCollection per label, and the legend says how many and how faint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from optcompare.plotting.style import Ink, legend_labels
from optcompare.stats import median_run_index

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

    from optcompare.experiments.records import Result, Run


def median_run(runs: list[Run]) -> Run:
    """The run drawn as "the median run": :func:`optcompare.stats.median_run_index` of
    the final losses, a diverged run counting as +inf.

    With an odd count its final loss is the median; with an even count it is the
    lower of the two middle runs.  ``summary.json`` names its seed
    (``median_run_seed``).
    """
    final = [np.inf if r.diverged_at is not None else r.final_loss for r in runs]
    return runs[median_run_index(final)]


def median_legend(result: Result) -> dict[str, str]:
    """Legend text per label; a label of several runs names its median run's seed."""
    legend = legend_labels(result)
    for label in result.labels:
        runs = result.runs_of(label)
        if len(runs) > 1:
            legend[label] += f"\nmedian run: seed {median_run(runs).seed}"
    return legend


#: The opacity of the other seeds' paths: :data:`FAINT_ALPHA` up to
#: :data:`FAINT_FULL` paths of a label, then falling as 1/n to :data:`FAINT_LEAST`, so that
#: a thousand faint paths show where runs went, not one solid blot.
FAINT_ALPHA = 0.25
FAINT_FULL = 10
FAINT_LEAST = 0.03


def faint_alpha(paths: int) -> float:
    """The opacity of ``paths`` faint paths of one label (see :data:`FAINT_ALPHA`)."""
    return max(FAINT_LEAST, FAINT_ALPHA * min(1.0, FAINT_FULL / max(paths, 1)))


def faint_paths(
    ax: Axes,
    result: Result,
    strong: set[int],
    ink: Mapping[str, Ink],
    points: Callable[[Run], np.ndarray],
) -> dict[str, int]:
    """Every run not in ``strong`` as a faint path: one LineCollection per label, so a
    thousand seeds cost one artist each, not a thousand.  Returns the paths drawn per label."""
    from matplotlib.collections import LineCollection

    drawn: dict[str, int] = {}
    for label in result.labels:
        paths = [points(r) for r in result.runs_of(label) if id(r) not in strong]
        if not paths:
            continue
        drawn[label] = len(paths)
        ax.add_collection(
            LineCollection(
                paths,
                colors=ink[label].color,
                linewidths=0.8,
                alpha=faint_alpha(len(paths)),
                zorder=2,
                label="_nolegend_",
                gid=f"other seeds: {label}",
            ),
            autolim=True,  # a 1-D plot scales its step axis to the longest run
        )
    return drawn


def faint_key(faint: Mapping[str, int]) -> Line2D:
    """The legend key of the faint paths, saying how many each label has and how faint."""
    from matplotlib.lines import Line2D

    counts = set(faint.values())
    n = counts.pop() if len(counts) == 1 else None
    alphas = sorted({faint_alpha(k) for k in faint.values()})
    text = "other seeds" if n is None else f"other {n} seed{'s' if n > 1 else ''}"
    text += f", faint (opacity {alphas[0]:.2g} each)" if len(alphas) == 1 else ", faint"
    return Line2D([], [], color="0.3", lw=0.8, alpha=max(alphas[0], 0.35), label=text)
