"""One colour per optimizer name, the same in every figure; variants, user colours, overlaps."""

from __future__ import annotations

import colorsys
import os
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.figure import Figure

import optcompare
from optcompare.errors import SpecError
from optcompare.optimizers import CLASSIC, OPTIMIZERS
from optcompare.plotting import (
    OPTIMIZER_COLORS,
    inks,
    loss_figure,
    optimizer_color,
    parse_color,
    path_animation,
    path_figure,
    plot_loss,
    plot_path,
    plot_sweep,
)
from optcompare.plotting.colors import VARIANT_PALETTE, check_color
from optcompare.plotting.overlap import NEAR, coincident, reveal

matplotlib.use("Agg")

# Okabe & Ito (2008), "Color Universal Design", the eight colours as published.
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
README_FOUR = ["sgd:lr=0.002,momentum=0.9", "rmsprop", "adam:lr=0.05", "rprop"]


def rgba(c):
    return to_rgba(c)


def hue(c):
    return colorsys.rgb_to_hls(*to_rgb(c))[0]


def line_color(ax, label):
    (line,) = [x for x in ax.get_lines() if x.get_label().split("\n")[0] == label]
    return rgba(line.get_color())


# -- the table ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_registered_optimizer_has_a_fixed_colour(name):
    """The seven original optimizers own an Okabe-Ito colour; later ones (nadam, adamax)
    take a palette colour from their name, as any other name does."""
    if name not in OPTIMIZER_COLORS:
        assert optimizer_color(name) in VARIANT_PALETTE
        assert rgba(optimizer_color(name.upper())) == rgba(optimizer_color(name))
        return
    assert OPTIMIZER_COLORS[name].upper() in OKABE_ITO
    assert rgba(optimizer_color(name)) == rgba(OPTIMIZER_COLORS[name])
    assert rgba(optimizer_color(name.upper())) == rgba(OPTIMIZER_COLORS[name])


def test_the_classic_optimizers_and_adamw_own_a_table_colour():
    assert set(CLASSIC) | {"adamw"} <= set(OPTIMIZER_COLORS)


def test_builtin_colours_are_distinct_and_not_yellow():
    colors = [c.upper() for c in OPTIMIZER_COLORS.values()]
    assert len(set(colors)) == len(colors)
    assert "#F0E442" not in colors  # faint on white


def test_unknown_names_get_a_colour_from_the_name_not_the_order():
    a = inks([("nadam", "nadam"), ("adamax", "adamax"), ("mine", "my-optimizer")])
    b = inks([("mine", "my-optimizer"), ("adamax", "adamax"), ("nadam", "nadam")])
    assert a == b
    for name in ("nadam", "adamax", "my-optimizer"):
        assert optimizer_color(name) in VARIANT_PALETTE
    # the same in another process, whatever its hash seed
    code = "from optcompare.plotting import optimizer_color; print(optimizer_color('nadam'))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()
    assert out == optimizer_color("nadam")


# -- the same colour everywhere ----------------------------------------------------------


@pytest.fixture(scope="module")
def comparisons():
    """rmsprop alone, among the README's four, and in --opt all (different positions)."""
    return {
        "alone": optcompare.run(["rmsprop"], "rosenbrock", steps=60),
        "four": optcompare.run(README_FOUR, "rosenbrock", steps=60),
        "all": optcompare.run(["all"], "rosenbrock", steps=60),
    }


@pytest.mark.parametrize("key", ["alone", "four", "all"])
def test_rmsprop_has_its_colour_in_loss_path_and_animation(comparisons, key, tmp_path):
    from matplotlib.animation import PillowWriter

    result = comparisons[key]
    want = rgba(OPTIMIZER_COLORS["rmsprop"])
    assert line_color(loss_figure(result).axes[0], "rmsprop") == want
    assert line_color(path_figure(result, grid=30).axes[0], "rmsprop") == want
    fig, anim = path_animation(result, frames=2)
    assert line_color(fig.axes[1], "rmsprop") == want  # the loss panel's legend lines
    anim.save(tmp_path / "a.gif", writer=PillowWriter(fps=5))
    for run in result.runs:  # and every other optimizer has its own
        if run.label == run.optimizer:
            assert line_color(loss_figure(result).axes[0], run.label) == rgba(
                OPTIMIZER_COLORS[run.optimizer]
            )


def test_rmsprop_has_its_colour_in_a_sweep():
    from optcompare.experiments.sweep import sweep

    s = sweep(["adam", "rmsprop"], "rosenbrock", ["lr=1e-3:1e-1:3:log"], seeds=1, steps=20)
    ax = plot_sweep(s)
    assert line_color(ax, "rmsprop") == rgba(OPTIMIZER_COLORS["rmsprop"])
    assert line_color(ax, "adam") == rgba(OPTIMIZER_COLORS["adam"])


