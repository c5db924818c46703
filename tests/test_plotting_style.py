"""The paper and talk styles: 16:9 slides with larger type and thicker lines, the same
colours, SVG text kept as text, and --style on every command that draws."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image
import pytest

import optcompare
from optcompare import output
from optcompare.cli import main
from optcompare.plotting import loss_figure, path_figure
from optcompare.plotting.restyle import apply_style
from optcompare.plotting.style import STYLES, current_style, use_style

OPTS = ("sgd:lr=0.002,momentum=0.9", "adam:lr=0.05", "rprop")


@pytest.fixture(scope="module")
def result():
    return optcompare.run(list(OPTS), "rosenbrock", steps=60)


def data_lines(fig):
    """Label -> (colour, width) of each optimizer's line on the first axes."""
    return {
        line.get_label(): (line.get_color(), line.get_linewidth())
        for line in fig.axes[0].get_lines()
        if not line.get_label().startswith("_")
    }


def text_sizes(fig):
    ax = fig.axes[0]
    ticks = [t.get_fontsize() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    legend = [t.get_fontsize() for t in ax.get_legend().get_texts()]
    return {
        "title": ax.title.get_fontsize(),
        "xlabel": ax.xaxis.label.get_fontsize(),
        "ticks": min(ticks),
        "legend": min(legend),
    }


def pixels(path: Path) -> tuple[int, int]:
    height, width = matplotlib.image.imread(path).shape[:2]
    return width, height


@pytest.mark.parametrize("make", [loss_figure, path_figure])
def test_talk_is_16_9_with_larger_type_thicker_lines_and_the_same_colours(result, make):
    paper, talk = make(result), apply_style(make(result), "talk")
    width, height = talk.get_size_inches() * talk.dpi
    assert width / height == pytest.approx(16 / 9)
    assert (round(width), round(height)) == (2000, 1125)
    small, large = text_sizes(paper), text_sizes(talk)
    assert all(large[k] > small[k] for k in small), (small, large)
    assert large["ticks"] >= 18  # still read from the back of a room at 1125 px high
    thin, thick = data_lines(paper), data_lines(talk)
    assert thin.keys() == thick.keys() and len(thin) >= 3
    for label in thin:
        assert thick[label][0] == thin[label][0]  # the optimizer keeps its colour
        assert thick[label][1] > thin[label][1]


def test_paper_leaves_a_figure_as_drawn_and_talk_applies_once(result):
    paper = loss_figure(result)
    before = (tuple(paper.get_size_inches()), text_sizes(paper), data_lines(paper))
    apply_style(paper, "paper")
    assert (tuple(paper.get_size_inches()), text_sizes(paper), data_lines(paper)) == before
    talk = apply_style(loss_figure(result), "talk")
    once = (text_sizes(talk), data_lines(talk))
    apply_style(talk, "talk")
    assert (text_sizes(talk), data_lines(talk)) == once


def test_the_current_style_reaches_every_saved_figure_and_is_undone(result, tmp_path):
    assert current_style() is STYLES["paper"]
    with use_style("talk"):
        output.save_figure(tmp_path / "talk.png", loss_figure(result), "png")
    assert current_style() is STYLES["paper"]
    output.save_figure(tmp_path / "paper.png", loss_figure(result), "png")
    assert pixels(tmp_path / "talk.png") == (2000, 1125)
    assert pixels(tmp_path / "paper.png") != (2000, 1125)
    with pytest.raises(ValueError, match="unknown style 'poster'"), use_style("poster"):
        pass


@pytest.mark.parametrize("style", ["paper", "talk"])
def test_svg_keeps_text_as_text(result, tmp_path, style):
    with use_style(style):
        output.save_figure(tmp_path / "loss.svg", loss_figure(result), "svg")
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.parse(tmp_path / "loss.svg").getroot()
    texts = {"".join(t.itertext()).strip() for t in root.iter(f"{ns}text")}
    assert {"adam lr=0.05", "rprop", "step"} <= texts
    assert "rosenbrock: loss" in texts


#: Every command that draws a figure, with arguments that keep it fast.
DRAWING = {
    "run": ["--opt", "adam:lr=0.05", "--opt", "sgd:lr=0.001", "--problem", "rosenbrock"],
    "sweep": ["--opt", "adam", "--problem", "rosenbrock", "--param", "lr=1e-3:1e-1:3:log"],
    "basins": ["--opt", "adam:lr=0.05", "--problem", "himmelblau", "--grid", "5"],
    "animate": ["--opt", "adam:lr=0.05", "--problem", "rosenbrock", "--frames", "3"],
    "lesson": ["saddle"],
}
STEPS = {"run": ["--steps", "30"], "sweep": ["--steps", "30"], "basins": ["--steps", "30"]}


def test_every_command_that_writes_figures_is_listed():
    drawing = {
        name
        for name, command in main.commands.items()
        if any(p.name in ("fmt", "no_plot", "frames") for p in command.params)
    }
    assert drawing <= set(DRAWING)


@pytest.mark.parametrize("name", sorted(DRAWING))
def test_style_option_on_every_command_that_draws(cli, tmp_path, name):
    (option,) = [p for p in main.commands[name].params if p.name == "style"]
    assert list(option.type.choices) == ["paper", "talk"] and option.default == "paper"
    args = [name, *DRAWING[name], *STEPS.get(name, []), "--out", "o", "-q", "--style", "talk"]
    code, out, err = cli(*args)
    assert code == 0, err
    assert current_style() is STYLES["paper"]  # the command's style ends with it
    figures = sorted((tmp_path / "o").glob("*.png"))
    if name == "animate":
        assert list((tmp_path / "o").glob("animation.*"))
        return
    assert figures
    assert all(pixels(p) == (2000, 1125) for p in figures), [pixels(p) for p in figures]


def test_a_bad_style_is_a_usage_error(cli):
    code, out, err = cli("run", "--opt", "adam", "--problem", "rosenbrock", "--style", "poster")
    assert code == 2
    assert "'poster' is not one of 'paper', 'talk'" in err
