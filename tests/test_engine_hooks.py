"""The engine's hooks for what comes next: a finite-sum oracle with its work counted,
objectives that move with time, per-run start points, extra recorded measurements.

Each hook is driven here by a small problem or optimizer written in the test and
checked against a loop written out by hand.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from optcompare.problems.rosenbrock import Rosenbrock

import optcompare
from optcompare import noise
from optcompare.engine import run_batch
from optcompare.engine.oracle import SAMPLE_STREAM
from optcompare.optimizers import OPTIMIZERS
from optcompare.problem import make_problem

SGD = OPTIMIZERS.get("sgd")


def _full_gradient(x, state, oracle, h, t):
    loss, g = oracle.full(x)
    return loss, g, state


def _one_sample(x, state, oracle, h, t):
    return None, oracle.component(x, oracle.sample(t)), state


def test_a_direction_from_full_gradients_is_gradient_descent_and_costs_a_pass_a_step():
    prob = make_problem("least-squares:n=30")
    gd = dataclasses.replace(SGD, name="oracle-gd", direction=_full_gradient)
    x0 = np.array([[-2.0, -2.0], [1.0, 3.0]])
    vals = SGD.resolve({"lr": 0.1})
    mine = run_batch(gd, vals, prob, x0, np.arange(2), 40)
    plain = run_batch(SGD, vals, prob, x0, np.arange(2), 40)
    np.testing.assert_array_equal(mine.x, plain.x)
    np.testing.assert_array_equal(mine.passes[:, 0], np.arange(41.0))
    np.testing.assert_array_equal(plain.passes[:, 1], np.arange(41.0))


def test_one_component_a_step_follows_the_hand_loop_and_costs_one_nth_of_a_pass():
    prob = make_problem("least-squares:n=25")
    sgd1 = dataclasses.replace(SGD, name="oracle-sgd", direction=_one_sample)
    seeds = np.array([4, 9])
    x0 = np.array([[-2.0, -2.0], [0.5, 1.0]])
    tr = run_batch(sgd1, SGD.resolve({"lr": 0.05}), prob, x0, seeds, 30)
    x = x0.copy()
    for t in range(1, 31):
        i = (noise.uniform(seeds, t, 1, stream=SAMPLE_STREAM)[:, 0] * 25).astype(int)
        a, b = prob.A[i], prob.b[i]
        g = ((a * x).sum(axis=1) - b)[:, None] * a  # (a_i . x - b_i) a_i
        x = x - 0.05 * g
        np.testing.assert_allclose(tr.x[t], x, rtol=1e-13)
    np.testing.assert_allclose(tr.passes[:, 1], np.arange(31) / 25, rtol=1e-14)


def test_component_gradients_average_to_the_full_gradient():
    prob = make_problem("least-squares:n=12,dim=3")
    X = np.array([[0.3, -1.0, 2.0], [1.0, 1.0, 1.0]])
    every = np.tile(np.arange(12), (2, 1))
    np.testing.assert_allclose(prob.component_grad(X, every), prob.grad(X), rtol=1e-12)


def test_a_mini_batch_costs_batch_over_n_passes_a_step():
    tr = run_batch(
        SGD, SGD.resolve({}), make_problem("least-squares:n=40,batch=5"), [[0.0, 0.0]], [0], 16
    )
    np.testing.assert_allclose(tr.passes[:, 0], np.arange(17) * 5 / 40)


class _Drifting(Rosenbrock):
    """(x - c t)^2 / 2 in each coordinate: the minimum moves right by c each step."""

    name = "drifting-test"
    speed = 0.1

    def f(self, X):
        return 0.5 * np.sum(X**2, axis=1)

    def grad(self, X):
        return np.array(X, dtype=float)

    def value_and_grad_at(self, X, step):
        moved = X - self.speed * step
        return 0.5 * np.sum(moved**2, axis=1), moved

    def minima(self):
        return ()


def test_an_objective_that_moves_with_time_is_evaluated_at_each_step():
    prob = _Drifting()
    tr = run_batch(SGD, SGD.resolve({"lr": 0.5}), prob, [[0.0, 0.0]], [0], 20)
    x = np.zeros(2)
    for t in range(1, 21):
        x = x - 0.5 * (x - 0.1 * (t - 1))  # the gradient the step saw: f_{t-1}'s
        np.testing.assert_allclose(tr.x[t, 0], x, rtol=1e-14)
        np.testing.assert_allclose(tr.loss[t, 0], 0.5 * np.sum((x - 0.1 * t) ** 2), rtol=1e-14)


class _Measured(Rosenbrock):
    name = "measured-test"

    def metrics(self, X):
        return {"distance": np.linalg.norm(X - 1.0, axis=1), "right": (X[:, 0] > 0) * 1.0}


def test_extra_measurements_are_recorded_at_every_step_and_nan_after_divergence():
    prob = _Measured()
    vals = SGD.resolve({"lr": np.array([1e-3, 0.05])})  # the second diverges
    x0 = np.tile([-1.2, 1.0], (2, 1))
    tr = run_batch(SGD, vals, prob, x0, np.arange(2), 30)
    d = int(tr.diverged_at[1])
    assert 0 < d < 30
    np.testing.assert_allclose(tr.metrics["distance"][:, 0], np.linalg.norm(tr.x[:, 0] - 1, axis=1))
    np.testing.assert_array_equal(tr.metrics["right"][:, 0], (tr.x[:, 0, 0] > 0) * 1.0)
    assert np.isnan(tr.metrics["distance"][d:, 1]).all()
    assert np.isfinite(tr.metrics["distance"][:d, 1]).all()
    assert run_batch(SGD, vals, make_problem("rosenbrock"), x0, np.arange(2), 5).metrics == {}


class _DrawnStarts(Rosenbrock):
    name = "drawn-starts-test"

    def start_points(self, seeds):
        return np.column_stack([0.1 * seeds, -0.2 * seeds]).astype(float)


def test_a_problem_can_draw_each_runs_start_from_its_seed():
    result = optcompare.run("sgd", _DrawnStarts(), seeds=3, seed=5, steps=2)
    starts = np.array([r.start for r in result.runs])
    np.testing.assert_allclose(starts, [[0.5, -1.0], [0.6, -1.2], [0.7, -1.4]])
    np.testing.assert_array_equal(result.runs[2].x[0], starts[2])


def test_the_clock_of_each_step_adds_up_to_the_step_loop():
    tr = run_batch(
        SGD, SGD.resolve({}), make_problem("rosenbrock"), np.zeros((3, 2)), [0, 1, 2], 50
    )
    assert tr.seconds.shape == (51,) and tr.seconds[0] == 0.0
    assert np.all(np.diff(tr.seconds) >= 0) and tr.seconds[-1] > 0
    assert tr.seconds[-1] * 3 <= tr.wall_time


def test_passes_are_counted_exactly_not_summed_in_floating_point():
    """3,000 single-sample steps on n = 100 are 30 passes exactly, whether the oracle
    counts them or the problem's cost per step does (0.01 added 3,000 times is not 30)."""
    prob = make_problem("least-squares:n=100,batch=1")
    sgd1 = dataclasses.replace(SGD, name="oracle-sgd", direction=_one_sample)
    for opt in (sgd1, SGD):
        tr = run_batch(opt, SGD.resolve({"lr": 1e-3}), prob, [[0.0, 0.0]], [0], 3000)
        assert tr.passes[3000, 0] == 30.0
        assert tr.passes[1234, 0] == 12.34
    assert sum([0.01] * 3000) != 30.0  # why it has to be counted
