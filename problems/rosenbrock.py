"""Rosenbrock's banana valley, in any dimension >= 2."""

from __future__ import annotations

import numpy as np

from optcompare.budget import MAX_DIM
from optcompare.params import Param
from optcompare.problem import Minimum, Problem, register_problem


@register_problem
class Rosenbrock(Problem):
    name = "rosenbrock"
    description = "curved narrow valley; minimum at (1, ..., 1)"
    formula = "f(x) = sum_{i<d} [ 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 ]"
    reference = (
        "Rosenbrock (1960), The Computer Journal 3(3); start from More, Garbow & Hillstrom (1981)"
    )
    params = (
        Param("dim", 2, "number of coordinates", kind="int", low=2, high=MAX_DIM, per_run=False),
    )
    default_window = ((-2.0, 2.0), (-1.0, 3.0))

    def f(self, X: np.ndarray) -> np.ndarray:
        a, b = X[:, :-1], X[:, 1:]
        return np.sum(100.0 * (b - a**2) ** 2 + (1.0 - a) ** 2, axis=1)

    def grad(self, X: np.ndarray) -> np.ndarray:
        a, b = X[:, :-1], X[:, 1:]
        inner = b - a**2
        g = np.zeros_like(X)
        g[:, :-1] += -400.0 * a * inner - 2.0 * (1.0 - a)
        g[:, 1:] += 200.0 * inner
        return g

    def value_and_grad(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # the same expressions as f and grad, sharing b - a^2 and 1 - a
        if self.dim == 2:  # one term: whole columns, no sums or slices of width 1
            a, b = X[:, 0], X[:, 1]
            inner = b - a**2
            one_minus_a = 1.0 - a
            g = np.empty_like(X)
            # the same operations as grad, written straight into g's columns
            np.multiply(-400.0 * a, inner, out=g[:, 0])
            g[:, 0] -= 2.0 * one_minus_a
            np.multiply(200.0, inner, out=g[:, 1])
            return 100.0 * inner**2 + one_minus_a**2, g
        a, b = X[:, :-1], X[:, 1:]
        inner = b - a**2
        one_minus_a = 1.0 - a
        f = np.sum(100.0 * inner**2 + one_minus_a**2, axis=1)
        g = np.zeros_like(X)
        g[:, :-1] += -400.0 * a * inner - 2.0 * one_minus_a
        g[:, 1:] += 200.0 * inner
        return f, g

    def start(self) -> np.ndarray:
        # More-Garbow-Hillstrom's standard start (-1.2, 1, -1.2, 1, ...)
        return np.resize(np.array([-1.2, 1.0]), self.dim)

    def window(self) -> tuple[tuple[float, float], ...]:
        return self.default_window + ((-2.0, 2.0),) * (self.dim - 2)

    def minima(self) -> tuple[Minimum, ...]:
        # For 4 <= d <= 7 there is also a local minimum near (-1, 1, ..., 1); only
        # the global one is listed, as distances are reported to global minima.
        return (Minimum((1.0,) * self.dim, 0.0),)
