"""The live window's layout and its talk style: every part in the figure, nothing touching,
the talk window 16:9 with the type and lines the talk style promises."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.backend_bases import KeyEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

import optcompare
from optcompare.cli import main
from optcompare.live import DPI, FIGSIZES
from optcompare.live.layout import CONTROL_TYPE, geometry
from optcompare.plotting.style import STYLES

ALL = ["sgd", "adagrad", "adadelta", "rprop", "rmsprop", "adam"]


def _window(opts, style, problem="rosenbrock", steps=40):
    fig = Figure(figsize=FIGSIZES[style], dpi=DPI)
    FigureCanvasAgg(fig)
    return optcompare.live(
        opts, problem, steps=steps, figure=fig, echo=lambda _s: None, style=style
    )


def _overlap(a, b):
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


@pytest.mark.parametrize("style", sorted(FIGSIZES))
@pytest.mark.parametrize("n", [1, 2, 3, 6, 8])
def test_geometry_places_every_part_inside_the_figure_and_apart(style, n):
    at = geometry(n, FIGSIZES[style], STYLES[style].text, CONTROL_TYPE[style])
    rects = [at.path, at.loss, at.steps, at.noise, at.play, at.reset]
    rects += [r for row in at.rows for r in (row.box, row.lr, row.second)]
    for x, y, w, h in rects:
        assert w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= 1 and y + h <= 1
    for a, b in itertools.combinations(rects, 2):
        assert not _overlap(a, b), (a, b)
    # the plots take what the controls leave: never under 30% of the height, and half of
    # it or more for three optimizers on paper
    assert at.path[3] >= 0.3
    if style == "paper" and n <= 3:
        assert at.path[3] >= 0.5
    # the first optimizer's row is on top, as a legend reads
    assert [row.lr[1] for row in at.rows] == sorted((row.lr[1] for row in at.rows), reverse=True)


def test_geometry_refuses_what_cannot_fit():
    with pytest.raises(ValueError, match="room for the controls of 17 optimizers.*; 40 given"):
        geometry(40, (14.0, 9.0))
    talk = (FIGSIZES["talk"], STYLES["talk"].text, CONTROL_TYPE["talk"])
    geometry(8, *talk)
    with pytest.raises(ValueError, match="room for the controls of 8 optimizers.*; 9 given"):
        geometry(9, *talk)
    with pytest.raises(ValueError, match="at least one"):
        geometry(0, (14.0, 9.0))


@pytest.mark.parametrize(("style", "opts"), [("paper", ALL), ("talk", ALL), ("talk", ["adam"])])
def test_drawn_texts_stay_in_the_figure_and_off_the_sliders(style, opts):
    w = _window(opts, style, problem="himmelblau:noise=1")
    fig = w.figure
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()
    box = fig.bbox
    sliders = [s for parts in w.widgets for k, s in parts.items() if k != "box"]
    sliders += [w.steps_slider, w.noise_slider]
    for s in sliders:
        bar = s.ax.get_window_extent(renderer)
        for text, side in ((s.label, "left"), (s.valtext, "right")):
            ext = text.get_window_extent(renderer)
            assert box.x0 <= ext.x0 and ext.x1 <= box.x1 and box.y0 <= ext.y0, text.get_text()
            # a gap between the words and the bar (the noise label once touched its bar)
            gap = bar.x0 - ext.x1 if side == "left" else ext.x0 - bar.x1
            assert gap >= 0.1 * DPI * 0.5, (text.get_text(), gap)
    title = w.title.get_window_extent(renderer)
    assert box.x0 <= title.x0 and title.x1 <= box.x1 and title.y1 <= box.y1
    keymap = w.keymap.get_window_extent(renderer)
    assert box.x0 <= keymap.x0 and keymap.x1 <= box.x1
    for s in sliders:  # the key map line runs between the rows and the bar, over none
        assert not keymap.overlaps(s.ax.get_window_extent(renderer))


def test_talk_window_is_16_9_with_the_talk_type_and_lines():
    paper = _window(["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05"], "paper")
    talk = _window(["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05"], "talk")
    width, height = talk.figure.get_size_inches() * DPI
    assert width / height == pytest.approx(16 / 9)
    look = STYLES["talk"]
    pairs = [
        (talk.ax_path.title, paper.ax_path.title, look.text),
        (talk.ax_loss.xaxis.label, paper.ax_loss.xaxis.label, look.text),
        (talk.title, paper.title, look.text),
        (talk.widgets[0]["lr"].label, paper.widgets[0]["lr"].label, CONTROL_TYPE["talk"]),
        (talk.widgets[1]["box"].labels[0], paper.widgets[1]["box"].labels[0], CONTROL_TYPE["talk"]),
        (talk.keymap, paper.keymap, CONTROL_TYPE["talk"]),
    ]
    for t, p, factor in pairs:
        assert t.get_fontsize() == pytest.approx(p.get_fontsize() * factor), t.get_text()
    for i in range(2):
        t, p = talk.lines[i]["path"], paper.lines[i]["path"]
        assert t.get_linewidth() == pytest.approx(p.get_linewidth() * look.line)
    # the paths are the same runs in either look
    np.testing.assert_array_equal(
        talk.lines[0]["path"].get_xdata(), paper.lines[0]["path"].get_xdata()
    )
    # the style is marked: saving the snapshot does not scale it a second time
    assert talk.figure._optcompare_style == "talk"


def test_snapshot_in_talk_style_is_1600_by_900(tmp_path):
    out = tmp_path / "talk.png"
    res = CliRunner().invoke(
        main,
        ["live", "--opt", "sgd:lr=0.002,momentum=0.9", "--opt", "adam:lr=0.05",
         "--problem", "rosenbrock", "--steps", "50", "--style", "talk", "--snapshot", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    w, h = FIGSIZES["talk"]
    assert imread(out).shape[:2] == (h * DPI, w * DPI) == (900, 1600)


def test_the_f_key_toggles_full_screen():
    w = _window(["adam"], "paper")
    toggled: list[bool] = []
    w.figure.canvas.manager = SimpleNamespace(full_screen_toggle=lambda: toggled.append(True))
    canvas = w.figure.canvas
    canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", canvas, "f"))
    assert toggled == [True]
    assert "f full screen" in w.keymap.get_text()


def test_the_path_panel_names_the_problems_coordinates():
    w = _window(["sgd:lr=0.03"], "paper", problem="rnn-cliff", steps=20)
    assert (w.ax_path.get_xlabel(), w.ax_path.get_ylabel()) == ("w", "b")
    w = _window(["adam"], "paper", problem="himmelblau", steps=5)
    assert (w.ax_path.get_xlabel(), w.ax_path.get_ylabel()) == ("x", "y")


def test_a_snapshot_of_an_unknown_format_is_refused_before_any_work(tmp_path, monkeypatch):
    built: list[int] = []
    monkeypatch.setattr(optcompare.live.widget.Live, "_layout", lambda self: built.append(1))
    out = tmp_path / "w.gif"
    res = CliRunner().invoke(
        main, ["live", "--opt", "sgd", "--problem", "rosenbrock", "--snapshot", str(out)]
    )
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        f"optcompare: error: --snapshot '{out}': name a .png, .svg or .pdf file"
    ]
    assert built == [] and not out.exists()


def _every_optimizer():
    from optcompare.optimizers import OPTIMIZERS

    return OPTIMIZERS.names()


@pytest.mark.parametrize("name", _every_optimizer())
def test_every_registered_optimizer_opens_and_draws_what_run_gives(name):
    from optcompare.optimizers import OPTIMIZERS

    # the variance-reduced methods need a finite sum; their lr default (c / L_max) comes
    # from the problem, as run works it out
    finite = any(p.default_rule for p in OPTIMIZERS.get(name).params)
    problem = "least-squares" if finite else "rosenbrock"
    w = _window([name], "paper", problem=problem, steps=30)
    got = np.column_stack(w.lines[0]["path"].get_data())
    want = optcompare.run([w.entries[0].spec()], problem, steps=30, start=list(w.start))
    x = want.runs[0].x
    np.testing.assert_array_equal(got, x[np.all(np.isfinite(x), axis=1)])
    assert w.entries[0].lr == want.runs[0].hyperparameters["lr"]


def test_the_steps_slider_reads_whole_steps():
    w = _window(["adam"], "paper", steps=40)
    assert w.steps_slider.valtext.get_text() == "40"
    w.steps_slider.set_val(1914)
    assert w.steps_slider.valtext.get_text() == "1914"
    assert "step 1914 of 1914" in w.title.get_text()
