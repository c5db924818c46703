"""A :class:`~optcompare.summary.tables.Table` as HTML (the terminal draws the same model)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from optcompare.summary.tables import Align, Table

#: The class a cell gets for its column's alignment (left is the default and needs none).
ALIGN_CLASS: dict[Align, str] = {"left": "", "right": "num", "center": "mid"}


def table_html(
    table: Table,
    cell: Callable[[str], str] = escape,
    *,
    row_headers: bool = True,
    css_class: str = "summary",
) -> str:
    """The table, its caption and its notes as HTML.

    Args:
        table: what to show.
        cell: turns a cell's (and a header's) text into HTML; the default escapes it,
            a Markdown table passes its inline renderer (which escapes too).
        row_headers: show the first column as row headers (``<th scope="row">``).
        css_class: the ``class`` of the ``<table>`` element.
    """

    def attrs(i: int, extra: str = "") -> str:
        classes = " ".join(c for c in (ALIGN_CLASS[table.columns[i].align], extra) if c)
        return f' class="{classes}"' if classes else ""

    head = "".join(
        f'<th scope="col"{attrs(i)}>{cell(c.name)}</th>' for i, c in enumerate(table.columns)
    )
    body = []
    for row in table.rows:
        cells = []
        for i, value in enumerate(row):
            if i == 0 and row_headers:
                cells.append(f'<th scope="row"{attrs(i, "label")}>{cell(value)}</th>')
            else:
                cells.append(f"<td{attrs(i)}>{cell(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"<caption>{escape(table.caption)}</caption>\n" if table.caption else ""
    notes = "".join(f'\n<p class="note">{escape(n)}</p>' for n in table.notes)
    return (
        f'<div class="table-wrap">\n<table class="{escape(css_class)}">\n{caption}'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody>\n</table>\n</div>"
        + notes
    )