@pytest.mark.parametrize("name", ["saddle", "noisy-gradients"])
def test_lessons_use_the_optimizer_colours(name):
    from optcompare.lessons import LESSONS

    lesson = LESSONS.get(name).run("png")
    optimizer = {r.label: r.optimizer for res in lesson.results.values() for r in res.runs}
    checked = 0
    for fig in lesson.figures.values():
        for ax in fig.axes:
            for line in ax.get_lines():
                label = line.get_label().split("\n")[0]
                if label in optimizer:
                    # the optimizer's colour, or for a variant a shade of its hue
                    want = OPTIMIZER_COLORS[optimizer[label]]
                    assert hue(line.get_color()) == pytest.approx(hue(want), abs=0.02), label
                    checked += 1
    assert checked > 0


# -- variants ----------------------------------------------------------------------------


def test_three_variants_get_shades_of_the_hue_then_styles():
    labels = [(f"adam lr={lr}", "adam") for lr in (0.001, 0.01, 0.1, 0.5)] + [("sgd", "sgd")]
    got = inks(labels)
    shades = [got[label].color for label, _ in labels[:3]]
    assert len({rgba(c) for c in shades}) == 3
    for c in shades:
        assert hue(c) == pytest.approx(hue(OPTIMIZER_COLORS["adam"]), abs=0.02)
    assert rgba(shades[0]) == rgba(OPTIMIZER_COLORS["adam"])
    assert [got[label].linestyle for label, _ in labels[:3]] == ["-"] * 3
    fourth = got["adam lr=0.5"]
    assert fourth.linestyle != "-" and fourth.marker is not None
    assert rgba(got["sgd"].color) == rgba(OPTIMIZER_COLORS["sgd"])


def test_variants_in_a_figure_are_distinguishable():
    result = optcompare.run(
        ["adam:lr=0.01", "adam:lr=0.05", "adam:lr=0.1", "adam:lr=0.2"], "rosenbrock", steps=20
    )
    ax = plot_loss(result)
    lines = [x for x in ax.get_lines() if not x.get_label().startswith("_")][:4]
    looks = {(rgba(x.get_color()), str(x.get_linestyle()), x.get_marker()) for x in lines}
    assert len(looks) == 4


def test_by_label_gives_each_label_a_ramp_colour_and_says_so():
    result = optcompare.run(
        ["rmsprop:alpha=0.9", "rmsprop:alpha=0.99", "rmsprop:centered=true"], "rosenbrock", steps=20
    )
    ax = plot_loss(result, by="label")
    got = [line_color(ax, label) for label in result.labels]
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    # an ordered cividis ramp, none of it an optimizer's fixed colour
    assert got == [rgba(to_hex(colormaps["cividis"](v))) for v in (0.0, 0.45, 0.9)]
    fixed = {rgba(c) for c in OPTIMIZER_COLORS.values()}
    assert not fixed & set(got)
    assert "colour per label" in ax.get_legend().get_title().get_text()
    assert not plot_loss(result).get_legend().get_title().get_text()


# -- user colours ------------------------------------------------------------------------


def test_user_colours_by_label_or_optimizer_name():
    result = optcompare.run(["adam", "adam:lr=0.05", "sgd"], "rosenbrock", steps=10)
    ax = plot_path(result, colors={"adam": "crimson", "sgd": "#123456"}, grid=30)
    assert line_color(ax, "adam") == rgba("crimson")
    assert hue(line_color(ax, "adam lr=0.05")[:3]) == pytest.approx(hue("crimson"), abs=0.02)
    assert line_color(ax, "sgd") == rgba("#123456")
    ax = plot_loss(result, colors={"adam lr=0.05": "green"})
    assert line_color(ax, "adam lr=0.05") == rgba("green")
    assert line_color(ax, "adam") == rgba(OPTIMIZER_COLORS["adam"])


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("adam=red", ("adam", "red")),
        ("sgd momentum=0.9=#333333", ("sgd momentum=0.9", "#333333")),
        (" rprop = 0.5 ", ("rprop", "0.5")),
    ],
)
def test_parse_color(text, want):
    assert parse_color(text) == want


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("adam=notacolour", "'notacolour' for 'adam' is not a colour"),
        ("adam", "LABEL=COLOR"),
        ("=red", "LABEL=COLOR"),
        ("adam=#12345", "'#12345'"),
    ],
)
def test_parse_color_errors_name_the_bad_value(text, message):
    with pytest.raises(SpecError, match=message):
        parse_color(text)


def test_a_bad_colour_in_the_mapping_is_a_spec_error():
    result = optcompare.run(["adam"], "rosenbrock", steps=3)
    with pytest.raises(SpecError, match="'blurple'"):
        plot_loss(result, colors={"adam": "blurple"})
    assert check_color("C3") == "C3"


# -- curves that overlap -----------------------------------------------------------------


