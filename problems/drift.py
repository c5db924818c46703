"""A drifting target: an online objective whose minimum moves every step."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from optcompare.budget import MAX_DIM
from optcompare.params import Param
from optcompare.problem import NOISE, Problem, register_problem

_DIM = Param("dim", 2, "number of coordinates", kind="int", low=1, high=MAX_DIM, per_run=False)
_PERIOD = Param(
    "period", 1000, "steps per cycle of the target", kind="int", low=2, high=1e9, per_run=False
)
_AMPLITUDE = Param(
    "amplitude", 1.0, "how far the target swings from 0 in each coordinate", low=0.0, per_run=False
)
# the effect this problem shows (Adagrad falling behind) needs noise: a default of 1
_NOISE = Param(
    "noise",
    1.0,
    NOISE.help + " (default 1: without noise Adagrad keeps tracking)",
    low=0.0,
    per_run=False,
)


@register_problem
class Drift(Problem):
    """The online objective f_t(x) = (1/2)|x - c_t|^2, whose target moves every step.

    c_t = A sin(2 pi t / P) in every coordinate (A = ``amplitude`` = 1, P = ``period`` =
    1000 steps), and each gradient the optimizer sees carries N(0, ``noise``^2) noise
    per coordinate (default 1, as in the reference measurement: without noise the
    effect below disappears).

    What is recorded: loss[t] = f_t(x_t) = (1/2)|x_t - c_t|^2, where c_t is the target
    that step t's gradient saw: step t moves x_{t-1} to x_t with the gradient of f_t at
    x_{t-1} (plus noise), and then x_t is scored against that same target.  loss[0] =
    f_0(x_0), c_0 = 0.  The recorded gradient norm at step t is |x_t - c_t| (noise-free).
    ``f`` and ``grad`` (contours, ``explain``) are f_0's, the target's centre.

    The tracking error (summary.json, per run) is the mean of |x_t - c_t|^2 / D over the
    last P steps (over all steps 1..T when T < P).  With noise, Adagrad's sum of squared
    gradients grows linearly in t, its step shrinks like 1/sqrt(t) and it falls further
    behind the target every period, while RMSProp's forgetting average keeps its step and
    its error; constant-lr SGD tracks as well as RMSProp (reference measurement: 200
    runs, 20,000 steps, P = 2,000, noise 1, each method at its best lr).

    The start is 0 = c_0, on the target: what follows is tracking, not a first descent.
    There is no minimum to reach (f* unknown: no distance to a minimum, no steps to a
    tolerance), and ``basins`` refuses it: where a run ends depends on when it stops.
    """

    name = "drift"
    description = "online target c_t = A sin(2 pi t/P) with noisy gradients"
    formula = (
        "f_t(x) = 1/2 |x - c_t|^2,  c_t = A sin(2 pi t / P) in every coordinate  "
        "(A = amplitude = 1, P = period = 1000);  observed: grad f_t(x_{t-1}) + N(0, noise^2)"
    )
    reference = (
        "a non-stationary online problem; Kingma & Ba (2015), Adam, sec. 1: RMSProp "
        '"works well in on-line and non-stationary settings"'
    )
    params = (_DIM, _PERIOD, _AMPLITUDE)
    # the gradient it hands the optimizer belongs to the step's own target: observe()
    stochastic = True
    minima_note = "none: the target moves every step"

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.period = int(settings.get("period", _PERIOD.default))
        self.amplitude = float(settings.get("amplitude", _AMPLITUDE.default))
        self.noise = float(settings.get("noise", _NOISE.default))

    @classmethod
    def all_params(cls) -> tuple[Param, ...]:
        return (*cls.params, _NOISE)

    def target(self, step: int) -> float:
        """c_t, the same in every coordinate."""
        return self.amplitude * math.sin(2.0 * math.pi * step / self.period)

    def _at(self, X: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        d = X - self.target(step)
        return 0.5 * np.sum(d * d, axis=1), d

    def f(self, X: np.ndarray) -> np.ndarray:
        return self._at(X, 0)[0]

    def grad(self, X: np.ndarray) -> np.ndarray:
        return self._at(X, 0)[1]

    def value_and_grad(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._at(X, 0)

    def value_and_grad_at(self, X: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        return self._at(X, step)

    def observe(self, X: np.ndarray, seeds: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        # step t's gradient is taken at x_{t-1} against the new target c_t
        loss, g = self._at(X, step)
        return loss, self.add_noise(g, seeds, step)

    def start(self) -> np.ndarray:
        return np.zeros(self.dim)

    def window(self) -> tuple[tuple[float, float], ...]:
        reach = 1.5 * max(self.amplitude, 1.0)
        return ((-reach, reach),) * self.dim

    def tracking_error(self, loss: np.ndarray, first: int, last: int) -> np.ndarray:
        """Mean of |x_t - c_t|^2 / D = 2 loss[t] / D over steps first..last (inclusive),
        along the first axis of ``loss`` ((steps+1,) or (steps+1, runs))."""
        if not 0 <= first <= last < len(loss):
            raise ValueError(f"steps {first}..{last} are not within 0..{len(loss) - 1}")
        return np.mean(2.0 * loss[first : last + 1] / self.dim, axis=0)

    def summary_numbers(self, x: np.ndarray, loss: np.ndarray) -> dict[str, float]:
        """``tracking_error`` over the last ``period`` steps (all steps 1..T when T is
        shorter; NaN for a run of 0 steps or one that diverged)."""
        steps = len(loss) - 1
        if steps < 1:
            return {"tracking_error": math.nan}
        first = max(1, steps - self.period + 1)
        return {"tracking_error": float(self.tracking_error(loss, first, steps))}
