"""Sentences a figure carries besides its keys: a short one in the legend, long ones in a
caption under the axes.

A legend is sized for keys.  Long generated notes in it (which curve lies under which,
:mod:`optcompare.plotting.overlap`) made it taller than a 16:9 slide, and the talk style
then shrank the whole legend, keys and all, to a size nobody reads from the back of a
room.  Under the axes the notes have the axes' width, wrap there in either style, and the
legend keeps its size.  :func:`legend_notes` is the one rule for every figure.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from optcompare.plotting.style import LEGEND, LEGEND_WIDTH, note_handles

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Text

__all__ = ["CAPTION_GID", "NOTE_LINES", "caption", "caption_text", "legend_notes"]

#: Legend lines (of :func:`note_handles`' width) a group of notes may take in a legend;
#: a longer group goes to the caption.
NOTE_LINES = 6  # a pair of curves and its closing note, with long labels
#: The gid of an axes' caption.
CAPTION_GID = "caption"


def caption(ax: Axes) -> Text | None:
    """``ax``'s caption, or None."""
    return next((t for t in ax.texts if t.get_gid() == CAPTION_GID), None)


def caption_text(ax: Axes) -> str:
    """The notes of ``ax``'s caption, one per line ("" without one)."""
    c = caption(ax)
    return c.get_text() if c is not None else ""


def legend_notes(ax: Axes, *groups: Sequence[str], under: Axes | None = None) -> list[Any]:
    """Legend entries for the short ``groups`` of notes; the others go to the caption.

    A group (notes that explain each other stay together) is short when its notes take at
    most :data:`NOTE_LINES` legend lines.  A long group's notes are added, one a line, to
    the caption of ``under`` (default ``ax``): under its x label, its width, wrapped, in
    the legend's type (:data:`LEGEND`), which the layout makes room for.
    """
    keep: list[str] = []
    move: list[str] = []
    for group in groups:
        lines = sum(len(textwrap.wrap(n, LEGEND_WIDTH + 6)) for n in group)
        (move if lines > NOTE_LINES else keep).extend(group)
    if move:
        _add_caption(under if under is not None else ax, move)
    return note_handles(keep)


def _add_caption(ax: Axes, notes: list[str]) -> Text:
    """Append ``notes`` (one a line) to ``ax``'s caption, made on first use."""
    from matplotlib.transforms import IdentityTransform

    from optcompare.plotting.caption import Caption, UnderAxis

    old = caption(ax)
    if old is not None:
        old.set_text(old.get_text() + "\n" + "\n".join(notes))
        return old
    text = Caption(
        "\n".join(notes),
        xy=(0.0, 0.0),
        # the axes' left edge, below the x axis's tick labels and label
        xycoords=("axes fraction", UnderAxis(ax)),
        xytext=(0.0, -6.0),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=LEGEND,
        color="0.15",
        wrap=True,
        gid=CAPTION_GID,
        # placed by its coordinates when drawn; until then the axes would give it their
        # data transform, where a log axis disowns its offset (-6) and the layout skips it
        transform=IdentityTransform(),
        clip_on=False,  # below the axes, outside their box
    )
    ax.add_artist(text)
    return text
