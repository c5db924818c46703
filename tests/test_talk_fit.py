"""A figure written in the talk style keeps every word inside it: figure titles wrap,
legends and axis labels that still overflow are shrunk by what overflows."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text

from optcompare.plotting.restyle import SMALLEST_TYPE, for_file

N = 22


def _crowded() -> Figure:
    # a paper figure that fits, whose suptitle and outside legend will not at 1.75x type
    fig = Figure(figsize=(10.0, 5.6), dpi=150, layout="constrained")
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 50)
    for k in range(N):  # a legend as tall as the paper figure allows
        ax.plot(x, x ** (k / 4), label=f"curve {k}, power {k / 4:g}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=11)
    ax.set_ylabel("a y label as long as the axes are tall, nearly", fontsize=12)
    fig.suptitle(
        "A suptitle that fits a page across ten inches but not in larger type", fontsize=14
    )
    return fig


def _outside(fig: Figure) -> list[str]:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ticks = {
        id(part)
        for ax in fig.axes
        for axis in (ax.xaxis, ax.yaxis)
        for tick in axis.get_major_ticks() + axis.get_minor_ticks()
        for part in tick.get_children()
    }
    box = fig.bbox
    out = []
    for a in fig.findobj(lambda a: isinstance(a, (Text, Legend))):
        if id(a) in ticks or not a.get_visible():
            continue
        if isinstance(a, Text) and not a.get_text().strip():
            continue
        e = a.get_window_extent(renderer)
        if e.x0 < box.x0 - 1 or e.x1 > box.x1 + 1 or e.y0 < box.y0 - 1 or e.y1 > box.y1 + 1:
            out.append(a.get_text() if isinstance(a, Text) else "legend")
    return out


def test_the_crowded_figure_overflows_in_talk_without_the_fit():
    from optcompare.plotting.restyle import apply_style

    fig = apply_style(_crowded(), "talk")
    assert _outside(fig)  # what the fit is for: without it, words leave the figure


@pytest.mark.parametrize("style", ["paper", "talk"])
def test_every_word_stays_inside_the_written_figure(style):
    paper_legend = 11.0
    with for_file(_crowded(), style) as fig:
        assert _outside(fig) == []
        legend = fig.axes[0].get_legend()
        sizes = [t.get_fontsize() for t in legend.get_texts()]
        assert min(sizes) >= SMALLEST_TYPE
        if style == "paper":
            assert sizes == [paper_legend] * N  # a paper figure that fits is left as drawn
        else:
            # shrunk only as far as it had to: still larger than on paper
            assert paper_legend < sizes[0] < paper_legend * 1.75
            assert fig.get_suptitle() and fig._suptitle.get_wrap()
