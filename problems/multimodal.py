"""Multimodal functions: many local minima, ripples, cones and plateaus."""

# Gradients are np.stack([gx, gy]).T: (runs, 2) with each coordinate one contiguous row,
# the engine's memory order (a copy per step otherwise).

from __future__ import annotations

import itertools
import math

import numpy as np

from optcompare.budget import MAX_DIM
from optcompare.params import Param
from optcompare.problem import Minimum, Problem, register_problem

_DIM = Param("dim", 2, "number of coordinates", kind="int", low=2, high=MAX_DIM, per_run=False)


@register_problem
class Rastrigin(Problem):
    """Rastrigin's function: a bowl covered in ripples, with a local minimum near
    every integer point (11^d of them in [-5.12, 5.12]^d)."""

    name = "rastrigin"
    description = "egg-crate of local minima on a bowl; minimum at 0"
    formula = "f(x) = 10 d + sum_i [ x_i^2 - 10 cos(2 pi x_i) ]"
    reference = (
        "Rastrigin (1974); N-D form from Muhlenbein et al. (1991); "
        "start from jettify/pytorch-optimizer"
    )
    params = (_DIM,)
    default_window = ((-4.5, 4.5), (-4.5, 4.5))

    def f(self, X: np.ndarray) -> np.ndarray:
        return np.sum(X**2 - 10.0 * np.cos(2.0 * np.pi * X), axis=1) + 10.0 * self.dim

    def grad(self, X: np.ndarray) -> np.ndarray:
        return 2.0 * X + 20.0 * np.pi * np.sin(2.0 * np.pi * X)

    def start(self) -> np.ndarray:
        return np.resize(np.array([-2.0, 3.5]), self.dim)

    def window(self) -> tuple[tuple[float, float], ...]:
        return ((-4.5, 4.5),) * self.dim

    def minima(self) -> tuple[Minimum, ...]:
        return (Minimum((0.0,) * self.dim, 0.0),)


@register_problem
class Ackley(Problem):
    """Ackley's function (a = 20, b = 0.2, c = 2 pi): ripples around a cone.

    It is not differentiable at its minimum 0, where the cone term has a kink: the
    gradient has norm a b / sqrt(d) arbitrarily close to 0.  There ``grad``
    returns 0 (the convention of gonum's test functions), so a run that lands
    exactly on 0 stays there; elsewhere fixed-step methods keep jumping across it.
    """

    name = "ackley"
    description = "ripples on a cone; minimum at 0 (not smooth there)"
    formula = (
        "f(x) = -20 exp(-0.2 sqrt(mean_i x_i^2)) - exp(mean_i cos(2 pi x_i)) + 20 + e;"
        "  grad(0) := 0"
    )
    reference = "Ackley (1987), A Connectionist Machine for Genetic Hillclimbing; SFU library"
    params = (_DIM,)
    default_window = ((-5.0, 5.0), (-5.0, 5.0))

    def f(self, X: np.ndarray) -> np.ndarray:
        r = np.sqrt(np.mean(X**2, axis=1))
        C = np.mean(np.cos(2.0 * np.pi * X), axis=1)
        # 20 (1 - e^(-0.2 r)) + e (1 - e^(C - 1)), written so that f(0) is exactly 0
        return -20.0 * np.expm1(-0.2 * r) - math.e * np.expm1(C - 1.0)

    def grad(self, X: np.ndarray) -> np.ndarray:
        r = np.sqrt(np.mean(X**2, axis=1, keepdims=True))
        C = np.mean(np.cos(2.0 * np.pi * X), axis=1, keepdims=True)
        # x / r is bounded by sqrt(d); at r = 0 x is 0 too, so a safe divisor gives the 0 we want
        r_safe = np.where(r > 0.0, r, 1.0)
        cone = 4.0 * np.exp(-0.2 * r) * X / (self.dim * r_safe)
        ripple = (2.0 * np.pi / self.dim) * np.sin(2.0 * np.pi * X) * np.exp(C)
        return cone + ripple

    def start(self) -> np.ndarray:
        return np.resize(np.array([-2.5, 3.0]), self.dim)

    def window(self) -> tuple[tuple[float, float], ...]:
        return ((-5.0, 5.0),) * self.dim

    def minima(self) -> tuple[Minimum, ...]:
        return (Minimum((0.0,) * self.dim, 0.0),)


# The global 1-D minimiser: the smallest root of 4 z^3 - 32 z + 5 = 0 (Newton's method in
# 60-digit arithmetic).  scipy's -2.903534018185960 is off by about 1e-8.
_ST_Z = -2.903534027771177
# The other minimum of z^4 - 16 z^2 + 5 z, the same way.
_ST_Z2 = 2.746802770990837
_ST_LIST_LOCAL_UP_TO = 3


