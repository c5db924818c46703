"""A problem's recorded metrics (test loss and accuracy) in runs, files, tables and figures.

The problem is written here: the training loss pulls x to A, the "held-out" loss to B,
and the accuracy is the share of coordinates whose sign agrees with B's.  Every
expected value is computed from the problem's formulas, not read from the output.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import matplotlib
import numpy as np
import pytest
from click.testing import CliRunner

import optcompare
from optcompare import output
from optcompare.cli import main
from optcompare.experiments.run import run_request
from optcompare.plotting import loss_figure, plot_loss
from optcompare.problem import PROBLEMS, Minimum, Problem
from optcompare.summary.documents import summary_document
from optcompare.summary.tables import run_table
from optcompare.summary.trajectories import csv_chunks, header, npz_arrays

matplotlib.use("Agg")

A = np.array([1.0, -2.0, 0.5])
B = np.array([1.5, -1.0, -0.5])


def _test_loss(X):
    return 0.5 * np.sum((X - B) ** 2, axis=1)


def _test_accuracy(X):
    return np.mean(np.sign(X) == np.sign(B), axis=1)


class _HeldOut(Problem):
    name = "held-out-test"
    dim = 3

    def f(self, X):
        return 0.5 * np.sum((X - A) ** 2, axis=1)

    def grad(self, X):
        return X - A

    def metrics(self, X):
        return {"test_loss": _test_loss(X), "test_accuracy": _test_accuracy(X)}

    def start(self):
        return np.array([-1.0, 1.0, 2.0])

    def window(self):
        return ((-3.0, 3.0),) * 3

    def minima(self):
        return (Minimum(tuple(A), 0.0),)


def _one():
    return optcompare.run(["sgd:lr=0.1", "sgd:lr=3"], _HeldOut(), steps=40)


def test_each_run_carries_its_metrics_at_every_step():
    result = _one()
    good, bad = result.runs
    assert bad.diverged_at is not None  # lr 3 doubles the error each step
    np.testing.assert_allclose(good.metrics["test_loss"], _test_loss(good.x), rtol=1e-14)
    np.testing.assert_array_equal(good.metrics["test_accuracy"], _test_accuracy(good.x))
    n = bad.last_step + 1
    np.testing.assert_allclose(bad.metrics["test_loss"][:n], _test_loss(bad.x[:n]), rtol=1e-14)
    assert np.isnan(bad.metrics["test_loss"][n:]).all()
    assert result.metric_names == ["test_loss", "test_accuracy"]


def test_a_budget_in_passes_cuts_the_metrics_with_the_run():
    result = optcompare.run(["sgd:lr=0.1"], _HeldOut(), passes=7)
    (run,) = result.runs
    assert len(run.metrics["test_loss"]) == len(run.loss) == 8


def test_trajectory_csv_puts_the_metrics_after_grad_norm():
    result = _one()
    rows = list(csv.reader(io.StringIO("".join(csv_chunks(result)))))
    assert rows[0][:9] == [
        "label", "optimizer", "seed", "step", "loss", "grad_norm",
        "test_loss", "test_accuracy", "passes",
    ]  # fmt: skip
    table = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    good = result.runs[0]
    for row in (r for r in table if r["label"] == good.label):
        k = int(row["step"])
        x = np.array([[float(row[f"x{i}"]) for i in range(3)]])
        assert float(row["test_loss"]) == good.metrics["test_loss"][k]
        assert float(row["test_loss"]) == pytest.approx(_test_loss(x)[0], rel=1e-14)
        assert float(row["test_accuracy"]) == _test_accuracy(x)[0]
    assert header(2) == ["label", "optimizer", "seed", "step", "loss", "grad_norm"] + [
        "passes", "x0", "x1",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="named like a column: loss"):
        header(2, ["loss"])


def test_trajectory_npz_holds_each_metric_padded_with_nan():
    result = _one()
    arrays = npz_arrays(result)
    good, bad = result.runs
    assert arrays["test_loss"].shape == (2, 41)
    np.testing.assert_array_equal(arrays["test_accuracy"][0], good.metrics["test_accuracy"])
    np.testing.assert_array_equal(arrays["test_loss"][1], bad.metrics["test_loss"])


def test_summary_json_has_final_and_best_metrics_per_run():
    result = _one()
    doc = summary_document(result, "cmd")
    assert doc["metrics"] == ["test_loss", "test_accuracy"]
    good, bad = result.runs
    row = doc["runs"][0]
    assert row["final_test_loss"] == pytest.approx(_test_loss(good.x[-1:])[0], rel=1e-14)
    assert row["best_test_loss"] == pytest.approx(np.min(_test_loss(good.x)), rel=1e-14)
    assert row["best_test_accuracy"] == np.max(_test_accuracy(good.x))
    assert row["final_test_accuracy"] == _test_accuracy(good.x[-1:])[0]
    # a diverged run: its values at the last step before it diverged
    last = bad.x[bad.last_step : bad.last_step + 1]
    assert doc["runs"][1]["final_test_loss"] == pytest.approx(_test_loss(last)[0], rel=1e-14)


def test_medians_over_seeds_count_a_diverged_run_as_the_worst():
    result = optcompare.run(["sgd:lr=0.3"], _HeldOut(), steps=30, seeds=3, jitter=0.8)
    (agg,) = summary_document(result, "cmd")["aggregates"]
    finals = [_test_loss(r.x[-1:])[0] for r in result.runs]
    accs = [_test_accuracy(r.x[-1:])[0] for r in result.runs]
    assert agg["final_test_loss_median"] == pytest.approx(np.median(finals), rel=1e-12)
    assert agg["final_test_accuracy_median"] == pytest.approx(np.median(accs))
    # mark the first run diverged at step 5: its final values count as the worst
    runs = [dataclasses.replace(result.runs[0], diverged_at=5), *result.runs[1:]]
    (agg,) = summary_document(dataclasses.replace(result, runs=runs), "cmd")["aggregates"]
    assert agg["final_test_loss_median"] == pytest.approx(max(finals[1:]), rel=1e-12)
    assert agg["final_test_accuracy_median"] == pytest.approx(min(accs[1:]))
    # its best values are those before it diverged (steps 0..4)
    best = sorted(
        [np.min(_test_loss(result.runs[0].x[:5]))]
        + [np.min(_test_loss(r.x)) for r in result.runs[1:]]
    )
    assert agg["best_test_loss_median"] == pytest.approx(best[1], rel=1e-12)
    # two of three diverged: the median run diverged, no number (null)
    runs = [dataclasses.replace(r, diverged_at=5) for r in result.runs[:2]] + runs[2:]
    (agg,) = summary_document(dataclasses.replace(result, runs=runs), "cmd")["aggregates"]
    assert agg["final_test_loss_median"] is None and agg["final_test_accuracy_median"] is None


def test_the_run_table_shows_the_final_metrics_only_when_recorded():
    result = _one()
    table = run_table(summary_document(result, "cmd"))
    assert table.headers[-2:] == ["final test loss", "final test acc."]
    good_row, bad_row = table.rows
    acc = _test_accuracy(result.runs[0].x[-1:])[0]
    assert good_row[-1] == f"{100 * acc:.1f}%"
    assert float(good_row[-2]) == pytest.approx(_test_loss(result.runs[0].x[-1:])[0], rel=1e-3)
    assert bad_row[-2:] == ("inf", "–")  # diverged: as its final loss, the worst
    seeds = optcompare.run(["sgd:lr=0.1"], _HeldOut(), steps=10, seeds=3, jitter=0.1)
    assert run_table(summary_document(seeds, "")).headers[-2:] == [
        "median final test loss",
        "median final test acc.",
    ]
    plain = optcompare.run(["sgd"], "rosenbrock", steps=3)
    assert not any("test" in h for h in run_table(summary_document(plain, "")).headers)


def _panels(result, **kw):
    """The loss figure's training and test panels (the test panel is labelled test_loss)."""
    fig = loss_figure(result, **kw)
    (train,) = [ax for ax in fig.axes if ax.get_label() != "test_loss"]
    (test,) = [ax for ax in fig.axes if ax.get_label() == "test_loss"]
    return fig, train, test


