"""An animation ends when its runs do: the frames stop at the step by which every run has
diverged, the X and the reason are shown, and the loss panel holds the runaway."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.animation import PillowWriter
from PIL import Image

import optcompare
from optcompare.plotting.animation import HOLD_SECONDS, animation_steps, path_animation
from optcompare.plotting.endings import exit_point, last_step
from optcompare.plotting.loss import loss_curves, loss_top

FPS = 10


@pytest.fixture(scope="module")
def runaway():
    """The reviewer's case: SGD at lr 10 on Rosenbrock leaves at step 2 of 1000."""
    result = optcompare.run(["sgd:lr=10"], "rosenbrock")
    (run,) = result.runs
    assert run.diverged_at == 2 and result.steps == 1000
    return result


def saved(result, tmp_path, frames=60):
    """The figure after its GIF is written (its artists hold the last frame) and the GIF's
    frame durations."""
    fig, anim = path_animation(result, frames=frames, fps=FPS)
    anim.save(tmp_path / "a.gif", writer=PillowWriter(fps=FPS))
    with Image.open(tmp_path / "a.gif") as gif:
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    return fig, durations


def test_the_schedule_stops_where_every_run_diverged(runaway, tmp_path):
    assert last_step(runaway) == 2
    assert list(animation_steps(runaway, 60)) == [0, 1, 2]
    _, durations = saved(runaway, tmp_path)
    # three steps, the last held: not 60 frames counting to step 1000
    assert len(durations) == 3
    assert durations[-1] == pytest.approx(1000 / FPS + 1000 * HOLD_SECONDS, abs=20)


def test_a_run_that_goes_on_keeps_the_schedule_to_the_end():
    result = optcompare.run(["sgd:lr=10", "adam:lr=0.05"], "rosenbrock", steps=200)
    assert last_step(result) == 200
    assert animation_steps(result, 30)[-1] == 200


def test_the_last_frame_shows_the_x_the_reason_and_the_whole_runaway(runaway, tmp_path):
    fig, _ = saved(runaway, tmp_path)
    ax_path, ax_loss = fig.axes[:2]
    (run,) = runaway.runs
    heads = [line for line in ax_path.get_lines() if line.get_marker() == "X"]
    assert len(heads) == 1
    (x,), (y,) = heads[0].get_data()
    (x0, x1), (y0, y1) = ax_path.get_xlim(), ax_path.get_ylim()
    assert x0 <= x <= x1 and y0 <= y <= y1  # on the view, where the path leaves it
    assert not heads[0].get_clip_on()  # drawn whole on the edge
    texts = [t.get_text().replace("\n", " ") for t in ax_path.texts]
    assert any(f"diverged at step 2: {run.diverged_reason}" in t for t in texts)
    assert "every run diverged by step 2" in fig.get_suptitle()
    top = float(np.nanmax(run.loss[: run.last_step + 1]))
    assert top > 1e14 and ax_loss.get_ylim()[1] >= top  # the runaway is not cut
    assert ax_loss.get_xlim()[1] == pytest.approx(2)  # the steps shown, not 0 to 1000


def test_loss_top_cuts_only_to_keep_runs_that_did_not_diverge():
    alone = optcompare.run(["sgd:lr=10"], "rosenbrock", steps=20)
    curves, _, log = loss_curves(alone)
    assert loss_top(curves, log) is None  # nothing else to keep in view
    mixed = optcompare.run(["sgd:lr=10", "adam:lr=0.05"], "rosenbrock", steps=20)
    curves, _, log = loss_curves(mixed)
    top = loss_top(curves, log)
    assert top is not None and top < np.nanmax(mixed.runs[0].loss[:2])


@pytest.mark.parametrize(
    ("xy", "want"),
    [
        (np.array([[0.0, 0.0], [0.5, 0.5]]), [0.5, 0.5]),  # ends inside: its last point
        (np.array([[0.0, 0.0], [3.0, 1.0]]), [1.0, 1.0 / 3.0]),  # leaves through x = 1
        (np.array([[0.0, 0.0], [0.5, 0.0], [0.5, -4.0]]), [0.5, -1.0]),  # through y = -1
        (np.array([[5.0, 0.0], [7.0, 9.0]]), [1.0, 0.0]),  # never inside: the start, clipped
    ],
)
def test_exit_point_is_where_the_path_leaves_the_view(xy, want):
    np.testing.assert_allclose(exit_point(xy, ((-1.0, 1.0), (-1.0, 1.0))), want)
