"""optcompare.live(...) in Jupyter: the window as an ipympl widget (the ``notebook`` extra).

Two levels: the widget's canvas fed the messages a browser sends (a click on the contours,
a key, a press on a slider), in this process; and a real IPython kernel that runs
``%matplotlib widget`` and the call a notebook cell makes, read through its messages.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from matplotlib.figure import Figure

import optcompare
from optcompare.live import DPI, FIGSIZE

pytest.importorskip("ipympl", reason="the notebook extra (ipympl) is not installed")


def _notebook_window(opts, problem, steps, said):
    from ipympl.backend_nbagg import new_figure_manager_given_figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    new_figure_manager_given_figure(1, fig)  # the figure's canvas becomes the widget
    return optcompare.live(opts, problem, steps=steps, figure=fig, echo=said.append)


def _send(canvas, content):
    # what the jupyter-matplotlib front end sends over the widget's comm
    canvas._handle_message(canvas, {"guiEvent": {}, "modifiers": [], **content}, [])


def _press(canvas, x, y):
    top = canvas.get_renderer().height - y  # the browser counts pixels from the top
    _send(canvas, {"type": "button_press", "x": x, "y": top, "button": 0, "buttons": 1})
    _send(canvas, {"type": "button_release", "x": x, "y": top, "button": 0, "buttons": 0})


# ipympl's own toolbar passes traitlets an argument it deprecates; not ours to fix
@pytest.mark.filterwarnings(
    r"ignore:Passing unrecognized arguments to super\(Toolbar\):DeprecationWarning"
)
def test_the_widget_answers_the_browsers_clicks_keys_and_slider_presses():
    import ipywidgets

    said: list[str] = []
    w = _notebook_window(["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05"], "himmelblau", 50, said)
    canvas = w.figure.canvas
    assert isinstance(canvas, ipywidgets.DOMWidget)
    canvas.draw()
    _press(canvas, *w.ax_path.transData.transform((1.0, -2.0)))
    assert w.start == pytest.approx((1.0, -2.0), abs=0.02)
    _send(canvas, {"type": "key_press", "key": "kc"})
    assert len(said) == 1 and said[0].startswith("optcompare run --opt sgd:lr=0.002")
    lr = w.widgets[1]["lr"]
    box = lr.ax.bbox
    _press(canvas, box.x0 + 0.25 * box.width, (box.y0 + box.y1) / 2)  # a quarter along
    lo, hi = lr.valmin, lr.valmax
    assert lr.val == pytest.approx(lo + 0.25 * (hi - lo), abs=0.01 * (hi - lo))
    want = optcompare.run([w.entries[1].spec()], "himmelblau", steps=50, start=list(w.start))
    got = np.column_stack([w.lines[1]["path"].get_xdata(), w.lines[1]["path"].get_ydata()])
    np.testing.assert_array_equal(got, want.runs[0].x)
    assert w.entries[1].lr == float(f"{10**lr.val:.3g}")


def test_a_notebook_cell_shows_the_widget_and_plays_in_a_real_kernel(tmp_path):
    pytest.importorskip("ipykernel", reason="no IPython kernel installed")
    manager = pytest.importorskip("jupyter_client.manager")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    # outside the checkout, as a notebook is: there the source folder would shadow the
    # installed package (whose optcompare.problems is built from the top-level problems/)
    km, kc = manager.start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))

    def cell(code: str, timeout: float = 120.0) -> list[dict]:
        msg_id = kc.execute(code)
        got = []
        while True:
            msg = kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            got.append(msg)
            if msg["msg_type"] == "error":
                raise AssertionError("\n".join(msg["content"]["traceback"]))
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return got

    def printed(msgs: list[dict]) -> str:
        return "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream")

    try:
        msgs = cell(
            "%matplotlib widget\n"
            "import optcompare\n"
            "w = optcompare.live(['sgd:lr=0.002,momentum=0.9', 'adam:lr=0.05'], 'rosenbrock',"
            " steps=60)\n"
        )
        shown = [m for m in msgs if m["msg_type"] == "display_data"]
        assert len(shown) == 1
        assert "application/vnd.jupyter.widget-view+json" in shown[0]["content"]["data"]
        canvases = [
            m["content"]["data"]["state"]
            for m in msgs
            if m["msg_type"] == "comm_open"
            and m["content"]["data"]["state"].get("_model_name") == "MPLCanvasModel"
        ]
        assert len(canvases) == 1
        # the front end is told the window's size once the figure is drawn
        sizes = [
            m["content"]["data"]["state"]["_size"]
            for m in msgs
            if m["msg_type"] == "comm_msg" and "_size" in m["content"]["data"].get("state", {})
        ]
        assert sizes and sizes[-1] == [FIGSIZE[0] * DPI, FIGSIZE[1] * DPI]
        # play runs on the kernel's event loop: the paths grow to every step, then stop
        cell("w.toggle_play()")
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            state = printed(cell("print(w.playing, w.shown, len(w.lines[0]['path'].get_xdata()))"))
            if state.startswith("False"):
                break
            time.sleep(0.2)
        assert state.split() == ["False", "60", "61"]
        want = printed(
            cell(
                "import numpy as np\n"
                "r = optcompare.run(['sgd:lr=0.002,momentum=0.9'], 'rosenbrock', steps=60)\n"
                "print(np.array_equal(r.runs[0].x[:, 0], w.lines[0]['path'].get_xdata()))"
            )
        )
        assert want.strip() == "True"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
