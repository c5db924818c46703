"""Basins of attraction: classification of where each start ends."""

from __future__ import annotations

import numpy as np
import pytest

from optcompare.errors import SpecError
from optcompare.experiments.basins import DIVERGED, NOT_CONVERGED, basins, classify
from optcompare.experiments.choices import make_optimizers
from optcompare.problem import make_problem

HIMMELBLAU = make_problem("himmelblau")


@pytest.mark.parametrize("spec", ["sgd:lr=0.01", "sgd:lr=0.005,momentum=0.9", "adam:lr=0.05"])
def test_starts_next_to_each_minimum_land_in_that_minimum(spec):
    (choice,) = make_optimizers([spec])
    mins = np.array([m.x for m in HIMMELBLAU.minima()])
    starts = np.concatenate([mins + 0.3, mins - 0.2])
    from optcompare.engine import run_batch

    tr = run_batch(choice.optimizer, choice.values, HIMMELBLAU, starts,
                   np.arange(len(starts)), 1000, record=False)
    outcome = classify(HIMMELBLAU, tr.final_x, tr.diverged_at)
    np.testing.assert_array_equal(outcome, [0, 1, 2, 3, 0, 1, 2, 3])


def test_grid_outcomes_cover_the_window_and_are_labelled():
    (choice,) = make_optimizers(["sgd:lr=0.01,momentum=0.9"])
    b = basins(choice, HIMMELBLAU, grid=21, steps=300)
    assert b.outcome.shape == (21, 21)
    assert b.xs[0] == -6 and b.xs[-1] == 6
    fr = b.fractions(4)
    assert sum(fr.values()) == pytest.approx(1.0)
    assert fr["diverged"] > 0  # momentum at this lr flings some starts away
    assert set(np.unique(b.outcome)) <= {0, 1, 2, 3, DIVERGED, NOT_CONVERGED}


def test_not_converged_when_too_few_steps():
    (choice,) = make_optimizers(["sgd:lr=1e-4"])
    b = basins(choice, HIMMELBLAU, grid=4, steps=3)  # no start near a minimum
    assert np.all(b.outcome == NOT_CONVERGED)


@pytest.mark.parametrize(("spec", "grid", "message"), [
    ("rosenbrock:dim=3", 11, "needs a 2-D problem"),
    ("saddle", 11, "needs known minima"),
    ("himmelblau", 1, "--grid must be a whole number from 2 to 401"),
])
def test_basins_errors(spec, grid, message):
    (choice,) = make_optimizers(["sgd"])
    with pytest.raises(SpecError, match=message):
        basins(choice, make_problem(spec), grid=grid, steps=5)


def test_local_minima_are_other_stationary_points_not_unconverged():
    """Six-hump camel has four local minima besides its two global ones."""
    from optcompare.experiments.basins import OTHER_STATIONARY

    (choice,) = make_optimizers(["sgd:lr=0.01"])
    b = basins(choice, make_problem("six-hump-camel"), grid=21, steps=2000)
    ends = b.final_x[b.outcome == OTHER_STATIONARY]
    assert len(ends) > 0
    # the four local minima (+-1.70, -+0.80), (+-1.61, +-0.57), and the saddle at the
    # origin, where the grid start sits exactly
    local = np.abs(ends[:, 0]) > 1.5
    saddle = np.all(np.abs(ends) < 1e-9, axis=1)
    assert np.all(local | saddle) and local.sum() > 4
