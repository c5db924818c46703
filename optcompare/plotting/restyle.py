"""Finished figures in the current style (:mod:`optcompare.plotting.style`): the paper look
as drawn, or the talk look, resized to 16:9 with larger type and thicker lines.

Plot functions draw one look; the talk style is applied to the finished figure, so every
figure (a command's, a lesson's, one built in a notebook) gets it from one place, with
its colours unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from optcompare.plotting.style import DPI, Style, current_style, style_named

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "apply_style",
    "fit_to_figure",
    "for_file",
    "scale_artists",
    "show_dashes",
    "wrap_figure_texts",
]


def apply_style(fig: Figure, style: str | Style | None = None) -> Figure:
    """Resize and re-ink a finished ``fig`` for ``style`` (default: :func:`current_style`).

    Paper leaves the figure as drawn.  Talk sets the 16:9 size and :data:`DPI`, and
    multiplies font sizes, line widths and marker sizes by the style's factors; a
    figure is restyled once however often this is called.  The layout engine places
    the bigger text when the figure is next drawn.
    """
    look = style_named(style) if isinstance(style, str) else style or current_style()
    if look.figsize is None or getattr(fig, "_optcompare_style", None) == look.name:
        return fig
    fig.set_size_inches(*look.figsize)
    fig.set_dpi(DPI)
    return scale_artists(fig, look)


def scale_artists(fig: Figure, look: Style) -> Figure:
    """Multiply every font size, line width and marker size of ``fig`` by ``look``'s factors,
    keeping its size, and mark it as in ``look`` so that :func:`apply_style` leaves it be.

    Used alone for a figure laid out for its style from the start (the live window),
    whose geometry already has room for the larger type.
    """
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D
    from matplotlib.text import Text

    tick_parts: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            name: Literal["x", "y"] = "x" if axis is ax.xaxis else "y"
            for which, ticks in (
                ("major", axis.get_major_ticks()),
                ("minor", axis.get_minor_ticks()),
            ):
                tick_parts.update(id(a) for t in ticks for a in t.get_children())
                if ticks:  # new ticks copy these settings when the figure is drawn
                    t = ticks[0]
                    ax.tick_params(
                        axis=name,
                        which=which,
                        labelsize=float(t.label1.get_fontsize()) * look.text,
                        width=t.tick1line.get_markeredgewidth() * look.line,
                        length=t.tick1line.get_markersize() * look.marker,
                    )
    for text in fig.findobj(Text):
        if id(text) not in tick_parts:
            text.set_fontsize(float(text.get_fontsize()) * look.text)
    for line in fig.findobj(Line2D):
        if id(line) not in tick_parts:
            line.set_linewidth(line.get_linewidth() * look.line)
            line.set_markersize(line.get_markersize() * look.marker)
            line.set_markeredgewidth(line.get_markeredgewidth() * look.marker)
    for dots in fig.findobj(PathCollection):  # scatter sizes are areas in points^2
        dots.set_sizes(dots.get_sizes() * look.marker**2)
        dots.set_linewidth(list(np.asarray(dots.get_linewidth(), float) * look.marker))
    _grow_legend_keys(fig, look.text)
    fig._optcompare_style = look.name  # type: ignore[attr-defined]
    return fig


def _grow_legend_keys(fig: Figure, factor: float) -> None:
    """Lengthen each legend key with its text: a key keeps the size it was made at, too
    short for a thick dashed line to show its dashes."""
    from matplotlib.legend import Legend

    for legend in fig.findobj(Legend):
        _scale_keys(legend, factor)


def _scale_keys(legend: Any, factor: float) -> None:
    """Scale the keys of ``legend`` by ``factor``, on top of any earlier scaling."""
    from matplotlib.collections import Collection
    from matplotlib.offsetbox import DrawingArea
    from matplotlib.transforms import Affine2D

    for key in legend.findobj(DrawingArea):
        total = getattr(key, "_optcompare_scale", 1.0) * factor
        key._optcompare_scale = total
        key.width, key.height = key.width * factor, key.height * factor
        key.xdescent, key.ydescent = key.xdescent * factor, key.ydescent * factor
        grown = Affine2D().scale(total) + key.get_transform()
        for artist in key.get_children():  # drawn in points of the key's box
            if isinstance(artist, Collection):  # markers sized apart, placed by offsets
                artist.set_offset_transform(grown)
            else:
                artist.set_transform(grown)
    show_dashes(legend)


def show_dashes(legend: Any, periods: float = 2.0) -> Any:
    """Shorten the dash pattern (and its offset) of each dashed key line of ``legend`` so
    that ``periods`` (default 2) whole patterns fit along the key; returns ``legend``.

    Dashes are drawn in points and grow with the line width (2x in talk) while a key
    grows with its text (1.75x), so a pattern can outgrow its key; with an offset (the
    gradient-scale lesson interleaves dashes) the one dash a key shows then fell past its
    end: 'scale 1000' was a dot.  Only the key's own copy of the line changes.
    """
    from matplotlib.lines import Line2D
    from matplotlib.offsetbox import DrawingArea

    for key in legend.findobj(DrawingArea):
        scale = getattr(key, "_optcompare_scale", 1.0)
        for line in key.get_children():
            # the pattern as set, in units of the line width (matplotlib keeps no public copy)
            offset, seq = getattr(line, "_unscaled_dash_pattern", (0.0, None))
            if not isinstance(line, Line2D) or not seq:
                continue
            x = np.asarray(line.get_xdata(), dtype=float)
            length = float(np.ptp(x)) * scale if x.size else 0.0
            period = float(sum(seq)) * line.get_linewidth()
            if length > 0 and period * periods > length:
                k = length / (period * periods)
                line.set_linestyle((offset * k, [d * k for d in seq]))
    return legend


def _shrink_legend(legend: Any, factor: float) -> bool:
    """Shrink the whole of ``legend`` (type, keys, spacing) by ``factor`` (< 1), its type
    no smaller than :data:`SMALLEST_TYPE`; whether it got smaller.  Its spacing was
    fixed in points when it was made, so the type alone would barely shrink it."""
    from matplotlib.offsetbox import HPacker, VPacker
    from matplotlib.text import Text

    texts = legend.findobj(Text)
    largest = max((float(t.get_fontsize()) for t in texts), default=0.0)
    factor = max(factor, SMALLEST_TYPE / largest) if largest else factor
    if factor >= 1.0:
        return False
    for text in texts:
        text.set_fontsize(float(text.get_fontsize()) * factor)
    _scale_keys(legend, factor)
    for box in legend.findobj(lambda a: isinstance(a, (HPacker, VPacker))):
        box.sep, box.pad = box.sep * factor, box.pad * factor
    legend._fontsize *= factor  # its border and padding, in units of its type
    return True


@contextmanager
def for_file(fig: Figure, style: str | Style | None = None) -> Iterator[Figure]:
    """``fig`` in ``style`` (default: the current one), ready to be written until the block
    ends: ``with for_file(fig) as f: f.savefig(...)``.  SVG keeps text as ``<text>``
    elements (editable in slide software), not matplotlib's default outlines of glyphs."""
    from matplotlib import rc_context

    with rc_context({"svg.fonttype": "none"}):
        styled = apply_style(fig, style)
        wrap_figure_texts(styled)
        if getattr(styled, "_optcompare_style", "paper") != "paper":
            fit_to_figure(styled)
        yield styled


