"""A run folder as one self-contained web page, ``report.html``, for a screen or a projector.

The page holds everything it shows: figures are embedded as ``data:`` URIs,
the style and the one small script are inline, and a Content-Security-Policy
forbids the browser to fetch anything at all, so the file can be mailed, put
on a USB stick or opened offline in a lecture hall.

Every piece of text that comes from the folder (labels, the command line,
``lesson.md``, file names) is HTML-escaped before any markup is added, and
SVG figures are shown through ``<img>``, where a browser never runs their
scripts.  Reading the folder (:func:`read_folder`) is kept apart from building
the page (:func:`render_report`, a pure function of what was read); only
:func:`write_report` writes, through :mod:`optcompare.output`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from optcompare._version import __version__
from optcompare.errors import RunError, SpecError
from optcompare.summary.documents import compact

REPORT = "report.html"
SUMMARY = "summary.json"
LESSON = "lesson.md"

# figures a browser shows from a data: URI; other figure formats are listed by name
EMBEDDED = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}
LISTED = {".pdf"}

CAPTIONS = {
    "loss": "Loss against step",
    "path": "Optimization paths over the contours of the loss",
    "sweep": "Objective against the swept hyperparameters",
    "basins": "Basins: the minimum each start leads to",
    "animation": "The paths as they grow, beside the loss curves",
}


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
        raise SpecError(f"'{folder}' does not exist; expected an optcompare run folder "
                        f"(with {SUMMARY})")
    if not folder.is_dir():
        raise SpecError(f"'{folder}' is not a folder; expected an optcompare run folder "
                        f"(with {SUMMARY})")
    path = folder / SUMMARY
    if not path.is_file():
        raise SpecError(f"'{folder}' is not an optcompare run folder (no {SUMMARY})")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        names = _file_names(folder)
        figures = tuple((n, (folder / n).read_bytes()) for n in names
                        if Path(n).suffix.lower() in EMBEDDED)
        lesson_path = folder / LESSON
        lesson = (lesson_path.read_text(encoding="utf-8", errors="replace")
                  if lesson_path.is_file() else None)
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested too deep
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        raise SpecError(f"'{path}' is not valid JSON{where}; rerun the command that wrote "
                        "the folder") from None
    except OSError as exc:
        raise RunError(f"cannot read '{exc.filename or folder}': {exc.strerror or exc}") from None
    if not isinstance(summary, dict):
        raise SpecError(f"'{path}' is not an optcompare summary (expected a JSON object)")
    return FolderContents(
        folder=str(folder),
        summary=summary,
        figures=figures,
        listed=tuple(n for n in names if Path(n).suffix.lower() in LISTED),
        files=tuple(n for n in names if Path(n).suffix.lower() not in {*EMBEDDED, *LISTED}
                    and n not in (REPORT, LESSON)),
        lesson=lesson,
    )


def _file_names(folder: Path) -> list[str]:
    """The folder's visible files: the manifest's order first, then the rest by name."""
    from optcompare.output import MANIFEST

    present = sorted(p.name for p in folder.iterdir()
                     if p.is_file() and not p.name.startswith("."))
    manifest = folder / MANIFEST
    listed = []
    if manifest.is_file():
        listed = manifest.read_text(encoding="utf-8", errors="replace").split()
    first = [n for n in dict.fromkeys(listed) if n in present]
    return first + [n for n in present if n not in first]


def build_report(folder: Path) -> str:
    """The HTML of ``report.html`` for a run folder (nothing is written)."""
    return render_report(read_folder(folder))


def write_report(folder: Path) -> Path:
    """Write ``report.html`` into a run folder (atomically, listed in its manifest).

    Returns:
        The path of the report.

    Raises:
        SpecError: ``folder`` is not a readable optcompare run folder.
        RunError: the report could not be written.
    """
    from optcompare import output

    page = build_report(folder)
    return output.add_file(Path(folder), REPORT, lambda p: p.write_text(page, encoding="utf-8"))


# --- the page ---------------------------------------------------------------------------

CSS = """\
:root { color-scheme: light dark; --bg: #ffffff; --fg: #111111; --muted: #454545;
  --rule: #8a8a8a; --head: #e8edf5; --stripe: #f5f6f8; --code: #f0f0f0; --accent: #0b4f9c; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #121417; --fg: #f2f2f2; --muted: #c4c4c4; --rule: #6b6b6b; --head: #233044;
    --stripe: #1b1f25; --code: #262a31; --accent: #8cc4ff; }
}
html { font-size: 22px; }
@media (max-width: 640px) { html { font-size: 18px; } }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1400px; margin: 0 auto; padding: 1.2rem clamp(0.6rem, 3vw, 2.5rem) 3rem; }
h1 { font-size: 2.1rem; line-height: 1.2; margin: 0.2rem 0 0.4rem; overflow-wrap: anywhere; }
h2 { font-size: 1.5rem; margin: 2.2rem 0 0.6rem; border-bottom: 2px solid var(--rule);
  padding-bottom: 0.15rem; }
