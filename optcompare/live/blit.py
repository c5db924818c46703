"""Blitting for the live window: redraw only what an event moved.

A full Agg draw of the window (contours, text, a dozen axes) costs far more than
rerunning one optimizer, so the moving artists (paths, loss curves, markers, the
title, the sliders' bars) are marked animated: a full draw leaves them out, the
background it leaves is cached, and the moving artists are drawn over it.  An event
then restores that background, draws the moving artists and blits, unless the
backend cannot blit or something still (axis limits, a check box) changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure


def slider_parts(slider: Any) -> list[Artist]:
    """The artists a matplotlib Slider moves when its value changes (bar, handle, text)."""
    return [a for a in (slider.poly, getattr(slider, "_handle", None), slider.valtext) if a]


class Blitter:
    """Draws ``artists`` (made animated here) over a cached background of ``figure``.

    Attributes:
        fast: events drawn by restoring the background and blitting.
        full: events that asked for a full draw.
    """

    def __init__(self, figure: Figure, artists: Sequence[Artist]) -> None:
        self.figure = figure
        self.artists = list(artists)
        for a in self.artists:
            a.set_animated(True)
        self.background: Any = None
        self.fast = 0
        self.full = 0
        figure.canvas.mpl_connect("draw_event", self._on_draw)

    def _on_draw(self, event: Any) -> None:
        canvas: Any = self.figure.canvas  # copy_from_bbox exists where supports_blit says so
        if getattr(canvas, "is_saving", lambda: False)():
            # savefig draws an axes' animated artists but not the figure's own (the title)
            for a in self.artists:
                if a.axes is None and a.get_visible():
                    a.draw(event.renderer)
            return
        if not canvas.supports_blit:
            self.background = None
            return
        self.background = canvas.copy_from_bbox(self.figure.bbox)
        self._draw_artists()

    def _draw_artists(self) -> None:
        for a in self.artists:
            if a.get_visible():
                self.figure.draw_artist(a)

    def update(self, full: bool = False) -> None:
        """Show the current state: a full draw (scheduled) when ``full`` or when there is
        no background to restore, else restore, draw the moving artists and blit."""
        canvas: Any = self.figure.canvas  # copy_from_bbox exists where supports_blit says so
        if full or self.background is None or not canvas.supports_blit:
            self.full += 1
            self.background = None  # stale until the next full draw recaches it
            canvas.draw_idle()
            return
        self.fast += 1
        canvas.restore_region(self.background)
        self._draw_artists()
        canvas.blit(self.figure.bbox)
