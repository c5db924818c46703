"""One colour per label across a lesson's folder: every figure, the animation and the
report's step sliders draw a label alike, in the ink of the book the lesson drew with
(recorded in its summary.json)."""

from __future__ import annotations

import functools
import json
import re
from html import unescape
from pathlib import Path

import matplotlib
import pytest
from matplotlib.colors import to_hex

from optcompare import output, plotting
from optcompare.lessons import get_lesson, lesson_names
from optcompare.lessons.base import LessonResult
from optcompare.lessons.folder import lesson_files, lesson_inks
from optcompare.report import build_report

matplotlib.use("Agg")


@functools.cache
def ravine() -> LessonResult:
    return get_lesson("ravine").run("png")


def named(text: str, labels: set[str]) -> str | None:
    """The label a legend entry or line names: its text with the wrapping undone, alone
    or followed by a note in brackets ('(diverged at step 212)') or 'median of ...'."""
    joined = " ".join(str(text).split())
    for label in labels:
        if joined == label or joined.startswith((f"{label} (", f"{label} median of")):
            return label
    return None


def drawn_colours(fig, labels: set[str]) -> dict[str, set[str]]:
    """Label -> the colours of every line (and legend key) of ``fig`` that names it."""
    out: dict[str, set[str]] = {}
    legends = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
    handles = [line for ax in fig.axes for line in ax.get_lines()]
    handles += [h for legend in legends if legend for h in legend.legend_handles]
    for line in handles:
        name = named(line.get_label(), labels)
        if name is not None and hasattr(line, "get_color"):
            out.setdefault(name, set()).add(to_hex(line.get_color()))
    return out


@pytest.mark.parametrize("name", lesson_names())
def test_every_lesson_draws_each_label_in_its_folder_ink(name):
    res = ravine() if name == "ravine" else get_lesson(name).run("png")
    book = lesson_inks(res)  # what its summary.json records for the animation and report
    for figure, fig in res.figures.items():
        for label, colours in drawn_colours(fig, set(book)).items():
            assert colours == {to_hex(book[label].color)}, (figure, label)


def test_every_label_has_one_colour_in_the_ravine_folder(tmp_path: Path, monkeypatch):
    res = ravine()
    labels = {lab for r in res.results.values() for lab in r.labels}
    seen: dict[str, dict[str, set[str]]] = {}  # label -> figure -> colours
    for name, fig in res.figures.items():
        for label, colours in drawn_colours(fig, labels).items():
            seen.setdefault(label, {})[name] = colours

    real = plotting.path_animation
    animations = []

    def recording(*args, **kwargs):
        fig, anim = real(*args, **kwargs)
        animations.append(fig)
        return fig, anim

    monkeypatch.setattr(plotting, "path_animation", recording)
    _, contents = lesson_files(get_lesson("ravine"), res, "optcompare lesson ravine")
    (anim_fig,) = animations
    for label, colours in drawn_colours(anim_fig, labels).items():
        seen.setdefault(label, {})["animation"] = colours
    # the page's sliders, from the folder as written
    folder = output.write_folder(tmp_path / "ravine", tmp_path / "x", contents)
    page = build_report(folder)
    sections = re.findall(r'data-scrub="([^"]*)"', page)
    assert len(sections) == 2  # the ravine and the momentum experiments
    for i, raw in enumerate(sections):
        for s in json.loads(unescape(raw))["series"]:
            seen.setdefault(s["label"], {})[f"slider {i}"] = {to_hex(s["color"])}

    # the label the reviewer followed: in path.png, both sliders and momentum.png
    momentum = "sgd lr=0.07 momentum=0.5"
    assert {"path", "momentum", "slider 0", "slider 1", "animation"} <= set(seen[momentum])
    shared = {label: where for label, where in seen.items() if len(where) > 1}
    assert len(shared) >= 3
    for label, where in shared.items():
        colours = set().union(*where.values())
        assert len(colours) == 1, (label, where)
