"""Convex quadratics: the sphere, the rotated ravine, and the noisy quadratic model."""

from __future__ import annotations

from typing import Any

import numpy as np

from optcompare import noise
from optcompare.budget import MAX_DIM
from optcompare.params import Param
from optcompare.problem import Minimum, Problem, register_problem

_DIM = Param("dim", 2, "number of coordinates", kind="int", low=2, high=MAX_DIM, per_run=False)
_KAPPA = Param(
    "kappa", 10.0, "condition number: largest / smallest curvature", low=1.0, per_run=False
)
_ANGLE = Param("angle", 0.0, "rotation of the ravine's axes, in degrees", per_run=False)
_BATCH = Param(
    "batch",
    1,
    "batch size: the gradient noise covariance is H / batch",
    kind="int",
    low=1,
    per_run=False,
)


@register_problem
class Sphere(Problem):
    name = "sphere"
    description = "round bowl; minimum at 0, the easy baseline"
    formula = "f(x) = sum_i x_i^2"
    reference = "De Jong (1975), PhD thesis, function F1; domain from the SFU library"
    params = (_DIM,)
    default_window = ((-2.0, 2.0), (-2.0, 2.0))

    def f(self, X: np.ndarray) -> np.ndarray:
        return np.sum(X**2, axis=1)

    def grad(self, X: np.ndarray) -> np.ndarray:
        return 2.0 * X

    def start(self) -> np.ndarray:
        # no canonical start; off both axes and the diagonals so every coordinate moves
        return np.resize(np.array([-1.5, 1.0]), self.dim)

    def window(self) -> tuple[tuple[float, float], ...]:
        return ((-2.0, 2.0),) * self.dim

    def minima(self) -> tuple[Minimum, ...]:
        return (Minimum((0.0,) * self.dim, 0.0),)


@register_problem
class Quadratic(Problem):
    """An ill-conditioned ravine, optionally rotated.

    With (u, v) the coordinates turned by ``angle``, f = 1/2 (u^2 + kappa v^2): the
    curvature is 1 along u and kappa along v.  At angle 0 this is d2l's ravine up to
    scale; at 45 degrees the axes of the ellipses lie on the diagonals, which
    defeats the per-coordinate scaling of AdaGrad, RMSProp, Adam and Rprop.
    """

    name = "quadratic"
    description = "ravine 1/2 (u^2 + kappa v^2), turned by angle"
    formula = (
        "f(x, y) = 1/2 (u^2 + kappa v^2),  u = cos(a) x + sin(a) y,  "
        "v = -sin(a) x + cos(a) y,  a = angle in degrees"
    )
    reference = "Zhang, Lipton, Li & Smola, Dive into Deep Learning, sec. 12.6 (momentum)"
    params = (_KAPPA, _ANGLE)

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.kappa = float(settings.get("kappa", _KAPPA.default))
        self.angle = float(settings.get("angle", _ANGLE.default))
        a = np.deg2rad(self.angle)
        # rows of R are the u and v axes: (u, v) = R (x, y)
        self._R = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
        self._H = self._R.T @ np.diag([1.0, self.kappa]) @ self._R

    # written out rather than as matrix products, so a run's values do not depend on
    # how many runs share the batch (BLAS may round a product differently per shape)
    def f(self, X: np.ndarray) -> np.ndarray:
        (c, s), x, y = self._R[0], X[:, 0], X[:, 1]
        u, v = c * x + s * y, -s * x + c * y
        return 0.5 * (u**2 + self.kappa * v**2)

    def grad(self, X: np.ndarray) -> np.ndarray:
        return X[:, :1] * self._H[0] + X[:, 1:] * self._H[1]  # H is symmetric

    def start(self) -> np.ndarray:
        # d2l's train_2d start (-5, -2), given in (u, v): the picture turns with the angle,
        # so plain GD draws the same path at every angle while Adam's path changes
        return np.array([-5.0, -2.0]) @ self._R

    def window(self) -> tuple[tuple[float, float], ...]:
        # the box [-6, 6] x [-3, 3] in (u, v), enclosed by an axis-aligned box
        c, s = abs(float(self._R[0, 0])), abs(float(self._R[0, 1]))
        wx, wy = 6.0 * c + 3.0 * s, 6.0 * s + 3.0 * c
        return ((-wx, wx), (-wy, wy))

    def minima(self) -> tuple[Minimum, ...]:
        return (Minimum((0.0, 0.0), 0.0),)


@register_problem
class NoisyQuadratic(Problem):
    """The noisy quadratic model (NQM) of Zhang et al. (2019).

    A diagonal quadratic whose gradient noise has covariance H / batch, as if each
    example's gradient covariance were the Hessian (the Fisher ~ Hessian heuristic).
    The paper uses h_i = 1/i with d = 10^4 coordinates; here the curvatures are
    log-spaced from 1 down to 1/kappa, which in 2-D gives h = (1, 1/kappa).
    ``f`` and ``grad`` are the noise-free loss and gradient; ``observe`` adds the noise.
    """

    name = "noisy-quadratic"
    description = "quadratic with gradient noise ~ N(0, H / batch)"
    formula = (
        "f(x) = 1/2 sum_i h_i x_i^2,  h_i = kappa^(-(i-1)/(d-1));  "
        "observed g_i = h_i x_i + sqrt(h_i / batch) xi_i,  xi ~ N(0, 1)"
    )
    reference = (
        "Zhang, Li, Nado, Martens, Sachdeva, Dahl, Shallue & Grosse (2019), "
        "Which algorithmic choices matter at which batch sizes? NeurIPS"
    )
    params = (_DIM, _KAPPA, _BATCH)
    stochastic = True

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.kappa = float(settings.get("kappa", _KAPPA.default))
        self.batch = int(settings.get("batch", _BATCH.default))
        self.h = self.kappa ** (-np.arange(self.dim) / (self.dim - 1))

    def f(self, X: np.ndarray) -> np.ndarray:
        return 0.5 * np.sum(self.h * X**2, axis=1)

    def grad(self, X: np.ndarray) -> np.ndarray:
        return self.h * X

    def observe(self, X: np.ndarray, seeds: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        loss, g = super().observe(X, seeds, step)
        xi = noise.normal(seeds, step, self.dim, stream=2)
        return loss, g + np.sqrt(self.h / self.batch) * xi

    def start(self) -> np.ndarray:
        # init2winit starts the NQM at ones; 3 x ones puts the start well outside the
        # noise ball of SGD (E f ~ lr tr(H) / (4 batch)), so the noise floor shows
        return np.full(self.dim, 3.0)

    def window(self) -> tuple[tuple[float, float], ...]:
        return ((-4.0, 4.0),) * self.dim

    def minima(self) -> tuple[Minimum, ...]:
        return (Minimum((0.0,) * self.dim, 0.0),)
