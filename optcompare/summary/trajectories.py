"""A run's recorded trajectories as files: the text of trajectory.csv and the arrays of
trajectory.npz (no I/O; :mod:`optcompare.output` writes them).

``trajectory.csv`` has one row per run and step while that makes at most
:data:`CSV_ROW_LIMIT` rows.  A longer record keeps every k-th step of each run
as a preview (k the smallest whole number that fits a quarter of the limit; step
0 and each run's last valid step always stay), and the whole record also goes to
``trajectory.npz``,
which one ``np.load`` reads.  A CSV of millions of rows is read by no one as
text, and formatting it dominated the time of ``run --seeds 1000``.

The CSV's numbers are Python's ``repr`` of each float64, the shortest text that
reads back as the same number, so ``float(cell)`` gives the recorded value
exactly.  Rows are formatted a run at a time by one ``%`` over the whole block,
without a Python loop per step.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare import budget

if TYPE_CHECKING:
    from optcompare.experiments.records import Result, Run

#: The most rows trajectory.csv holds; beyond it the CSV keeps every k-th step and the
#: whole record also goes to trajectory.npz.  A million rows of a 2-D problem is about
#: 100 MB of text, about what a spreadsheet or pandas still opens comfortably.
CSV_ROW_LIMIT = 1_000_000

#: A record beyond :data:`CSV_ROW_LIMIT` has its whole in trajectory.npz, and its CSV
#: becomes a preview of at most this share of the limit (a quarter: 250,000 rows).
#: Formatting a float as exact text costs about half a microsecond, so a preview of a
#: million rows would take two seconds of a 1,000-seed run for rows no one reads.
PREVIEW_SHARE = 4

#: csv.writer's default line end, which trajectory.csv has always used.
LINE_END = "\r\n"


def header(dim: int, metrics: Sequence[str] = ()) -> list[str]:
    """The columns of trajectory.csv: label, optimizer, seed, step, loss, grad_norm, the
    problem's metrics in its order (``test_loss``, ``test_accuracy``), passes, x0, x1, ...

    Raises:
        ValueError: a metric named like another column.
    """
    fixed = ["label", "optimizer", "seed", "step", "loss", "grad_norm"]
    coords = [f"x{i}" for i in range(dim)]
    clash = set(metrics) & {*fixed, "passes", *coords}
    if clash:
        raise ValueError(f"a problem's metric is named like a column: {', '.join(sorted(clash))}")
    return [*fixed, *metrics, "passes", *coords]


def largest_trajectory_file(
    request: budget.Request, rows: int, dim: int, metrics: int = 0
) -> budget.Request:
    """``request`` with the larger of the run's two trajectory files, for the budget's
    written-bytes check: trajectory.csv (at most :data:`CSV_ROW_LIMIT` rows of text)
    and, beyond that limit, trajectory.npz (every value, 8 bytes each); ``metrics`` is
    how many extra measurements each row holds."""
    columns = len(header(dim)) + metrics
    csv_file = request.writing(
        "trajectory.csv", rows if rows <= CSV_ROW_LIMIT else CSV_ROW_LIMIT // PREVIEW_SHARE, columns
    )
    if rows <= CSV_ROW_LIMIT:
        return csv_file
    # the npz holds x, loss, grad_norm, passes and the metrics per run and step
    npz_file = request.writing("trajectory.npz", rows, dim + 3 + metrics, budget.VALUE_BYTES)
    return max(csv_file, npz_file, key=lambda r: budget.needs(r).written)


def kept_steps(last: int, every: int) -> np.ndarray:
    """Steps 0, every, 2 every, ... up to ``last``, and ``last`` itself (none if ``last`` < 0)."""
    if last < 0:
        return np.zeros(0, dtype=np.int64)
    steps = np.arange(0, last + 1, every, dtype=np.int64)
    return steps if steps[-1] == last else np.append(steps, last)


def _last_steps(result: Result) -> np.ndarray:
    return np.array([r.last_step for r in result.runs], dtype=np.int64)


def _rows(last: np.ndarray, every: int) -> int:
    """Rows of trajectory.csv for runs ending at steps ``last``, keeping every ``every``-th."""
    last = last[last >= 0]
    # ceil((last + 1) / every) multiples of every, plus the last step when it is not one
    return int(np.sum(-(-(last + 1) // every) + (last % every != 0)))


@dataclass(frozen=True)
class CsvPlan:
    """What trajectory.csv holds: ``rows`` rows, every ``every``-th step of each run.

    ``full`` is False when steps were left out (``every`` > 1); the whole record then
    goes to trajectory.npz as well.
    """

    rows: int
    every: int
    limit: int  # the rows allowed: the limit itself, or the preview's share of it

    @property
    def full(self) -> bool:
        return self.every == 1

    def entry(self) -> dict[str, Any]:
        """summary.json's ``trajectory_csv``: rows, the step stride, the limit, and whether
        the whole record is in the .npz file beside the CSV."""
        return {
            "rows": self.rows,
            "every": self.every,
            "row_limit": self.limit,
            "npz": not self.full,
        }


def csv_plan(result: Result, limit: int | None = None) -> CsvPlan:
    """Every step while the rows fit ``limit`` (default :data:`CSV_ROW_LIMIT`); beyond
    it the smallest stride k whose rows fit the preview, ``limit // PREVIEW_SHARE``.

    A run always keeps step 0 and its last step, so a preview below two rows per
    run cannot be met; the stride then grows until each run keeps just those.
    """
    limit = CSV_ROW_LIMIT if limit is None else int(limit)
    last = _last_steps(result)
    every = 1
    if _rows(last, 1) > limit:
        limit = limit // PREVIEW_SHARE
        # rows fall as k grows (a run keeps ceil(last / k) + 1 of them) and are at least
        # rows(1) / k, so the answer lies in [rows(1) // limit, longest run]: bisect
        lo = max(2, _rows(last, 1) // max(limit, 1))
        hi = max(int(last.max(initial=0)), lo)
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if _rows(last, mid) <= limit else (mid + 1, hi)
        every = lo
    rows = _rows(last, every)
    return CsvPlan(rows=rows, every=every, limit=CSV_ROW_LIMIT if every == 1 else limit)


def _prefix(label: str, optimizer: str, seed: int) -> str:
    """The run's first three cells as csv.writer quotes them, ready for ``%`` (``%`` doubled)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([label, optimizer, seed])
    return buf.getvalue().replace("%", "%%") + ","


