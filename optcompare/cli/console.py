"""Consoles and number formatting for the terminal (rich).

Consoles are built inside commands, never at import time, so the width and
colour decisions follow the real terminal (rich honours NO_COLOR and writes
plain text when stdout is not a terminal).
"""

from __future__ import annotations

from typing import Any


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def num(v: Any, digits: int = 4) -> str:
    """A compact number for the terminal, '-' for missing."""
    from optcompare.summary.documents import compact

    return compact(v, digits)


def plain(text: str):
    """``text`` as rich Text, shown exactly: no markup, control characters escaped.

    For every string that may come from a file (a problem file's name,
    description, formula or reference): an escape sequence there would
    otherwise reach the terminal and could recolour, retitle or hide output.
    The escaping is :func:`~optcompare.cli.group.one_line`'s, the one used for
    error messages, so ``\x1b`` shows as the four characters ``\x1b``.
    """
    from rich.text import Text

    from optcompare.cli.group import one_line

    return Text(one_line(text))


def table(title: str | None, columns: list[tuple[str, Any]], rows: list[list[Any]]):
    """A rich table; columns are (header, justify: "left", "right" or "center").

    Cells are shown with :func:`plain` (as they are, control characters escaped).
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    # a Text cell is ours, styled on purpose (a lesson's bold title); strings are shown plain
    cells = [[c if isinstance(c, Text) else plain(c) for c in row] for row in rows]

    t = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        title_justify="left",
        pad_edge=False,
        collapse_padding=True,
    )
    for i, (header, justify) in enumerate(columns):
        # numbers never wrap; labels wrap, but keep at least 16 characters
        widest = max([len(header)] + [len(r[i]) for r in cells])
        t.add_column(
            header,
            justify=justify,
            overflow="fold",
            no_wrap=justify == "right",
            min_width=min(widest, 16) if justify == "left" else None,
        )
    for row in cells:
        t.add_row(*row)
    return t


def print_table(out, result_table) -> None:
    """Print a :class:`~optcompare.summary.tables.Table`: caption, columns, rows, notes.

    Text is shown as it is (no rich markup), so the cells are those report.html
    shows. Widths are chosen here so the table fits the console: a number
    column is as wide as its widest cell or header word (numbers never wrap,
    headers wrap between words), and the first column, the labels, takes the
    rest (a longer label wraps; at least 8 characters of it show on a line).
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    columns, rows = result_table.columns, result_table.rows

    def widest(i: int, header: str) -> int:
        return max([len(w) for w in header.split()] + [len(r[i]) for r in rows] + [1])

    gaps = 2 * len(columns)  # rich: a separator and a padding per column, two edges
    # whole headers when the table fits so; else headers wrap between words
    full = [max([len(c.name)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    if sum(full) + gaps <= out.width:
        widths = full
    else:
        widths = [widest(i, c.name) for i, c in enumerate(columns)]
        labels = max([len(columns[0].name)] + [len(r[0]) for r in rows])
        widths[0] = max(min(labels, 8), min(labels, out.width - gaps - sum(widths[1:])))
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for c, w in zip(columns, widths, strict=True):
        t.add_column(Text(c.name), justify=c.align, overflow="fold", width=w)
    for row in rows:
        t.add_row(*(Text(cell) for cell in row))
    if result_table.caption:  # above the table, wrapped at the console's width, not the table's
        out.print(Text(result_table.caption))
    out.print(t)
    for note in result_table.notes:
        out.print(Text(note))


class DelayedProgress:
    """A progress bar on stderr that appears only once work has taken ``delay`` seconds.

    Called as ``report(done, total)`` with run-steps (optcompare.progress); quick
    runs never show a bar, and the bar vanishes when done (transient), leaving only
    the results.  With ``growing=True`` the total is what is planned so far (a
    lesson plans one experiment at a time), so the bar shows the count done and
    no percentage that could reach 100% early.
    """

    def __init__(
        self, enabled: bool, delay: float = 0.5, growing: bool = False, what: str = "running"
    ) -> None:
        import time

        self._clock = time.perf_counter
        self.enabled, self.delay, self.growing, self.what = enabled, delay, growing, what
        self._t0 = self._clock()
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if self._clock() - self._t0 < self.delay:
                return
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            what = TextColumn("{task.description}")
            columns = (
                [what, TextColumn("{task.completed:,} run-steps"), TimeElapsedColumn()]
                if self.growing
                else [
                    what,
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("run-steps"),
                    TimeElapsedColumn(),
                ]
            )
            self._bar = Progress(*columns, console=console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.what, total=None if self.growing else total)
        if self.growing:
            self._bar.update(self._task, completed=done)
        else:
            self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
