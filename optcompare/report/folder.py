"""Reading a run folder: what its report shows, with errors that name the folder."""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optcompare.errors import RunError, SpecError
from optcompare.output import own_files

REPORT = "report.html"
SUMMARY = "summary.json"
LESSON = "lesson.md"
#: The run's recorded steps, which the page's step slider draws.
TRAJECTORY = "trajectory.csv"
#: A lesson with several experiments writes ``trajectory-<experiment>.csv`` for each.
EXPERIMENT_TRAJECTORY = ("trajectory-", ".csv")

#: Figures a browser shows from a data: URI; other figure formats are listed by name.
EMBEDDED = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}
LISTED = {".pdf"}

#: Where a figure must come from: a regular file directly inside the run folder.
WHERE = "report.html shows only regular files inside the run folder"
#: Bytes read to recognise an SVG file: its ``<svg`` tag follows at most an XML
#: declaration, a doctype and comments (matplotlib writes about 300 bytes before it).
SVG_HEAD = 4096


class Skipped(Exception):
    """A file of the folder that the report leaves out, with the reason."""


def content_problem(suffix: str, data: bytes) -> str | None:
    """Why ``data`` is not a figure of the type its suffix names, or None if it is.

    Checked by content, never by name alone: PNG by its 8-byte signature, GIF by
    ``GIF87a``/``GIF89a``, SVG by text that starts with ``<svg`` (or with ``<?xml``
    and has ``<svg`` within its first 4 KiB), PDF by ``%PDF-``.
    """
    suffix = suffix.lower()
    if suffix == ".png":
        ok, what = data.startswith(b"\x89PNG\r\n\x1a\n"), "a PNG image (no PNG signature)"
    elif suffix == ".gif":
        ok, what = data[:6] in (b"GIF87a", b"GIF89a"), "a GIF image (no GIF87a/GIF89a header)"
    elif suffix == ".svg":
        head = data[:SVG_HEAD].lstrip(b"\xef\xbb\xbf \t\r\n")
        ok = head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head)
        what = "an SVG image (no <svg> element at its start)"
    elif suffix == ".pdf":
        ok, what = data.startswith(b"%PDF-"), "a PDF document (no %PDF- header)"
    else:
        return None
    return None if ok else f"not {what}"


def read_regular(folder: Path, name: str, limit: int | None = None) -> bytes:
    """The bytes of ``folder/name`` (the first ``limit`` of them), if it is a regular file there.

    The file is opened without following a symbolic link and checked on the open
    file, so a link cannot be swapped in between the check and the read.

    Raises:
        Skipped: the name is a symbolic link, resolves outside ``folder``, or is
            not a regular file (a folder, a FIFO, a device).
        OSError: the file could not be read.
    """
    path = folder / name
    if path.is_symlink():
        raise Skipped(f"a symbolic link; {WHERE}")
    if path.resolve().parent != folder.resolve():
        raise Skipped(f"outside the run folder; {WHERE}")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # it became a link after the check above
            raise Skipped(f"a symbolic link; {WHERE}") from None
        raise
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise Skipped(f"not a regular file; {WHERE}")
        return file.read() if limit is None else file.read(limit)


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
        skipped: ``(file name, why)`` of every file left out: a symbolic link, not
            a regular file, or a figure whose content is not of its type.
        trajectory: the bytes of ``trajectory.csv`` (for the step slider), or None.
        trajectories: ``(experiment, bytes)`` of each ``trajectory-<experiment>.csv``
            (a lesson's), in the folder's order.
    """

    folder: str
    summary: dict[str, Any]
    figures: tuple[tuple[str, bytes], ...] = ()
    listed: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    lesson: str | None = None
    skipped: tuple[tuple[str, str], ...] = ()
    trajectory: bytes | None = None
    trajectories: tuple[tuple[str, bytes], ...] = ()


def read_folder(folder: Path) -> FolderContents:
    """Read what a report needs from a run folder.

    Figures are the folder's PNG, SVG and GIF files: first those the manifest
    lists (in the order the run wrote them), then any others by name.  Only
    regular files directly inside the folder are read (no symbolic links), and a
    figure only when its content is of the type its name says (see
    :func:`content_problem`); any other file is left out and named in
    ``skipped`` with the reason, so that a link or a renamed file cannot put
    another file's bytes into the page.

    Raises:
        SpecError: the folder does not exist, is not a folder, has no
            summary.json (or only a link by that name), or its summary.json is
            not a JSON object.
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
    if not path.is_file() and not path.is_symlink():
        raise SpecError(f"'{folder}' is not an optcompare run folder (no {SUMMARY})")
    figures: list[tuple[str, bytes]] = []
    listed: list[str] = []
    files: list[str] = []
    skipped: list[tuple[str, str]] = []
    lesson = None
    trajectory = None
    trajectories: list[tuple[str, bytes]] = []
    try:
        try:
            summary = json.loads(read_regular(folder, SUMMARY).decode("utf-8"))
        except Skipped as exc:
            raise SpecError(f"'{path}' is {exc}") from None
        for name in _file_names(folder):
            suffix = Path(name).suffix.lower()
            try:
                if suffix in EMBEDDED or suffix in LISTED:
                    data = read_regular(folder, name, None if suffix in EMBEDDED else 8)
                    problem = content_problem(suffix, data)
                    if problem:
                        raise Skipped(problem)
                    if suffix in EMBEDDED:
                        figures.append((name, data))
                    else:
                        listed.append(name)
                elif name == LESSON:
                    lesson = read_regular(folder, name).decode("utf-8", errors="replace")
                elif name == TRAJECTORY:
                    trajectory = read_regular(folder, name)
                    files.append(name)
                elif experiment_of(name):
                    trajectories.append((experiment_of(name), read_regular(folder, name)))
                    files.append(name)
                elif name != REPORT:
                    read_regular(folder, name, 0)  # listed by name only, if a regular file
                    files.append(name)
            except Skipped as exc:
                skipped.append((name, str(exc)))
    except SpecError:  # a ValueError too, and already complete
        raise
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
        figures=tuple(figures),
        listed=tuple(listed),
        files=tuple(files),
        lesson=lesson,
        skipped=tuple(skipped),
        trajectory=trajectory,
        trajectories=tuple(trajectories),
    )


def experiment_of(name: str) -> str:
    """The experiment of a file named ``trajectory-<experiment>.csv``, else ""."""
    head, tail = EXPERIMENT_TRAJECTORY
    if name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail):
        return name[len(head) : -len(tail)]
    return ""


def _file_names(folder: Path) -> list[str]:
    """The folder's visible files and links: the manifest's order first, then the rest by name.

    Links are included (dangling ones too) so that the report can say it left them out;
    sub-folders are not files of the run and are not mentioned.
    """
    present = sorted(
        p.name
        for p in folder.iterdir()
        if not p.name.startswith(".") and (p.is_symlink() or not p.is_dir())
    )
    first = [n for n in own_files(folder) if n in present]
    return first + [n for n in present if n not in first]
