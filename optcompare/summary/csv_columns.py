"""The text of basins.csv and sweep.csv, formatted a column at a time (no I/O;
:mod:`optcompare.output` writes it).

Both files have a row per run: 160,801 per optimizer for ``basins --grid 401``, one
per swept value and seed for a sweep.  Building each row as Python objects and
letting ``csv.writer`` format and quote it cell by cell took longer than the
engine (basins: 1.3 million numbers; a sweep of 200,000 runs of 10 steps: twenty
times the engine).  Here each column is formatted in one pass and the rows are
joined, giving the same bytes as before:

- numbers are Python's ``repr`` of each float64, the shortest text that reads back
  as the same number, which is what ``csv.writer`` writes for a float; a column of
  few distinct values (the grid's coordinates, stationary points) formats each once;
- text cells (labels, outcome names) are quoted by ``csv.writer`` itself, once per
  distinct value; lines end in ``csv.writer``'s ``\\r\\n``.

The text is what ``csv.writer`` makes of rows built cell by cell: the tests compare it
with their own row builder for basins.csv (the ``basins_rows`` fixture) and with
:meth:`optcompare.experiments.sweep.SweepResult.rows` for sweep.csv.
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
    from optcompare.experiments.sweep import SweepResult

#: The columns of basins.csv.
BASINS_HEADER = [
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
#: The columns of sweep.csv after label, optimizer and the swept hyperparameters.
SWEEP_RESULTS = ["seed", "final_loss", "best_loss", "auc", "diverged"]
#: The last column of basins.csv and sweep.csv with clipping on: the steps at which
#: clipping changed each run's gradient (how often it acted, run by run).
CLIPPED = "clipped_steps"
#: csv.writer's default line end, which both files have always used.
LINE_END = "\r\n"


def csv_line(cells: Sequence[object]) -> str:
    """One line as csv.writer writes it."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator=LINE_END).writerow(cells)
    return buf.getvalue()


def csv_cell(text: str) -> str:
    """``text`` as csv.writer writes it among other cells (quoted only where it must be)."""
    return csv_line([text, ""])[: -len("," + LINE_END)]


def float_texts(a: np.ndarray) -> list[str]:
    """repr of every value (a float64 array, any shape, read in C order)."""
    return list(map(repr, np.asarray(a, dtype=float).ravel().tolist()))


def few_float_texts(a: np.ndarray) -> list[str]:
    """:func:`float_texts` of an array holding few distinct values, each formatted once.

    Values are told apart by their bits, so -0.0 and 0.0 keep their own text.
    """
    a = np.ascontiguousarray(a, dtype=float).ravel()
    bits, inverse = np.unique(a.view(np.int64), return_inverse=True)
    texts = np.array(float_texts(bits.view(np.float64)), dtype=object)
    return texts[inverse.ravel()].tolist()


def code_texts(codes: np.ndarray, text: dict[int, str]) -> list[str]:
    """``text[c]`` for every whole number c of ``codes``, each looked up once."""
    distinct, inverse = np.unique(codes, return_inverse=True)
    return np.array([text[int(c)] for c in distinct], dtype=object)[inverse.ravel()].tolist()


def _block(columns: Sequence[Sequence[str]]) -> str:
    return LINE_END.join(map(",".join, zip(*columns, strict=True))) + LINE_END


# -- basins.csv ---------------------------------------------------------------------------


def _basins_columns(b: Basins) -> list[Sequence[str]]:
    """Every cell of one optimizer's rows, column by column (starts row by row, x inner)."""
    ny, nx = b.outcome.shape
    n = b.outcome.size
    point = np.full((n, 2), np.nan) if b.point is None else np.asarray(b.point, dtype=float)
    move = b.tail_move if b.tail_move is not None else np.full(n, np.nan)
    path = b.tail_path if b.tail_path is not None else np.full(n, np.nan)
    xs, ys = float_texts(b.xs), float_texts(b.ys)
    names = {int(c): csv_cell(outcome_name(int(c), b.minima)) for c in np.unique(b.outcome)}
    return [
        list(repeat(csv_cell(b.label), n)),
        xs * ny,  # x varies fastest, as in the grid's starts
        [y for y in ys for _ in range(nx)],
        code_texts(b.outcome, names),
        float_texts(b.final_x[..., 0]),
        float_texts(b.final_x[..., 1]),
        few_float_texts(point[..., 0]),
        few_float_texts(point[..., 1]),
        float_texts(move),
        float_texts(path),
    ]


def basins_header(results: Sequence[Basins]) -> list[str]:
    """:data:`BASINS_HEADER`, and :data:`CLIPPED` when clipping was on."""
    clipping = bool(results) and results[0].clipped is not None
    return [*BASINS_HEADER, CLIPPED] if clipping else list(BASINS_HEADER)


def _counts(c: np.ndarray) -> list[str]:
    return list(map(str, np.asarray(c, dtype=np.int64).ravel().tolist()))


def basins_chunks(results: Sequence[Basins]) -> Iterator[str]:
    """The text of basins.csv: the header line, then one block of rows per optimizer."""
    yield csv_line(basins_header(results))
    for b in results:
        if b.outcome.size:
            columns = _basins_columns(b)
            if b.clipped is not None:
                columns.append(_counts(b.clipped))
            yield _block(columns)


# -- sweep.csv ----------------------------------------------------------------------------


def sweep_header(result: SweepResult) -> list[str]:
    """label, optimizer, each swept hyperparameter, then :data:`SWEEP_RESULTS` (and
    :data:`CLIPPED` when clipping was on)."""
    clipped = [CLIPPED] if result.clipping is not None else []
    return ["label", "optimizer", *(name for name, _ in result.axes), *SWEEP_RESULTS, *clipped]


def sweep_chunks(result: SweepResult) -> Iterator[str]:
    """The text of sweep.csv: the header line, then one block of rows per optimizer.

    ``diverged`` is ``False``, or the step at which the run diverged.
    """
    yield csv_line(sweep_header(result))
    for o in result.outcomes:
        tr = o.trajectory
        if tr.runs == 0:
            continue
        diverged = np.asarray(tr.diverged_at, dtype=np.int64)
        steps = {int(s): "False" if s < 0 else str(int(s)) for s in np.unique(diverged)}
        clipped = [] if tr.clipped is None else [_counts(tr.clipped)]
        yield _block(
            [
                list(repeat(csv_cell(o.label), tr.runs)),
                list(repeat(csv_cell(o.optimizer), tr.runs)),
                *(float_texts(o.grid.values[name]) for name in o.grid.names),
                list(map(str, np.asarray(o.grid.seeds, dtype=np.int64).tolist())),
                float_texts(tr.final_loss),
                float_texts(tr.best_loss),
                float_texts(tr.auc),
                code_texts(diverged, steps),
                *clipped,
            ]
        )