@register_problem
class StyblinskiTang(Problem):
    """The Styblinski-Tang function: separable, with 2^d local minima.

    Each coordinate has a global minimum at z1 = -2.903534 and a local one at
    z2 = 2.746803, separated by a barrier at 0.156731.  From the start (5, -5)
    plain GD ends in the local minimum (2.7468, -2.9035); momentum can cross.
    f* = -39.16616570377142 d (several catalogues print the mis-rounded -39.16599 d).
    """

    name = "styblinski-tang"
    description = "2^d minima; global at x_i = -2.9035, f = -39.166 d"
    formula = "f(x) = 1/2 sum_i (x_i^4 - 16 x_i^2 + 5 x_i)"
    reference = "Styblinski & Tang (1990), Neural Networks 3(4); start from visualDescent"
    params = (_DIM,)
    default_window = ((-5.5, 5.5), (-5.5, 5.5))

    def f(self, X: np.ndarray) -> np.ndarray:
        return 0.5 * np.sum(X**4 - 16.0 * X**2 + 5.0 * X, axis=1)

    def grad(self, X: np.ndarray) -> np.ndarray:
        return 2.0 * X**3 - 16.0 * X + 2.5

    def start(self) -> np.ndarray:
        return np.resize(np.array([5.0, -5.0]), self.dim)

    def window(self) -> tuple[tuple[float, float], ...]:
        return ((-5.5, 5.5),) * self.dim

    def minima(self) -> tuple[Minimum, ...]:
        """The global minimum, then (for dim <= 3) the 2^d - 1 local ones, which
        mix z1 and z2 per coordinate; beyond 3 they are too many to be useful."""
        x = np.full((1, self.dim), _ST_Z)
        found = [Minimum((_ST_Z,) * self.dim, float(self.f(x)[0]))]
        if self.dim <= _ST_LIST_LOCAL_UP_TO:
            for point in itertools.product((_ST_Z, _ST_Z2), repeat=self.dim):
                if _ST_Z2 in point:
                    found.append(Minimum(point, float(self.f(np.array([point]))[0]), "local"))
        return tuple(found)


@register_problem
class Levi13(Problem):
    """Levi's function N. 13: ripples of period 2/3 in x over a shallow bowl."""

    name = "levi13"
    description = "ripples that trap plain GD; minimum at (1, 1)"
    formula = (
        "f(x, y) = sin^2(3 pi x) + (x - 1)^2 (1 + sin^2(3 pi y)) + (y - 1)^2 (1 + sin^2(2 pi y))"
    )
    reference = "SFU library (Surjanovic & Bingham), Levy function N. 13"
    default_start = (-4.0, -4.0)
    default_window = ((-10.0, 10.0), (-10.0, 10.0))
    known_minima = (Minimum((1.0, 1.0), 0.0),)

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return (
            np.sin(3.0 * np.pi * x) ** 2
            + (x - 1.0) ** 2 * (1.0 + np.sin(3.0 * np.pi * y) ** 2)
            + (y - 1.0) ** 2 * (1.0 + np.sin(2.0 * np.pi * y) ** 2)
        )

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        # d/dz sin^2(k pi z) = k pi sin(2 k pi z)
        gx = 3.0 * np.pi * np.sin(6.0 * np.pi * x) + 2.0 * (x - 1.0) * (
            1.0 + np.sin(3.0 * np.pi * y) ** 2
        )
        gy = (
            3.0 * np.pi * (x - 1.0) ** 2 * np.sin(6.0 * np.pi * y)
            + 2.0 * (y - 1.0) * (1.0 + np.sin(2.0 * np.pi * y) ** 2)
            + 2.0 * np.pi * (y - 1.0) ** 2 * np.sin(4.0 * np.pi * y)
        )
        return np.stack([gx, gy]).T


@register_problem
class Easom(Problem):
    """Easom's function: a single narrow well in a flat plateau.

    Away from (pi, pi) the gradient is about 2 r exp(-r^2) at distance r (7e-4 at
    r = 3), so GD stalls on the plateau while sign-like steps (Rprop, Adam) keep
    moving.  The start (1.7, 2.0) lies in the well's square (pi/2, 3pi/2)^2, where
    f < 0 and the gradient flow leads to (pi, pi), but where |grad f| is only 0.02.
    Neighbouring squares hold tiny local minima, e.g. f = -8e-5 near (1.305, 1.305).
    This is the SFU/Wikipedia Easom; Jamil & Yang's "Easom" is a different,
    Ackley-like function.
    """

    name = "easom"
    description = "one narrow well in a flat plateau; minimum (pi, pi)"
    formula = "f(x, y) = -cos(x) cos(y) exp(-(x - pi)^2 - (y - pi)^2)"
    reference = "Easom (1990), M.Eng. thesis, University of Louisville; SFU library"
    default_start = (1.7, 2.0)
    default_window = ((-1.0, 7.0), (-1.0, 7.0))
    known_minima = (Minimum((math.pi, math.pi), -1.0),)

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return -np.cos(x) * np.cos(y) * np.exp(-((x - np.pi) ** 2) - (y - np.pi) ** 2)

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        E = np.exp(-((x - np.pi) ** 2) - (y - np.pi) ** 2)
        gx = np.cos(y) * E * (np.sin(x) + 2.0 * (x - np.pi) * np.cos(x))
        gy = np.cos(x) * E * (np.sin(y) + 2.0 * (y - np.pi) * np.cos(y))
        return np.stack([gx, gy]).T
