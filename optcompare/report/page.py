"""The page of ``report.html``: a pure function of what :mod:`.folder` read.

The style sheet is ``report.css`` beside this module, inlined into the page;
the Content-Security-Policy allows exactly that style and the one small
script below (by their hashes) and images from ``data:`` URIs, nothing else.
Every piece of text from the folder is escaped where it is placed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from optcompare._version import __version__
from optcompare.plotting.book import book_of
from optcompare.plotting.colors import use_inks
from optcompare.report.folder import EMBEDDED, TRAJECTORY, FolderContents
from optcompare.report.markdown import inline, render_markdown, split_title
from optcompare.report.scrub import SCRIPT as SCRUB_SCRIPT
from optcompare.report.scrub import labels, points_per_path, scrub_section
from optcompare.report.table import table_html
from optcompare.summary.cells import get, is_number, number, text
from optcompare.summary.tables import document_kind, document_tables

CSS = resources.files("optcompare.report").joinpath("report.css").read_text(encoding="utf-8")

# Tells a test (or a curious reader) how many figures the browser decoded; then the
# step slider (scrub.js), which does nothing on a page without one.
SCRIPT = (
    """\
window.addEventListener("load", function () {
  var all = document.images, ok = 0;
  for (var i = 0; i < all.length; i++) {
    if (all[i].complete && all[i].naturalWidth > 0) { ok++; }
  }
  document.body.setAttribute("data-images-ok", ok + "/" + all.length);
});
"""
    + SCRUB_SCRIPT
)

CAPTIONS = {
    "loss": "Loss against step",
    "path": "Optimization paths over the contours of the loss",
    "sweep": "Objective against the swept hyperparameters",
    "basins": "Basins: where each start ends",
    "regions": "Decision regions of each optimizer's final model, with the data",
    "animation": "The paths as they grow, beside the loss curves",
}


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# nothing may be fetched; only this page's own style and script may run
CSP = (
    f"default-src 'none'; img-src data:; style-src {_csp_hash(CSS)}; "
    f"script-src {_csp_hash(SCRIPT)}; base-uri 'none'; form-action 'none'"
)


def render_report(contents: FolderContents) -> str:
    """The whole page for what :func:`~optcompare.report.folder.read_folder` found."""
    doc = contents.summary
    kind = document_kind(doc)
    lesson_title, lesson_html = (None, "")
    if contents.lesson is not None:
        lesson_title, body = split_title(contents.lesson)
        lesson_html = render_markdown(body)
    spec = text(get(doc, "problem", "spec")) or None
    title = lesson_title or spec or Path(contents.folder).name or "optcompare report"
    kicker = "lesson" if lesson_title or kind == "lesson" else kind
    shown = facts(doc, kind, title != spec)
    parts = [
        "<header>",
        f'<p class="kicker">optcompare · {escape(kicker)}</p>',
        f"<h1>{inline(title) if lesson_title else escape(title)}</h1>",
        f'<p class="facts">{" · ".join(escape(f) for f in shown)}</p>' if shown else "",
        "</header>",
    ]
    if lesson_html:
        parts.append(f'<section class="lesson">\n{lesson_html}\n</section>')
    parts.append(_scrub(contents))
    parts.append(_figures_section(contents))
    parts.append(_results_section(doc, contents.lesson is not None))
    parts.append(_reproduce_section(contents))
    return _page(title, "\n".join(p for p in parts if p))


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="optcompare {escape(__version__)}">
<title>{escape(re.sub(r"[*`]", "", title))} · optcompare</title>
<style>{CSS}</style>
</head>
<body>
<main>
{body}
</main>
<script>{SCRIPT}</script>
</body>
</html>
"""


def facts(doc: dict[str, Any], kind: str, problem: bool = True) -> list[str]:
    """Short facts under the title: the problem (unless it is the title), steps, seeds..."""
    out = []
    spec = get(doc, "problem", "spec")
    if problem and spec is not None:
        out.append(f"problem {text(spec)}")
    if kind == "sweep":
        params = doc.get("parameters")
        if isinstance(params, dict):
            out.extend(
                f"{text(k)}: {len(v) if isinstance(v, list) else 1} values"
                + (
                    f" from {number(v[0])} to {number(v[-1])}"
                    if isinstance(v, list) and len(v) > 1
                    else ""
                )
                for k, v in params.items()
            )
        if doc.get("objective") is not None:
            out.append(f"objective: {text(doc['objective'])} loss")
    if kind == "basins" and doc.get("grid") is not None:
        out.append(f"{number(doc['grid'])} × {number(doc['grid'])} starts")
    if doc.get("steps") is not None:
        out.append(f"{number(doc['steps'])} steps")
    seeds = doc.get("seeds")
    n_seeds = len(seeds) if isinstance(seeds, list) else seeds
    if isinstance(n_seeds, int) and not isinstance(n_seeds, bool) and n_seeds > 1:
        out.append(f"{n_seeds} seeds")
    if kind == "run":
        if is_number(doc.get("jitter")) and doc["jitter"] > 0:
            out.append(f"starts jittered by {number(doc['jitter'])}")
        if doc.get("lr_schedule") not in (None, "constant"):
            out.append(f"lr schedule {text(doc['lr_schedule'])}")
        if get(doc, "problem", "f_star") is not None:
            out.append(f"f* = {number(get(doc, 'problem', 'f_star'))}")
        if doc.get("tol") is not None:
            out.append(f"tol {number(doc['tol'])}")
        if doc.get("tuning"):
            out.append("lr tuned on other seeds")
    return out