h3, h4, h5, h6 { font-size: 1.2rem; margin: 1.4rem 0 0.4rem; }
.kicker { margin: 0; color: var(--muted); font-size: 0.85rem; letter-spacing: 0.06em;
  text-transform: uppercase; }
.facts { margin: 0.3rem 0 0; color: var(--muted); }
.lesson > p, .lesson > ul, .lesson > ol { max-width: 50rem; }
.lesson li { margin: 0.25rem 0; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 0.9em; background: var(--code); border-radius: 4px; }
code { padding: 0.05em 0.3em; overflow-wrap: anywhere; }
pre { padding: 0.7rem 0.9rem; overflow-x: auto; white-space: pre-wrap;
  overflow-wrap: anywhere; }
pre code { padding: 0; background: none; }
figure { margin: 1.2rem 0; padding: 0.8rem; background: #ffffff; color: #111111;
  border: 1px solid #c8c8c8; border-radius: 8px; text-align: center; break-inside: avoid; }
figure img { display: block; margin: 0 auto; max-width: 100%; max-height: 88vh;
  width: auto; height: auto; }
figcaption { margin-top: 0.5rem; font-size: 0.9rem; }
figcaption code { background: #eeeeee; color: #111111; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.92rem;
  font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); padding-bottom: 0.3rem; }
