"""The live window driven on Agg: sliders, a click and keys redraw what optcompare.run gives."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.backend_bases import KeyEvent, MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import optcompare
from optcompare.cli import main
from optcompare.live import DPI, FIGSIZE
from optcompare.live.controls import SECOND


def _window(opts, problem="rosenbrock", steps=60, **kw):
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    said: list[str] = []
    w = optcompare.live(opts, problem, steps=steps, figure=fig, echo=said.append, **kw)
    return w, said


def _drawn_path(w, i):
    line = w.lines[i]["path"]
    return np.column_stack([line.get_xdata(), line.get_ydata()])


def _expected(spec, problem, steps, start, seed=0):
    run = optcompare.run([spec], problem, steps=steps, start=start, seed=seed).runs[0]
    return run.x[np.all(np.isfinite(run.x), axis=1)]


def test_sliders_rerun_one_optimizer_as_run_would():
    w, _ = _window(["sgd:lr=0.001,momentum=0.5", "adam:lr=0.05"])
    before_adam = _drawn_path(w, 1).copy()
    w.widgets[0]["lr"].set_val(np.log10(0.002))
    w.widgets[0]["second"].set_val(0.9)
    got = _drawn_path(w, 0)
    want = _expected("sgd:lr=0.002,momentum=0.9", "rosenbrock", 60, [-1.2, 1.0])
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(_drawn_path(w, 1), before_adam)  # untouched
    losses = w.lines[0]["loss"].get_ydata()
    assert len(losses) == 61


@pytest.mark.parametrize("name", sorted(SECOND))
def test_every_second_hyperparameter_reaches_the_run(name):
    w, _ = _window([name], steps=20)
    knob = SECOND[name]
    value = knob.low + 0.37 * (knob.high - knob.low)
    w.widgets[0]["second"].set_val(value)
    assert w.runs[0].hyperparameters[knob.name] == pytest.approx(value)


def test_click_sets_the_start_and_keys_act():
    w, said = _window(["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05"], problem="himmelblau")
    canvas = w.figure.canvas
    canvas.draw()
    px, py = w.ax_path.transData.transform((1.0, -2.0))
    click = MouseEvent("button_press_event", canvas, px, py, button=1)
    canvas.callbacks.process("button_press_event", click)
    assert w.start == pytest.approx((1.0, -2.0), abs=0.02)
    # rounded to a thousandth of the view (12 units wide here): two decimals at most
    assert all(v == round(v, 2) for v in w.start)
    for i, spec in enumerate(["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05"]):
        want = _expected(spec, "himmelblau", 60, list(w.start))
        np.testing.assert_array_equal(_drawn_path(w, i), want)
    canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", canvas, "c"))
    assert len(said) == 1 and said[0].startswith("optcompare run --opt sgd:lr=0.002,momentum=0.9")
    assert f"--start {w.start[0]!r},{w.start[1]!r}" in said[0]
    shown = w.keymap.get_visible()
    canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", canvas, "h"))
    assert w.keymap.get_visible() is not shown
    w.widgets[1]["lr"].set_val(-1.0)
    canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", canvas, "r"))
    from optcompare.problem import make_problem

    assert w.start == tuple(make_problem("himmelblau").start())
    assert w.entries[1].lr == 0.05
    np.testing.assert_array_equal(
        _drawn_path(w, 1), _expected("adam:lr=0.05", "himmelblau", 60, list(w.start))
    )


def test_play_grows_the_paths_from_the_start():
    w, _ = _window(["adam:lr=0.05"], steps=300)
    w.toggle_play()
    assert w.playing and w.shown == 0
    w.advance()
    assert len(_drawn_path(w, 0)) == 1 + 300 // 150
    while w.playing:
        w.advance()
    assert w.shown == 300 and len(_drawn_path(w, 0)) == 301


def test_noise_and_steps_sliders_rerun_everything():
    w, said = _window(["sgd:lr=0.001"], problem="himmelblau", steps=40)
    w.noise_slider.set_val(2.0)
    w.steps_slider.set_val(25)
    want = _expected("sgd:lr=0.001", "himmelblau:noise=2.0", 25, list(w.start))
    np.testing.assert_array_equal(_drawn_path(w, 0), want)
    assert "noise 2" in w.title.get_text() and "of 25" in w.title.get_text()


def test_a_diverged_run_ends_in_an_x_with_its_reason():
    w, _ = _window(["sgd:lr=0.5"], steps=50)
    assert w.runs[0].diverged_at is not None
    assert w.lines[0]["head"].get_marker() == "X"
    text = " ".join(w.lines[0]["why"].get_text().split())  # wrapped to the panel's width
    assert text == f"sgd diverged at step {w.runs[0].diverged_at}: {w.runs[0].diverged_reason}"


def test_the_x_sits_where_the_line_leaves_the_view_and_the_reasons_stay_inside_the_panel():
    # sgd at lr 0.112 with momentum 0.9 leaves rosenbrock's view at step 3, to the right
    w, _ = _window(["sgd:lr=0.112,momentum=0.9", "rmsprop:lr=0.5", "adam:lr=0.05"], steps=200)
    assert w.runs[0].diverged_at == 3
    (x0, x1), (y0, y1) = w.ax_path.get_xlim(), w.ax_path.get_ylim()
    (hx,), (hy,) = w.lines[0]["head"].get_data()
    path = np.column_stack(w.lines[0]["path"].get_data())
    inside = (path[:, 0] <= x1) & (path[:, 0] >= x0) & (path[:, 1] <= y1) & (path[:, 1] >= y0)
    a, b = path[np.flatnonzero(inside)[-1]], path[np.flatnonzero(inside)[-1] + 1]
    # on the edge it crosses, on the segment from the last point inside to the next one
    assert min(abs(hx - x0), abs(hx - x1), abs(hy - y0), abs(hy - y1)) < 1e-9 * (x1 - x0)
    cross = (b[0] - a[0]) * (hy - a[1]) - (b[1] - a[1]) * (hx - a[0])
    assert abs(cross) < 1e-9 * np.hypot(*(b - a)) * (x1 - x0)
    w.figure.canvas.draw()
    panel = w.ax_path.get_window_extent()
    why = w.lines[0]["why"].get_window_extent()
    assert panel.x0 <= why.x0 and why.x1 <= panel.x1 and panel.y0 <= why.y0 < why.y1 <= panel.y1
    # the loss panel is not flattened by the runaway: it covers the others with a margin
    kept = np.concatenate([w.loss_of(r) for r in w.runs if r.diverged_at is None])
    assert kept.max() <= w.ax_loss.get_ylim()[1] <= 10 * kept.max() * 1.0001


@pytest.mark.parametrize(
    ("path", "want"),
    [
        ([[0.0, 0.0], [0.5, 0.5]], [0.5, 0.5]),  # it ends inside: its last point
        ([[0.0, 0.0], [0.5, 0.0], [3.0, 0.5]], [1.0, 0.1]),  # leaves through x = 1
        ([[0.0, 0.0], [0.0, -4.0], [9.0, 9.0]], [0.0, -1.0]),  # through y = -1, then away
        ([[0.2, 0.2], [2.0, 2.0], [0.5, 0.5], [5.0, 0.5]], [1.0, 0.5]),  # back in, out again
    ],
)
def test_exit_point(path, want):
    from optcompare.plotting.endings import exit_point

    got = exit_point(np.array(path), ((-1.0, 1.0), (-1.0, 1.0)))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_hidden_optimizer_is_not_drawn_nor_printed():
    w, said = _window(["sgd:lr=0.002", "adam:lr=0.05"])
    w.widgets[0]["box"].set_active(0)
    assert not w.lines[0]["path"].get_visible() and w.lines[1]["path"].get_visible()
    assert "--opt sgd" not in w.command() and "--opt adam" in w.command()


def test_snapshot_file_has_the_window_size(tmp_path):
    from matplotlib.image import imread

    out = tmp_path / "live.png"
    res = CliRunner().invoke(
        main,
        ["live", "--opt", "sgd:lr=0.002,momentum=0.9", "--opt", "adam:lr=0.05",
         "--problem", "rosenbrock", "--steps", "100", "--snapshot", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert imread(out).shape[:2] == (FIGSIZE[1] * DPI, FIGSIZE[0] * DPI)


def test_without_a_screen_one_line_and_exit_1(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    res = CliRunner().invoke(main, ["live", "--opt", "sgd", "--problem", "rosenbrock"])
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [
        "optcompare: error: cannot open a window: MPLBACKEND=Agg draws no window: unset it, "
        "or use --snapshot FILE, or optcompare.live(...) in Jupyter with ipympl"
    ]


def _cli(args, cwd, **env):
    """optcompare in a fresh process with ``env`` over a copy of this one's environment
    (None removes a variable): what a backend or a screen does is settled at import.  It
    runs in ``cwd``, outside the checkout, whose source folder would shadow the installed
    package (which builds optcompare.problems from the top-level problems/)."""
    full = {**os.environ, **{k: v for k, v in env.items() if v is not None}}
    for k in [k for k, v in env.items() if v is None]:
        full.pop(k, None)
    code = "import sys; from optcompare.cli import main; sys.argv[0] = 'optcompare'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
        cwd=cwd,
    )


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        (
            {"DISPLAY": None, "WAYLAND_DISPLAY": None, "MPLBACKEND": None},
            "no screen (DISPLAY is not set)",
        ),
        ({"MPLBACKEND": "nonsense"}, "MPLBACKEND=nonsense is not a matplotlib backend"),
    ],
)
def test_no_window_in_one_line_naming_why(env, reason, tmp_path):
    proc = _cli(["live", "--opt", "sgd", "--problem", "rosenbrock"], tmp_path, **env)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"optcompare: error: cannot open a window: {reason}: "
        + ("unset it, or " if "MPLBACKEND" in reason else "")
        + "use --snapshot FILE, or optcompare.live(...) in Jupyter with ipympl"
    ]


def test_a_screen_that_does_not_answer_is_one_line_not_a_silent_exit(tmp_path):
    if not _tk_available():
        pytest.skip("tkinter is not installed: the reason would be tkinter")
    # no X server listens on display 987: matplotlib falls back to Agg without a word
    proc = _cli(
        ["live", "--opt", "sgd", "--problem", "rosenbrock"],
        tmp_path,
        DISPLAY=":987",
        MPLBACKEND=None,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "optcompare: error: cannot open a window: no screen answers at DISPLAY=:987 (matplotlib "
        "chose agg): use --snapshot FILE, or optcompare.live(...) in Jupyter with ipympl"
    ]


def test_an_unknown_backend_is_one_line_for_every_command(tmp_path):
    proc = _cli(["run", "--opt", "sgd", "--problem", "rosenbrock", "--out", str(tmp_path / "r")],
                tmp_path, MPLBACKEND="nonsense")  # fmt: skip
    assert proc.returncode == 1 and not (tmp_path / "r").exists()
    assert proc.stderr.splitlines() == [
        "optcompare: error: MPLBACKEND=nonsense is not a matplotlib backend: unset it, or name "
        "one (Agg draws files only; TkAgg opens windows)"
    ]


def test_live_refuses_a_problem_not_in_the_plane():
    res = CliRunner().invoke(main, ["live", "--opt", "sgd", "--problem", "rosenbrock:dim=3"])
    assert res.exit_code == 2 and "2-D" in res.output


def _tk_available() -> bool:
    try:
        import tkinter  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
@pytest.mark.skipif(not _tk_available(), reason="tkinter is not installed")
def test_real_window_on_a_virtual_screen(tmp_path):
    from matplotlib.image import imread

    display = ":97"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        out = tmp_path / "window.png"
        env = {**os.environ, "MPLBACKEND": "TkAgg", "DISPLAY": display}
        code = (
            "import matplotlib, sys; from optcompare.cli import main; "
            "sys.argv=['optcompare','live','--opt','adam:lr=0.05','--problem','himmelblau',"
            f"'--snapshot',{str(out)!r}]; "
            "import atexit; atexit.register(lambda: print(matplotlib.get_backend())); main()"
        )
        # run outside the checkout: from its root, "import optcompare" would find the
        # source folder instead of the installed package (whose problems/ is mapped in)
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1].lower() == "tkagg"
        assert imread(out).shape[:2] == (FIGSIZE[1] * DPI, FIGSIZE[0] * DPI)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def _pixels(canvas):
    return np.asarray(canvas.buffer_rgba()).copy()


def test_a_slider_event_within_the_loss_limits_is_blitted_and_matches_a_full_draw():
    # adam's lr moved a little: its loss stays inside the span the others set
    opts = ["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05", "rmsprop", "rprop"]
    w, _ = _window(opts, steps=500)
    canvas = w.figure.canvas
    canvas.draw()
    limits = w.ax_loss.get_ylim()
    fast, full = w.blit.fast, w.blit.full
    w.widgets[1]["lr"].set_val(np.log10(0.04))
    assert w.ax_loss.get_ylim() == limits
    assert (w.blit.fast, w.blit.full) == (fast + 1, full)
    np.testing.assert_array_equal(
        _drawn_path(w, 1), _expected("adam:lr=0.04", "rosenbrock", 500, [-1.2, 1.0])
    )
    blitted = _pixels(canvas)
    assert w.widgets[1]["lr"].valtext.get_text() == "0.04"
    canvas.draw()  # the full draw of the same state: the blit left the same pixels
    np.testing.assert_array_equal(blitted, _pixels(canvas))


def test_an_event_that_moves_the_loss_limits_draws_in_full():
    w, _ = _window(["sgd:lr=0.001", "adam:lr=0.05"], steps=100)
    canvas = w.figure.canvas
    canvas.draw()
    limits = w.ax_loss.get_ylim()
    full = w.blit.full
    w.widgets[0]["lr"].set_val(np.log10(0.01))  # sgd at lr 0.01 diverges on rosenbrock
    assert w.ax_loss.get_ylim() != limits
    assert w.blit.full == full + 1
    assert w.blit.background is not None  # Agg drew at once and cached the new background


def test_a_canvas_that_cannot_blit_always_draws_in_full(monkeypatch):
    monkeypatch.setattr(FigureCanvasAgg, "supports_blit", False)
    w, _ = _window(["adam:lr=0.05"], steps=50)
    w.figure.canvas.draw()
    w.advance()
    assert w.blit.fast == 0 and w.blit.background is None


def test_a_saved_window_keeps_its_moving_title(tmp_path):
    # the title is drawn by the blitter on screen; a saved figure must still carry it
    import matplotlib.image as mpimg

    w, _ = _window(["adam:lr=0.05"], steps=30)
    w.figure.savefig(tmp_path / "w.png")
    img = mpimg.imread(tmp_path / "w.png")
    band = img[: int(0.04 * img.shape[0]), :, :3]  # above the panels: the title alone
    assert band.min() < 0.5
