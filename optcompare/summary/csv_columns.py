"""The text of basins.csv: one row per optimizer and start (no I/O; :mod:`optcompare.output`
writes it).

The rows are those of :func:`optcompare.summary.documents.basins_table`, formatted a
column at a time instead of a cell at a time: at ``--grid 401`` a basins run has
160,801 starts per optimizer, and formatting their 1.3 million numbers one by one,
then quoting each cell again in ``csv.writer``, took longer than everything else
the command does but the engine.  Numbers are Python's ``repr`` of each float64 (the
shortest text that reads back as the same number), as before.  The grid's
coordinates and the few stationary points are formatted once per distinct value;
text cells (label, outcome) are quoted by ``csv.writer`` once per distinct value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np

from optcompare.experiments.basins import outcome_name

if TYPE_CHECKING:
    from optcompare.experiments.basins import Basins

#: The columns of basins.csv.
HEADER = [
    "label",
    "x0",
    "y0",
    "outcome",
    "x_final",
    "y_final",
    "x_point",
    "y_point",
    "tail_net_move",
    "tail_path",
]
#: csv.writer's default line end, which basins.csv has always used.
LINE_END = "\r\n"


def _line(cells: Sequence[object]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=LINE_END).writerow(cells)
    return buf.getvalue()


def _cell(text: str) -> str:
    """``text`` as csv.writer writes it among other cells (quoted only where it must be)."""
    return _line([text, ""])[: -len("," + LINE_END)]


def _floats(a: np.ndarray) -> list[str]:
    """repr of every value (a float64 array, any shape, read in C order)."""
    return list(map(repr, np.asarray(a, dtype=float).ravel().tolist()))


def _few_floats(a: np.ndarray) -> list[str]:
    """:func:`_floats` of an array holding few distinct values, each formatted once.

    Values are told apart by their bits, so -0.0 and 0.0 keep their own text.
    """
    a = np.ascontiguousarray(a, dtype=float).ravel()
    bits, inverse = np.unique(a.view(np.int64), return_inverse=True)
    texts = np.array(_floats(bits.view(np.float64)), dtype=object)
    return texts[inverse.ravel()].tolist()


def _columns(b: Basins) -> list[list[str]]:
    """Every cell of one optimizer's rows, column by column (starts row by row, x inner)."""
    ny, nx = b.outcome.shape
    n = b.outcome.size
    point = b.point if b.point is not None else np.full((n, 2), np.nan)
    move = b.tail_move if b.tail_move is not None else np.full(n, np.nan)
    path = b.tail_path if b.tail_path is not None else np.full(n, np.nan)
    xs, ys = _floats(b.xs), _floats(b.ys)
    codes, inverse = np.unique(b.outcome, return_inverse=True)
    names = np.array([_cell(outcome_name(int(c), b.minima)) for c in codes], dtype=object)
    point = np.asarray(point, dtype=float)
    return [
        xs * ny,  # x varies fastest, as in the grid's starts
        [y for y in ys for _ in range(nx)],
        names[inverse.ravel()].tolist(),
        _floats(b.final_x[..., 0]),
        _floats(b.final_x[..., 1]),
        _few_floats(point[..., 0]),
        _few_floats(point[..., 1]),
        _floats(move),
        _floats(path),
    ]


def csv_chunks(results: Sequence[Basins]) -> Iterator[str]:
    """The text of basins.csv: the header line, then one block of rows per optimizer."""
    yield _line(HEADER)
    for b in results:
        if b.outcome.size == 0:
            continue
        rows = zip(repeat(_cell(b.label)), *_columns(b))
        yield LINE_END.join(map(",".join, rows)) + LINE_END
