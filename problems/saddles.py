"""Saddles: functions with no minimum whose critical point traps slow methods."""

# Gradients are np.stack([gx, gy]).T: (runs, 2) with each coordinate one contiguous row,
# the engine's memory order (a copy per step otherwise).

from __future__ import annotations

import numpy as np

from optcompare.problem import Problem, register_problem


@register_problem
class Saddle(Problem):
    """The strict saddle x^2 - y^2; unbounded below, so it has no minimum.

    The start sits 1e-3 off the ridge y = 0.  Plain GD leaves the saddle only after
    about ln(1/1e-3) / ln(1 + 2 lr) steps; methods that normalise the step (Adam,
    RMSProp, Rprop) break the symmetry much sooner.  From y = 0 exactly every
    gradient method converges to the saddle.
    """

    name = "saddle"
    description = "x^2 - y^2: escape from a strict saddle (no minimum)"
    formula = "f(x, y) = x^2 - y^2"
    reference = "classic strict saddle; see Dauphin et al. (2014), NeurIPS, on saddles in training"
    default_start = (-1.0, 1e-3)
    default_window = ((-1.5, 1.5), (-1.5, 1.5))

    def f(self, X: np.ndarray) -> np.ndarray:
        return X[:, 0] ** 2 - X[:, 1] ** 2

    def grad(self, X: np.ndarray) -> np.ndarray:
        return np.stack([2.0 * X[:, 0], -2.0 * X[:, 1]]).T


@register_problem
class MonkeySaddle(Problem):
    """The monkey saddle x^3 - 3xy^2 = r^3 cos(3 theta); unbounded below.

    Its Hessian vanishes at the origin, so the second-order test fails there.  It has
    three valleys (theta = 60, 180 and 300 degrees) and three ridges between them.  The
    start lies just off the ridge y = 0: GD first creeps toward the origin, then turns
    down the valley at 60 degrees.
    """

    name = "monkey-saddle"
    description = "x^3 - 3xy^2: a degenerate saddle (no minimum)"
    formula = "f(x, y) = x^3 - 3 x y^2"
    reference = "classic degenerate saddle (the Hessian is 0 at the origin)"
    default_start = (0.5, 0.05)
    default_window = ((-1.5, 1.5), (-1.5, 1.5))

    def f(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return x**3 - 3.0 * x * y**2

    def grad(self, X: np.ndarray) -> np.ndarray:
        x, y = X[:, 0], X[:, 1]
        return np.stack([3.0 * x**2 - 3.0 * y**2, -6.0 * x * y]).T