def test_the_loss_figure_draws_the_test_loss_in_a_panel_of_its_own():
    result = _one()
    fig, train, test = _panels(result)
    # the training panel is loss - f* like every loss figure (f* = 0 here: 1/2 |x - A|^2)
    assert train.get_ylabel() == "training\nloss - f*"
    assert not [ln for ln in train.get_lines() if ln.get_gid()]
    # the test panel draws the test loss itself, on an axis that says so
    assert test.get_ylabel() == "test loss" and "no f*" in test.get_title()
    assert test.get_shared_x_axes().joined(train, test)
    dashed = [ln for ln in test.get_lines() if ln.get_gid() == "test_loss"]
    assert len(dashed) == 2
    for run, line in zip(result.runs, dashed, strict=True):
        (solid,) = [ln for ln in train.get_lines() if ln.get_label().startswith(run.label)]
        assert line.get_color() == solid.get_color()
        n = run.last_step + 1
        np.testing.assert_allclose(line.get_ydata(), _test_loss(run.x[:n]), rtol=1e-14)
        train_gap = np.maximum(0.5 * np.sum((run.x[:n] - A) ** 2, axis=1), 1e-16)
        np.testing.assert_allclose(solid.get_ydata(), train_gap, rtol=1e-12)
    # the panels and the legend do not overlap
    fig.draw_without_rendering()
    top, bottom = train.get_window_extent(), test.get_window_extent()
    assert bottom.y1 < top.y0
    box = train.get_legend().get_window_extent()
    assert box.x0 > max(top.x1, bottom.x1)
    # asked not to: the training loss alone, loss - f* as for any problem
    alone = plot_loss(result, test=False)
    assert alone.get_ylabel() == "loss - f*" and len(alone.figure.axes) == 1


