"""Finished figures in the current style (:mod:`optcompare.plotting.style`): the paper look
as drawn, or the talk look, resized to 16:9 with larger type and thicker lines.

Plot functions draw one look; the talk style is applied to the finished figure, so every
figure (a command's, a lesson's, one built in a notebook) gets it from one place, with
its colours unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

import numpy as np

from optcompare.plotting.style import DPI, Style, current_style, style_named

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["apply_style", "for_file", "scale_artists"]


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
    from matplotlib.collections import Collection
    from matplotlib.legend import Legend
    from matplotlib.offsetbox import DrawingArea
    from matplotlib.transforms import Affine2D

    for legend in fig.findobj(Legend):
        for key in legend.findobj(DrawingArea):
            key.width, key.height = key.width * factor, key.height * factor
            key.xdescent, key.ydescent = key.xdescent * factor, key.ydescent * factor
            grown = Affine2D().scale(factor) + key.get_transform()
            for artist in key.get_children():  # drawn in points of the key's box
                if isinstance(artist, Collection):  # markers sized apart, placed by offsets
                    artist.set_offset_transform(grown)
                else:
                    artist.set_transform(grown)


@contextmanager
def for_file(fig: Figure, style: str | Style | None = None) -> Iterator[Figure]:
    """``fig`` in ``style`` (default: the current one), ready to be written until the block
    ends: ``with for_file(fig) as f: f.savefig(...)``.  SVG keeps text as ``<text>``
    elements (editable in slide software), not matplotlib's default outlines of glyphs."""
    from matplotlib import rc_context

    with rc_context({"svg.fonttype": "none"}):
        yield apply_style(fig, style)
