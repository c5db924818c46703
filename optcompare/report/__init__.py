"""A run folder as one self-contained web page, ``report.html``, for a screen or a projector.

The page holds everything it shows: figures are embedded as ``data:`` URIs,
the style and the one small script are inline, and a Content-Security-Policy
forbids the browser to fetch anything at all, so the file can be mailed, put
on a USB stick or opened offline in a lecture hall.

Every piece of text that comes from the folder (labels, the command line,
``lesson.md``, file names) is HTML-escaped before any markup is added, and
SVG figures are shown through ``<img>``, where a browser never runs their
scripts.  The parts: :mod:`.folder` reads the folder, :mod:`.page` builds the
page (a pure function of what was read) with the result tables of
:mod:`optcompare.summary.tables` (the terminal shows the same ones) drawn by
:mod:`.table`, and the lesson's text by :mod:`.markdown`; only
:func:`write_report` writes, through :mod:`optcompare.output`.
"""

from __future__ import annotations

from pathlib import Path

from optcompare import output
from optcompare.report.folder import REPORT, FolderContents, read_folder
from optcompare.report.markdown import render_markdown, split_title
from optcompare.report.page import render_report

__all__ = [
    "REPORT",
    "FolderContents",
    "build_report",
    "read_folder",
    "render_markdown",
    "render_report",
    "split_title",
    "write_report",
]


def build_report(folder: Path) -> str:
    """The HTML of ``report.html`` for a run folder (nothing is written).

    Raises:
        SpecError: ``folder`` is not a readable optcompare run folder.
        RunError: a file of the folder could not be read.
    """
    return render_report(read_folder(folder))


def write_report(folder: Path) -> Path:
    """Write ``report.html`` into a run folder of any kind (atomically, listed in its manifest).

    An earlier report.html is replaced only if optcompare wrote it and nobody
    changed it since (see :mod:`optcompare.manifest`).

    Returns:
        The path of the report.

    Raises:
        SpecError: ``folder`` is not a readable optcompare run folder, or its
            report.html is not one optcompare wrote (or was changed since).
        RunError: the report could not be written.
    """
    page = build_report(folder)

    def write(path: Path) -> None:
        path.write_text(page, encoding="utf-8")

    return output.add_file(Path(folder), REPORT, write)
