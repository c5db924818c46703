"""The step slider's two drawings as inline SVG: the paths over the contours, and the loss.

Lines are drawn empty here; the page's script (``scrub.js``) fills them in up to the
chosen step.  Every id a drawing defines starts with its section's id, so a page
may hold several sliders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np

from optcompare.report import contours
from optcompare.report.axes import Tick, decade_ticks, frame_ticks, round_ticks

#: The axes' text size in SVG units: with the drawings half a 16:9 window tall (report.css),
#: about 16 px at 1280x720 and 22 px (the page's text) at 1920x1080, read from the back of
#: a room; lines, markers and the X are sized with it.
FONT = 28.0
#: Line width and the radius of the dot at each line's head, in SVG units.
LINE_WIDTH, HEAD_RADIUS = 5.0, 6.5
#: Each drawing's plot area in SVG units, the same for both (the page scales them to the
#: screen): one shape, so that report.css can size the pair to fit the window's height,
#: and their text comes out the same size.
WIDTH, HEIGHT = 700.0, 520.0
PATH_WIDTH, LOSS_WIDTH = WIDTH, WIDTH
#: The span of the X that marks where a run diverged, in SVG units.
X_SIZE = 30.0
#: Room for the axes' numbers and names left of, above, below and right of each drawing,
#: in SVG units: a name and a label like "10^-11" or "-0.025" left, a label's top above,
#: a row of labels and a name below, half of a label like "1000" right.
LEFT, TOP, BOTTOM, RIGHT = (
    round(k * FONT + c) for k, c in ((4.6, 0), (0.8, 0), (2.4, 14), (1.4, 0))
)

#: (colour, SVG dash pattern or "") of each line, in the order of the section's data.
Inks = Sequence[tuple[str, str]]


def panel(window: list[list[float]]) -> contours.Panel:
    """Where the paths are drawn: the :data:`WIDTH` by :data:`HEIGHT` area, with equal
    scales on x and y, as in path.png (so gradients cross contours at right angles): the
    window's shorter side grows about its centre to the area's shape (as path.png's
    window grows to its place)."""
    (xlo, xhi), (ylo, yhi) = window
    rx, ry = max(xhi - xlo, 1e-300), max(yhi - ylo, 1e-300)
    grow_y = (rx * HEIGHT / WIDTH - ry) / 2.0
    grow_x = (ry * WIDTH / HEIGHT - rx) / 2.0
    if grow_y > 0:
        ylo, yhi = ylo - grow_y, yhi + grow_y
    elif grow_x > 0:
        xlo, xhi = xlo - grow_x, xhi + grow_x
    return contours.Panel(((xlo, xhi), (ylo, yhi)), LEFT, TOP, WIDTH, HEIGHT)


def cross(size: float) -> str:
    """Path data of a filled X (matplotlib's "X" marker, which path.png and the live
    window put where a run diverged) centred on (0, 0), ``size`` units across."""
    arm, half = 0.5 * size, 0.16 * size  # half the span, half an arm's width
    corners = [(half, 0.0), (arm, arm - half), (arm - half, arm)]
    points = []
    for turn in range(4):  # the same corner turned by quarter turns
        for x, y in corners:
            for _ in range(turn):
                x, y = -y, x
            points.append(f"{x:.2f},{y:.2f}")
    return "M" + " L".join(points) + " Z"


def _marks(inks: Inks, kind: str) -> str:
    """Each series' X, hidden until the slider reaches the step where its run diverged."""
    return "".join(
        f'<path class="scrub-{kind}-x" data-i="{i}" d="{cross(X_SIZE)}" '
        f'fill="{escape(color)}" stroke="#000000" stroke-width="1.8" stroke-linejoin="round" '
        'display="none"></path>'
        for i, (color, _) in enumerate(inks)
    )


def _polylines(inks: Inks, kind: str) -> tuple[str, str]:
    """Each series' (empty) line, and the circles that mark where each line ends."""
    lines = "".join(
        f'<polyline class="scrub-{kind}" data-i="{i}" fill="none" stroke="{escape(color)}" '
        f'stroke-width="{LINE_WIDTH}" stroke-linejoin="round"'
        + (f' stroke-dasharray="{dash}"' if dash else "")
        + ' points=""></polyline>'
        for i, (color, dash) in enumerate(inks)
    )
    heads = "".join(
        f'<circle class="scrub-{kind}-head" data-i="{i}" r="{HEAD_RADIUS}" '
        f'fill="{escape(color)}" stroke="#ffffff" stroke-width="1.5" cx="-99" cy="-99"></circle>'
        for i, (color, _) in enumerate(inks)
    )
    return lines, heads


def _frame(
    width: float,
    height: float,
    xs: list[tuple[float, Tick]],
    ys: list[tuple[float, Tick]],
    names: tuple[str, str],
    grid: bool = False,
) -> str:
    """A plot frame with ticks at their SVG positions, labelled, and the axes' names (text
    stays text); light grid lines across it at the ticks with ``grid``."""
    x0, y0, x1, y1 = LEFT, TOP, LEFT + width, TOP + height
    t, mid, ym = f'font-size="{FONT}" fill="#333333"', (x0 + x1) / 2, (y0 + y1) / 2
    inside = [(a, k) for a, k in xs if x0 - 0.5 <= a <= x1 + 0.5]
    up = [(a, k) for a, k in ys if y0 - 0.5 <= a <= y1 + 0.5]
    return (
        frame_ticks(inside, y1, (y0, y1), False, t, FONT, grid)
        + frame_ticks(up, x0, (x0, x1), True, t, FONT, grid)
        + f'<rect x="{x0}" y="{y0}" width="{width}" height="{height}" fill="none" '
        'stroke="#888888" stroke-width="2"></rect>'
        f'<text {t} x="{mid}" y="{y1 + 14 + 2 * FONT}" text-anchor="middle">'
        f"{escape(names[0])}</text>"
        f'<text {t} x="{0.9 * FONT}" y="{ym}" text-anchor="middle" '
        f'transform="rotate(-90 {0.9 * FONT} {ym})">{escape(names[1])}</text>'
    )


