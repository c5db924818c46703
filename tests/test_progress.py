"""Progress counts run-steps actually done and reaches its total only at the end."""

from __future__ import annotations

import numpy as np
import pytest

import optcompare
from optcompare.experiments.tuning import TUNE_GRID
from optcompare.progress import ambient


def _record():
    calls: list[tuple[int, int]] = []
    return calls, lambda done, total: calls.append((done, total))


def _check(calls, expected_total):
    done = [d for d, _ in calls]
    assert {t for _, t in calls} == {expected_total}  # planned once, before the work
    assert done == sorted(done) and done[-1] == expected_total
    assert all(d < expected_total for d in done[:-1])  # the total only at the very end


@pytest.mark.parametrize(
    "kwargs, per_choice",
    [
        ({"seeds": 3}, 3),
        ({"seeds": 2, "tune": True, "tune_seeds": 2}, 2 + len(TUNE_GRID) * 2),
    ],
)
def test_run_counts_every_batch_tuning_included(kwargs, per_choice):
    calls, report = _record()
    optcompare.run("all", "rosenbrock", steps=7, progress=report, **kwargs)
    _check(calls, 6 * per_choice * 7)  # 'all' is six optimizers


def test_sweep_counts_every_optimizer_of_all_and_every_grid_point():
    calls, report = _record()
    optcompare.sweep(["all"], "rosenbrock", ["lr=1e-3:1:4:log"], seeds=2, steps=5, progress=report)
    _check(calls, 6 * 4 * 2 * 5)


def test_ambient_progress_sums_experiments_planned_one_at_a_time():
    calls, report = _record()
    with ambient(report) as outer:
        optcompare.run("sgd", "rosenbrock", steps=4, seeds=2)
        optcompare.run("adam", "rosenbrock", steps=3)
    assert outer.done == outer.total == 2 * 4 + 3
    assert [c[0] for c in calls][-1] == 11 and np.all(np.diff([c[0] for c in calls]) > 0)


def test_basins_counts_every_start_of_every_optimizer():
    calls, report = _record()
    optcompare.basins(
        ["sgd:lr=0.01", "adam:lr=0.05"], "himmelblau", grid=5, steps=6, progress=report
    )
    _check(calls, 2 * 5 * 5 * 6)
