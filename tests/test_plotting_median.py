"""One median everywhere: the figures draw the numbers summary.json holds."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import PolyCollection

import optcompare
from optcompare.plotting import median_run, plot_loss, plot_path, plot_sweep
from optcompare.summary.documents import aggregate

matplotlib.use("Agg")

OPTS = ["adam:lr=0.05", "rmsprop", "rprop"]


@pytest.fixture(scope="module")
def four_seeds():
    # Rosenbrock's f* is 0, so the figure's loss - f* is the loss itself
    return optcompare.run(OPTS, "rosenbrock", steps=300, seeds=4, jitter=0.3)


def legend_line(ax, label):
    """The strong line of ``label`` (a path plot also draws its other seeds, faint)."""
    (line,) = [
        x
        for x in ax.get_lines()
        if x.get_label().split("\n")[0] == label and x.get_linewidth() >= 1.5
    ]
    return line


def test_median_line_ends_at_summary_final_loss_median(four_seeds):
    assert four_seeds.problem.f_star == 0.0
    ax = plot_loss(four_seeds)
    rows = aggregate(four_seeds)
    for i, label in enumerate(four_seeds.labels):
        assert rows[i]["label"] == label
        line = legend_line(ax, label)
        assert line.get_ydata()[-1] == rows[i]["final_loss_median"]  # exactly
        # an even count: the mean of the two middle runs, not one of them
        finals = sorted(r.final_loss for r in four_seeds.runs_of(label))
        assert rows[i]["final_loss_median"] == pytest.approx((finals[1] + finals[2]) / 2, rel=1e-12)


def test_band_ends_at_summary_quartiles(four_seeds):
    ax = plot_loss(four_seeds)
    rows = aggregate(four_seeds)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == len(four_seeds.labels)
    for band, row in zip(bands, rows, strict=True):
        v = band.get_paths()[0].vertices
        at_end = v[np.isclose(v[:, 0], four_seeds.steps), 1]
        assert at_end.min() == pytest.approx(row["final_loss_q25"], rel=1e-12)
        assert at_end.max() == pytest.approx(row["final_loss_q75"], rel=1e-12)


def test_path_draws_and_names_the_median_run_of_summary(four_seeds):
    ax = plot_path(four_seeds, grid=30)
    rows = aggregate(four_seeds)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    for row in rows:
        (run,) = [r for r in four_seeds.runs_of(row["label"]) if r.seed == row["median_run_seed"]]
        strong = legend_line(ax, row["label"])
        np.testing.assert_array_equal(strong.get_xdata(), run.x[:, 0])
        assert any(
            t.startswith(row["label"]) and t.endswith(f"median run: seed {run.seed}") for t in texts
        )
        # with four runs it is the lower of the two middle ones
        finals = sorted(r.final_loss for r in four_seeds.runs_of(row["label"]))
        assert run.final_loss == finals[1]
    assert "median run (middle final loss)" in texts


def test_with_an_odd_count_the_median_run_is_the_median():
    result = optcompare.run(["adam:lr=0.05"], "rosenbrock", steps=100, seeds=5, jitter=0.3)
    (row,) = aggregate(result)
    assert median_run(result.runs).final_loss == row["final_loss_median"]


def test_a_diverged_median_run_is_one_that_diverged():
    # lr 0.01 with momentum 0.9 diverges from most jittered starts
    result = optcompare.run(
        ["sgd:lr=0.01,momentum=0.9"], "rosenbrock", steps=100, seeds=4, jitter=0.5
    )
    diverged = sum(r.diverged_at is not None for r in result.runs)
    if diverged < 3:
        pytest.skip(f"only {diverged} of 4 runs diverged here")
    assert median_run(result.runs).diverged_at is not None
    (row,) = aggregate(result)
    assert row["final_loss_median"] is None  # +inf in JSON


def test_sweep_medians_follow_the_one_convention():
    from optcompare.experiments.sweep import sweep

    s = sweep(["adam"], "rosenbrock", ["lr=1e-3:1e-1:4:log"], seeds=4, steps=50, jitter=0.2)
    ax = plot_sweep(s)
    table = np.asarray(s.table(s.outcomes[0]), dtype=float)
    assert np.all(np.isfinite(table))
    # for an even count, the mean of the two middle seeds (not the lower one)
    np.testing.assert_allclose(
        legend_line(ax, "adam").get_ydata(), np.median(table, axis=-1), rtol=1e-12
    )
