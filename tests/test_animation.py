"""Animations: the frame schedule, the hold on the last frame, pixel sizes, GIF and MP4."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

import optcompare
from optcompare.plotting.animation import (
    HOLD_SECONDS,
    animation_steps,
    frame_steps,
    path_animation,
)
from optcompare.problem import make_problem, problem_names

PLANE = [n for n in problem_names() if make_problem(n).dim == 2]
FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def shown_steps(result, frames):
    return animation_steps(result, frames)


def check_schedule(idx, steps, frames):
    assert len(idx) == min(frames, steps + 1)
    assert idx[0] == 0 and idx[-1] == steps
    assert np.all(np.diff(idx) > 0)  # strictly increasing: no frame shown twice


@pytest.mark.parametrize("problem", PLANE)
def test_every_plane_problem_shows_its_first_steps(problem):
    result = optcompare.run(["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05"], problem, steps=300)
    idx = shown_steps(result, 40)
    check_schedule(idx, 300, 40)
    assert idx[1] <= 10  # evenly spread frames would start at step 8, and skip 1..7
    assert np.sum(idx <= 10) >= 2


@pytest.mark.parametrize("opts", [["rmsprop"], ["sgd:lr=0.1", "adam:lr=0.05"], ["all"]])
@pytest.mark.parametrize(("steps", "frames"), [(500, 60), (40, 12), (5, 60), (1, 2)])
def test_rosenbrock_schedule_keeps_the_early_steps(opts, steps, frames):
    idx = shown_steps(optcompare.run(opts, "rosenbrock", steps=steps), frames)
    check_schedule(idx, steps, frames)
    assert np.any((idx > 0) & (idx <= 10))


def test_schedule_follows_where_the_paths_move():
    # all movement within the first 50 of 1000 steps: even spacing would give it 5%
    lengths = np.zeros(1000)
    lengths[:50] = 1.0
    idx = frame_steps(lengths, 60)
    check_schedule(idx, 1000, 60)
    assert np.mean(idx <= 50) > 0.75
    # equal movement per step: the frames are near even (the log share bends them early)
    even = frame_steps(np.ones(1000), 60)
    gaps = np.diff(even)
    assert gaps.max() < 2.5 * 1000 / 59


@pytest.mark.parametrize(
    "lengths",
    [
        np.zeros(200),
        np.full(200, np.nan),
        np.r_[1.0, np.full(199, np.inf)],
    ],
)
def test_schedule_without_usable_lengths_falls_back_to_log_steps(lengths):
    idx = frame_steps(lengths, 20)
    check_schedule(idx, 200, 20)
    assert idx[1] <= 2 and np.sum(idx <= 20) >= 5  # log spacing: dense at the start


def test_a_late_jump_does_not_take_every_frame():
    idx = frame_steps(np.r_[np.full(199, 1e-6), 1e9], 20)
    check_schedule(idx, 200, 20)
    assert np.sum(idx <= 10) >= 3


def test_last_frame_is_held(tmp_path):
    from matplotlib.animation import PillowWriter

    fps, frames, steps = 10, 12, 60
    result = optcompare.run(["adam:lr=0.05"], "rosenbrock", steps=steps)
    _, anim = path_animation(result, frames=frames, fps=fps)
    anim.save(tmp_path / "a.gif", writer=PillowWriter(fps=fps))
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == frames  # the repeats merge into the last frame
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    assert durations[:-1] == [1000 / fps] * (frames - 1)
    assert durations[-1] == pytest.approx(1000 / fps + 1000 * HOLD_SECONDS, abs=20)


def animate(cli, *extra):
    return cli(
        "animate",
        "--opt",
        "sgd:lr=0.002,momentum=0.9",
        "--opt",
        "adam:lr=0.05",
        "--problem",
        "rosenbrock",
        "--steps",
        "30",
        "--frames",
        "8",
        "--fps",
        "10",
        "-q",
        *extra,
    )


@pytest.mark.parametrize(
    ("size", "pixels"), [("small", (900, 468)), ("720p", (1280, 720)), ("1080p", (1920, 1080))]
)
def test_size_sets_the_pixels(cli, tmp_path, size, pixels):
    code, out, err = animate(cli, "--size", size, "--out", "a")
    assert code == 0, err
    with Image.open(tmp_path / "a" / "animation.gif") as gif:
        assert gif.size == pixels and gif.n_frames == 8


@pytest.mark.skipif(not FFMPEG, reason="ffmpeg is not installed")
def test_mp4_is_written_and_decodes(cli, tmp_path):
    code, out, err = animate(cli, "--format", "mp4", "--size", "720p", "--out", "m")
    assert code == 0, err
    path = tmp_path / "m" / "animation.mp4"
    assert not (tmp_path / "m" / "animation.gif").exists()
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,nb_read_frames", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    (stream,) = json.loads(probe.stdout)["streams"]
    assert (stream["width"], stream["height"]) == (1280, 720)
    # every decoded frame: the 8 shown steps, then the last one held 1.5 s at 10 fps
    assert int(stream["nb_read_frames"]) == 8 + round(HOLD_SECONDS * 10)


def test_mp4_without_ffmpeg_says_so_in_one_line(cli, tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, out, err = animate(cli, "--format", "mp4", "--out", "m")
    assert code == 1
    assert err.strip().splitlines() == [
        "optcompare: error: mp4 needs ffmpeg: install it (apt install ffmpeg / "
        "brew install ffmpeg) or use --format gif"
    ]
    assert not (tmp_path / "m").exists()  # refused before any work


@pytest.mark.parametrize(
    ("size", "pixels"), [("small", (2000, 1125)), ("720p", (1280, 720)), ("1080p", (1920, 1080))]
)
def test_talk_style_is_16_9_at_the_talk_size_or_the_size_asked(cli, tmp_path, size, pixels):
    code, out, err = animate(cli, "--style", "talk", "--size", size, "--out", "a")
    assert code == 0, err
    with Image.open(tmp_path / "a" / "animation.gif") as gif:
        assert gif.size == pixels and gif.n_frames == 8


def texts_and_lines(fig):
    from matplotlib.text import Text

    texts = {t.get_text(): t.get_fontsize() for t in fig.findobj(Text) if t.get_text()}
    widths = [ln.get_linewidth() for ln in fig.axes[1].get_lines()]
    return texts, widths


@pytest.mark.parametrize("size", ["small", "1080p"])
def test_talk_style_enlarges_the_animations_text_and_lines(tmp_path, size):
    from matplotlib.animation import PillowWriter

    from optcompare.plotting.style import STYLES, use_style

    result = optcompare.run(["adam:lr=0.05", "sgd:lr=0.001"], "rosenbrock", steps=30)
    paper_fig, paper_anim = path_animation(result, frames=4, size=size)
    with use_style("talk"):
        talk_fig, talk_anim = path_animation(result, frames=4, size=size)
    paper_text, paper_lines = texts_and_lines(paper_fig)
    talk_text, talk_lines = texts_and_lines(talk_fig)
    talk = STYLES["talk"]
    for title in ("paths", "loss", "step", "rosenbrock: step 0 of 30"):
        assert talk_text[title] == pytest.approx(paper_text[title] * talk.text)
    assert talk_lines == pytest.approx([w * talk.line for w in paper_lines])
    # the enlarged text is in the frozen background, not only on the artists
    (bg,) = [ax for ax in talk_fig.axes if ax.get_gid() == "background"]
    image = bg.get_images()[0].get_array()
    assert image.shape[:2] == tuple(reversed(talk_fig.canvas.get_width_height()))
    for name, anim in (("paper", paper_anim), ("talk", talk_anim)):
        anim.save(tmp_path / f"{name}.gif", writer=PillowWriter(fps=5))
    assert texts_and_lines(talk_fig)[0]["paths"] == talk_text["paths"]  # saving keeps it
