"""basins.csv and sweep.csv formatted a column at a time (``optcompare.summary.csv_columns``)
are the text that ``csv.writer`` makes of the cell-by-cell rows of the ``basins_rows`` fixture
(tests/conftest.py) and of ``SweepResult.rows``."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import numpy as np
import pytest

from optcompare import output
from optcompare.experiments.basins import DIVERGED, STILL_MOVING, run_basins
from optcompare.experiments.choices import make_optimizers
from optcompare.experiments.sweep import sweep
from optcompare.problem import make_problem
from optcompare.summary import csv_columns

CAMEL = make_problem("six-hump-camel")


@pytest.fixture(scope="module")
def results():
    choices = make_optimizers(["rmsprop", "adam:lr=1e-3", "sgd:lr=0.3"])
    return [run_basins(c, CAMEL, grid=17, steps=120) for c in choices]


def written(header, rows) -> str:
    """What csv.writer writes (one cell at a time)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


@pytest.fixture
def reference(basins_rows):
    """results -> the text csv.writer makes of the cell-by-cell rows."""
    return lambda results: written(*basins_rows(results))


def awkward(b):
    """``b`` with a label csv must quote and numbers whose text is easy to get wrong."""
    point = b.point.copy()
    point[0, 0] = [-0.0, 0.0]  # distinct bits, equal values: each keeps its own text
    point[0, 1] = [1e-310, -1e300]
    point[1, 0] = [np.inf, -np.inf]
    final_x = b.final_x.copy()
    final_x[0, 0] = [-0.0, 5e-324]
    move = b.tail_move.copy()
    move[0, 0] = np.nan
    return replace(
        b,
        label='sgd "a, b" 100% {x}',
        point=point,
        final_x=final_x,
        tail_move=move,
        outcome=np.where(
            np.arange(b.outcome.size).reshape(b.outcome.shape) == 3, DIVERGED, b.outcome
        ),
    )


def test_the_text_is_csv_writer_of_the_rows(results, reference):
    assert "".join(csv_columns.basins_chunks(results)) == reference(results)


def test_quoted_labels_and_special_numbers(results, reference):
    odd = [awkward(results[0]), results[1]]
    text = "".join(csv_columns.basins_chunks(odd))
    assert text == reference(odd)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == 'sgd "a, b" 100% {x}'
    # every number reads back as the same float64, sign of zero included
    got = np.array([[float(v) for v in r[6:8]] for r in rows[1 : 1 + odd[0].outcome.size]])
    want = odd[0].point.reshape(-1, 2)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(np.int64), want[~nan].view(np.int64))
    assert rows[1][6:8] == ["-0.0", "0.0"] and rows[2][6:8] == ["1e-310", "-1e+300"]
    assert rows[1][4:6] == ["-0.0", "5e-324"] and rows[1][8] == "nan"


def test_missing_point_and_tail_are_nan_columns(results, reference):
    bare = replace(results[0], point=None, tail_move=None, tail_path=None)
    text = "".join(csv_columns.basins_chunks([bare]))
    assert text == reference([bare])
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert {r[c] for r in rows for c in (6, 7, 8, 9)} == {"nan"}


def test_rows_follow_the_grid_and_outcomes(results):
    b = results[1]
    rows = list(csv.reader(io.StringIO("".join(csv_columns.basins_chunks([b])))))[1:]
    ny, nx = b.outcome.shape
    assert len(rows) == ny * nx
    for i, j in [(0, 0), (0, nx - 1), (ny - 1, 0), (5, 7)]:
        r = rows[i * nx + j]
        assert (float(r[1]), float(r[2])) == (b.xs[j], b.ys[i])
        assert (float(r[4]), float(r[5])) == tuple(b.final_x[i, j])
    moving = [r for r in rows if r[3] == "still moving"]
    assert len(moving) == np.sum(b.outcome == STILL_MOVING) > 0


def test_basins_files_writes_that_text_with_csv_line_ends(results, reference, tmp_path):
    _, contents = output.basins_files(results, CAMEL, "optcompare basins", plot=False)
    contents.files["basins.csv"](tmp_path / "basins.csv")
    data = (tmp_path / "basins.csv").read_bytes()
    assert data == reference(results).encode()
    assert data.count(b"\r\n") == 1 + sum(b.outcome.size for b in results)


# -- sweep.csv ------------------------------------------------------------------------------


def sweep_reference(result) -> str:
    rows = result.rows()
    return written(list(rows[0]), (r.values() for r in rows))


@pytest.fixture(scope="module")
def sweeps():
    one = sweep(["sgd", "adam:amsgrad=true"], "rosenbrock", ["lr=1e-4:10:9:log"], seeds=3, steps=60)
    two = sweep(
        ["sgd"], "quadratic:kappa=50", ["lr=1e-3:1:4:log", "momentum=0:0.99:3"], seeds=2, steps=40
    )
    return one, two


def test_sweep_text_is_csv_writer_of_the_rows(sweeps):
    one, two = sweeps
    assert any(r["diverged"] is not False for r in one.rows())  # both kinds of cell
    assert any(r["diverged"] is False for r in one.rows())
    for s in sweeps:
        assert "".join(csv_columns.sweep_chunks(s)) == sweep_reference(s)
    assert "".join(csv_columns.sweep_chunks(two)).startswith(
        "label,optimizer,lr,momentum,seed,final_loss,best_loss,auc,diverged\r\n"
    )


def test_sweep_labels_are_quoted_as_csv_writer_does(sweeps):
    one, _ = sweeps
    odd = replace(one, outcomes=[replace(one.outcomes[0], label='sgd "x, y"', optimizer="a\nb")])
    text = "".join(csv_columns.sweep_chunks(odd))
    assert text == sweep_reference(odd)
    assert list(csv.reader(io.StringIO(text)))[1][:2] == ['sgd "x, y"', "a\nb"]


def test_sweep_files_writes_that_text(sweeps, tmp_path):
    one, _ = sweeps
    _, contents = output.sweep_files(one, "optcompare sweep", plot=False)
    contents.files["sweep.csv"](tmp_path / "sweep.csv")
    assert (tmp_path / "sweep.csv").read_bytes() == sweep_reference(one).encode()
