"""The batched engine: divergence, reproducibility, summaries, recording."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from optcompare.engine import run_batch, runaway_limit
from optcompare.optimizers import OPTIMIZERS, VARIANCE_REDUCED
from optcompare.problem import make_problem

SGD = OPTIMIZERS.get("sgd")
ADAM = OPTIMIZERS.get("adam")


def test_a_diverging_run_is_marked_and_frozen_while_the_others_go_on():
    p = make_problem("rosenbrock")
    lrs = np.array([1e-3, 0.1, 2e-3])
    tr = run_batch(SGD, SGD.resolve({"lr": lrs}), p, np.tile(p.start(), (3, 1)), np.zeros(3), 100)
    assert tr.diverged_at[0] == -1 and tr.diverged_at[2] == -1
    k = tr.diverged_at[1]
    assert 1 <= k <= 10
    assert np.all(np.isnan(tr.x[k:, 1])) and np.all(np.isfinite(tr.x[:k, 1]))
    assert np.all(np.isfinite(tr.x[:, [0, 2]]))
    # the frozen final iterate is the last good one, and is within the runaway limit
    np.testing.assert_array_equal(tr.final_x[1], tr.x[k - 1, 1])
    assert np.all(np.abs(tr.final_x[1]) <= runaway_limit(p))
    # a diverged run's area under the curve averages only the steps before it diverged
    assert tr.auc[1] == pytest.approx(np.mean(np.log10(tr.loss[:k, 1] + 1e-12)), rel=1e-12)


def test_zero_steps_only_evaluates_the_start():
    p = make_problem("rosenbrock")
    tr = run_batch(ADAM, ADAM.resolve({}), p, p.start()[None], np.zeros(1), 0)
    assert tr.x.shape == (1, 1, 2)
    assert tr.loss[0, 0] == pytest.approx(24.2)
    assert tr.final_loss[0] == tr.best_loss[0] == tr.loss[0, 0]


def test_same_seed_same_trajectory_and_batch_composition_does_not_matter():
    p = make_problem("rosenbrock:noise=5")
    x0 = np.tile(p.start(), (3, 1))
    a = run_batch(ADAM, ADAM.resolve({"lr": 0.01}), p, x0, np.array([7, 8, 9]), 50)
    b = run_batch(ADAM, ADAM.resolve({"lr": 0.01}), p, x0[:1], np.array([8]), 50)
    c = run_batch(ADAM, ADAM.resolve({"lr": 0.01}), p, x0[:1], np.array([8]), 50)
    np.testing.assert_array_equal(a.x[:, 1], b.x[:, 0])
    np.testing.assert_array_equal(b.x, c.x)
    assert not np.allclose(a.x[:, 0], a.x[:, 1])  # different seeds, different noise


def test_noise_is_in_the_gradient_only():
    """Recorded loss and grad_norm are the noise-free values at the iterate."""
    p = make_problem("rosenbrock:noise=10")
    tr = run_batch(SGD, SGD.resolve({}), p, p.start()[None], np.array([3]), 20)
    np.testing.assert_allclose(tr.loss[:, 0], p.f(tr.x[:, 0]), rtol=1e-15)
    np.testing.assert_allclose(tr.grad_norm[:, 0], np.linalg.norm(p.grad(tr.x[:, 0]), axis=1))
    clean = run_batch(
        SGD, SGD.resolve({}), make_problem("rosenbrock"), p.start()[None], np.array([3]), 20
    )
    assert not np.allclose(tr.x, clean.x)


def test_summaries_without_trajectories_match_the_full_record():
    p = make_problem("rosenbrock")
    vals = ADAM.resolve({"lr": np.array([0.01, 0.1, 3.0])})
    x0 = np.tile(p.start(), (3, 1))
    full = run_batch(ADAM, vals, p, x0, np.zeros(3), 600, tol=1e-2)
    lean = run_batch(ADAM, vals, p, x0, np.zeros(3), 600, tol=1e-2, record=False)
    assert lean.x is None and lean.loss is None
    for name in ("final_loss", "best_loss", "auc", "first_below", "diverged_at", "final_x"):
        np.testing.assert_array_equal(getattr(lean, name), getattr(full, name))
    # each summary recomputed from the recorded losses by its definition (f* = 0 here)
    np.testing.assert_array_equal(full.best_loss, np.nanmin(full.loss, axis=0))
    np.testing.assert_allclose(full.auc, np.mean(np.log10(full.loss + 1e-12), axis=0), rtol=1e-12)
    for r in range(3):
        below = np.flatnonzero(full.loss[:, r] <= 1e-2)
        assert full.first_below[r] == (below[0] if below.size else -1)
    assert full.first_below[1] > 0  # one run gets there, and not at the start


def test_recorded_state_and_effective_step():
    p = make_problem("rosenbrock")
    rms = OPTIMIZERS.get("rmsprop")
    tr = run_batch(rms, rms.resolve({}), p, p.start()[None], np.zeros(1), 30, record_state=True)
    assert set(tr.state) == {"v", "gm", "b"}
    g1 = p.grad(p.start()[None])[0]
    np.testing.assert_allclose(tr.state["v"][0, 0], 0.01 * g1**2)
    # effective step = -(x_t - x_{t-1}) / g_t: lr / (sqrt(v) + eps) for RMSProp
    expected = 0.01 / (np.sqrt(tr.state["v"][:, 0]) + 1e-8)
    np.testing.assert_allclose(tr.effective_step[:, 0], expected, rtol=1e-9)
    # the steep coordinate (x) gets the smaller effective step
    assert tr.effective_step[0, 0, 0] < tr.effective_step[0, 0, 1]


def test_effective_step_is_negative_where_momentum_carries_uphill():
    # sphere: f = |x|^2, gradient 2x; SGD's buffer b_1 = g_1, b_t = 0.9 b_{t-1} + g_t
    p = make_problem("sphere")
    tr = run_batch(
        SGD,
        SGD.resolve({"lr": 0.1, "momentum": 0.9}),
        p,
        np.ones((1, 2)),
        np.zeros(1),
        20,
        record_state=True,
    )
    x, b = np.ones(2), None
    for t in range(20):
        g = 2 * x
        b = g if b is None else 0.9 * b + g
        np.testing.assert_allclose(tr.effective_step[t, 0], 0.1 * b / g, rtol=1e-9)
        x = x - 0.1 * b
    assert np.any(tr.effective_step[:, 0] < 0)


def test_reaching_the_minimum_exactly():
    """tol is inclusive, and the area under the curve floors log10(0) at log10(1e-12)."""
    # sphere: f = |x|^2 (f* = 0), gradient 2x; SGD with lr 0.5 lands on 0 exactly at step 1
    p = make_problem("sphere")
    tr = run_batch(SGD, SGD.resolve({"lr": 0.5}), p, np.ones((1, 2)), np.zeros(1), 3, tol=0.0)
    assert tr.loss[:, 0].tolist() == [2.0, 0.0, 0.0, 0.0]
    assert tr.first_below[0] == 1 and tr.best_loss[0] == 0.0
    # steps 0..3: log10(2 + 1e-12) once, then log10(1e-12) = -12 three times
    assert tr.auc[0] == pytest.approx((math.log10(2.0) - 36.0) / 4, rel=1e-12)


def test_learning_rate_factors_scale_lr_each_step():
    p = make_problem("rosenbrock")
    factors = np.array([1.0, 0.5, 0.25])
    tr = run_batch(
        SGD, SGD.resolve({"lr": 1e-3}), p, p.start()[None], np.zeros(1), 3, lr_factors=factors
    )
    x = p.start()[None]
    for f in factors:
        x = x - 1e-3 * f * p.grad(x)
    np.testing.assert_allclose(tr.x[-1], x, rtol=1e-14)


EXTREME_LRS = np.array([1e-3, 1e3, 1e300])  # sane; runs away; overflows f at once


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_blowups_become_divergence_records_not_warnings(name):
    """Overflow and inf - inf inside a step are results, not warnings: no RuntimeWarning
    escapes, the caller's numpy error state is left as it was, and every run is either
    finite or marked diverged with its last good iterate kept."""
    # the variance-reduced methods need a finite sum: 2-D least squares
    p = make_problem("least-squares:batch=1" if name in VARIANCE_REDUCED else "rosenbrock")
    opt = OPTIMIZERS.get(name)
    x0 = np.tile(p.start(), (4, 1))
    x0[3] = [1e200, -1e200]  # the loss overflows at the start itself
    lrs = np.append(EXTREME_LRS, 1e-3)
    caller_state = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = run_batch(opt, opt.resolve({"lr": lrs}), p, x0, np.zeros(4), 50)
    assert np.geterr() == caller_state
    assert tr.diverged_at[3] == 0 and np.all(np.isnan(tr.x[:, 3]))
    for r in range(3):
        k = tr.diverged_at[r]
        if k < 0:
            assert np.all(np.isfinite(tr.x[:, r])) and np.isfinite(tr.final_loss[r])
            assert np.all(np.isnan(tr.diverged_x[r]))
            continue
        bad = tr.diverged_x[r]  # the offending iterate is kept, and it is out of bounds
        assert not np.all(np.isnan(bad))
        assert not (np.all(np.isfinite(bad)) and np.abs(bad).max() <= tr.limit)
        assert np.all(np.isnan(tr.x[k:, r])) and np.all(np.isfinite(tr.x[:k, r]))
        np.testing.assert_array_equal(tr.final_x[r], tr.x[k - 1, r])
        assert np.isfinite(tr.final_loss[r]) and np.abs(tr.final_x[r]).max() <= tr.limit
    # SGD moves by -lr * grad, grad = (-215.6, -88) at the start: lr 1e3 lands at (2e5, 9e4),
    # then past the runaway limit 3e6 at step 2; lr 1e300 lands at 2e302, where f overflows
    if name == "sgd":
        assert list(tr.diverged_at) == [-1, 2, 1, 0]