th, td { padding: 0.35rem 0.8rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { background: var(--head); text-align: left; border-bottom: 2px solid var(--rule); }
tbody tr:nth-child(even) { background: var(--stripe); }
th.num, td.num { text-align: right; }
td.num { white-space: nowrap; }
th.label { text-align: left; min-width: 10em; }
.note { color: var(--muted); font-size: 0.9rem; }
"""

# Optional: tells a test (or a curious reader) how many figures the browser decoded.
SCRIPT = """\
window.addEventListener("load", function () {
  var all = document.images, ok = 0;
  for (var i = 0; i < all.length; i++) {
    if (all[i].complete && all[i].naturalWidth > 0) { ok++; }
  }
  document.body.setAttribute("data-images-ok", ok + "/" + all.length);
});
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# nothing may be fetched; only this page's own style and script may run
CSP = (f"default-src 'none'; img-src data:; style-src {_csp_hash(CSS)}; "
       f"script-src {_csp_hash(SCRIPT)}; base-uri 'none'; form-action 'none'")


def render_report(contents: FolderContents) -> str:
    """The whole page for what :func:`read_folder` found (pure: no I/O)."""
    doc = contents.summary
    kind = folder_kind(doc)
    lesson_title, lesson_html = (None, "")
    if contents.lesson is not None:
        lesson_title, body = split_title(contents.lesson)
        lesson_html = render_markdown(body)
    spec = _text(_get(doc, "problem", "spec")) or None
    title = lesson_title or spec or Path(contents.folder).name or "optcompare report"
    kicker = "lesson" if lesson_title else kind
    parts = [
        "<header>",
        f'<p class="kicker">optcompare · {escape(kicker)}</p>',
        f"<h1>{_inline(title) if lesson_title else escape(title)}</h1>",
        f'<p class="facts">{" · ".join(escape(f) for f in facts(doc, kind, title != spec))}</p>',
        "</header>",
    ]
    if lesson_html:
        parts.append(f'<section class="lesson">\n{lesson_html}\n</section>')
    parts.append(_figures_section(contents))
    parts.append(_results_section(doc, kind))
    parts.append(_reproduce_section(contents))
    return _page(title, "\n".join(parts))


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


def folder_kind(doc: dict[str, Any]) -> str:
    """'run', 'sweep', 'basins', or 'folder' when summary.json is none of these."""
    if "runs" in doc or "aggregates" in doc:
        return "run"
    if "best" in doc:
        return "sweep"
    if "optimizers" in doc:
        return "basins"
    return "folder"


def facts(doc: dict[str, Any], kind: str, problem: bool = True) -> list[str]:
    """Short facts under the title: the problem (unless it is the title), steps, seeds..."""
    out = []
    spec = _get(doc, "problem", "spec")
    if problem and spec is not None:
        out.append(f"problem {_text(spec)}")
    if kind == "sweep":
        params = doc.get("parameters")
        if isinstance(params, dict):
            out.extend(f"{_text(k)}: {len(v) if isinstance(v, list) else 1} values"
                       + (f" from {_num(v[0])} to {_num(v[-1])}"
                          if isinstance(v, list) and len(v) > 1 else "")
                       for k, v in params.items())
        if doc.get("objective") is not None:
            out.append(f"objective: {_text(doc['objective'])} loss")
    if kind == "basins" and doc.get("grid") is not None:
        out.append(f"{_num(doc['grid'])} × {_num(doc['grid'])} starts")
    if doc.get("steps") is not None:
        out.append(f"{_num(doc['steps'])} steps")
    seeds = doc.get("seeds")
    n_seeds = len(seeds) if isinstance(seeds, list) else seeds
    if isinstance(n_seeds, int) and not isinstance(n_seeds, bool) and n_seeds > 1:
        out.append(f"{n_seeds} seeds")
    if kind == "run":
        if _is_number(doc.get("jitter")) and doc["jitter"] > 0:
            out.append(f"starts jittered by {_num(doc['jitter'])}")
        if doc.get("lr_schedule") not in (None, "constant"):
            out.append(f"lr schedule {_text(doc['lr_schedule'])}")
        if _get(doc, "problem", "f_star") is not None:
            out.append(f"f* = {_num(_get(doc, 'problem', 'f_star'))}")
        if doc.get("tol") is not None:
            out.append(f"tol {_num(doc['tol'])}")
        if doc.get("tuning"):
            out.append("lr tuned on other seeds")
    return out


# --- sections -------------------------------------------------------------------------------

def _figures_section(contents: FolderContents) -> str:
    cards = []
    for name, data in contents.figures:
        mime = EMBEDDED[Path(name).suffix.lower()]
        uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        caption = CAPTIONS.get(Path(name).stem)
        text = f"{caption} ({name})" if caption else name
        shown = f"{escape(caption)} (<code>{escape(name)}</code>)" if caption \
            else f"<code>{escape(name)}</code>"
        cards.append(f'<figure>\n<img src="{uri}" alt="{escape(text)}">\n'
                     f"<figcaption>{shown}</figcaption>\n</figure>")
    if contents.listed:
        names = ", ".join(f"<code>{escape(n)}</code>" for n in contents.listed)
        cards.append(f'<p class="note">Figures in the folder that a web page cannot show '
                     f"(open them beside it): {names}.</p>")
    if not cards:
        cards.append('<p class="note">This folder has no figures (it was written with '
                     "<code>--no-plot</code>, or its figures were removed).</p>")
    return '<section class="figures">\n<h2>Figures</h2>\n' + "\n".join(cards) + "\n</section>"


def _results_section(doc: dict[str, Any], kind: str) -> str:
    table = {"run": run_table, "sweep": sweep_table, "basins": basins_table}.get(kind)
    if table is None:
        body = '<p class="note">summary.json holds no table this page knows how to show.</p>'
    else:
        caption, columns, rows, note = table(doc)
        body = _table(caption, columns, rows)
        if note:
            body += f'\n<p class="note">{escape(note)}</p>'
    return f'<section class="results">\n<h2>Results</h2>\n{body}\n</section>'


def _reproduce_section(contents: FolderContents) -> str:
    doc = contents.summary
    command = _text(doc.get("command")) or "(not recorded in summary.json)"
    versions = (f"optcompare {_text(doc.get('optcompare_version')) or 'unknown'}, "
                f"numpy {_text(doc.get('numpy_version')) or 'unknown'}")
    files = ", ".join(f"<code>{escape(n)}</code>" for n in contents.files)
    return ("<section class=\"reproduce\">\n<h2>Reproduce</h2>\n"
            "<p>The command that made this folder:</p>\n"
            f"<pre><code>{escape(command)}</code></pre>\n"
            f"<p>Made with {escape(versions)}; this page by optcompare "
            f"{escape(__version__)}.</p>\n"
            + (f"<p>Data in the folder: {files}.</p>\n" if files else "")
            + "</section>")


Column = tuple[str, bool]  # header, numeric (right-aligned)
Table = tuple[str, list[Column], list[list[str]], str]


def _table(caption: str, columns: list[Column], rows: list[list[str]]) -> str:
    def align(numeric: bool) -> str:
        return ' class="num"' if numeric else ""

    head = "".join(f'<th scope="col"{align(numeric)}>{escape(h)}</th>' for h, numeric in columns)
    body = []
    for row in rows:
        cells = [f'<th scope="row" class="label">{escape(row[0])}</th>']
        cells += [f"<td{align(numeric)}>{escape(v)}</td>"
                  for (_, numeric), v in zip(columns[1:], row[1:], strict=True)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return ('<div class="table-wrap">\n<table id="summary">\n'
            f"<caption>{escape(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
            "<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n</div>")


def run_table(doc: dict[str, Any]) -> Table:
    """One row per run, or per label with medians over seeds when there are several."""
    aggregates = _dicts(doc.get("aggregates"))
    tuned = bool(doc.get("tuning"))
    if any(_is_number(a.get("runs")) and a["runs"] > 1 for a in aggregates):
        n = max(a["runs"] for a in aggregates if _is_number(a.get("runs")))
        columns = [("optimizer", False), ("median final loss", True),
                   ("final loss 25-75%", True), ("median best loss", True),
                   ("median dist. to min", True), ("reached tol", True),
                   ("median steps to tol", True), ("diverged", True)]
        rows = [[_text(a.get("label")), _num(a.get("final_loss_median")),
                 f"{_num(a.get('final_loss_q25'), 3)}..{_num(a.get('final_loss_q75'), 3)}",
                 _num(a.get("best_loss_median")), _num(a.get("distance_to_minimum_median"), 3),
                 f"{_num(a.get('reached_tol'))}/{_num(a.get('runs'))}",
                 _num(a.get("steps_to_tol_median")),
                 f"{_num(a.get('diverged'))}/{_num(a.get('runs'))}"] for a in aggregates]
        lrs = [_num(a.get("lr"), 3) for a in aggregates]
        caption = f"Medians over {n} seeds per optimizer"
        note = ("A diverged run counts as an infinite loss, so a median final loss of '–' "
                "means that at least half of the runs diverged; a median steps to tol of '–' "
                "means that no run reached tol.")
    else:
        runs = _dicts(doc.get("runs"))
        columns = [("optimizer", False), ("final loss", True), ("best loss", True),
                   ("dist. to min", True), ("steps to tol", True), ("diverged", True)]
        rows = [[_text(r.get("label")), _num(r.get("final_loss")), _num(r.get("best_loss")),
                 _num(r.get("distance_to_minimum"), 3), _num(r.get("steps_to_tol")),
                 _diverged(r.get("diverged"))] for r in runs]
        lrs = [_num(_get(r, "hyperparameters", "lr"), 3) for r in runs]
        caption = "One row per run"
        note = "'–' means no value: the run never reached tol, or the problem has no known minimum."
    if doc.get("steps") is not None:
        caption += f"; {_num(doc['steps'])} steps"
    if doc.get("tol") is not None:
        caption += f"; tol {_num(doc['tol'])}"
    if tuned:
        columns.insert(1, ("tuned lr", True))
        for row, lr in zip(rows, lrs, strict=True):
            row.insert(1, lr)
    return caption, columns, rows, note


def sweep_table(doc: dict[str, Any]) -> Table:
    """The best value(s) of the swept hyperparameters per optimizer."""
    best = _dicts(doc.get("best"))
    params = doc.get("parameters")
    names = list(params) if isinstance(params, dict) else \
        [k for k in (best[0] if best else {}) if k not in
         ("label", "median_objective", "diverged_fraction")]
    objective = _text(doc.get("objective")) or "objective"
    columns = [("optimizer", False), *((f"best {_text(n)}", True) for n in names),
               (f"median {objective} loss", True), ("diverged (whole grid)", True)]
    rows = [[_text(b.get("label")), *(_num(b.get(n), 3) for n in names),
             _num(b.get("median_objective")), _percent(b.get("diverged_fraction"))]
            for b in best]
    return ("The best grid point per optimizer (lowest median objective over seeds)", columns,
            rows, "")


def basins_table(doc: dict[str, Any]) -> Table:
    """Per optimizer, the fraction of starts that reach each minimum."""
    entries = _dicts(doc.get("optimizers"))
    minima = _dicts(_get(doc, "problem", "minima"))
    keys = list(dict.fromkeys(k for e in entries if isinstance(e.get("fractions"), dict)
                              for k in e["fractions"]))

    def header(key: str) -> str:
        m = re.fullmatch(r"minimum (\d+)", key)
        if m and int(m.group(1)) < len(minima) and isinstance(minima[int(m.group(1))].get("x"),
                                                                list):
            return "(" + ", ".join(_num(v, 3) for v in minima[int(m.group(1))]["x"]) + ")"
        return key

    columns = [("optimizer", False), *((header(k), True) for k in keys)]
    rows = [[_text(e.get("label")),
             *(_percent(e["fractions"].get(k) if isinstance(e.get("fractions"), dict) else None)
               for k in keys)] for e in entries]
    return "Share of the grid's starts that end at each minimum (x, y)", columns, rows, ""


# --- small helpers ----------------------------------------------------------------------------

def _get(doc: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(k)
    return doc


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _text(v: Any) -> str:
    """Any JSON value as plain text (escaping happens where it is placed in the page)."""
    if v is None:
        return ""
    return v if isinstance(v, str) else json.dumps(v)


def _num(v: Any, digits: int = 4) -> str:
    """A compact number; '–' for a missing one, JSON text for an odd field."""
    return compact(v, digits, missing="–", other=_text)


def _percent(v: Any) -> str:
    return f"{100 * v:.1f}%" if _is_number(v) else "–"


def _diverged(v: Any) -> str:
    if v is False or v is None:
        return "no"
    return f"at step {v}" if _is_number(v) else _text(v)


# --- markdown ---------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}(\d{1,9})[.)]\s+(.*)$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")


def split_title(text: str) -> tuple[str | None, str]:
    """A leading ``# Title`` line, if any, and the rest of the markdown."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = _HEADING.match(line)
        if m and len(m.group(1)) == 1:
            return m.group(2), "\n".join(lines[i + 1:])
        break
    return None, text


def render_markdown(text: str) -> str:
    """HTML for a small, safe subset of markdown.

    Headings (``#`` to ``######``, shown as level 2 and below: the page has
    the only level-1 title), paragraphs, ``-``/``*``/``+`` and ``1.`` lists,
    fenced code blocks, inline ``code``, ``**bold**`` and ``*italic*``.
    Anything else (HTML, links, images) stays literal text: every piece of
    text is escaped before markup is added.
    """
    out: list[str] = []
    para: list[str] = []
    items: list[list[str]] = []
    list_tag, list_start, code, fence = "", 1, None, ""

    def flush() -> None:
        nonlocal list_tag
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if items:
            start = f' start="{list_start}"' if list_tag == "ol" and list_start != 1 else ""
            lis = "".join(f"<li>{_inline(' '.join(item))}</li>" for item in items)
            out.append(f"<{list_tag}{start}>{lis}</{list_tag}>")
            items.clear()
        list_tag = ""

    for line in text.splitlines():
        if code is not None:
            if line.strip().startswith(fence):
                out.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
                code = None
            else:
                code.append(line)
            continue
        if m := _FENCE.match(line):
            flush()
            code, fence = [], m.group(1)
        elif not line.strip():
            flush()
        elif m := _HEADING.match(line):
            flush()
            level = min(6, max(2, len(m.group(1))))
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
        elif (m := _BULLET.match(line)) or (m := _NUMBERED.match(line)):
            tag = "ul" if m.re is _BULLET else "ol"
            if para or tag != list_tag:
                flush()
            if not items and tag == "ol":
                list_start = int(m.group(1))
            list_tag = tag
            items.append([m.group(1) if tag == "ul" else m.group(2)])
        elif items:
            items[-1].append(line.strip())  # a continuation of the last item
        else:
            para.append(line.strip())
    if code is not None:  # an unclosed fence runs to the end
        out.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
    flush()
    return "\n".join(out)


def _inline(text: str) -> str:
    """Escape, then mark up code spans, bold and italics (code spans stay literal)."""
    parts, pos = [], 0
    for m in _CODE_SPAN.finditer(text):
        parts.append(_emphasis(escape(text[pos:m.start()])))
        parts.append(f"<code>{escape(m.group(2).strip())}</code>")
        pos = m.end()
    parts.append(_emphasis(escape(text[pos:])))
    return "".join(parts)


def _emphasis(escaped: str) -> str:
    escaped = _BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", escaped)
    return _ITALIC.sub(r"<em>\1</em>", escaped)
