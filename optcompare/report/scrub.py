"""The step slider of ``report.html``: paths and loss curves drawn up to a chosen step.

The data come from the folder's ``trajectory.csv``: for each label its median run
(``median_run_seed`` of summary.json, the run figures draw as "the median run"),
thinned to at most :data:`MAX_POINTS` points per path so a 100-seed run gives a
page about as large as a one-seed run.  They are embedded as JSON in an attribute
of the section and drawn as inline SVG by the page's one script (``scrub.js``
beside this module), so the page still fetches nothing and works offline.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from html import escape
from importlib import resources
from typing import Any

import numpy as np

from optcompare.plotting.colors import inks
from optcompare.report import contours
from optcompare.report.folder import TRAJECTORY
from optcompare.summary.cells import get, number

#: Most points one path keeps in the page (its first and last recorded steps always).
MAX_POINTS = 2000
#: The drawing's size in SVG units; the page scales it to the screen.
PATH_WIDTH, LOSS_WIDTH, LOSS_HEIGHT = 560.0, 560.0, 380.0
#: The path drawing's height in SVG units is kept within these (the window grows to fit).
MIN_PATH_HEIGHT, MAX_PATH_HEIGHT = 200.0, 760.0
#: Room for the axes' numbers left of, above, below and right of each drawing, in SVG units.
LEFT, TOP, BOTTOM, RIGHT = 84.0, 12.0, 46.0, 16.0

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


def thin(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``limit`` of ``n`` points, evenly spread, first and last kept."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def read_series(summary: dict[str, Any], data: bytes) -> list[Series]:
    """Each label's median run from the bytes of trajectory.csv, in the summary's order.

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
        raise ValueError(f"{TRAJECTORY} has no column {', '.join(sorted(missing))}")
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
        keep = thin(len(block))
        picked = [block[i] for i in keep]

        def column(name: str, picked: list[list[str]] = picked) -> np.ndarray:
            return np.array([float(r[col[name]]) for r in picked])

        xy = np.column_stack([column("x0"), column("x1")]) if two_d else None
        dash = "" if ink[label].linestyle == "-" else "8 5"
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


def _panel(window: list[list[float]]) -> contours.Panel:
    """Where the paths are drawn: equal scales on x and y, as in path.png (so gradients
    cross contours at right angles); a window too wide or too tall for the height's
    limits grows its shorter side about its centre instead."""
    (xlo, xhi), (ylo, yhi) = window
    rx, ry = max(xhi - xlo, 1e-300), max(yhi - ylo, 1e-300)
    height = min(max(PATH_WIDTH * ry / rx, MIN_PATH_HEIGHT), MAX_PATH_HEIGHT)
    grow_y = (rx * height / PATH_WIDTH - ry) / 2.0
    grow_x = (ry * PATH_WIDTH / height - rx) / 2.0
    if grow_y > 0:
        ylo, yhi = ylo - grow_y, yhi + grow_y
    elif grow_x > 0:
        xlo, xhi = xlo - grow_x, xhi + grow_x
    return contours.Panel(((xlo, xhi), (ylo, yhi)), LEFT, TOP, PATH_WIDTH, height)


def _finite(values: np.ndarray) -> list[float | None]:
    """JSON has no NaN or infinity: those become null (the drawing stops there)."""
    return [float(v) if math.isfinite(v) else None for v in values.tolist()]