def wrap_figure_texts(fig: Figure) -> Figure:
    """Let the texts placed on ``fig`` itself (the suptitle, captions) wrap at its edges
    when drawn, as axes titles do (:func:`optcompare.plotting.style.fit_title`); the
    layout engine makes room for their extra lines."""
    from matplotlib.text import Text

    for text in fig.get_children():  # the figure's own; texts in a legend or box cannot wrap
        if isinstance(text, Text) and text.get_text().strip():
            text.set_wrap(True)
    return fig


#: Smallest type :func:`fit_to_figure` shrinks a legend or an axis label to, in points:
#: the paper figures' smallest legend text.
SMALLEST_TYPE = 9.0


def fit_to_figure(fig: Figure, rounds: int = 4) -> Figure:
    """Keep every word of ``fig`` inside it after the talk style enlarged the type.

    Figure-level texts (the suptitle, captions) wrap at the figure's edges; a legend or an
    axis label that still reaches past the figure, or an axis label longer than its axes,
    is shrunk by the share that overflows (never below :data:`SMALLEST_TYPE`), and the
    layout engine places the result; a few ``rounds`` settle it.  Costs one layout pass
    (no pixels) per round, so :func:`for_file` runs it only for the talk style.
    """
    from matplotlib.legend import Legend

    wrap_figure_texts(fig)
    for _ in range(rounds):
        fig.draw_without_rendering()
        renderer = fig._get_renderer()  # type: ignore[attr-defined]
        edge = fig.bbox
        shrunk = False
        for legend in fig.findobj(Legend):
            if legend.get_visible():
                box = legend.get_window_extent(renderer)
                wide = _fit(box.width, _over(box.x0, box.x1, edge.x0, edge.x1), edge.width)
                tall = _fit(box.height, _over(box.y0, box.y1, edge.y0, edge.y1), edge.height)
                shrunk |= _shrink_legend(legend, min(wide, tall))
        for ax in fig.axes:
            axes_box = ax.get_window_extent(renderer)
            for label, along in ((ax.xaxis.label, "x"), (ax.yaxis.label, "y")):
                if not label.get_text():
                    continue
                box = label.get_window_extent(renderer)
                length = box.width if along == "x" else box.height
                room = axes_box.width if along == "x" else axes_box.height
                shrunk |= _shrink([label], _fit(length, length - room, room))
        if not shrunk:
            break
    return fig


def _over(lo: float, hi: float, edge_lo: float, edge_hi: float) -> float:
    """How far the span [lo, hi] reaches past [edge_lo, edge_hi], both sides together."""
    return max(0.0, edge_lo - lo) + max(0.0, hi - edge_hi)


def _fit(length: float, over: float, room: float) -> float:
    """The factor that takes ``over`` off ``length``, and 1% of ``room`` more when anything
    overflows (a legend's spacing does not shrink quite with its type), else 1."""
    if over <= 0.5 or length <= 0:
        return 1.0
    return max(0.0, length - over - 0.01 * room) / length


def _shrink(texts: list, factor: float) -> bool:
    """Shrink ``texts`` by ``factor`` (< 1), down to :data:`SMALLEST_TYPE`; whether any
    got smaller."""
    if factor >= 1.0:
        return False
    smaller = False
    for text in texts:
        size = float(text.get_fontsize())
        new = max(SMALLEST_TYPE, size * max(factor, 0.05))
        if new < size:
            text.set_fontsize(new)
            smaller = True
    return smaller
