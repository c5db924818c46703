"""A small, safe Markdown renderer for ``lesson.md`` (and titles) in ``report.html``.

It knows the Markdown that lessons are written in: headings, paragraphs,
bullet and numbered lists, block quotes, rules, fenced and indented code
blocks, pipe tables (GitHub's syntax: a header row, a separator row whose
colons set each column's alignment, ``\\|`` for a pipe inside a cell), inline
``code``, ``**bold**``, ``*italic*`` and backslash escapes.  Anything else
(raw HTML, links, images) stays literal text: every piece of text is escaped
before markup is added, so no lesson text can inject HTML.
"""

from __future__ import annotations

import re
from html import escape

from optcompare.report.table import table_html
from optcompare.summary.tables import Align, Column, Table

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}(\d{1,9})[.)]\s+(.*)$")
_INDENTED = re.compile(r"^(?: {4}|\t)(.*)$")
_QUOTE = re.compile(r"^ {0,3}> ?(.*)$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_TOKEN = re.compile("\x00(\\d+)\x00")


def split_title(text: str) -> tuple[str | None, str]:
    """A leading ``# Title`` line, if any, and the rest of the markdown."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = _HEADING.match(line)
        if m and len(m.group(1)) == 1:
            return m.group(2), "\n".join(lines[i + 1 :])
        break
    return None, text


def render_markdown(text: str) -> str:
    """HTML for the Markdown subset above.

    Headings are shown as level 2 and below (the page has the only level-1
    title); a table's cells get inline markup and its header row is ``<thead>``.
    """
    return "\n".join(_blocks(text.replace("\x00", "\ufffd").splitlines()))


def _blocks(lines: list[str]) -> list[str]:
    out: list[str] = []
    para: list[str] = []
    items: list[list[str]] = []
    list_tag, list_start = "", 1

    def flush() -> None:
        nonlocal list_tag
        if para:
            out.append(f"<p>{inline(' '.join(para))}</p>")
            para.clear()
        if items:
            start = f' start="{list_start}"' if list_tag == "ol" and list_start != 1 else ""
            lis = "".join(f"<li>{inline(' '.join(item))}</li>" for item in items)
            out.append(f"<{list_tag}{start}>{lis}</{list_tag}>")
            items.clear()
        list_tag = ""

    i = 0
    while i < len(lines):
        line = lines[i]
        if m := _FENCE.match(line):
            flush()
            fence = m.group(1)
            close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
            end = next(
                (j for j in range(i + 1, len(lines)) if close.match(lines[j])), len(lines)
            )  # an unclosed fence runs to the end
            out.append(_code(lines[i + 1 : end]))
            i = end + 1
            continue
        if not line.strip():
            flush()
        elif not para and not items and _INDENTED.match(line):
            # an indented block cannot interrupt a paragraph: it follows a blank line
            end = i
            while end < len(lines) and (_INDENTED.match(lines[end]) or not lines[end].strip()):
                end += 1
            code = [_unindent(c) for c in lines[i:end]]
            while code and not code[-1].strip():
                code.pop()
            out.append(_code(code))
            i = end
            continue
        elif _starts_table(lines, i):
            flush()
            end = i + 2
            while end < len(lines) and lines[end].strip() and not _other_block(lines[end]):
                end += 1
            out.append(_table(lines[i], lines[i + 1], lines[i + 2 : end]))
            i = end
            continue
        elif m := _HEADING.match(line):
            flush()
            level = min(6, max(2, len(m.group(1))))
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
        elif _QUOTE.match(line):
            flush()
            end = i
            while end < len(lines) and _QUOTE.match(lines[end]):
                end += 1
            inner = [q.group(1) for q in map(_QUOTE.match, lines[i:end]) if q]
            out.append("<blockquote>\n" + "\n".join(_blocks(inner)) + "\n</blockquote>")
            i = end
            continue
        elif _RULE.match(line):
            flush()
            out.append("<hr>")
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
        i += 1
    flush()
    return out


def _code(lines: list[str]) -> str:
    return f"<pre><code>{escape(chr(10).join(lines))}</code></pre>"


def _unindent(line: str) -> str:
    m = _INDENTED.match(line)
    return m.group(1) if m else ""


def _other_block(line: str) -> bool:
    """A line that ends a table: the start of a heading, fence or quote."""
    return bool(_HEADING.match(line) or _FENCE.match(line) or _QUOTE.match(line))


# --- pipe tables ----------------------------------------------------------------------------------


def _starts_table(lines: list[str], i: int) -> bool:
    """A header row with pipes, then a separator row with as many cells."""
    if i + 1 >= len(lines) or "|" not in lines[i] or "|" not in lines[i + 1]:
        return False
    if not _DELIMITER.match(lines[i + 1]) or _other_block(lines[i]):
        return False
    return len(_cells(lines[i])) == len(_cells(lines[i + 1]))


def _cells(row: str) -> list[str]:
    """A row's cells: split at pipes that are not escaped; ``\\|`` becomes ``|`` (in code
    spans too, as on GitHub)."""
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    cells, current, k = [], "", 0
    while k < len(row):
        if row[k] == "\\" and k + 1 < len(row):
            current += row[k : k + 2]
            k += 2
            continue
        if row[k] == "|":
            cells.append(current)
            current = ""
        else:
            current += row[k]
        k += 1
    if current.strip() or not cells:  # a trailing pipe closes the row, adding no cell
        cells.append(current)
    return [c.strip().replace("\\|", "|") for c in cells]


def _alignment(cell: str) -> Align:
    left, right = cell.startswith(":"), cell.endswith(":")
    return "center" if left and right else "right" if right else "left"


def _table(header: str, delimiter: str, rows: list[str]) -> str:
    names = _cells(header)
    columns = tuple(Column(n, _alignment(d)) for n, d in zip(names, _cells(delimiter), strict=True))
    width = len(columns)
    # as on GitHub: extra cells are dropped, missing ones are empty
    body = tuple(tuple((cells + [""] * width)[:width]) for cells in map(_cells, rows))
    return table_html(Table("", columns, body), inline, row_headers=False, css_class="lesson")


# --- inline markup --------------------------------------------------------------------------------


def inline(text: str) -> str:
    """Escape, then mark up code spans, bold, italics and backslash escapes.

    Code spans and escaped characters stay literal: they are set aside as
    tokens before emphasis is matched and put back afterwards.
    """
    text = text.replace("\x00", "\ufffd")
    tokens: list[str] = []

    def token(html: str) -> str:
        tokens.append(html)
        return f"\x00{len(tokens) - 1}\x00"

    plain, k = [], 0
    while k < len(text):
        c = text[k]
        if c == "\\" and k + 1 < len(text) and text[k + 1] in _ESCAPABLE:
            plain.append(token(escape(text[k + 1])))
            k += 2
        elif c == "`":
            run = len(text[k:]) - len(text[k:].lstrip("`"))
            close = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(text, k + run)
            if close is None:
                plain.append("`" * run)
                k += run
                continue
            code = text[k + run : close.start()]
            if len(code) > 2 and code[0] == code[-1] == " " and code.strip():
                code = code[1:-1]
            plain.append(token(f"<code>{escape(code)}</code>"))
            k = close.end()
        else:
            plain.append(c)
            k += 1
    html = _emphasis(escape("".join(plain)))
    return _TOKEN.sub(lambda m: tokens[int(m.group(1))], html)


def _emphasis(escaped: str) -> str:
    escaped = _BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", escaped)
    return _ITALIC.sub(r"<em>\1</em>", escaped)
