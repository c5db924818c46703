"""Every word of a figure stays in it, in the paper and the talk style, and the talk style
keeps legends, titles and path panels readable: the figure makers run with small settings,
each figure is written in both styles (as ``output`` writes it) and measured."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text

import optcompare
from optcompare.plotting import (
    basins_figure,
    loss_figure,
    path_figure,
    plot_path,
    regions_figure,
    sweep_figure,
)
from optcompare.plotting.notes import caption
from optcompare.plotting.restyle import for_file, show_dashes
from optcompare.plotting.style import new_figure
from optcompare.problem import make_problem

# a talk legend must stay readable from the back of a room: its paper type of 11 pt
# grows 1.75 times to 19.25 pt; shrinking it to fit is allowed down to this
TALK_LEGEND = 12.0


def _himmelblau() -> optcompare.Result:
    return optcompare.run(
        ["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05", "rmsprop"],
        "himmelblau",
        seeds=4,
        jitter=0.5,
        steps=150,
    )


def _two_path_panels() -> Figure:
    # the rprop-minibatch lesson's layout: two path panels, one legend below both
    from optcompare.lessons.rprop_figures import legend_below

    fig, axes = new_figure(1, 2, figsize=(12.0, 7.0))
    for ax, problem in zip(axes, ("quadratic:kappa=10", "rosenbrock"), strict=True):
        plot_path(optcompare.run(["adam:lr=0.1", "rprop"], problem, steps=80), ax=ax, grid=40)
    legend_below(fig, axes)
    return fig


def _coinciding_losses() -> Figure:
    # five runs of one update: one loss curve, whose notes name all five
    specs = ["sgd:lr=0.01"] + [f"sgd:lr=0.01,momentum=0,dampening={d}" for d in (0, 0.1)]
    specs += ["sgd:lr=0.01,weight_decay=0", "sgd:lr=0.01,nesterov=false"]
    return loss_figure(optcompare.run(specs, "rosenbrock", steps=120))


FIGURES: dict[str, Callable[[], Figure]] = {
    "path": lambda: path_figure(_himmelblau(), grid=60),
    "path, PCA view": lambda: path_figure(
        optcompare.run(["sgd", "adam"], "rosenbrock:dim=5", steps=80), grid=40
    ),
    "two path panels": _two_path_panels,
    "loss, notes in a caption": _coinciding_losses,
    "loss and test loss": lambda: loss_figure(
        optcompare.run(["sgd:lr=0.5", "adam:lr=0.1"], "logistic:test=0.3", seeds=2, steps=60)
    ),
    "regions": lambda: regions_figure(
        optcompare.run(["sgd", "sgd:momentum=0.9", "rmsprop", "adam"], "mlp", steps=40, seeds=3)
    ),
    "sweep": lambda: sweep_figure(
        optcompare.sweep(["sgd", "adam"], "rosenbrock", ["lr=1e-4:1e-1:5"], steps=100)
    ),
    "basins": lambda: basins_figure(
        optcompare.basins(["sgd", "adam", "rmsprop"], "himmelblau", grid=12, steps=60),
        make_problem("himmelblau"),
    ),
}


@pytest.fixture(scope="module", params=list(FIGURES))
def styled(request) -> dict[str, Figure]:
    """The figure drawn once, then written in each style (a copy each: a style changes it)."""
    fig = FIGURES[request.param]()
    out = {}
    for style, copy in (("paper", fig), ("talk", pickle.loads(pickle.dumps(fig)))):
        with for_file(copy, style) as styled_fig:
            styled_fig.draw_without_rendering()
            out[style] = styled_fig
    return out


def _words(fig: Figure) -> list[Text | Legend]:
    """The texts and legends of ``fig`` that carry words (tick labels aside: an axis
    places its own)."""
    ticks = {
        id(part)
        for ax in fig.axes
        for axis in (ax.xaxis, ax.yaxis)
        for tick in axis.get_major_ticks() + axis.get_minor_ticks()
        for part in tick.get_children()
    }
    return [
        a
        for a in fig.findobj(lambda a: isinstance(a, (Text, Legend)))
        if id(a) not in ticks
        and a.get_visible()
        and not (isinstance(a, Text) and not a.get_text().strip())
    ]


@pytest.mark.parametrize("style", ["paper", "talk"])
def test_every_word_is_inside_the_figure(styled, style):
    fig = styled[style]
    renderer = fig._get_renderer()
    box = fig.bbox
    out = {}
    for a in _words(fig):
        e = a.get_window_extent(renderer)
        over = max(box.x0 - e.x0, e.x1 - box.x1, box.y0 - e.y0, e.y1 - box.y1)
        if over > 1.0:
            out[a.get_text()[:40] if isinstance(a, Text) else "legend"] = round(over)
    assert out == {}


def test_talk_legends_keep_a_size_read_from_afar(styled):
    for paper, talk in zip(
        styled["paper"].findobj(Legend), styled["talk"].findobj(Legend), strict=True
    ):
        if min(t.get_fontsize() for t in paper.get_texts()) >= 11:
            assert min(t.get_fontsize() for t in talk.get_texts()) >= TALK_LEGEND


def test_titles_take_at_most_two_lines_in_talk(styled):
    for ax in styled["talk"].axes:
        # the lines the title is drawn in, after wrapping at the figure's edges
        lines = ax.title._get_wrapped_text().count("\n") + 1 if ax.title.get_text() else 0
        assert lines <= 2, ax.title.get_text()


def test_equal_aspect_panels_fill_the_place_the_layout_gives_them(request, styled):
    # a box shrunk inside its place leaves strips the layout counts as margin, and
    # spends: labels and legends then reach past the figure's edges.  Decision regions
    # fill theirs too; a basin image ends at the problem's window, so it cannot
    if request.node.callspec.id == "basins":
        pytest.skip("a basin image ends at the problem's window")
    for style, fig in styled.items():
        for ax in fig.axes:
            if ax.get_aspect() == 1.0 and ax.get_label() != "<colorbar>":
                placed, drawn = ax.get_position(original=True), ax.get_position()
                np.testing.assert_allclose(drawn.bounds, placed.bounds, atol=2e-3, err_msg=style)


def test_long_notes_are_a_caption_under_the_axes_and_short_ones_stay_in_the_legend():
    fig = _coinciding_losses()
    (ax,) = fig.axes
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    note = caption(ax)
    assert note is not None and "lie on one loss curve" in note.get_text()
    assert "lie on one" not in legend and "(% of its" not in legend
    fig.draw_without_rendering()
    renderer = fig._get_renderer()
    # under the x axis's label and tick labels, within the axes' width
    below = ax.xaxis.get_tightbbox(renderer)
    text = note.get_window_extent(renderer)
    axes = ax.get_window_extent(renderer)
    assert text.y1 <= below.y0 + 0.5
    assert axes.x0 - 0.5 <= text.x0 and text.x1 <= axes.x1 + 0.5
    # a pair of curves keeps its two short notes in the legend
    pair = loss_figure(optcompare.run(["sgd:lr=0.01", "sgd:lr=0.01,momentum=0"], "rosenbrock"))
    assert caption(pair.axes[0]) is None
    texts = [t.get_text().replace("\n", " ") for t in pair.axes[0].get_legend().get_texts()]
    assert any(" lies under " in t for t in texts)


@pytest.mark.parametrize("styled", ["basins"], indirect=True)
def test_basin_panels_take_the_room_legends_beside_them_took(styled):
    # the shares are one table under the panels, not a legend beside each: a row of
    # three himmelblau panels is then each at least 40% of the figure's height (a
    # talk figure's panels were 32% of it with legends beside them)
    for style, fig in styled.items():
        renderer = fig._get_renderer()
        panels = [ax for ax in fig.axes if ax.images]
        assert len(panels) == 3 and len(fig.legends) == 1
        assert all(ax.get_legend() is None for ax in panels), style
        for ax in panels:
            box = ax.get_window_extent(renderer)
            assert min(box.width, box.height) >= 0.4 * fig.bbox.height, (style, box.bounds)


def _whole_dashes(line: Line2D, length: float) -> int:
    """How many dashes of ``line``'s drawn pattern lie whole along a key ``length`` points
    long (half a point of rounding allowed at the ends)."""
    offset, seq = line._dash_pattern  # in points, as drawn: the pattern times the width
    assert seq, "a dashed key"
    period = float(sum(seq))
    start = -(float(offset) % period)  # where the pattern's first period begins
    count = 0
    while start < length:
        at = start
        for on, off in zip(seq[::2], seq[1::2], strict=True):
            if at >= -0.5 and at + on <= length + 0.5:
                count += 1
            at += on + off
        start += period
    return count


@pytest.mark.parametrize("style", ["paper", "talk"])
def test_dashed_keys_show_their_dashes(style):
    # the gradient-scale lesson's interleaved dashes: each scale's dash starts where the
    # previous one ends, so a key shorter than a period showed some scales as a dot
    fig, ax = new_figure()
    dash, n = 4.0, 3
    for k in range(n):
        ax.plot([0, 1], [k, k], lw=2.2, ls=(k * dash, (dash, dash * (n - 1))), label=f"s{k}")
    legend = fig.legend(loc="outside lower center", ncols=n)
    if style == "paper":
        show_dashes(legend)  # what a figure with such keys calls; talk runs it for every key
    with for_file(fig, style) as styled_fig:
        styled_fig.draw_without_rendering()
        renderer = styled_fig._get_renderer()
        (legend,) = styled_fig.legends
        lines = legend.get_lines()
        assert len(lines) == n
        for line in lines:
            length = line.get_window_extent(renderer).width * 72.0 / styled_fig.dpi
            assert _whole_dashes(line, length) >= 2, (style, line.get_label())
        if style == "talk":  # the dashes grew with the line, as the paths' did
            assert lines[0]._dash_pattern[1][0] > dash * 2.2 * 0.5
