"""A problem multiplied by a constant, for the gradient-scale lesson."""

from __future__ import annotations

import numpy as np

from optcompare.problem import Minimum, Problem

__all__ = ["Scaled"]


class Scaled(Problem):
    """``scale`` times another problem: the same minima, every gradient multiplied by scale.

    A lesson-local wrapper, not registered: the catalog's problems stay as they are.
    """

    name = "scaled"
    description = "a problem multiplied by a constant"
    formula = "f_scaled(x) = scale * f(x)"

    def __init__(self, base: Problem, scale: float) -> None:
        super().__init__()
        self.base, self.scale = base, float(scale)
        self.dim = base.dim
        # the base's noise reaches the optimizer only through observe, so it is asked
        self.stochastic = base.stochastic or base.noise > 0

    @property
    def spec(self) -> str:
        return f"{self.scale:g} * {self.base.spec}"

    def f(self, X: np.ndarray) -> np.ndarray:
        return self.scale * self.base.f(X)

    def grad(self, X: np.ndarray) -> np.ndarray:
        return self.scale * self.base.grad(X)

    def observe(self, X: np.ndarray, seeds: np.ndarray, step: int):
        loss, g = self.base.observe(X, seeds, step)
        return self.scale * loss, self.scale * g

    def start(self) -> np.ndarray:
        return self.base.start()

    def window(self) -> tuple[tuple[float, float], ...]:
        return self.base.window()

    def minima(self) -> tuple[Minimum, ...]:
        return tuple(Minimum(m.x, self.scale * m.f, m.kind) for m in self.base.minima())

    def bounds(self):
        return self.base.bounds()