def csv_chunks(result: Result, every: int = 1) -> Iterator[str]:
    """The text of trajectory.csv: the header, then one block of rows per run.

    Each run's rows stop before a divergence; ``every`` > 1 keeps steps 0, every,
    2 every, ... and the run's last valid step.
    """
    dim, names = result.problem.dim, result.metric_names
    buf = io.StringIO()
    csv.writer(buf, lineterminator=LINE_END).writerow(header(dim, names))
    yield buf.getvalue()
    # '%r' is repr(float): the shortest text that reads back as the same float64;
    # the step goes through '%d' as a float, exact far beyond any step count allowed
    k = len(names)
    cells = "%d," + ",".join(["%r"] * (3 + k + dim)) + LINE_END
    for r in result.runs:
        steps = kept_steps(r.last_step, every)
        if steps.size == 0:
            continue
        block = np.empty((steps.size, 4 + k + dim))
        block[:, 0] = steps
        block[:, 1] = r.loss[steps]
        block[:, 2] = r.grad_norm[steps]
        for j, name in enumerate(names):
            block[:, 3 + j] = r.metrics[name][steps]
        block[:, 3 + k] = _passes(r)[steps]
        block[:, 4 + k :] = r.x[steps]
        row = _prefix(r.label, r.optimizer, r.seed) + cells
        yield (row * steps.size) % tuple(block.ravel().tolist())


def _passes(run: Run) -> np.ndarray:
    """The run's passes at each step (a record made without them: one pass a step)."""
    if run.passes is not None:
        return run.passes
    return np.arange(len(run.loss), dtype=float)


def _padded(a: np.ndarray, length: int) -> np.ndarray:
    """``a`` along its first axis to ``length`` rows, NaN after its own."""
    if len(a) == length:
        return a
    out = np.full((length, *a.shape[1:]), np.nan)
    out[: len(a)] = a
    return out


def npz_arrays(result: Result) -> dict[str, Any]:
    """The whole record, one entry per run in summary.json's order of ``runs``.

    ``x`` (runs, steps+1, dim), ``loss``, ``grad_norm``, ``passes`` and each of the
    problem's metrics under its name (``test_loss``, ``test_accuracy``: runs, steps+1) hold
    NaN from a run's divergence on, as :class:`~optcompare.experiments.records.Run`
    does, and after its last step (``last_step``) when a budget in passes ended runs
    at different steps; ``step`` (steps+1,), ``seed``, ``label``, ``optimizer``,
    ``diverged_at`` (runs,; -1 for a run that did not diverge) and ``last_step``
    (runs,; its last recorded step).
    """
    runs, names = result.runs, result.metric_names
    header(result.problem.dim, names)  # a metric named like another array is refused
    n = result.steps + 1
    return {
        "x": np.stack([_padded(r.x, n) for r in runs]),
        "loss": np.stack([_padded(r.loss, n) for r in runs]),
        "grad_norm": np.stack([_padded(r.grad_norm, n) for r in runs]),
        "passes": np.stack([_padded(_passes(r), n) for r in runs]),
        **{name: np.stack([_padded(r.metrics[name], n) for r in runs]) for name in names},
        "last_step": np.array([len(r.loss) - 1 for r in runs], dtype=np.int64),
        "step": np.arange(n, dtype=np.int64),
        "seed": np.array([r.seed for r in runs], dtype=np.int64),
        "label": np.array([r.label for r in runs], dtype=str),
        "optimizer": np.array([r.optimizer for r in runs], dtype=str),
        "diverged_at": np.array(
            [-1 if r.diverged_at is None else r.diverged_at for r in runs], dtype=np.int64
        ),
    }
