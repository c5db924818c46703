"""The RNN cliff: a one-unit recurrent net whose loss surface has a steep wall."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from optcompare.params import Param
from optcompare.problem import Problem, register_problem

_T = Param("T", 50, "time steps of the recurrence", kind="int", low=1, high=1000, per_run=False)
_X0 = Param("x0", 0.5, "the initial state x_0", low=-10.0, high=10.0, per_run=False)
_TARGET = Param("target", 0.7, "the value x_T should reach", low=-10.0, high=10.0, per_run=False)

#: Plain SGD at this lr from the default start lands on the wall (see the docstring).
WALL_LR = 0.03


@register_problem
class RnnCliff(Problem):
    """A scalar recurrent net x_t = w tanh(x_{t-1}) + b, trained so that x_T hits a target.

    Parameters (w, b); x_0 = ``x0`` = 0.5, T = ``T`` = 50, loss (1/2)(x_T - ``target``)^2
    with target 0.7.  The gradient is exact, by backpropagation through time:
    delta_T = x_T - target, and for t = T, ..., 1 with h_t = tanh(x_{t-1}),
    dL/dw += delta_t h_t, dL/db += delta_t, delta_{t-1} = delta_t w (1 - h_t^2).

    The landscape (at the defaults).  For w > 1 the map x -> w tanh(x) + b has two
    stable fixed points and an unstable one u between them; x_0 = 0.5 runs to the upper
    one when u < 0.5 and to the lower one when u > 0.5.  The curve u = 0.5, that is
    b = 0.5 - w tanh(0.5), is a cliff: across it x_T switches branch, so the loss jumps
    (from about 0.2 above to about 5 below at w = 2) within a band that narrows like
    (w (1 - tanh(0.5)^2))^-T, and there the gradient is huge.  On the window's 801 x 401
    grid it peaks at 7.3e3 near (w, b) = (1.34, -0.12), while 99.9% of the grid points
    have |grad| below 7.1 (tests/test_rnn_cliff.py computes both).  Zero loss is reached
    on a curve, not at a point: near the line b = 0.7 - w tanh(0.7), where 0.7 is the upper
    fixed point (on it for w up to about 1, where 50 steps have converged), up to w = 1.41,
    then inside the cliff's band, where x_T passes through 0.7 between branches (and on
    further curves outside the window).  So f* = 0 (``known_f_star``) with no minimum
    point, and no distance to a minimum.

    The start (1.8, -0.4) lies below the cliff, on the lower branch's plateau (loss 4.1),
    and the descent leads up to the cliff.  Plain SGD at lr = 0.03 (:data:`WALL_LR`)
    lands on the cliff's band at step 10, where |grad| is about 1.3e4, and its next step
    throws it about 385 units away; ``--clip-norm 1`` bounds every step by lr.  The band
    is thin, so which lrs land on it is a matter of luck: from this start most lrs step
    over the cliff without touching it (the tests pin down the one above, and that it
    survives moving the start by 1e-4).  The window w in [-1, 3], b in [-1, 1] holds the
    start, the cliff and the zero-loss line.

    In the spirit of Pascanu, Mikolov & Bengio (2013), who describe exploding gradients
    as a valley with a single steep wall, and tame them by clipping the gradient's norm;
    not their figure's exact parameters.
    """

    name = "rnn-cliff"
    description = "1-unit RNN over 50 steps: a loss cliff (exploding grad)"
    formula = (
        "x_t = w tanh(x_{t-1}) + b for t = 1..T, x_0 = x0;  "
        "f(w, b) = (1/2) (x_T - target)^2  (T = 50, x0 = 0.5, target = 0.7)"
    )
    reference = (
        "in the spirit of Pascanu, Mikolov & Bengio (2013), On the difficulty of training "
        "recurrent neural networks, ICML, Section 3 (the cliff) and 3.2 (clipping)"
    )
    params = (_T, _X0, _TARGET)
    default_start = (1.8, -0.4)
    default_window = ((-1.0, 3.0), (-1.0, 1.0))
    known_f_star = 0.0
    coordinate_names = ("w", "b")
    minima_note = "f* = 0 on a curve of (w, b), no isolated minimum"

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.T = int(settings.get("T", _T.default))
        self.x0 = float(settings.get("x0", _X0.default))
        self.target = float(settings.get("target", _TARGET.default))

    def _forward(self, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """x_T, and h_t = tanh(x_{t-1}) for t = 1..T (what the backward pass needs)."""
        x = np.full(w.shape, self.x0)
        hs = []
        for _ in range(self.T):
            h = np.tanh(x)
            hs.append(h)
            x = w * h + b
        return x, hs

    def f(self, X: np.ndarray) -> np.ndarray:
        x, _ = self._forward(X[:, 0], X[:, 1])
        d = x - self.target
        return 0.5 * d * d

    def grad(self, X: np.ndarray) -> np.ndarray:
        return self.value_and_grad(X)[1]

    def value_and_grad(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w, b = X[:, 0], X[:, 1]
        x, hs = self._forward(w, b)
        delta = x - self.target
        loss = 0.5 * delta * delta
        gw = np.zeros_like(delta)
        gb = np.zeros_like(delta)
        for h in reversed(hs):
            gw += delta * h
            gb += delta
            delta = delta * w * (1.0 - h * h)
        return loss, np.stack([gw, gb]).T

    def evaluation_cost(self) -> int:
        # a forward and a backward pass over T steps, each touching w and b
        return 2 * self.T * self.dim


def wall(w: np.ndarray | float, x0: float = _X0.default) -> np.ndarray | float:
    """The cliff b(w) = x0 - w tanh(x0): where x0 is the map's unstable fixed point."""
    return x0 - np.asarray(w) * math.tanh(x0)
