"""Learning-rate schedules against hand-computed sequences and single runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import optcompare
from optcompare.engine import run_batch
from optcompare.engine.schedules import SCHEDULES, lr_factors
from optcompare.errors import SpecError
from optcompare.optimizers import OPTIMIZERS
from optcompare.problem import make_problem


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("step:every=2,gamma=0.5", [1, 1, 0.5, 0.5, 0.25, 0.25]),
        ("exp:gamma=0.9", [1, 0.9, 0.81, 0.729, 0.6561, 0.59049]),
        ("inv-sqrt", [1 / math.sqrt(t) for t in range(1, 7)]),
        ("cosine", [(1 + math.cos(math.pi * k / 6)) / 2 for k in range(6)]),
        ("cosine:min=0.2", [0.2 + 0.8 * (1 + math.cos(math.pi * k / 6)) / 2 for k in range(6)]),
    ],
)
def test_factors_are_the_hand_computed_sequences(spec, expected):
    np.testing.assert_allclose(lr_factors(spec, 6), expected, rtol=1e-14)


def test_constant_is_no_schedule():
    assert lr_factors("constant", 5) is None and lr_factors(None, 5) is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("cosin", "unknown lr schedule 'cosin'; did you mean cosine"),
        ("step:every=0", "every must be a whole number >= 1"),
        ("exp:gamma=-1", r"gamma must be a number in \(0, 1\]"),
        ("exp:gamma=1e308", r"gamma=1e308 is not allowed; gamma must be a number in \(0, 1\]"),
        ("step:gamma=1.5", r"gamma must be a number in \(0, 1\]"),
        ("step:every=10000000000000000000000", "every must be a whole number >= 1 and at most"),
        ("step:every=1e23", "every=1e23 is not allowed"),
        ("step:every=nan", "every must be a whole number >= 1"),
        ("step:gama=0.5", "did you mean gamma"),
    ],
)
def test_schedule_errors(spec, message):
    with pytest.raises(SpecError, match=message):
        lr_factors(spec, 10)


@pytest.mark.parametrize("schedule", SCHEDULES.names())
@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_scheduled_run_equals_a_run_driven_with_the_same_lrs(schedule, name):
    """Feeding lr_t by hand, step by step, gives the same trajectory."""
    p = make_problem("rosenbrock")
    steps = 40
    result = optcompare.run([f"{name}:lr=0.002"], p, steps=steps, lr_schedule=schedule)
    factors = lr_factors(schedule, steps)
    opt = OPTIMIZERS.get(name)
    from optcompare.optimizers.base import hyper

    h = hyper(opt.resolve({"lr": 0.002}))
    x = p.start()[None]
    s = opt.init(x, h)
    for t in range(steps):
        h.lr = 0.002 * (1.0 if factors is None else factors[t])
        x, s = opt.update(x, p.grad(x), s, h)
    np.testing.assert_allclose(result.runs[0].x[-1], x[0], rtol=1e-13)


def test_rprop_ignores_schedules_like_pytorch():
    p = make_problem("rosenbrock")
    rprop = OPTIMIZERS.get("rprop")
    a = run_batch(rprop, rprop.resolve({}), p, p.start()[None], np.zeros(1), 30)
    b = run_batch(
        rprop,
        rprop.resolve({}),
        p,
        p.start()[None],
        np.zeros(1),
        30,
        lr_factors=lr_factors("exp:gamma=0.5", 30),
    )
    np.testing.assert_array_equal(a.x, b.x)
