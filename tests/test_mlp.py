"""The small tanh network on classroom shapes (problems/mlp.py).

The generic checks of every problem (gradient against differences, vectorization,
fused evaluation) run from the registry in test_problems.py and test_engine_paths.py;
here: the parameter layout and the network by hand, the Glorot start per seed, the
held-out metrics, mini-batches and the spec's keys.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import optcompare
from optcompare.data.shapes import make_shape
from optcompare.data.split import split
from optcompare.engine.batch import run_batch
from optcompare.errors import SpecError
from optcompare.optimizers import OPTIMIZERS
from optcompare.problem import make_problem


def _logistic(t: float) -> float:
    return math.log1p(math.exp(-t)) if t > 0 else -t + math.log1p(math.exp(t))


def _by_hand(theta: list[float], a: tuple[float, float], hidden: int) -> float:
    """z(a) from the documented layout: W1 row-major (hidden x 2), b1, w2, b2."""
    W1 = [theta[2 * j : 2 * j + 2] for j in range(hidden)]
    b1, w2, b2 = theta[2 * hidden : 3 * hidden], theta[3 * hidden : 4 * hidden], theta[-1]
    return (
        sum(w2[j] * math.tanh(W1[j][0] * a[0] + W1[j][1] * a[1] + b1[j]) for j in range(hidden))
        + b2
    )


def test_the_network_by_hand_on_a_tiny_case():
    p = make_problem("mlp:hidden=2")
    assert p.dim == 9
    # W1 = [[1, 0], [0, 2]], b1 = [0.5, -0.5], w2 = [1, -1], b2 = 0.25
    theta = [1.0, 0.0, 0.0, 2.0, 0.5, -0.5, 1.0, -1.0, 0.25]
    z = p.scores(np.array([theta]), np.array([[0.3, -0.2], [1.0, 1.0]]))[0]
    assert z[0] == pytest.approx(math.tanh(0.8) - math.tanh(-0.9) + 0.25, rel=1e-14)
    assert z[1] == pytest.approx(math.tanh(1.5) - math.tanh(1.5) + 0.25, abs=1e-15)
    # the loss: the mean logistic loss over the training rows, each evaluated by hand
    want = np.mean([_logistic(y * _by_hand(theta, a, 2)) for a, y in zip(p.A, p.y, strict=True)])
    assert p.f(np.array([theta]))[0] == pytest.approx(want, rel=1e-13)
    np.testing.assert_array_equal(
        p.predict(np.array([theta]), np.array([[0.3, -0.2]])), [[1.0]]
    )  # z > 0


def test_the_default_problem_has_65_parameters_and_counts_its_work():
    p = make_problem("mlp")
    assert p.dim == 65 and p.hidden == 16
    assert p.evaluation_cost() == 200 * 65  # train and test rows: the metrics are evaluated too
    assert p.f_star is None and p.minima() == ()
    assert np.all(np.isnan(p.nearest_minimum_distance(p.start()[None, :])))


@pytest.mark.parametrize("hidden", [1, 16, 40])
def test_starts_are_glorot_uniform_per_seed(hidden):
    p = make_problem(f"mlp:hidden={hidden}")
    seeds = np.arange(400)
    X = p.start_points(seeds)
    assert X.shape == (400, 4 * hidden + 1)
    w1, b1 = X[:, : 2 * hidden], X[:, 2 * hidden : 3 * hidden]
    w2, b2 = X[:, 3 * hidden : 4 * hidden], X[:, -1]
    r1, r2 = math.sqrt(6 / (2 + hidden)), math.sqrt(6 / (hidden + 1))  # fan in + fan out
    assert np.all(np.abs(w1) <= r1) and np.all(np.abs(w2) <= r2)
    assert np.abs(w1).max() > 0.95 * r1 and np.abs(w2).max() > 0.95 * r2  # the whole range
    assert np.all(b1 == 0) and np.all(b2 == 0) and not np.signbit(b2).any()
    # uniform on [-r, r]: variance r^2 / 3
    assert np.var(w1) == pytest.approx(r1**2 / 3, rel=0.1)
    # a run's draw depends on its seed alone
    np.testing.assert_array_equal(p.start_points(seeds[7:9]), X[7:9])
    assert not np.allclose(X[0], X[1])
    np.testing.assert_array_equal(p.start(), X[0])  # the default start: seed 0's draw


def test_each_seed_starts_from_its_own_draw_and_a_given_start_is_kept():
    p = make_problem("mlp:hidden=4")
    drawn = optcompare.run("sgd", "mlp:hidden=4", seeds=3, seed=2, steps=1)
    np.testing.assert_array_equal(
        np.array([r.start for r in drawn.runs]), p.start_points(np.array([2, 3, 4]))
    )
    given = optcompare.run("sgd", "mlp:hidden=4", seeds=2, steps=1, start=",".join(["0"] * 17))
    assert all(np.array_equal(r.start, np.zeros(17)) for r in given.runs)


def test_the_data_and_the_split_come_from_data_seed():
    p = make_problem("mlp:data=circles,data_seed=3,test=0.25,data_noise=0.05")
    points, labels = make_shape("circles", 200, 0.05, 3)
    train, test = split(labels, 0.25, 3)
    np.testing.assert_array_equal(p.points, points)
    np.testing.assert_array_equal(p.A, points[train])
    np.testing.assert_array_equal(p.test_idx, test)
    assert len(test) == 50 and np.sum(labels[test] > 0) == 25  # stratified
    points_, held = p.plane_data()[0], p.plane_data()[2]
    np.testing.assert_array_equal(points_, points)
    np.testing.assert_array_equal(np.flatnonzero(held), test)


def test_metrics_are_the_loss_and_accuracy_on_the_held_out_rows():
    p = make_problem("mlp:hidden=3")
    X = p.start_points(np.arange(4)) * 3.0
    m = p.metrics(X)
    assert set(m) == {"test_loss", "test_accuracy"}
    A, y = p.points[p.test_idx], p.labels[p.test_idx]
    for r, theta in enumerate(X.tolist()):
        z = [_by_hand(theta, a, 3) for a in A]
        assert m["test_loss"][r] == pytest.approx(
            np.mean([_logistic(t * zi) for t, zi in zip(y, z, strict=True)]), rel=1e-12
        )
        right = [(zi > 0) == (t > 0) for t, zi in zip(y, z, strict=True)]
        assert m["test_accuracy"][r] == pytest.approx(np.mean(right), abs=1e-15)
    whole = make_problem("mlp:test=0")  # nothing held out: every row trains, no metrics
    assert whole.n == 200 and whole.metrics(whole.start()[None, :]) == {}


def test_the_engine_records_the_metrics_at_every_step():
    p = make_problem("mlp:hidden=3")
    opt = OPTIMIZERS.get("adam")
    x0 = p.start_points(np.arange(2))
    tr = run_batch(opt, opt.resolve({"lr": 0.05}), p, x0, np.arange(2), 20)
    acc = tr.metrics["test_accuracy"]
    assert acc.shape == (21, 2)
    np.testing.assert_array_equal(acc[0], p.metrics(x0)["test_accuracy"])
    np.testing.assert_array_equal(acc[-1], p.metrics(tr.x[-1])["test_accuracy"])


def test_mini_batches_are_unbiased_and_each_runs_own():
    p = make_problem("mlp:hidden=3,batch=8")
    assert p.stochastic and p.passes_per_step() == pytest.approx(8 / 160)
    runs = 6000
    X = np.repeat(p.start()[None, :], runs, axis=0)
    seeds = np.arange(runs)
    loss, g = p.observe(X, seeds, step=2)
    loss1, g1 = p.observe(X[9:10], seeds[9:10], step=2)
    np.testing.assert_array_equal(g1, g[9:10])
    np.testing.assert_array_equal(loss1, loss[9:10])
    assert not np.allclose(g[0], g[1])
    true = p.grad(X[:1])[0]
    err = np.abs(g.mean(axis=0) - true)
    np.testing.assert_array_less(err, 5 * g.std(axis=0) / math.sqrt(runs) + 1e-15)
    np.testing.assert_allclose(loss.mean(), p.f(X[:1])[0], rtol=0.02)
    full = make_problem("mlp:hidden=3,batch=160")  # every training row: the exact gradient
    assert not full.stochastic
    np.testing.assert_array_equal(full.observe(X[:3], seeds[:3], 1)[1], full.grad(X[:3]))


def test_a_mini_batch_gradient_is_that_of_its_rows():
    p = make_problem("mlp:hidden=2,data=xor,batch=1")
    x = p.start()[None, :] * 2.0
    _, g = p.observe(x, np.array([5]), step=1)
    # one row: its gradient must be one of the n single-row gradients, by differences
    h, E = 1e-6, np.eye(p.dim) * 1e-6

    def row_loss(v: np.ndarray, i: int) -> np.ndarray:
        return np.logaddexp(0.0, -p.y[i] * p.scores(v, p.A[i : i + 1])[:, 0])

    candidates = [(row_loss(x + E, i) - row_loss(x - E, i)) / (2 * h) for i in range(p.n)]
    dist = [np.max(np.abs(c - g[0])) for c in candidates]
    assert min(dist) < 1e-7


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mlp:batch=161", r"batch=161 is not allowed; .* \[1, 160\]"),
        ("mlp:n=4,test=0.9", "without a training row"),
        ("mlp:data=square", "data=square is not allowed"),
        ("mlp:hidden=0", "hidden=0 is not allowed"),
    ],
)
def test_bad_specs_are_refused(spec, message):
    with pytest.raises(SpecError, match=message):
        make_problem(spec)


def test_noise_is_gradient_noise_and_data_noise_the_points():
    a = make_problem("mlp:noise=0.5")
    b = make_problem("mlp")
    np.testing.assert_array_equal(a.points, b.points)
    assert a.noise == 0.5 and b.noise == 0.0
    c = make_problem("mlp:data_noise=0")
    assert not np.allclose(c.points, b.points)
