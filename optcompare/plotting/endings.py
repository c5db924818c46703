"""How the drawing of runs ends: the step after which nothing moves, where a path that
ran away leaves the view, and the sentence that says why it diverged.

The animation stops its frames at :func:`last_step` and marks each divergence with an
X at :func:`exit_point`, as the live window does; :func:`divergence_text` is its caption.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from optcompare.experiments.records import Result, Run

__all__ = ["divergence_text", "exit_point", "last_step", "run_end"]

#: Sentences a caption gives at most; further diverged runs are counted in one more.
MAX_SENTENCES = 3


def run_end(run: Run, steps: int) -> int:
    """The last step at which ``run`` changes what is drawn: the step it diverged at
    (its X appears there), else its last recorded step, at most ``steps``."""
    end = run.diverged_at if run.diverged_at is not None else len(run.loss) - 1
    return int(min(max(end, 0), steps))


def last_step(result: Result) -> int:
    """The step after which no run of ``result`` moves: every run has diverged or ended
    by it (``result.steps`` while any run goes on to the end)."""
    return max((run_end(r, result.steps) for r in result.runs), default=result.steps)


def exit_point(xy: np.ndarray, window: Sequence[Sequence[float]]) -> np.ndarray:
    """Where the finite path ``xy`` (n, 2) leaves ``window`` ((x lo, x hi), (y lo, y hi))
    for good: its last point when that lies inside, else where the segment from its last
    point inside to the next one crosses the edge (its first point, clipped to the window,
    when none lies inside)."""
    lo = np.array([window[0][0], window[1][0]], dtype=float)
    hi = np.array([window[0][1], window[1][1]], dtype=float)
    inside = np.all((xy >= lo) & (xy <= hi), axis=1)
    if inside[-1] or not inside.any():
        return np.asarray(xy[-1] if inside[-1] else np.clip(xy[0], lo, hi), dtype=float)
    j = int(np.flatnonzero(inside)[-1])
    a, d = xy[j], xy[j + 1] - xy[j]
    with np.errstate(divide="ignore", invalid="ignore"):
        # the segment's parameter at each edge it heads for; the nearest is where it leaves
        t = np.where(d > 0, (hi - a) / d, np.where(d < 0, (lo - a) / d, np.inf))
    return np.asarray(a + float(np.min(t)) * d, dtype=float)


def divergence_text(runs: Sequence[Run], step: int, several: set[str], width: int) -> str:
    """One sentence per run of ``runs`` that diverged by ``step``: its label (with its seed
    when its label is in ``several``), the step and the reason, each wrapped to ``width``
    characters; at most :data:`MAX_SENTENCES`, then how many more diverged."""
    gone = [r for r in runs if r.diverged_at is not None and r.diverged_at <= step]
    said = []
    for r in gone[:MAX_SENTENCES]:
        who = f"{r.label} (seed {r.seed})" if r.label in several else r.label
        why = f": {r.diverged_reason}" if r.diverged_reason else ""
        said.append(textwrap.fill(f"{who} diverged at step {r.diverged_at}{why}", width))
    if len(gone) > MAX_SENTENCES:
        said.append(f"{len(gone) - MAX_SENTENCES} more runs diverged")
    return "\n".join(said)
