"""Reading a run folder: what its report shows, with errors that name the folder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optcompare.errors import RunError, SpecError
from optcompare.output import MANIFEST

REPORT = "report.html"
SUMMARY = "summary.json"
LESSON = "lesson.md"

#: Figures a browser shows from a data: URI; other figure formats are listed by name.
EMBEDDED = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}
LISTED = {".pdf"}


@dataclass(frozen=True)
class FolderContents:
    """What a report shows, as read from a run folder.

    Attributes:
        folder: the folder's path as given (for messages and the page's footer).
        summary: the parsed ``summary.json``.
        figures: ``(file name, bytes)`` of every embeddable figure, in display order.
        listed: figure files that cannot be embedded (PDF), by name.
        files: every other file of the run, by name.
        lesson: the text of ``lesson.md``, or None.
    """

    folder: str
    summary: dict[str, Any]
    figures: tuple[tuple[str, bytes], ...] = ()
    listed: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    lesson: str | None = None


def read_folder(folder: Path) -> FolderContents:
    """Read what a report needs from a run folder.

    Figures are the folder's PNG, SVG and GIF files: first those the manifest
    lists (in the order the run wrote them), then any others by name.

    Raises:
        SpecError: the folder does not exist, is not a folder, has no
            summary.json, or its summary.json is not a JSON object.
        RunError: a file could not be read.
    """
    folder = Path(folder)
    if not folder.exists():
        raise SpecError(
            f"'{folder}' does not exist; expected an optcompare run folder (with {SUMMARY})"
        )
    if not folder.is_dir():
        raise SpecError(
            f"'{folder}' is not a folder; expected an optcompare run folder (with {SUMMARY})"
        )
    path = folder / SUMMARY
    if not path.is_file():
        raise SpecError(f"'{folder}' is not an optcompare run folder (no {SUMMARY})")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        names = _file_names(folder)
        figures = tuple(
            (n, (folder / n).read_bytes()) for n in names if Path(n).suffix.lower() in EMBEDDED
        )
        lesson_path = folder / LESSON
        lesson = (
            lesson_path.read_text(encoding="utf-8", errors="replace")
            if lesson_path.is_file()
            else None
        )
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested too deep
        line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        where = f" (line {line}, column {column})" if line is not None else ""
        raise SpecError(
            f"'{path}' is not valid JSON{where}; rerun the command that wrote the folder"
        ) from None
    except OSError as exc:
        raise RunError(f"cannot read '{exc.filename or folder}': {exc.strerror or exc}") from None
    if not isinstance(summary, dict):
        raise SpecError(f"'{path}' is not an optcompare summary (expected a JSON object)")
    return FolderContents(
        folder=str(folder),
        summary=summary,
        figures=figures,
        listed=tuple(n for n in names if Path(n).suffix.lower() in LISTED),
        files=tuple(
            n
            for n in names
            if Path(n).suffix.lower() not in {*EMBEDDED, *LISTED} and n not in (REPORT, LESSON)
        ),
        lesson=lesson,
    )


def _file_names(folder: Path) -> list[str]:
    """The folder's visible files: the manifest's order first, then the rest by name."""
    present = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    manifest = folder / MANIFEST
    listed = []
    if manifest.is_file():
        listed = manifest.read_text(encoding="utf-8", errors="replace").split()
    first = [n for n in dict.fromkeys(listed) if n in present]
    return first + [n for n in present if n not in first]