def test_with_seeds_the_test_panel_has_the_median_and_band_over_seeds():
    result = optcompare.run(["sgd:lr=0.1"], _HeldOut(), steps=15, seeds=3, jitter=0.4)
    _, _, test = _panels(result)
    (line,) = [ln for ln in test.get_lines() if ln.get_gid() == "test_loss"]
    losses = np.stack([_test_loss(r.x) for r in result.runs])
    np.testing.assert_allclose(line.get_ydata(), np.median(losses, axis=0), rtol=1e-14)
    (band,) = test.collections[:1]
    lo, hi = band.get_paths()[0].vertices[:, 1].min(), band.get_paths()[0].vertices[:, 1].max()
    assert lo == pytest.approx(np.quantile(losses, 0.25, axis=0).min(), rel=1e-12)
    assert hi == pytest.approx(np.quantile(losses, 0.75, axis=0).max(), rel=1e-12)


def test_the_budget_counts_the_recorded_metrics():
    plain = run_request(1, optcompare.problem.make_problem("sphere:dim=3"), 10, 1)
    measured = run_request(1, _HeldOut(), 10, 1)
    assert measured.recorded_width == plain.recorded_width + 2


def test_the_command_line_writes_and_prints_the_metrics(tmp_path, monkeypatch):
    monkeypatch.setattr(PROBLEMS, "_items", dict(PROBLEMS._items))
    PROBLEMS.register(_HeldOut.name, _HeldOut)
    out = tmp_path / "run"
    res = CliRunner().invoke(
        main,
        ["run", "--opt", "sgd:lr=0.1", "--problem", "held-out-test", "--steps", "12",
         "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "summary.json").read_text())
    acc = doc["runs"][0]["final_test_accuracy"]
    x = np.array([doc["runs"][0]["final_x"]])
    assert acc == _test_accuracy(x)[0]
    assert f"{100 * acc:.1f}%" in res.output  # the table's accuracy column
    first = (out / "trajectory.csv").read_text().splitlines()[0]
    assert first.startswith("label,optimizer,seed,step,loss,grad_norm,test_loss,test_accuracy,")
    assert {"loss.png", "path.png"} <= {p.name for p in out.iterdir()}
    assert output.own_files(out)  # the manifest lists what was written


def test_a_covering_curve_is_dashed_in_either_panel():
    # momentum 0 is plain SGD: the second run's curves cover the first's in both panels
    result = optcompare.run(["sgd:lr=0.1", "sgd:lr=0.1,momentum=0"], _HeldOut(), steps=30)
    _, train, test = _panels(result)
    for ax in (train, test):
        styles = [ln.get_linestyle() for ln in ax.get_lines()]
        assert styles[0] == "-" and styles[1] == "--", ax.get_label()
    legend = " ".join(t.get_text().replace("\n", " ") for t in train.get_legend().get_texts())
    # a long group of notes goes to the caption under the lowest panel instead
    from optcompare.plotting.notes import caption_text

    assert f"{result.labels[1]} dashed)" in legend + " " + caption_text(test)
