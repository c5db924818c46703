"""Time from a live-window slider event to the redrawn figure, 500 steps.

Each event moves one optimizer's lr slider: the window reruns that optimizer and
moves its lines, then either blits (restores the cached background, draws the
moving artists) or asks for a full draw when the loss panel's limits changed.
Target: at most 100 ms.

Two canvases:
- ``--screen`` (needs a display, e.g. Debian's xvfb: ``xvfb-run -a python ...``): the
  real Tk window that ``optcompare live`` opens; after each event Tk is made to
  process its queue (``flush_events``), so a scheduled full draw and the pixels'
  copy to the window are inside the time.
- otherwise Agg's canvas with the idle redraw deferred (as on a screen, where
  draw_idle only schedules a draw) and drawn after the event when one was asked for.

Run: python benchmarks/live_latency.py [--screen] [--style paper|talk]
"""

from __future__ import annotations

import argparse
import statistics
import time

import optcompare
from optcompare.live import DPI, FIGSIZES

OPTIMIZERS = ["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05", "rmsprop", "rprop"]
PROBLEM = "rosenbrock"
STEPS = 500
EVENTS = 20


def _agg_window(style: str):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    class DeferredCanvas(FigureCanvasAgg):
        asked = False

        def draw_idle(self, *args, **kwargs) -> None:
            self.asked = True  # a screen's canvas draws later, once; settle() draws

    fig = Figure(figsize=FIGSIZES[style], dpi=DPI)
    canvas = DeferredCanvas(fig)
    window = optcompare.live(OPTIMIZERS, PROBLEM, steps=STEPS, figure=fig, style=style)
    canvas.draw()
    canvas.asked = False  # the window's construction asked for the draw just made

    def settle() -> None:
        if canvas.asked:
            canvas.asked = False
            canvas.draw()

    return window, settle


def _screen_window(style: str):
    import matplotlib

    matplotlib.use("TkAgg")
    from matplotlib import pyplot as plt

    window = optcompare.live(OPTIMIZERS, PROBLEM, steps=STEPS, style=style)
    plt.show(block=False)
    canvas = window.figure.canvas
    for _ in range(20):  # let the window map and draw once, caching the background
        canvas.flush_events()
        time.sleep(0.05)

    def settle() -> None:
        canvas.flush_events()  # Tk runs the scheduled draw and copies the pixels

    return window, settle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screen", action="store_true", help="time the real Tk window")
    parser.add_argument("--style", choices=sorted(FIGSIZES), default="paper")
    args = parser.parse_args()
    window, settle = (_screen_window if args.screen else _agg_window)(args.style)
    slider = window.widgets[1]["lr"]
    window.blit.fast = window.blit.full = 0  # count the events' draws only
    times = []
    for k in range(EVENTS):
        t0 = time.perf_counter()
        slider.set_val(-2.0 + 0.05 * k)  # lr from 0.01 up
        settle()
        times.append(time.perf_counter() - t0)
    ms = [1000 * t for t in times]
    fast, full = window.blit.fast, window.blit.full
    width, height = window.figure.get_size_inches() * window.figure.dpi
    where = "Tk window on a display" if args.screen else "Agg canvas"
    print(
        f"live latency ({where}, {args.style} style), {len(OPTIMIZERS)} optimizers on "
        f"{PROBLEM}, {STEPS} steps, {width:.0f}x{height:.0f} px, {EVENTS} lr-slider events "
        f"({fast} blitted, {full} full draws): median {statistics.median(ms):.0f} ms, "
        f"max {max(ms):.0f} ms (target <= 100 ms)"
    )


if __name__ == "__main__":
    main()