def test_coincidence_is_measured_in_axes_fractions():
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 1)
    t = np.linspace(0, 100, 200)
    base = np.column_stack([t, 0.5 + 0.3 * np.sin(t / 10)])
    close = base + [0.0, NEAR / 2]
    apart = base + [0.0, 4 * NEAR]
    got = coincident(ax, [("a", base), ("b", close), ("c", apart)])
    assert [(c.first, c.second) for c in got] == [("a", "b")]
    # a short piece along a long curve is covered one way only: not a coincidence
    assert coincident(ax, [("long", base), ("short", base[:40])]) == []


def overlap_notes(ax):
    """The overlap notes, unwrapped, from the legend and the caption under the axes
    (a long group of notes goes there: optcompare.plotting.notes)."""
    from optcompare.plotting.notes import caption_text

    texts = [x.get_text().replace("\n", " ") for x in ax.get_legend().get_texts()]
    texts += caption_text(ax).split("\n")
    return [
        t for t in texts if " lies under " in t or " lie on one " in t or t.startswith("(% of its")
    ]


def test_the_note_says_which_curve_lies_under_which_and_by_how_much():
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 1)
    t = np.linspace(0, 100, 200)
    base = np.column_stack([t, 0.5 + 0.3 * np.sin(t / 10)])
    # the second curve follows the first for its first 90 points, then leaves it
    other = base + np.where(np.arange(200)[:, None] < 90, [0.0, NEAR / 2], [0.0, 0.1])
    lines = {name: ax.plot(*xy.T)[0] for name, xy in (("a", base), ("b", other))}
    # less than SHARE of each near the other: no note, nothing dashed
    assert reveal(ax, lines, [("a", base), ("b", other)], "paths") == []
    assert lines["b"].get_linestyle() == "-"
    lines["c"] = ax.plot(*(base + [0.0, NEAR / 2]).T)[0]
    notes = reveal(ax, lines, [("a", base), ("c", base + [0.0, NEAR / 2])], "paths")
    # where one lies under another, not "the same run": on a path plot two runs may
    # walk one valley at different speeds
    assert notes == [
        "a lies under c (100%)",
        "(% of its path's length within 0.6% of the axes; c dashed)",
    ]
    assert lines["c"].get_linestyle() != "-" and lines["a"].get_linestyle() == "-"


def test_all_on_rosenbrock_keeps_adagrad_visible(comparisons):
    result = optcompare.run(["all"], "rosenbrock")  # the default 1000 steps
    for ax, what in (
        (loss_figure(result).axes[0], "loss curves"),
        (path_figure(result, grid=40).axes[0], "paths"),
    ):
        # named in drawing order, which on a path plot is by path length
        notes = [
            n
            for n in overlap_notes(ax)
            if n.startswith(("adagrad lies under adam (", "adam lies under adagrad ("))
        ]
        assert len(notes) == 1
        styles = {
            label: line
            for label in ("adagrad", "adam")
            for line in ax.get_lines()
            if line.get_label() == label
        }
        dashed = [k for k, line in styles.items() if line.get_linestyle() != "-"]
        last = overlap_notes(ax)[-1]
        assert last.startswith(f"(% of its {what[:-1]}'s length within 0.6% of the axes")
        assert len(dashed) == 1 and dashed[0] in last.split(";")[-1]


def test_distinct_curves_get_no_note():
    # the ravine: SGD zig-zags across the valley, momentum 0.5 crosses it less often;
    # their paths share the start and the minimum but not the way between
    result = optcompare.run(
        ["sgd:lr=0.07", "sgd:lr=0.07,momentum=0.5"], "quadratic:kappa=25", steps=100, start="-5,-2"
    )
    ax = path_figure(result, grid=30).axes[0]
    assert overlap_notes(ax) == []


def test_overlap_is_judged_by_drawn_length_not_by_steps_spent():
    from optcompare.plotting.overlap import coincident

    # two different routes to one point; the second waits there for 900 steps
    a = np.column_stack([np.linspace(0, 1, 100), np.zeros(100)])
    detour = np.column_stack([np.linspace(0, 1, 100), 0.5 * np.sin(np.linspace(0, np.pi, 100))])
    b = np.vstack([detour, np.tile([1.0, 0.0], (900, 1))])
    fig = path_figure(optcompare.run("sgd", "sphere", steps=1), grid=10)
    ax = fig.axes[0]
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-1, 1)
    assert coincident(ax, [("a", a), ("b", b)]) == []  # by steps, b would be 90% "on" a


def test_every_registered_optimizer_has_a_colour_of_its_own():
    from optcompare.optimizers import OPTIMIZERS

    names = OPTIMIZERS.names()
    colours = [optimizer_color(n).lower() for n in names]
    assert len(set(colours)) == len(names), dict(zip(names, colours, strict=True))