# --- sections -------------------------------------------------------------------------------


def _scrub(contents: FolderContents) -> str:
    """The step slider of a run folder with a trajectory.csv, or one per 2-D experiment of
    a lesson with its trajectory file; a note instead of a slider whose file is odd."""
    doc = contents.summary
    kind = document_kind(doc)
    if kind == "run":
        runs: list[tuple[str, bytes | None, str, dict[str, Any]]] = [
            (TRAJECTORY, contents.trajectory, "", doc)
        ]
    elif kind == "lesson":
        experiments = {
            str(k): d
            for k, d in doc["experiments"].items()
            if isinstance(d, dict) and document_kind(d) == "run"
        }
        # a lesson of one experiment writes it as a run's trajectory.csv
        one = len(experiments) == 1 and contents.trajectory is not None
        found = {name: (f"trajectory-{name}.csv", data) for name, data in contents.trajectories}
        runs = [
            (TRAJECTORY, contents.trajectory, name, d) if one else (*found[name], name, d)
            for name, d in experiments.items()
            if get(d, "problem", "dim") == 2 and (one or name in found)
        ]
    else:
        return ""
    limit = points_per_path(sum(labels(d) for _, data, _, d in runs if data is not None))
    out: list[str] = []
    for source, data, name, d in runs:
        if data is None:
            continue
        key = f"scrub-{len(out) + 1}" if name else "scrub"
        heading = f"Step by step: {name}" if name else "Step by step"
        try:
            shown = facts(d, "lesson") if name else ()
            # each label's ink as the folder's figures drew it (summary.json's book)
            with use_inks(book_of(doc)):
                out.append(scrub_section(d, data, key, heading, tuple(shown), source, limit))
        except (ValueError, IndexError, UnicodeDecodeError) as exc:
            out.append(
                f'<section class="scrub">\n<h2>{escape(heading)}</h2>\n<p class="note">No step '
                f"slider: {escape(source)} is not what a run writes ({escape(str(exc))}).</p>\n"
                "</section>"
            )
    return "\n".join(s for s in out if s)


def _figures_section(contents: FolderContents) -> str:
    cards = []
    for name, data in contents.figures:
        mime = EMBEDDED[Path(name).suffix.lower()]
        uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        caption = CAPTIONS.get(Path(name).stem)
        alt = f"{caption} ({name})" if caption else name
        shown = (
            f"{escape(caption)} (<code>{escape(name)}</code>)"
            if caption
            else f"<code>{escape(name)}</code>"
        )
        cards.append(
            f'<figure>\n<img src="{uri}" alt="{escape(alt)}">\n'
            f"<figcaption>{shown}</figcaption>\n</figure>"
        )
    if contents.listed:
        names = ", ".join(f"<code>{escape(n)}</code>" for n in contents.listed)
        cards.append(
            f'<p class="note">Figures in the folder that a web page cannot show '
            f"(open them beside it): {names}.</p>"
        )
    for name, why in contents.skipped:  # one line each: which file, and why
        cards.append(f'<p class="note">Left out: <code>{escape(name)}</code>, {escape(why)}.</p>')
    if not cards:
        cards.append(
            '<p class="note">This folder has no figures (it was written with '
            "<code>--no-plot</code>, or its figures were removed).</p>"
        )
    return '<section class="figures">\n<h2>Figures</h2>\n' + "\n".join(cards) + "\n</section>"


def _results_section(doc: dict[str, Any], lesson: bool) -> str:
    """The tables summary.json holds; a lesson without runs has its tables in its text."""
    tables = document_tables(doc)
    if tables:
        body = "\n".join(table_html(t) for t in tables)
    elif lesson:
        return ""
    else:
        body = '<p class="note">summary.json holds no table this page knows how to show.</p>'
    heading = "The lesson's runs" if lesson else "Results"
    return f'<section class="results">\n<h2>{heading}</h2>\n{body}\n</section>'


def _reproduce_section(contents: FolderContents) -> str:
    doc = contents.summary
    command = text(doc.get("command")) or "(not recorded in summary.json)"
    versions = (
        f"optcompare {text(doc.get('optcompare_version')) or 'unknown'}, "
        f"numpy {text(doc.get('numpy_version')) or 'unknown'}"
    )
    files = ", ".join(f"<code>{escape(n)}</code>" for n in contents.files)
    return (
        '<section class="reproduce">\n<h2>Reproduce</h2>\n'
        "<p>The command that made this folder:</p>\n"
        f"<pre><code>{escape(command)}</code></pre>\n"
        f"<p>Made with {escape(versions)}; this page by optcompare "
        f"{escape(__version__)}.</p>\n"
        + (f"<p>Data in the folder: {files}.</p>\n" if files else "")
        + "</section>"
    )
