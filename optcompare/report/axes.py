"""The step slider's axes: where the ticks go and what they say, drawn as SVG text.

A log axis gets a tick and a light grid line at every power of ten in its span (as
loss.png has), labelled 10 with a raised exponent; when the decades are too close
for every label to fit, every second (or k-th) one is labelled, the lines stay.  A
linear axis gets a few round ticks (1, 2 or 5 times a power of ten apart).  The
frame's limits are the data's, so its edges need not fall on a tick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

#: About this many steps between ticks on a linear axis (round steps give 3 to 6 ticks).
LINEAR_TICKS = 5
#: Labels on a vertical axis are at least this many font heights apart.
LABEL_GAP = 1.4


@dataclass(frozen=True)
class Tick:
    """A tick at ``value`` (in the axis' data units), with its label's SVG markup."""

    value: float
    label: str  # "" when the tick is a grid line only


def _digits(value: float, step: float) -> str:
    """``value`` with as many digits as ``step`` needs: "0.25", "1000", "2e6"."""
    if value == 0:
        return "0"
    if step >= 1 and abs(value) < 1e5:
        return f"{value:.0f}"
    keep = max(1, math.floor(math.log10(abs(value))) - math.floor(math.log10(step)) + 1)
    mantissa, e, exponent = f"{value:.{keep}g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if e else mantissa


def round_ticks(lo: float, hi: float, n: int = LINEAR_TICKS) -> list[Tick]:
    """Ticks at round values inside [lo, hi], about ``n`` of them, 1, 2 or 5 times a
    power of ten apart (the steps matplotlib's figures use)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [Tick(lo, _digits(lo, abs(lo) or 1.0))] if math.isfinite(lo) else []
    rough = (hi - lo) / max(n, 1)
    power = 10.0 ** math.floor(math.log10(rough))
    steps = [m * power for m in (0.5, 1.0, 2.0, 5.0, 10.0)]
    i = next(i for i, step in enumerate(steps) if step >= rough)
    while True:  # a smaller step when the span's ends leave fewer than three ticks
        step = steps[i]
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        if last - first >= 2 or i == 0:
            return [Tick(k * step, _digits(k * step, step)) for k in range(first, last + 1)]
        i -= 1


def decade_ticks(lo: float, hi: float, room: float, font: float) -> list[Tick]:
    """A tick at each power of ten in [lo, hi] (both > 0) on an axis ``room`` SVG units
    long; every k-th labelled when labels ``font`` units tall would crowd closer than
    :data:`LABEL_GAP` font heights, the others left as grid lines."""
    if not (0 < lo < hi) or not math.isfinite(hi):
        return []
    first = math.ceil(math.log10(lo) - 1e-9)
    last = math.floor(math.log10(hi) + 1e-9)
    apart = room / (math.log10(hi) - math.log10(lo))  # units per decade
    every = max(1, math.ceil(LABEL_GAP * font / apart))
    return [
        Tick(
            10.0**k,
            f'10<tspan dy="-0.45em" font-size="75%">{"−" if k < 0 else ""}{abs(k)}</tspan>'
            if k % every == 0
            else "",
        )
        for k in range(first, last + 1)
    ]


def frame_ticks(
    ticks: list[tuple[float, Tick]],
    edge: float,
    span: tuple[float, float],
    vertical: bool,
    text: str,
    font: float,
    grid: bool,
) -> str:
    """The ticks' marks, labels and, with ``grid``, light grid lines, each at its SVG
    position: (position, tick) pairs along the frame's bottom edge at y = ``edge``
    (``vertical`` False), or its left edge at x = ``edge``; ``span`` is the frame's
    extent across (y top to bottom, or x left to right) for the grid lines; ``text``
    the labels' SVG attributes."""
    out = []
    mark = 0.3 * font  # a tick's length
    ink = f'stroke="#888888" stroke-width="{0.07 * font:.1f}"'
    for at, t in ticks:
        value = escape(repr(float(t.value)))
        if vertical:
            if grid:
                out.append(
                    f'<line class="scrub-grid" x1="{span[0]}" x2="{span[1]}" y1="{at:.1f}" '
                    f'y2="{at:.1f}" stroke="#d9d9d9" stroke-width="{0.06 * font:.1f}"></line>'
                )
            out.append(
                f'<line x1="{edge - mark}" x2="{edge}" y1="{at:.1f}" y2="{at:.1f}" {ink}></line>'
            )
            if t.label:
                out.append(
                    f'<text class="scrub-tick" data-axis="y" data-value="{value}" {text} '
                    f'x="{edge - mark - 3}" y="{at + 0.35 * font:.1f}" text-anchor="end">'
                    f"{t.label}</text>"
                )
        else:
            if grid:
                out.append(
                    f'<line class="scrub-grid" y1="{span[0]}" y2="{span[1]}" x1="{at:.1f}" '
                    f'x2="{at:.1f}" stroke="#d9d9d9" stroke-width="{0.06 * font:.1f}"></line>'
                )
            out.append(
                f'<line y1="{edge}" y2="{edge + mark}" x1="{at:.1f}" x2="{at:.1f}" {ink}></line>'
            )
            if t.label:
                out.append(
                    f'<text class="scrub-tick" data-axis="x" data-value="{value}" {text} '
                    f'x="{at:.1f}" y="{edge + mark + 2 + font:.1f}" text-anchor="middle">'
                    f"{t.label}</text>"
                )
    return "".join(out)
