"""Shared fixtures: figures without a display, and the CLI run in an empty folder."""

from __future__ import annotations

import matplotlib
import pytest
from click.testing import CliRunner

matplotlib.use("Agg")


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run the CLI in an empty working folder; returns (exit code, stdout, stderr)."""
    from optcompare.cli import main

    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def saved_figures(monkeypatch):
    """File name -> Figure, for every figure the CLI saves (still written as usual)."""
    from optcompare import output

    drawn = {}
    save = output.save_figure

    def keep(path, fig, fmt):
        drawn[path.name] = fig
        save(path, fig, fmt)

    monkeypatch.setattr(output, "save_figure", keep)
    return drawn


def _basins_rows(results):
    """Header and rows of basins.csv built cell by cell, one row per optimizer and start.

    The reference that the column-wise writer (``optcompare.summary.csv_columns``) must
    match byte for byte once ``csv.writer`` has written these rows: numbers are each
    float's ``repr``, outcomes their names, NaN where a run has no stationary point or tail.
    """
    import numpy as np

    from optcompare.experiments.basins import outcome_name

    header = ["label", "x0", "y0", "outcome", "x_final", "y_final", "x_point", "y_point"]
    header += ["tail_net_move", "tail_path"]
    if results and results[0].clipped is not None:
        header.append("clipped_steps")
    rows = []
    for b in results:
        X, Y = np.meshgrid(b.xs, b.ys)
        n = b.outcome.size
        point = b.point if b.point is not None else np.full((n, 2), np.nan)
        move = b.tail_move if b.tail_move is not None else np.full(n, np.nan)
        path = b.tail_path if b.tail_path is not None else np.full(n, np.nan)
        columns = (
            X.ravel(),
            Y.ravel(),
            b.final_x[..., 0].ravel(),
            b.final_x[..., 1].ravel(),
            point[..., 0].ravel(),
            point[..., 1].ravel(),
            move.ravel(),
            path.ravel(),
        )
        clipped = [] if b.clipped is None else b.clipped.ravel().tolist()
        for k, (code, cells) in enumerate(
            zip(b.outcome.ravel(), zip(*columns, strict=True), strict=True)
        ):
            x, y, fx, fy, px, py, m, ln = (repr(float(v)) for v in cells)
            name = outcome_name(int(code), b.minima)
            rows.append([b.label, x, y, name, fx, fy, px, py, m, ln, *clipped[k : k + 1]])
    return header, rows


@pytest.fixture
def basins_rows():
    """The cell-by-cell builder of basins.csv's header and rows (see :func:`_basins_rows`),
    independent of the column-wise writer the package uses."""
    return _basins_rows
