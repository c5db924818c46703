"""The step slider of ``report.html``: paths and loss curves drawn up to a chosen step.

The data come from the folder's ``trajectory.csv`` (or, in a lesson's folder, each
experiment's ``trajectory-<experiment>.csv``, one section each): for each label its
median run (``median_run_seed`` of the run's summary, the run figures draw as "the
median run"), thinned to at most :data:`MAX_POINTS` points per path, and to an equal
share of :data:`PAGE_POINTS` when a page has more paths, so a 100-seed run gives a
page about as large as a one-seed run and a lesson of many runs stays small.  They
are embedded as JSON in an attribute of the section and drawn as inline SVG by the
page's one script (``scrub.js`` beside this module), so the page still fetches
nothing and works offline.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, replace
from html import escape
from importlib import resources
from typing import Any

import numpy as np

from optcompare.plotting.colors import inks
from optcompare.plotting.scale import log_fits, loss_gap, loss_label
from optcompare.report import scrub_svg
from optcompare.report.diverged import (
    Outcome,
    divergence_note,
    exit_point,
    legend_note,
    loss_limits,
    outcome,
)
from optcompare.report.folder import TRAJECTORY
from optcompare.summary.cells import get, number

#: Most points one path keeps in the page (its first and last recorded steps always).
MAX_POINTS = 2000
#: Most points all the paths of one page keep together (a lesson may have several
#: sliders of several paths each); each path's share, at most MAX_POINTS, is equal.
PAGE_POINTS = 8_000

SCRIPT = resources.files("optcompare.report").joinpath("scrub.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Series:
    """One label's median run as the slider draws it (already thinned)."""

    label: str
    color: str
    dash: str
    seed: int
    recorded: int  # rows of trajectory.csv for this run, before thinning
    step: np.ndarray
    loss: np.ndarray
    xy: np.ndarray | None  # (n, 2), or None when the run is not 2-D
    ended: Outcome  # where and why it diverged, if it did


def thin(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``limit`` of ``n`` points, evenly spread, first and last kept."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def read_series(
    summary: dict[str, Any], data: bytes, limit: int = MAX_POINTS, source: str = TRAJECTORY
) -> list[Series]:
    """Each label's median run from the bytes of trajectory.csv (named ``source`` in
    messages), in the summary's order, thinned to at most ``limit`` points each.

    Labels whose median run has no rows (it diverged at once) are left out.

    Raises:
        ValueError: the CSV lacks the columns label, optimizer, seed, step or loss.
    """
    aggregates = [a for a in summary.get("aggregates") or [] if isinstance(a, dict)]
    wanted = {str(a.get("label")): int(a.get("median_run_seed") or 0) for a in aggregates}
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    header = next(reader, [])
    col = {name: i for i, name in enumerate(header)}
    missing = {"label", "optimizer", "seed", "step", "loss"} - col.keys()
    if missing:
        raise ValueError(f"{source} has no column {', '.join(sorted(missing))}")
    two_d = "x0" in col and "x1" in col and "x2" not in col
    rows: dict[str, list[list[str]]] = {}
    names: dict[str, str] = {}
    for row in reader:
        label = row[col["label"]]
        if label in wanted and int(row[col["seed"]]) == wanted[label]:
            rows.setdefault(label, []).append(row)
            names[label] = row[col["optimizer"]]
    ink = inks((label, names[label]) for label in wanted if label in rows)
    out = []
    for label in wanted:
        if label not in rows:
            continue
        block = rows[label]
        keep = thin(len(block), limit)
        picked = [block[i] for i in keep]

        def column(name: str, picked: list[list[str]] = picked) -> np.ndarray:
            return np.array([float(r[col[name]]) for r in picked])

        xy = np.column_stack([column("x0"), column("x1")]) if two_d else None
        dash = "" if ink[label].linestyle == "-" else "16 10"
        out.append(
            Series(
                label,
                ink[label].color,
                dash,
                wanted[label],
                len(block),
                column("step").astype(int),
                column("loss"),
                xy,
                outcome(summary, label, wanted[label]),
            )
        )
    return out


def _window(summary: dict[str, Any], series: list[Series]) -> list[list[float]] | None:
    """The path drawing's ((x lo, x hi), (y lo, y hi)): the problem's window widened to
    hold every start (as path.png's), else the data's."""
    window = get(summary, "problem", "window")
    points = [s.xy for s in series if s.xy is not None and s.xy.size]
    if (
        isinstance(window, list)
        and len(window) == 2
        and all(isinstance(w, list) and len(w) == 2 for w in window)
    ):
        box = [[float(w[0]), float(w[1])] for w in window]
        starts = np.array([p[0] for p in points if np.all(np.isfinite(p[0]))]).reshape(-1, 2)
        for i, (lo, hi) in enumerate(box):
            pad = 0.05 * (hi - lo)
            if starts.size:
                box[i] = [
                    min(lo, float(starts[:, i].min()) - pad),
                    max(hi, float(starts[:, i].max()) + pad),
                ]
        return box
    if not points:
        return None
    allxy = np.concatenate(points)
    lo, hi = allxy.min(axis=0), allxy.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    return [[float(lo[i] - 0.05 * span[i]), float(hi[i] + 0.05 * span[i])] for i in range(2)]


def _finite(values: np.ndarray) -> list[float | None]:
    """JSON has no NaN or infinity: those become null (the drawing stops there)."""
    return [float(v) if math.isfinite(v) else None for v in values.tolist()]