def _svg_open(css_class: str, width: float, height: float, label: str) -> str:
    """An <svg> whose drawing area is ``width`` by ``height`` inside the axes' margins."""
    return (
        f'<svg class="{css_class}" viewBox="0 0 {LEFT + width + RIGHT} {TOP + height + BOTTOM}" '
        f'data-width="{width}" data-height="{height}" data-left="{LEFT}" data-top="{TOP}" '
        f'role="img" aria-label="{escape(label)}">'
    )


def paths_svg(
    key: str,
    summary: dict[str, Any],
    area: contours.Panel,
    inks: Inks,
    starts: list[np.ndarray],
) -> tuple[str, str, str]:
    """The path drawing of section ``key`` (contours, paths, start and minimum markers),
    its legend entries for the markers, and a sentence on its contours (drawn or why not)."""
    (xlo, xhi), (ylo, yhi) = area.window
    height = area.height
    problem, why = contours.rebuild(summary)
    # path.png's axis names when the problem is at hand, else trajectory.csv's columns
    x, y = problem.axis_names()[:2] if problem else ("x0", "x1")
    xs = [(float(area.svg(np.array([[t.value, ylo]]))[0, 0]), t) for t in round_ticks(xlo, xhi)]
    ys = [(float(area.svg(np.array([[xlo, t.value]]))[0, 1]), t) for t in round_ticks(ylo, yhi)]
    frame = _frame(PATH_WIDTH, height, xs, ys, (x, y))
    backdrop, levels = contours.contours_svg(problem, area) if problem else ("", 0)
    if levels:
        why = (
            f"Grey contours: f at {levels} levels, those of path.png, "
            f"from a {contours.GRID} x {contours.GRID} grid over this window."
        )
    marked = contours.starts_svg(area, starts)
    listed = contours.listed_minima(summary)
    minima = contours.minima_svg(area, listed)
    kinds = {kind for kind, _ in listed if f'data-kind="{kind}"' in minima}
    lines, heads = _polylines(inks, "path")
    # path.png's order (contours, paths, starts, minima on top), except that the heads
    # (where each run is at the chosen step) stay visible on a minimum the runs reach
    svg = (
        _svg_open("scrub-paths", PATH_WIDTH, height, "paths up to the chosen step")
        + f'<clipPath id="{key}-clip"><rect x="{LEFT}" y="{TOP}" width="{PATH_WIDTH}" '
        f'height="{height}"></rect></clipPath>'
        f'<g clip-path="url(#{key}-clip)">{backdrop}{lines}{marked}{minima}{heads}</g>'
        # unclipped: an X where a path left the view sits on the edge, whole
        f"{frame}{_marks(inks, 'path')}</svg>"
    )
    return svg, contours.legend_items(bool(marked), kinds), why or ""


def loss_svg(
    key: str, inks: Inks, last: int, log: bool, span: tuple[float, float], label: str = "loss"
) -> str:
    """The loss drawing of section ``key``: steps 0 to ``last`` across, ``span`` of the
    loss (log10 if ``log``) up, the vertical axis named ``label`` (default "loss"; "loss -
    f*" when f* is known); lines beyond the span are cut at its edges."""
    lo, hi = span
    lines, heads = _polylines(inks, "loss")
    up = math.log10 if log else float
    bottom, top = up(lo), up(hi)
    top = top if top > bottom else bottom + 1.0  # as scrub.js: a flat loss gets a unit
    ys = decade_ticks(lo, hi, HEIGHT, FONT) if log else round_ticks(lo, hi)
    frame = _frame(
        LOSS_WIDTH,
        HEIGHT,
        [(LEFT + t.value / max(last, 1) * LOSS_WIDTH, t) for t in round_ticks(0, last)],
        [(TOP + (top - up(t.value)) / (top - bottom) * HEIGHT, t) for t in ys],
        ("step", f"{label} (log)" if log else label),
        grid=True,
    )
    return (
        _svg_open("scrub-loss", LOSS_WIDTH, HEIGHT, "loss curves up to the chosen step")
        + f'<clipPath id="{key}-loss-clip"><rect x="{LEFT}" y="{TOP}" width="{LOSS_WIDTH}" '
        f'height="{HEIGHT}"></rect></clipPath>'
        f'{frame}<g clip-path="url(#{key}-loss-clip)">{lines}</g>{heads}{_marks(inks, "loss")}'
        "</svg>"
    )


def legend(inks: Inks, labels: Sequence[str], diverged: bool = False) -> str:
    """One list item per line: a short stroke in its colour and dash, and its label; and
    with ``diverged`` (some drawn run diverged) the X's key, as path.png's legend has."""
    key = (
        f'<li><svg width="26" height="26" viewBox="-17 -17 34 34" aria-hidden="true"><path '
        f'd="{cross(X_SIZE)}" fill="#999999" stroke="#000000" stroke-width="1.8"></path></svg>'
        " diverged</li>"
        if diverged
        else ""
    )
    lines = "".join(
        f'<li><svg width="44" height="14" aria-hidden="true"><line x1="0" y1="7" x2="44" '
        f'y2="7" stroke="{escape(color)}" stroke-width="5"'
        + (f' stroke-dasharray="{dash}"' if dash else "")
        + f"></line></svg> {escape(label)}</li>"
        for (color, dash), label in zip(inks, labels, strict=True)
    )
    return lines + key