def scrub_section(summary: dict[str, Any], data: bytes) -> str:
    """The slider's section for a run folder's summary and trajectory.csv bytes ("" if none).

    Raises:
        ValueError: trajectory.csv is not what a run writes.
    """
    series = read_series(summary, data)
    if not series:
        return ""
    window = _window(summary, series)
    has_paths = window is not None and all(s.xy is not None for s in series)
    panel = _panel(window) if has_paths and window else None
    last = int(max(s.step[-1] for s in series))
    losses = np.concatenate([s.loss[np.isfinite(s.loss)] for s in series])
    log = bool(losses.size and losses.min() > 0)
    lo, hi = (float(losses.min()), float(losses.max())) if losses.size else (0.0, 1.0)
    payload = {
        "last": last,
        "loss_lo": lo,
        "loss_hi": hi,
        "window": [list(w) for w in panel.window] if panel else None,
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
    note = f"Drawn from trajectory.csv: {which}"
    if thinned:
        most = max(s.recorded for s in thinned)
        note += (
            f"; each path keeps at most {MAX_POINTS:,} of its recorded rows "
            f"(up to {most:,}), evenly spread over the steps"
        )
    note += (
        ". The arrow keys move the slider a step (with Shift a tenth of the run); "
        "Home and End jump to the ends."
    )
    legend = "".join(
        f'<li><svg width="28" height="10" aria-hidden="true"><line x1="0" y1="5" x2="28" '
        f'y2="5" stroke="{escape(s.color)}" stroke-width="3"'
        + (f' stroke-dasharray="{s.dash}"' if s.dash else "")
        + f"></line></svg> {escape(s.label)}</li>"
        for s in series
    )
    paths_svg, keys, why = _paths_svg(summary, panel, series) if panel else ("", "", "")
    return (
        f'<section class="scrub" id="scrub" data-scrub="{data_attr}">\n'
        "<h2>Step by step</h2>\n"
        '<div class="scrub-controls">'
        '<button type="button" id="scrub-play">Play</button>'
        f'<input type="range" id="scrub-step" min="0" max="{last}" step="1" value="{last}" '
        'aria-label="step">'
        f'<output id="scrub-label" for="scrub-step">step {last} of {last}</output>'
        "</div>\n"
        f'<div class="scrub-panels">{paths_svg}{_loss_svg(series, last, log, (lo, hi))}</div>\n'
        f'<ul class="scrub-legend">{legend}{keys}</ul>\n'
        + (f'<p class="note">{escape(why)}</p>\n' if why else "")
        + f'<p class="note">{escape(note)}</p>\n'
        "</section>"
    )


def _polylines(series: list[Series], kind: str) -> tuple[str, str]:
    """Each series' (empty) line, and the circles that mark where each line ends."""
    lines = "".join(
        f'<polyline class="scrub-{kind}" data-i="{i}" fill="none" stroke="{escape(s.color)}" '
        'stroke-width="2.5" stroke-linejoin="round"'
        + (f' stroke-dasharray="{s.dash}"' if s.dash else "")
        + ' points=""></polyline>'
        for i, s in enumerate(series)
    )
    heads = "".join(
        f'<circle class="scrub-{kind}-head" data-i="{i}" r="4.5" fill="{escape(s.color)}" '
        'stroke="#ffffff" stroke-width="1.2" cx="-99" cy="-99"></circle>'
        for i, s in enumerate(series)
    )
    return lines, heads


def _frame(
    width: float, height: float, xs: tuple[str, str], ys: tuple[str, str], names: tuple[str, str]
) -> str:
    """A plot frame with the axes' end values and names (text stays text)."""
    x0, y0, x1, y1 = LEFT, TOP, LEFT + width, TOP + height
    # about the page's small print when the drawing is shown at its usual width
    t, mid, ym = 'font-size="17" fill="#333333"', (x0 + x1) / 2, (y0 + y1) / 2
    return (
        f'<rect x="{x0}" y="{y0}" width="{width}" height="{height}" fill="none" '
        'stroke="#888888"></rect>'
        f'<text {t} x="{x0}" y="{y1 + 19}">{escape(xs[0])}</text>'
        f'<text {t} x="{x1}" y="{y1 + 19}" text-anchor="end">{escape(xs[1])}</text>'
        f'<text {t} x="{mid}" y="{y1 + 38}" text-anchor="middle">{escape(names[0])}</text>'
        f'<text {t} x="{x0 - 5}" y="{y1}" text-anchor="end">{escape(ys[0])}</text>'
        f'<text {t} x="{x0 - 5}" y="{y0 + 14}" text-anchor="end">{escape(ys[1])}</text>'
        f'<text {t} x="20" y="{ym}" text-anchor="middle" '
        f'transform="rotate(-90 20 {ym})">{escape(names[1])}</text>'
    )


def _svg_open(css_class: str, width: float, height: float, label: str) -> str:
    """An <svg> whose drawing area is ``width`` by ``height`` inside the axes' margins."""
    return (
        f'<svg class="{css_class}" viewBox="0 0 {LEFT + width + RIGHT} {TOP + height + BOTTOM}" '
        f'data-width="{width}" data-height="{height}" data-left="{LEFT}" data-top="{TOP}" '
        f'role="img" aria-label="{escape(label)}">'
    )


def _paths_svg(
    summary: dict[str, Any], panel: contours.Panel, series: list[Series]
) -> tuple[str, str, str]:
    """The path drawing (contours, paths, start and minimum markers), its legend
    entries for the markers, and a sentence on its contours (drawn or why not)."""
    (xlo, xhi), (ylo, yhi) = panel.window
    height = panel.height
    problem, why = contours.rebuild(summary)
    # path.png's axis names when the problem is at hand, else trajectory.csv's columns
    x, y = problem.axis_names()[:2] if problem else ("x0", "x1")
    frame = _frame(
        PATH_WIDTH, height, (f"{xlo:.3g}", f"{xhi:.3g}"), (f"{ylo:.3g}", f"{yhi:.3g}"), (x, y)
    )
    backdrop, levels = contours.contours_svg(problem, panel) if problem else ("", 0)
    if levels:
        why = (
            f"Grey contours: f at {levels} levels, those of path.png, "
            f"from a {contours.GRID} x {contours.GRID} grid over this window."
        )
    starts = contours.starts_svg(panel, [s.xy[0] for s in series if s.xy is not None])
    listed = contours.listed_minima(summary)
    minima = contours.minima_svg(panel, listed)
    kinds = {kind for kind, _ in listed if f'data-kind="{kind}"' in minima}
    lines, heads = _polylines(series, "path")
    # path.png's order (contours, paths, starts, minima on top), except that the heads
    # (where each run is at the chosen step) stay visible on a minimum the runs reach
    svg = (
        _svg_open("scrub-paths", PATH_WIDTH, height, "paths up to the chosen step")
        + f'<clipPath id="scrub-clip"><rect x="{LEFT}" y="{TOP}" width="{PATH_WIDTH}" '
        f'height="{height}"></rect></clipPath>'
        f'<g clip-path="url(#scrub-clip)">{backdrop}{lines}{starts}{minima}{heads}</g>'
        f"{frame}</svg>"
    )
    return svg, contours.legend_items(bool(starts), kinds), why or ""


def _loss_svg(series: list[Series], last: int, log: bool, span: tuple[float, float]) -> str:
    lo, hi = span
    frame = _frame(
        LOSS_WIDTH,
        LOSS_HEIGHT,
        ("0", f"{last}"),
        (f"{lo:.3g}", f"{hi:.3g}"),
        ("step", "loss (log)" if log else "loss"),
    )
    return (
        _svg_open("scrub-loss", LOSS_WIDTH, LOSS_HEIGHT, "loss curves up to the chosen step")
        + f"{frame}{''.join(_polylines(series, 'loss'))}</svg>"
    )
