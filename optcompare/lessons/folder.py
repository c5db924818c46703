"""What a lesson's folder holds: lesson.md, summary.json, its figures, data and animations."""

from __future__ import annotations

from typing import Any

import numpy as np

from optcompare import output
from optcompare._version import __version__
from optcompare.lessons.base import Lesson, LessonResult, plain
from optcompare.plotting.book import book_document
from optcompare.plotting.colors import Ink, use_inks
from optcompare.plotting.style import same_result_inks
from optcompare.summary.documents import summary_document

#: Frames and speed of a lesson's animation: 5 s, small enough for a slide deck.
ANIMATION_FRAMES, ANIMATION_FPS = 50, 10


def lesson_inks(res: LessonResult) -> dict[str, Ink]:
    """The book of the lesson's figures: the one it drew with, else that of its
    experiments in order (by optimizer)."""
    if res.inks is not None:
        return dict(res.inks)
    with same_result_inks(res.results.values()) as book:
        return book


def lesson_document(lesson: Lesson, res: LessonResult, command: str) -> dict[str, Any]:
    """summary.json: the lesson, its key numbers, and a summary of each comparison run."""
    return {
        "optcompare_version": __version__,
        "numpy_version": np.__version__,
        "command": command,
        "lesson": lesson.name,
        "title": lesson.title,
        "claim": lesson.claim,
        "numbers": plain(res.numbers),
        "figures": sorted(res.figures),
        # how its labels were inked, once for the folder (the report's sliders follow)
        "inks": book_document(lesson_inks(res)),
        "experiments": {
            key: plain(summary_document(result, command)) for key, result in res.results.items()
        },
    }


def lesson_files(
    lesson: Lesson, res: LessonResult, command: str, fmt: str = "png"
) -> tuple[dict[str, Any], output.Contents]:
    """The document and the files of a lesson's folder, of kind ``lesson:NAME``."""
    from optcompare import plotting

    doc = lesson_document(lesson, res, command)
    files: output.Files = {
        "lesson.md": output.text_file(res.text),
        "summary.json": output.json_file(doc),
    }
    for key, result in res.results.items():
        stem = "trajectory" if len(res.results) == 1 else f"trajectory-{key}"
        files.update(output.trajectory_files(result, stem))
    for name, (header, rows) in res.tables.items():
        files[name] = output.csv_file(header, rows)
    for name, fig in res.figures.items():
        files[f"{name}.{fmt}"] = output.figure_file(fig, fmt)
    for key in res.animations:
        # the labels' inks of the whole folder, as its figures and report.html draw them
        with use_inks(lesson_inks(res)):
            _, anim = plotting.path_animation(
                res.results[key], frames=ANIMATION_FRAMES, fps=ANIMATION_FPS
            )
        name = "animation.gif" if len(res.animations) == 1 else f"animation-{key}.gif"
        files[name] = output.animation_file(anim, ANIMATION_FPS)
    return doc, output.Contents(f"lesson:{lesson.name}", files)