def labels(summary: dict[str, Any]) -> int:
    """How many labels (so paths) a run document's slider draws at most."""
    return sum(isinstance(a, dict) for a in summary.get("aggregates") or [])


def points_per_path(paths: int) -> int:
    """Each path's share of :data:`PAGE_POINTS` on a page of ``paths`` paths, at most
    :data:`MAX_POINTS` and at least 2 (a path's first and last rows)."""
    return max(2, min(MAX_POINTS, PAGE_POINTS // max(paths, 1)))


def scrub_section(
    summary: dict[str, Any],
    data: bytes,
    key: str = "scrub",
    heading: str = "Step by step",
    facts: tuple[str, ...] = (),
    source: str = TRAJECTORY,
    limit: int = MAX_POINTS,
) -> str:
    """The slider's section for a run document and the bytes of its trajectory file
    (``source``, trajectory.csv by default), or "" when no run has rows.

    ``key`` is the section's id and the start of every id inside it (a page may hold
    several sections); ``heading`` and ``facts`` are its title and the line under it;
    each path keeps at most ``limit`` points (default :data:`MAX_POINTS`).

    Raises:
        ValueError: the trajectory file is not what a run writes.
    """
    series = read_series(summary, data, limit, source)
    if not series:
        return ""
    window = _window(summary, series)
    has_paths = window is not None and all(s.xy is not None for s in series)
    area = scrub_svg.panel(window) if has_paths and window else None
    last = int(max(s.step[-1] for s in series))
    # what loss.png draws: loss - f* when f* is known, on a log axis when that fits
    problem = summary.get("problem")
    f_star = problem.get("f_star") if isinstance(problem, dict) else None
    f_star = float(f_star) if isinstance(f_star, (int, float)) else None
    series = [replace(s, loss=loss_gap(s.loss, f_star)) for s in series]
    log = log_fits(np.concatenate([s.loss for s in series]))
    lo, hi, cut = loss_limits([(s.ended.diverged_at, s.loss) for s in series], log)
    payload = {
        "last": last,
        "loss_lo": lo,
        "loss_hi": hi,
        "window": [list(w) for w in area.window] if area else None,
        "log": log,
        "series": [
            {
                "label": s.label,
                "color": s.color,
                "dash": s.dash,
                "step": s.step.tolist(),
                "loss": _finite(s.loss),
                "x": _finite(s.xy[:, 0]) if has_paths and s.xy is not None else None,
                "y": _finite(s.xy[:, 1]) if has_paths and s.xy is not None else None,
                "diverged": s.ended.diverged_at,
                "gone": exit_point(s.xy, [list(w) for w in area.window])
                if area and s.xy is not None and s.ended.diverged_at is not None
                else None,
            }
            for s in series
        ],
    }
    data_attr = escape(json.dumps(payload, separators=(",", ":"), allow_nan=False))
    seeds = summary.get("seeds")
    n_seeds = len(seeds) if isinstance(seeds, list) else seeds
    which = (
        f"the median run (by final loss) of {number(n_seeds)} seeds per label"
        if isinstance(n_seeds, int) and n_seeds > 1
        else "one run per label"
    )
    thinned = [s for s in series if s.recorded > len(s.step)]
    note = f"Drawn from {source}: {which}"
    if thinned:
        most = max(s.recorded for s in thinned)
        note += (
            f"; each path keeps at most {limit:,} of its recorded rows "
            f"(up to {most:,}), evenly spread over the steps"
        )
    note += (
        ". The arrow keys move the slider a step (with Shift a tenth of the run); "
        "Home and End jump to the ends."
    )
    ink = [(s.color, s.dash) for s in series]
    starts = [s.xy[0] for s in series if s.xy is not None]
    paths, keys, why = scrub_svg.paths_svg(key, summary, area, ink, starts) if area else ("",) * 3
    shown = " · ".join(escape(f) for f in facts)
    loss = scrub_svg.loss_svg(key, ink, last, log, (lo, hi), loss_label(f_star))
    names = [s.label + legend_note(s.ended) for s in series]
    gone = any(s.ended.diverged_at is not None for s in series)
    ended = divergence_note([(s.label, s.seed, s.ended) for s in series], hi if cut else None)
    return (
        f'<section class="scrub" id="{key}" aria-labelledby="{key}-title" '
        f'data-scrub="{data_attr}">\n'
        f'<h2 id="{key}-title">{escape(heading)}</h2>\n'
        + (f'<p class="facts">{shown}</p>\n' if shown else "")
        + '<div class="scrub-controls">'
        f'<button type="button" id="{key}-play">Play</button>'
        f'<input type="range" id="{key}-step" min="0" max="{last}" step="1" value="{last}" '
        'aria-label="step">'
        f'<output id="{key}-label" for="{key}-step">step {last} of {last}</output>'
        "</div>\n"
        f'<div class="scrub-panels">{paths}{loss}</div>\n'
        f'<ul class="scrub-legend">{scrub_svg.legend(ink, names, gone)}{keys}</ul>\n'
        + (f'<p class="note scrub-diverged">{escape(ended)}</p>\n' if ended else "")
        # folded, so that the drawing, its controls and legend fit a projected screen
        + '<details class="note scrub-about"><summary>About this drawing</summary>\n'
        + (f"<p>{escape(why)}</p>\n" if why else "")
        + f"<p>{escape(note)}</p>\n"
        "</details>\n"
        "</section>"
    )
