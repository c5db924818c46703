"""Titles fit inside their figure (the rule of ``plotting.style.fit_title``), in the paper
look and after the talk style enlarges the type."""

from __future__ import annotations

import pytest

import optcompare
from optcompare.plotting import path_figure
from optcompare.plotting.restyle import apply_style
from optcompare.plotting.style import new_axes, retitle, root_figure, style_axes


def inside(text, fig) -> bool:
    """Whether the drawn ``text`` lies within the figure (a pixel of rounding allowed)."""
    box, frame = text.get_window_extent(), fig.bbox
    return (
        box.x0 >= frame.x0 - 1
        and box.x1 <= frame.x1 + 1
        and box.y0 >= frame.y0 - 1
        and box.y1 <= frame.y1 + 1
    )


@pytest.fixture(scope="module")
def mlp():
    # the PCA view's title has a long second line, and the legend beside the axes
    # moves their centre, and so the centred title, to the left
    return optcompare.run(["adam", "sgd"], "mlp", steps=60)


@pytest.mark.parametrize("style", ["paper", "talk"])
def test_the_mlp_path_title_lies_inside_the_figure(mlp, style):
    fig = apply_style(path_figure(mlp, grid=20), style)
    fig.draw_without_rendering()
    title = fig.axes[0].title
    assert "principal plane" in title.get_text()
    assert inside(title, fig)


@pytest.mark.parametrize("set_title", ["style_axes", "retitle"])
def test_a_title_too_long_for_a_narrow_figure_wraps_inside_it(set_title):
    ax = new_axes((3.0, 3.0))
    words = "a title far too long for a figure three inches wide, on one line"
    if set_title == "style_axes":
        style_axes(ax, words, "x", "y")
    else:
        retitle(ax, words)
    fig = root_figure(ax)
    fig.draw_without_rendering()
    assert inside(ax.title, fig)
    assert ax.title.get_text() == words  # wrapped where drawn; the text is unchanged
    one_line = ax.title.get_fontsize() * fig.dpi / 72.0  # pixels
    assert ax.title.get_window_extent().height > 2 * one_line
