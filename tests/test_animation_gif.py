"""The GIF writer: one palette for every frame (the figure's own colours kept exactly), a
held frame stored once, and the ravine lesson's talk animation a few hundred kB."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import optcompare
from optcompare.lessons import ravine
from optcompare.lessons.folder import ANIMATION_FPS, ANIMATION_FRAMES
from optcompare.plotting.animation import HOLD_SECONDS, animation_steps, path_animation
from optcompare.plotting.gif import PaletteGifWriter, palette_of
from optcompare.plotting.style import use_style

#: The issue's bound for the ravine lesson's animation in the talk style ("under a few MB").
TALK_BYTES = 2.5e6


def frames_of(path):
    with Image.open(path) as gif:
        out = []
        for i in range(gif.n_frames):
            gif.seek(i)
            out.append((np.asarray(gif.convert("RGB")), gif.info["duration"], gif.info["loop"]))
    return out


def rendered(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3]


def test_palette_keeps_the_most_frequent_colours_exactly():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)  # noise: many rare colours
    rgb[:30] = (255, 255, 255)
    rgb[30:40] = (0, 114, 178)  # sgd's blue
    pal = palette_of(rgb, 16)
    assert pal.shape == (16, 3)
    rows = {tuple(int(v) for v in c) for c in pal}
    assert {(255, 255, 255), (0, 114, 178)} <= rows


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    fps, frames = 10, 12
    result = optcompare.run(["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05"], "rosenbrock", steps=60)
    fig, anim = path_animation(result, frames=frames, fps=fps)
    path = tmp_path_factory.mktemp("gif") / "a.gif"
    anim.save(path, writer=PaletteGifWriter(fps=fps))
    return result, fig, frames_of(path), fps, frames


def test_each_scheduled_frame_once_and_the_hold_as_one_long_frame(written):
    result, _, gif, fps, frames = written
    assert len(gif) == len(animation_steps(result, frames))
    durations = [d for _, d, _ in gif]
    assert durations[:-1] == [1000 / fps] * (len(gif) - 1)
    assert durations[-1] == pytest.approx(1000 / fps + 1000 * HOLD_SECONDS, abs=20)
    assert all(loop == 0 for *_, loop in gif)  # loops forever


def test_the_last_frame_is_the_figure_in_its_own_colours(written):
    _, fig, gif, _, _ = written
    want = rendered(fig)  # the figure still shows the last frame
    got = gif[-1][0]
    assert got.shape == want.shape
    exact = np.all(got == want, axis=2)
    assert exact.mean() > 0.95  # only anti-aliased edges move to a near palette colour
    assert np.abs(got.astype(int) - want.astype(int)).mean() < 1.0
    assert (got[2, 2] == (255, 255, 255)).all()  # the white stays white


def test_the_ravine_talk_animation_is_small(tmp_path):
    result = optcompare.run(ravine.OPTS, ravine.PROBLEM, steps=ravine.STEPS, tol=ravine.TOL)
    with use_style("talk"):
        _, anim = path_animation(result, frames=ANIMATION_FRAMES, fps=ANIMATION_FPS)
        anim.save(tmp_path / "talk.gif", writer=PaletteGifWriter(fps=ANIMATION_FPS))
    size = (tmp_path / "talk.gif").stat().st_size
    assert 0 < size < TALK_BYTES
    with Image.open(tmp_path / "talk.gif") as gif:
        assert gif.size == (2000, 1125)
        assert gif.n_frames == len(animation_steps(result, ANIMATION_FRAMES))
