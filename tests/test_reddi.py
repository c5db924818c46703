"""The ``reddi`` problem: Reddi, Kale & Kumar's online counterexample on [-1, 1]."""

from __future__ import annotations

import math

import numpy as np
import pytest

import optcompare
from optcompare.errors import SpecError
from optcompare.problem import make_problem


def test_the_default_is_the_papers_section_5_problem():
    p = make_problem("reddi")
    assert (p.period, p.constant, p.small, p.random) == (101, 1010.0, 10.0, False)
    assert p.dim == 1 and p.stochastic and p.online  # observe() is called every step
    assert p.slope == pytest.approx(10 / 101, rel=1e-15)
    (m,) = p.minima()
    assert m.x == (-1.0,) and m.f == pytest.approx(-10 / 101, rel=1e-15)
    lo, hi = p.bounds()
    np.testing.assert_array_equal(lo, [-1.0])
    np.testing.assert_array_equal(hi, [1.0])
    ((w_lo, w_hi),) = p.window()
    assert w_lo < -1.0 < 1.0 < w_hi
    assert p.start().tolist() == [0.0] and w_lo <= 0.0 <= w_hi


def test_online_gradients_follow_the_schedule():
    p = make_problem("reddi")
    seeds = np.arange(3)
    for t in range(1, 410):
        g = p.slopes(seeds, t)
        expected = 1010.0 if t % 101 == 1 else -10.0  # t = 1, 102, 203, ...
        np.testing.assert_array_equal(g, expected)
    X = np.array([[0.5], [-0.25], [1.0]])
    loss, g = p.observe(X, seeds, 102)
    np.testing.assert_array_equal(g, np.full((3, 1), 1010.0))
    np.testing.assert_array_equal(loss, 1010.0 * X[:, 0])  # f_t(x_t), not the average
    # over one period the f_t add up to 10 x: the average is the recorded loss
    total = sum(p.observe(X, seeds, t)[1] for t in range(1, 102))
    np.testing.assert_allclose(total / 101, p.grad(X), rtol=1e-14)
    np.testing.assert_allclose(p.f(X), 10 / 101 * X[:, 0], rtol=1e-15)


def test_other_keys_change_the_schedule():
    p = make_problem("reddi:period=3,constant=3,small=1")  # the Section 3 example, C = 3
    assert [p.slopes(np.zeros(1), t)[0] for t in range(1, 7)] == [3, -1, -1, 3, -1, -1]
    assert p.f_star == pytest.approx(-1 / 3)


def test_no_feasible_point_is_below_f_star():
    for spec in ("reddi", "reddi:stochastic=true", "reddi:period=3,constant=3,small=1"):
        p = make_problem(spec)
        X = np.linspace(-1.0, 1.0, 2001)[:, None]
        assert np.min(p.f(X)) == pytest.approx(p.f_star, abs=1e-15)
        assert np.all(p.f(X) >= p.f_star - 1e-15)


def test_stochastic_variant_draws_the_large_gradient_with_probability_one_percent():
    p = make_problem("reddi:stochastic=true")
    assert p.p == pytest.approx(0.01)  # 1 / (period - 1): the paper's 0.01 at period 101
    assert p.slope == pytest.approx(0.01 * 1010 - 0.99 * 10)  # expected gradient 0.2
    assert p.f_star == pytest.approx(-0.2)
    seeds = np.arange(200_000)
    g = p.slopes(seeds, 7)
    share = np.mean(g == 1010.0)
    assert abs(share - 0.01) < 5 * math.sqrt(0.01 * 0.99 / len(seeds))
    assert set(np.unique(g)) == {1010.0, -10.0}
    assert abs(g.mean() - 0.2) < 5 * g.std() / math.sqrt(len(seeds))  # unbiased for grad
    # reproducible, per seed and step, and independent of the batch a run is in
    np.testing.assert_array_equal(p.slopes(seeds, 7), g)
    np.testing.assert_array_equal(p.slopes(seeds[123:130], 7), g[123:130])
    assert not np.array_equal(p.slopes(seeds, 8), g)


def test_noise_key_adds_gaussian_noise_to_the_online_gradient():
    p = make_problem("reddi:noise=0.5")
    seeds = np.arange(20_000)
    X = np.zeros((len(seeds), 1))
    _, g = p.observe(X, seeds, 5)
    np.testing.assert_array_equal(p.observe(X, seeds, 5)[1], g)
    assert g.mean() == pytest.approx(-10.0, abs=5 * 0.5 / math.sqrt(len(seeds)))
    assert g.std() == pytest.approx(0.5, rel=0.05)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "reddi:constant=1000",
            r"constant=1000 is not allowed with period=101 and small=10; "
            r"constant must exceed \(period - 1\) \* small",
        ),
        ("reddi:stochastic=true,constant=990", r"must exceed \(period - 2\) \* small"),
        ("reddi:period=1", r"period=1 is not allowed; period must be a whole number >= 2"),
        ("reddi:small=0", r"small=0 is not allowed; small must be a number > 0"),
        ("reddi:stochastic=maybe", r"stochastic=maybe is not allowed; .*true or false"),
    ],
)
def test_spec_errors(spec, message):
    with pytest.raises(SpecError, match=message):
        make_problem(spec)


def test_the_engine_keeps_iterates_in_the_box():
    result = optcompare.run(["sgd:lr=0.01", "adam:lr=0.5"], "reddi", steps=500)
    for run in result.runs:
        assert run.diverged_at is None
        assert np.all(np.abs(run.x) <= 1.0)
    # SGD follows the online gradients: step 1 is the big one, so x_1 = 0 - 0.01 * 1010
    assert result.runs[0].x[1, 0] == -1.0  # clipped from -10.1


def test_regret_matches_a_hand_computed_sum():
    p = make_problem("reddi:period=3,constant=3,small=1")
    seeds = np.zeros(2, dtype=np.int64)
    x = np.array([[0.0, 1.0], [0.5, -1.0], [1.0, 0.2], [-0.3, 0.0], [1.0, 1.0]])
    R = p.regret(x, seeds)
    for j in range(2):
        for T in range(1, 5):
            g = [p.slopes(seeds[:1], t)[0] for t in range(1, T + 1)]
            played = sum(gt * x[t - 1, j] for t, gt in enumerate(g, start=1))
            best = min(sum(g) * v for v in (-1.0, 1.0))
            assert R[T - 1, j] == pytest.approx((played - best) / T, rel=1e-14)


def test_adam_ends_at_the_worst_point_and_amsgrad_at_the_best():
    """The paper's Figure 1 result, with PyTorch's (bias-corrected) Adam; short version."""
    result = optcompare.run(
        ["adam:lr=0.5,beta1=0.9,beta2=0.99", "adam:lr=0.5,beta1=0.9,beta2=0.99,amsgrad=true"],
        "reddi",
        steps=10_000,
        lr_schedule="inv-sqrt",
    )
    adam, amsgrad = (r.final_x[0] for r in result.runs)
    assert adam > 0.9 and amsgrad < -0.85
