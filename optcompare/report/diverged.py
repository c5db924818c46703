"""Where the step slider's runs diverged: the step, the reason, the X's place and the
loss panel's limits, from summary.json's run documents and the drawn rows.

The slider draws each label's median run.  When that run diverged, path.png, loss.png
and the live window end its line in an X; the slider does the same once it reaches
the divergence step, and its legend says where, as :func:`optcompare.plotting.style.
legend_labels` does.  The loss panel's top is :func:`optcompare.plotting.loss.loss_top`'s
(loss.png's rule), so a runaway loss is cut at the top edge instead of flattening the
other curves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from optcompare.plotting.loss import loss_top
from optcompare.plotting.style import margin

if TYPE_CHECKING:
    from optcompare.experiments.records import Run


@dataclass(frozen=True)
class Outcome:
    """How a label's runs ended, as summary.json records them."""

    diverged_at: int | None  # the drawn (median) run's divergence step, or None
    reason: str | None  # why it diverged (the run document's diverged_reason)
    runs: int  # runs of the label
    diverged: int  # how many of them diverged


def outcome(summary: dict[str, Any], label: str, seed: int) -> Outcome:
    """The label's outcome: its aggregate's counts, and the run document of ``seed``
    (the median run) for the step and reason; no step when summary.json lists no runs."""
    agg = next(
        (
            a
            for a in summary.get("aggregates") or []
            if isinstance(a, dict) and a.get("label") == label
        ),
        {},
    )
    doc = next(
        (
            r
            for r in summary.get("runs") or []
            if isinstance(r, dict) and r.get("label") == label and r.get("seed") == seed
        ),
        {},
    )
    at, why = doc.get("diverged"), doc.get("diverged_reason")

    def count(value: Any) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    return Outcome(
        at if isinstance(at, int) and not isinstance(at, bool) else None,
        why if isinstance(why, str) and why else None,
        count(agg.get("runs")) or 1,
        count(agg.get("diverged")),
    )


def legend_note(o: Outcome) -> str:
    """What the legend adds to a label (path.png's words): where the drawn run diverged,
    and how many of several runs did; "" when none did."""
    parts = []
    if o.diverged_at is not None:
        parts.append(f"diverged at step {o.diverged_at}")
    if o.runs > 1 and o.diverged:
        parts.append(f"{o.diverged} of {o.runs} runs diverged")
    return f" ({'; '.join(parts)})" if parts else ""


def _clip(p: np.ndarray, q: np.ndarray, box: np.ndarray) -> float | None:
    """The largest t in [0, 1] with p + t (q - p) inside ``box`` ((x lo, x hi), (y lo,
    y hi)), or None when the segment misses it (Liang and Barsky's clipping)."""
    lo_t, hi_t = 0.0, 1.0
    d = q - p
    for i in range(2):
        if d[i] == 0.0:
            if not box[i, 0] <= p[i] <= box[i, 1]:
                return None
            continue
        a, b = (box[i, 0] - p[i]) / d[i], (box[i, 1] - p[i]) / d[i]
        lo_t, hi_t = max(lo_t, min(a, b)), min(hi_t, max(a, b))
    return hi_t if lo_t <= hi_t else None


def exit_point(xy: np.ndarray, window: list[list[float]]) -> list[float] | None:
    """Where a diverged path's X goes: its last finite point when the window holds it,
    else where the drawn line last leaves the window (the X sits on the edge the line
    crosses, not at a corner far from it); the point clamped to the window when no
    segment crosses it; None without a finite point."""
    box = np.asarray(window, dtype=float)
    pts = xy[np.all(np.isfinite(xy), axis=1)]
    if not len(pts):
        return None
    for k in range(len(pts) - 1, 0, -1):
        t = _clip(pts[k - 1], pts[k], box)
        if t is not None:
            return (pts[k - 1] + t * (pts[k] - pts[k - 1])).tolist()
    return np.clip(pts[-1], box[:, 0], box[:, 1]).tolist()


@dataclass(frozen=True)
class _Ended:
    """What :func:`loss_top` reads of a run: whether it diverged."""

    diverged_at: int | None


def loss_limits(
    curves: list[tuple[int | None, np.ndarray]], log: bool
) -> tuple[float, float, bool]:
    """The loss panel's (bottom, top) for each drawn run's (divergence step, loss), and
    whether the top cuts a curve: loss.png's top (:func:`loss_top`: the runs that did
    not diverge and every start, times 10 on a log axis) when a runaway value passes
    it, else the highest value; the bottom 5% of the span below the lowest value
    (:func:`optcompare.plotting.style.margin`), as on loss.png."""
    finite = [y[np.isfinite(y)] for _, y in curves]
    every = np.concatenate(finite) if finite else np.empty(0)
    if not every.size:
        return 0.0, 1.0, False
    ended = cast("list[tuple[Run, np.ndarray]]", [(_Ended(at), y) for at, y in curves])
    top = loss_top(ended, log)
    hi = float(every.max()) if top is None else top
    lo = float(every.min())
    return (margin(lo, hi, log) if hi > lo else lo), hi, top is not None


def divergence_note(ended: list[tuple[str, int, Outcome]], top: float | None) -> str:
    """A sentence per drawn run that diverged: its label, seed, step and reason; and,
    when ``top`` cut a curve, where the loss panel stops; "" when none diverged."""
    said = [
        f"{label} (seed {seed}) diverged at step {o.diverged_at}"
        + (f": {o.reason}" if o.reason else "")
        + "."
        for label, seed, o in ended
        if o.diverged_at is not None
    ]
    if top is not None:
        said.append(
            f"Losses above {top:.3g} are cut at the loss panel's top, which loss.png's rule "
            "sets from the runs that did not diverge and every start."
        )
    return " ".join(said)
