"""One colour per label across a lesson's folder: every figure, the animation and the
report's step sliders draw a label alike (the ravine lesson, whose experiments share
SGD labels)."""

from __future__ import annotations

import functools
import json
import re
from html import unescape
from pathlib import Path

import matplotlib
from matplotlib.colors import to_hex

from optcompare import output, plotting
from optcompare.lessons import get_lesson
from optcompare.lessons.base import LessonResult
from optcompare.lessons.folder import lesson_files
from optcompare.report import build_report

matplotlib.use("Agg")


@functools.cache
def ravine() -> LessonResult:
    return get_lesson("ravine").run("png")


def drawn_colours(fig, labels: set[str]) -> dict[str, set[str]]:
    """Label -> the colours of every line (and legend key) of ``fig`` that names it."""
    out: dict[str, set[str]] = {}
    for ax in fig.axes:
        legend = ax.get_legend()
        handles = list(ax.get_lines()) + (list(legend.legend_handles) if legend else [])
        for line in handles:
            name = str(line.get_label()).split("\n")[0]
            if name in labels and hasattr(line, "get_color"):
                out.setdefault(name, set()).add(to_hex(line.get_color()))
    for legend in fig.legends:
        for line in legend.legend_handles:
            name = str(line.get_label()).split("\n")[0]
            if name in labels:
                out.setdefault(name, set()).add(to_hex(line.get_color()))
    return out


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
