"""The caption text under an axes (:func:`optcompare.plotting.notes.legend_notes`).

Its own module as it subclasses a matplotlib class at import, and the plotting modules
import matplotlib only when they draw.
"""

from __future__ import annotations

from typing import Any

from matplotlib.text import Annotation

__all__ = ["Caption", "UnderAxis"]


class Caption(Annotation):
    """A text under an axes' x label that wraps at the axes' width whenever it is drawn
    (matplotlib's own wrapping stops only at the figure's edge)."""

    def _get_wrap_line_width(self) -> float:
        ax = self.axes
        return float(ax.get_window_extent().width) if ax is not None else 0.0


class UnderAxis:
    """Coordinates for an annotation: the box of ``ax``'s x axis (tick labels and label),
    measured afresh when asked, else ``ax``'s box.

    Measured, not read off the label: the label is placed while the axis is drawn, so its
    position is the last draw's while the layout engine measures the caption.
    """

    def __init__(self, ax: Any) -> None:
        self.ax = ax

    def __call__(self, renderer: Any) -> Any:
        box = self.ax.xaxis.get_tightbbox(renderer)
        if box is None or not box.height > 0:
            return self.ax.get_window_extent(renderer)
        return box
