"""The Problem base: global and local minima, and what "the minimum" means."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optcompare.problem import Minimum, Problem
from optcompare.problem.base import MINIMUM_KINDS

# f(x, y) = x**4/4 - x**3/3 - x**2 + y**2 has f_x = x**3 - x**2 - 2x = x (x - 2) (x + 1):
# minima at x = 2 (f = 4 - 8/3 - 4 = -8/3, global) and x = -1 (f = 1/4 + 1/3 - 1 = -5/12,
# local), a maximum at x = 0; f_xx = 3x**2 - 2x - 2 is 6 at x = 2 and 3 at x = -1.
GLOBAL = Minimum((2.0, 0.0), -8.0 / 3.0)
LOCAL = Minimum((-1.0, 0.0), -5.0 / 12.0, kind="local")


class TiltedWell(Problem):
    name = "tilted-well"
    default_start = (0.5, 0.5)
    default_window = ((-2.0, 3.0), (-2.0, 2.0))
    known_minima = (LOCAL, GLOBAL)  # the local one first: order must not matter

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return x**4 / 4 - x**3 / 3 - x**2 + y**2

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return np.stack([x**3 - x**2 - 2 * x, 2 * y], axis=1)


class OnlyLocal(TiltedWell):
    known_minima = (LOCAL,)


def test_listed_values_are_the_functions_values_and_stationary():
    p = TiltedWell()
    M = np.array([m.x for m in p.minima()])
    np.testing.assert_allclose(p.f(M), [m.f for m in p.minima()], rtol=1e-15)
    np.testing.assert_allclose(p.grad(M), 0.0, atol=1e-15)


def test_minima_lists_every_kind_and_f_star_is_the_global_one():
    p = TiltedWell()
    assert p.minima() == (LOCAL, GLOBAL)
    assert [m.kind for m in p.minima()] == ["local", "global"]
    assert p.global_minima() == (GLOBAL,)
    assert p.f_star == pytest.approx(-8.0 / 3.0, rel=1e-15)


def test_distance_to_the_minimum_ignores_local_minima():
    p = TiltedWell()
    X = np.array([[-1.0, 0.0], [2.0, 0.0], [2.0, 4.0]])
    # from the local minimum the global one is 3 away; not 0
    np.testing.assert_allclose(p.nearest_minimum_distance(X), [3.0, 0.0, 4.0])


def test_only_local_minima_known_means_f_star_unknown():
    p = OnlyLocal()
    assert p.minima() == (LOCAL,) and p.global_minima() == ()
    assert p.f_star is None
    assert all(math.isnan(d) for d in p.nearest_minimum_distance(np.zeros((2, 2))))


def test_kind_defaults_to_global_and_rejects_anything_else():
    assert Minimum((0.0,), 0.0).kind == "global"
    assert MINIMUM_KINDS == ("global", "local")
    with pytest.raises(ValueError, match="kind must be one of global, local, not 'saddle'"):
        Minimum((0.0,), 0.0, kind="saddle")
