"""Time from a live-window slider event to the redrawn figure, 500 steps.

Each event moves one optimizer's lr slider: the window reruns that optimizer and
moves its lines, then either blits (restores the cached background, draws the
moving artists) or asks for a full draw when the loss panel's limits changed.  The
canvas here is Agg's with the idle redraw deferred (as on a screen, where draw_idle
only schedules a draw) and drawn after the event when one was asked for, so one
event costs one rerun and one blit or one full draw.  Target: at most 100 ms.
Run: MPLBACKEND=Agg python benchmarks/live_latency.py
"""

from __future__ import annotations

import statistics
import time

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import optcompare
from optcompare.live import DPI, FIGSIZE

OPTIMIZERS = ["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05", "rmsprop", "rprop"]
PROBLEM = "rosenbrock"
STEPS = 500
EVENTS = 20


class DeferredCanvas(FigureCanvasAgg):
    asked = False

    def draw_idle(self, *args, **kwargs) -> None:
        self.asked = True  # a screen's canvas draws later, once; the loop below draws


def main() -> None:
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    canvas = DeferredCanvas(fig)
    window = optcompare.live(OPTIMIZERS, PROBLEM, steps=STEPS, figure=fig)
    canvas.draw()
    slider = window.widgets[1]["lr"]
    window.blit.fast = window.blit.full = 0  # count the events' draws only
    times = []
    for k in range(EVENTS):
        canvas.asked = False
        t0 = time.perf_counter()
        slider.set_val(-2.0 + 0.05 * k)  # lr from 0.01 up
        if canvas.asked:
            canvas.draw()
        times.append(time.perf_counter() - t0)
    ms = [1000 * t for t in times]
    fast, full = window.blit.fast, window.blit.full
    print(
        f"live latency, {len(OPTIMIZERS)} optimizers on {PROBLEM}, {STEPS} steps, "
        f"{FIGSIZE[0] * DPI:.0f}x{FIGSIZE[1] * DPI:.0f} px, {EVENTS} lr-slider events "
        f"({fast} blitted, {full} full draws): median {statistics.median(ms):.0f} ms, "
        f"max {max(ms):.0f} ms (target <= 100 ms)"
    )


if __name__ == "__main__":
    main()
