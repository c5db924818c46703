"""Finite-sum linear least squares with real mini-batch gradients."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from optcompare import noise
from optcompare.errors import SpecError
from optcompare.params import Param
from optcompare.problem import Minimum, Problem, register_problem

# the data set and its exact least-squares solution are built when the spec is read,
# in O(n dim^2): these bounds keep that under a second
_DIM = Param("dim", 2, "number of weights (features)", kind="int", low=2, high=100, per_run=False)
_N = Param(
    "n", 100, "number of samples in the data set", kind="int", low=2, high=1e6, per_run=False
)
#: The most data values (n x dim) a data set may hold.
MAX_DATA = 1_000_000
_BATCH = Param(
    "batch",
    None,
    "mini-batch size, 1..n (default n: the full batch; 1 for sag, svrg, s2gd, sarah)",
    kind="int",
    low=1,
    per_run=False,
)
_CORR = Param(
    "corr",
    0.8,
    "correlation between any two features",
    low=0.0,
    high=1.0,
    high_open=True,
    per_run=False,
)
_DATA_SEED = Param(
    "data_seed", 0, "seed of the synthetic data set", kind="int", low=0, per_run=False
)

_W_TRUE = np.array([2.0, -3.4])  # d2l's "linear regression from scratch" weights
_LABEL_NOISE = 0.5


@register_problem
class LeastSquares(Problem):
    """Linear regression on a synthetic data set, optimised by mini-batch SGD.

    The features a_j ~ N(0, S) are equicorrelated (S = (1 - corr) I + corr 1 1^T), so
    the Hessian A^T A / n ~ S has a flat valley along (1, -1) with condition number
    about (1 + (d - 1) corr) / (1 - corr), 9 in 2-D.  Labels are
    b_j = a_j . w_true + 0.5 eps_j with w_true = (2, -3.4, 2, -3.4, ...).  The data
    set depends only on ``data_seed``.

    Each step, every run draws ``batch`` distinct samples from its own random
    stream (sampling without replacement within a step, independently across
    steps), so the mini-batch gradient is an unbiased estimate of ``grad``.
    """

    name = "least-squares"
    description = "linear regression with mini-batch gradients"
    formula = (
        "f(w) = 1/(2n) sum_j (a_j . w - b_j)^2;  "
        "observed: the same mean over a random mini-batch of `batch` samples"
    )
    reference = "synthetic data as in Zhang, Lipton, Li & Smola, Dive into Deep Learning, sec. 3.4"
    params = (_DIM, _N, _BATCH, _CORR, _DATA_SEED)

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.n = int(settings.get("n", _N.default))
        batch = settings.get("batch", _BATCH.default)
        self.batch = self.n if batch is None else int(batch)
        self.corr = float(settings.get("corr", _CORR.default))
        self.data_seed = int(settings.get("data_seed", _DATA_SEED.default))
        owner = f"problem {self.name}"
        if self.n < self.dim:
            raise SpecError(
                f"{owner}: n={self.n} is not allowed; n must be a whole number "
                f">= dim ({self.dim}), so the minimum is unique"
            )
        if self.n * self.dim > MAX_DATA:
            raise SpecError(
                f"{owner}: n={self.n} with dim={self.dim} is not allowed; n x dim must be "
                f"at most {MAX_DATA:,} data values (the data set is built when the spec is read)"
            )
        if not 1 <= self.batch <= self.n:
            raise SpecError(
                f"{owner}: batch={self.batch} is not allowed; batch must be a "
                f"whole number in [1, {self.n}] (at most n)"
            )
        self.stochastic = self.batch < self.n
        #: samples per stochastic gradient of the variance-reduced methods (sag, svrg, ...):
        #: the batch key when given, else 1, the single-sample gradients of their papers
        self.component_batch = 1 if batch is None else self.batch

        rng = np.random.default_rng(self.data_seed)
        S = (1.0 - self.corr) * np.eye(self.dim) + self.corr
        self.A = rng.standard_normal((self.n, self.dim)) @ np.linalg.cholesky(S).T
        w_true = np.resize(_W_TRUE, self.dim)
        self.b = self.A @ w_true + _LABEL_NOISE * rng.standard_normal(self.n)
        self.w_star = np.linalg.lstsq(self.A, self.b, rcond=None)[0]

    # einsum rather than matrix products: BLAS may round a product differently for
    # different batch shapes, and a run's values should not depend on its batch
    def f(self, X: np.ndarray) -> np.ndarray:
        # C order: each run's residuals contiguous, so the mean sums them in the same
        # (pairwise) order whatever the batch; the engine keeps X coordinate-major
        r = np.einsum("nd,rd->rn", self.A, X, order="C") - self.b
        return 0.5 * np.mean(r**2, axis=1)

    def grad(self, X: np.ndarray) -> np.ndarray:
        r = np.einsum("nd,rd->rn", self.A, X) - self.b
        return np.einsum("rn,nd->rd", r, self.A) / self.n

    def observe(self, X: np.ndarray, seeds: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        if self.batch == self.n:
            return super().observe(X, seeds, step)
        # the `batch` smallest of n uniforms are a uniformly random subset of that size
        u = noise.uniform(seeds, step, self.n, stream=3)
        idx = np.argpartition(u, self.batch - 1, axis=1)[:, : self.batch]  # (runs, batch)
        loss, g = self._components(X, idx)
        if self.noise > 0:
            g = g + self.noise * noise.normal(seeds, step, self.dim, stream=1)
        return loss, g

    def _components(self, X: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean loss and gradient of the samples ``idx`` ((runs, k)) at each row of X."""
        A, b = self.A[idx], self.b[idx]  # (runs, k, dim), (runs, k)
        r = np.einsum("rbd,rd->rb", A, X) - b
        return 0.5 * np.mean(r**2, axis=1), np.einsum("rb,rbd->rd", r, A) / idx.shape[1]

    def component_grad(self, X: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """(1/k) sum_i (a_i . x - b_i) a_i over the samples idx ((runs, k)): the finite-sum
        oracle of the variance-reduced methods (:mod:`optcompare.engine.oracle`)."""
        return self._components(X, idx)[1]

    @functools.cached_property
    def l_max(self) -> float:
        """The largest smoothness constant of one component: max_i |a_i|^2, the largest
        eigenvalue of a_i a_i^T (step sizes of the variance-reduced methods scale by it)."""
        return float(np.max(np.einsum("nd,nd->n", self.A, self.A)))

    @functools.cached_property
    def mu(self) -> float:
        """The strong-convexity constant: the smallest eigenvalue of A^T A / n."""
        return float(np.linalg.eigvalsh(self.A.T @ self.A / self.n)[0])

    def passes_per_step(self) -> float:
        return self.batch / self.n

    def evaluation_cost(self) -> int:
        # the recorded loss is the full data set's, whatever the mini-batch
        return self.n * self.dim

    def start(self) -> np.ndarray:
        # off the minimum in both the steep (1, 1) and the flat (1, -1) direction
        return np.full(self.dim, -2.0)

    def window(self) -> tuple[tuple[float, float], ...]:
        return tuple((min(-5.0, w - 1.0), max(5.0, w + 1.0)) for w in self.w_star)

    def minima(self) -> tuple[Minimum, ...]:
        f_star = float(self.f(self.w_star[None, :])[0])
        return (Minimum(tuple(float(w) for w in self.w_star), f_star),)
