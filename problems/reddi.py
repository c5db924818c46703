"""Reddi, Kale & Kumar's online counterexample, on which Adam converges to the worst point."""

from __future__ import annotations

from typing import Any

import numpy as np

from optcompare import noise
from optcompare.errors import SpecError
from optcompare.params import Param
from optcompare.problem import Minimum, Problem, register_problem

_PERIOD = Param(
    "period",
    101,
    "the large gradient comes once every `period` steps",
    kind="int",
    low=2,
    per_run=False,
)
_CONSTANT = Param(
    "constant", 1010.0, "the large gradient C (f_t = C x)", low=0.0, low_open=True, per_run=False
)
_SMALL = Param(
    "small",
    10.0,
    "the small gradient s of the other steps (f_t = -s x)",
    low=0.0,
    low_open=True,
    per_run=False,
)
_STOCHASTIC = Param(
    "stochastic",
    False,
    "draw C x with probability 1/(period-1) instead of on a fixed schedule",
    kind="bool",
    per_run=False,
)

#: The random stream of the stochastic variant (other problems use 1 to 3).
STREAM = 5


@register_problem
class Reddi(Problem):
    """The online problem of Reddi, Kale & Kumar (2018), Section 5, on F = [-1, 1].

    At step t (1-based, the paper's t) the optimizer sees the gradient of

        f_t(x) = C x     when t mod period = 1
                 -s x    otherwise

    with C = ``constant`` = 1010, s = ``small`` = 10, period = 101 as in the paper.
    Over one period the f_t add up to (C - (period - 1) s) x = 10 x, so x = -1 is the
    best fixed point, and x = +1 the worst.  The iterates are kept in F by the
    engine, which clips them to :meth:`bounds` after every step: for a 1-D box this
    is the paper's projection.

    ``f`` and ``grad`` (the recorded, noise-free loss) are the average objective
    a x with a = (C - (period - 1) s) / period = 10/101: its minimum on F is
    f* = -a at x = -1, a boundary point where the gradient is not zero.

    With ``stochastic=true`` each step is drawn independently from the run's own
    random stream: f_t = C x with probability p = 1/(period - 1), -s x otherwise.
    The paper's stochastic experiment uses "probability 0.01" with C = 1010 and
    s = 10; p = 1/(period - 1) gives exactly 0.01 at the default period (p = 1/period
    would match the online schedule's frequency instead, but not the paper).  Its
    expected gradient is then a = p C - (1 - p) s = 0.2, not 10/101, and ``f`` is the
    expected objective a x.

    The start is x = 0, the middle of F, as in labml.ai's reproduction
    (``labml_nn/optimizers/amsgrad.py``), so where a run ends is not an artefact of
    where it began.  (The paper's proof of Theorem 1 starts at x_1 = 1 without loss of
    generality; ``--start 1`` gives that.)

    The paper's Adam has no bias correction and no eps; optcompare's is PyTorch's,
    with both.  The qualitative result (Adam to +1, AMSGrad to -1 at beta1 = 0.9,
    beta2 = 0.99) survives, as labml.ai also reports.
    """

    name = "reddi"
    description = "online 1-D problem where Adam ends at the worst point"
    formula = (
        "f_t(x) = C x if t mod period = 1, else -s x,  x in [-1, 1]  "
        "(C = constant = 1010, s = small = 10, period = 101);  "
        "recorded loss: the average (C - (period - 1) s) / period * x"
    )
    reference = (
        "Reddi, Kale & Kumar (2018), On the Convergence of Adam and Beyond, ICLR, "
        "Section 5 (synthetic experiments)"
    )
    params = (_PERIOD, _CONSTANT, _SMALL, _STOCHASTIC)
    dim = 1
    # the gradient changes with the step even without noise: observe() every step
    stochastic = True
    #: the optimizer's gradient at step t belongs to f_t, not to the average objective
    online = True

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.period = int(settings.get("period", _PERIOD.default))
        self.constant = float(settings.get("constant", _CONSTANT.default))
        self.small = float(settings.get("small", _SMALL.default))
        self.random = bool(settings.get("stochastic", _STOCHASTIC.default))
        if self.random:
            self.p = 1.0 / (self.period - 1)
            self.slope = self.p * self.constant - (1.0 - self.p) * self.small
        else:
            self.p = 1.0 / self.period
            self.slope = (self.constant - (self.period - 1) * self.small) / self.period
        if not self.slope > 0:
            need = "(period - 2) * small" if self.random else "(period - 1) * small"
            raise SpecError(
                f"problem {self.name}: constant={self.constant:g} is not allowed "
                f"with period={self.period} and small={self.small:g}; constant "
                f"must exceed {need}, so that x = -1 is the best point"
            )

    def f(self, X: np.ndarray) -> np.ndarray:
        return self.slope * X[:, 0]

    def grad(self, X: np.ndarray) -> np.ndarray:
        return np.full_like(X, self.slope, dtype=float)

    def slopes(self, seeds: np.ndarray, step: int) -> np.ndarray:
        """The gradient of f_t at step ``step`` (1-based) for each run, shape (runs,)."""
        seeds = np.asarray(seeds, dtype=np.int64)
        if self.random:
            large = noise.uniform(seeds, step, 1, stream=STREAM)[:, 0] < self.p
        else:
            large = np.full(len(seeds), step % self.period == 1)
        return np.where(large, self.constant, -self.small)

    def slope_table(self, seeds: np.ndarray, steps: int) -> np.ndarray:
        """Every step's gradient g_t for t = 1..steps, shape (steps, runs): f_t(x) = g_t x."""
        return (
            np.stack([self.slopes(seeds, t) for t in range(1, steps + 1)])
            if steps
            else np.empty((0, len(seeds)))
        )

    def observe(self, X: np.ndarray, seeds: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        g = self.slopes(seeds, step)[:, None] * np.ones_like(X)
        if self.noise > 0:
            g = g + self.noise * noise.normal(seeds, step, self.dim, stream=1)
        return g[:, 0] * X[:, 0], g

    def regret(self, x: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        """Average regret R_t / t for t = 1..T of iterates ``x``, shape (T+1, runs).

        R_T = sum_{t<=T} f_t(x_t) - min_{x in [-1, 1]} sum_{t<=T} f_t(x), where
        x_t = x[t-1] is the point played before f_t is revealed; with f_t(x) = g_t x the
        minimum is -|sum g_t|.  ``seeds`` are the runs' seeds (they matter only for the
        stochastic variant).
        """
        T = x.shape[0] - 1
        g = self.slope_table(seeds, T)  # (T, runs)
        played = np.cumsum(g * x[:-1], axis=0)
        best = -np.abs(np.cumsum(g, axis=0))
        return (played - best) / np.arange(1, T + 1)[:, None]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array([-1.0]), np.array([1.0])

    def start(self) -> np.ndarray:
        return np.array([0.0])

    def window(self) -> tuple[tuple[float, float], ...]:
        return ((-1.1, 1.1),)

    def minima(self) -> tuple[Minimum, ...]:
        return (Minimum((-1.0,), -self.slope),)
