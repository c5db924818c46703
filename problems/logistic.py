"""Logistic and softmax regression on the shipped data sets, with exact batched gradients.

Both are one model: K classes, the last one the reference (its weights and
intercept fixed at zero), so the m = K - 1 other classes have free weights
W (m, p) and intercepts b (m,), flattened class-major: W[0, :], ..., W[m-1, :],
then b.  With K = 2 that is binary logistic regression with y = +1 for class 0
(malignant in breast cancer) and weights then the intercept last.

    F(W, b) = (1/n) sum_i [ log(1 + sum_k exp(z_ik)) - z_i,y_i ] + (L/2) |W|^2,
    z_ik = a_i . W[k] + b_k  (z of the reference class is 0),

the mean over the n training rows; the intercepts are not penalised.  Gradients
are batched over runs with einsum, not BLAS products, so a run's values do not
depend on how many runs share its batch (see least_squares.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from optcompare import noise as _noise
from optcompare.data import uci
from optcompare.data.shapes import DEFAULT_N, DEFAULT_NOISE, SHAPES, make_shape
from optcompare.data.split import split
from optcompare.errors import SpecError
from optcompare.params import Param
from optcompare.problem import Minimum, Problem, register_problem

from . import logistic_solve as solve

_REFERENCE = (
    "logistic and multinomial regression, e.g. Hastie, Tibshirani & Friedman, "
    "The Elements of Statistical Learning, sec. 4.4; data: UCI (optcompare/data/NOTICE.md)"
)


class _Classifier(Problem):
    """What logistic and softmax regression share: data, split, scaling, model, f*."""

    #: (n, data_noise) of a synthetic shape; None for a real data set
    shape_settings: tuple[int, float] | None = None

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        owner = f"problem {self.name}"
        self.data = str(settings.get("data", self.params[0].default))
        self.scale = str(settings.get("scale", solve.SCALE.default))
        self.l2 = float(settings.get("l2", solve.L2.default))
        self.test = float(settings.get("test", solve.TEST.default))
        self.data_seed = int(settings.get("data_seed", solve.DATA_SEED.default))
        features, labels, self.label_values = self._dataset(settings, owner)
        self.features = features
        try:
            train, held = split(labels, self.test, self.data_seed)
        except ValueError as e:
            raise SpecError(f"{owner}: {e}") from None
        self.train_idx, self.test_idx = train, held
        if self.scale == "standard":
            mean = features[train].mean(axis=0)
            std = features[train].std(axis=0)  # population std (ddof=0)
            self.shift, self.spread = mean, np.where(std > 0, std, 1.0)
        else:
            self.shift, self.spread = np.zeros(features.shape[1]), np.ones(features.shape[1])
        scaled = (features - self.shift) / self.spread
        self.A, self.t = np.ascontiguousarray(scaled[train]), labels[train]
        self.A_test, self.t_test = np.ascontiguousarray(scaled[held]), labels[held]
        self.n, self.p = self.A.shape
        self.m = len(self.label_values) - 1  # free classes: the last is the reference
        self.dim = self.m * (self.p + 1)
        batch = settings.get("batch", solve.BATCH.default)
        self.batch = self.n if batch is None else int(batch)
        if not 1 <= self.batch <= self.n:
            raise SpecError(
                f"{owner}: batch={self.batch} is not allowed; batch must be a whole number "
                f"in [1, {self.n}] (at most the {self.n} training rows)"
            )
        self.stochastic = self.batch < self.n
        #: samples per stochastic gradient of the variance-reduced methods (sag, svrg, ...):
        #: the batch key when given, else 1, the single-sample gradients of their papers
        self.component_batch = 1 if batch is None else self.batch

    def _dataset(
        self, settings: dict[str, Any], owner: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Features (n, p), class index per row (the reference class last) and the label
        each class index stands for (what :meth:`predict` returns)."""
        if self.data in SHAPES:
            n = settings.get("n")
            noise = settings.get("data_noise")
            self.shape_settings = (
                DEFAULT_N if n is None else int(n),
                DEFAULT_NOISE if noise is None else float(noise),
            )
            points, labels = make_shape(self.data, *self.shape_settings, self.data_seed)
            # +1 is class 0 (y = +1, the positive class), -1 the reference
            return points, np.where(labels > 0, 0, 1), np.array([1.0, -1.0])
        for key in ("n", "data_noise"):
            if settings.get(key) is not None:
                raise SpecError(
                    f"{owner}: {key}={settings[key]} is not allowed with data={self.data}; "
                    f"{key} sets the synthetic shapes only ({', '.join(SHAPES)})"
                )
        self.shape_settings = None
        d = uci.load(self.data)
        return d.features, d.labels, np.arange(len(d.classes))

    def plane_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The points, their labels (+1, -1) and the held-out mask, for the synthetic
        shapes (the decision-region figure); None for the real data sets."""
        if self.shape_settings is None:
            return None
        held = np.zeros(len(self.features), dtype=bool)
        held[self.test_idx] = True
        labels = np.empty(len(self.features))
        labels[self.train_idx] = self.label_values[self.t]
        labels[self.test_idx] = self.label_values[self.t_test]
        return self.features, labels, held

    # -- the model ---------------------------------------------------------------------
    def _unpack(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # C order: each run's parameters contiguous, so einsum sums them in the same
        # order whatever the batch and whatever the layout the engine hands over
        P = np.ascontiguousarray(X, dtype=float)
        mp = self.m * self.p
        return P, P[:, :mp].reshape(len(P), self.m, self.p), P[:, mp:]

    def _logits(self, X: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The flat parameters (C order) and the logits (runs, m, k) at the rows A, which
        are (k, p), or (runs, k, p) for each run's own mini-batch."""
        P, W, b = self._unpack(X)
        spec = "rnd,rkd->rkn" if A.ndim == 3 else "nd,rkd->rkn"
        Z = np.einsum(spec, A, W, order="C")
        Z += b[:, :, None]
        return P, Z

    def _loss_grad(
        self, X: np.ndarray, A: np.ndarray, t: np.ndarray, grad: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """F and its gradient with the rows A (see :meth:`_logits`) and classes t."""
        P, Z = self._logits(X, A)
        return self._penalised(P, Z, A, t, grad)

    def _penalised(
        self, P: np.ndarray, Z: np.ndarray, A: np.ndarray, t: np.ndarray, grad: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        ell, dZ = solve.loss_and_slope(Z, t, self.m, slope=grad)
        mp = self.m * self.p
        W = P[:, :mp]
        F = np.mean(ell, axis=1) + 0.5 * self.l2 * np.einsum("rj,rj->r", W, W)
        if dZ is None:
            return F, None
        spec = "rkn,rnd->rkd" if A.ndim == 3 else "rkn,nd->rkd"
        G = np.empty_like(P)
        G[:, :mp] = np.einsum(spec, dZ, A).reshape(len(P), mp) / dZ.shape[2] + self.l2 * W
        G[:, mp:] = np.mean(dZ, axis=2)
        return F, G

    def f(self, X: np.ndarray) -> np.ndarray:
        return self._loss_grad(X, self.A, self.t, grad=False)[0]

    def grad(self, X: np.ndarray) -> np.ndarray:
        G = self._loss_grad(X, self.A, self.t)[1]
        assert G is not None
        return G

    def value_and_grad(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        F, G = self._loss_grad(X, self.A, self.t)
        assert G is not None
        return F, G

    def predict(self, X: np.ndarray, features: np.ndarray) -> np.ndarray:
        """(runs, k) label each row of X predicts at rows ``features`` (k, p) given
        unscaled, as in the data set (the class index; +1 or -1 for the shapes): the
        largest logit, a tie going to the reference (last) class, so the all-zero start
        predicts it everywhere."""
        A = (np.asarray(features, dtype=float) - self.shift) / self.spread
        return self.label_values[solve.predicted(self._logits(X, A)[1])]

    def metrics(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """``test_loss``: F with the test rows in place of the training rows (the same
        objective, penalty included, so loss and test_loss differ only in the data);
        ``test_accuracy``: the fraction of test rows whose predicted class is theirs.
        None when ``test=0``."""
        if len(self.test_idx) == 0:
            return {}
        P, Z = self._logits(X, self.A_test)
        loss, _ = self._penalised(P, Z, self.A_test, self.t_test, grad=False)
        right = solve.predicted(Z) == self.t_test
        return {"test_loss": loss, "test_accuracy": np.mean(right, axis=1)}

    # -- what the optimizer sees ---------------------------------------------------------
    def observe(self, X: np.ndarray, seeds: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        if self.batch == self.n:
            return super().observe(X, seeds, step)
        # the `batch` smallest of n uniforms are a uniformly random subset of that size
        u = _noise.uniform(seeds, step, self.n, stream=3)
        idx = np.argpartition(u, self.batch - 1, axis=1)[:, : self.batch]
        loss, g = self._loss_grad(X, self.A[idx], self.t[idx])
        assert g is not None
        return loss, self.add_noise(g, seeds, step)

    def component_grad(self, X: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """The mean gradient of the components idx ((runs, k)), each component being one
        row's loss plus the whole penalty: the variance-reduced methods' oracle."""
        G = self._loss_grad(X, self.A[idx], self.t[idx])[1]
        assert G is not None
        return G

    @property
    def l_max(self) -> float:
        """A smoothness constant of every component: c max_i (|a_i|^2 + 1) + L, with
        c = 1/4 for two classes and 1/2 for more (Bohning 1992: the log-sum-exp Hessian
        is at most (1/2)(I - 11^T/K)); the variance-reduced methods' step sizes use it."""
        c = 0.25 if self.m == 1 else 0.5
        return float(c * (np.max(np.einsum("nd,nd->n", self.A, self.A)) + 1.0) + self.l2)

    @property
    def mu(self) -> float:
        """The strong-convexity constant near the minimiser: the smallest eigenvalue of
        the Hessian there (0 when there is no minimiser)."""
        sol = self._solution()
        return 0.0 if sol is None else sol.mu

    def passes_per_step(self) -> float:
        return self.batch / self.n

    def evaluation_cost(self) -> int:
        # the recorded loss is the full training set's, whatever the mini-batch
        return self.n * self.dim

    # -- start, window, minimum ------------------------------------------------------------
    def start(self) -> np.ndarray:
        return np.zeros(self.dim)

    def _solution(self) -> solve.Solution | None:
        key = (
            self.name,
            self.data,
            self.shape_settings,
            self.scale,
            self.l2,
            self.test,
            self.data_seed,
        )
        return solve.newton(key, self.A, self.t, self.m, self.l2, self.f)

    def window(self) -> tuple[tuple[float, float], ...]:
        sol = self._solution()
        if sol is None:
            return ((-5.0, 5.0),) * self.dim
        return tuple((min(-5.0, w - 1.0), max(5.0, w + 1.0)) for w in sol.x.tolist())

    def minima(self) -> tuple[Minimum, ...]:
        sol = self._solution()
        return () if sol is None else (Minimum(tuple(sol.x.tolist()), sol.f),)


@register_problem
class Logistic(_Classifier):
    """Binary logistic regression on UCI breast cancer (y = +1 malignant, -1 benign), or
    on a synthetic shape in the plane (y = its label; ``n`` and ``data_noise`` as the
    mlp's, :mod:`optcompare.data.shapes`), whose decision regions are then drawn.

    Parameters: the weights in the data set's column order, then the intercept.
    f* and the minimiser come from Newton's method, computed once per setting; with
    ``l2=0`` on linearly separable training rows there is no minimiser (the weights
    grow for ever) and f* is reported as unknown.
    """

    name = "logistic"
    description = "logistic regression (breast cancer, or a 2-D shape)"
    formula = (
        "F(w, b) = (1/n) sum_i log(1 + exp(-y_i (a_i . w + b))) + (L/2) |w|^2, "
        "y = +1 malignant, -1 benign (a shape: its label); mini-batch of `batch` rows when "
        "given; test_loss: the same F on the held-out rows"
    )
    reference = _REFERENCE
    params = (
        Param(
            "data",
            "breast-cancer",
            "the data set: UCI breast cancer (shipped) or a synthetic shape in the plane",
            kind="choice",
            choices=("breast-cancer", *SHAPES),
            per_run=False,
        ),
        solve.SCALE,
        solve.L2,
        solve.BATCH,
        solve.TEST,
        solve.DATA_SEED,
        solve.N,
        solve.DATA_NOISE,
    )


@register_problem
class Softmax(_Classifier):
    """Multinomial (softmax) regression on UCI iris or wine, the last class the reference.

    Parameters: W[class, feature] for classes 0 .. K-2, class-major, then their K-1
    intercepts; the last class's weights and intercept are fixed at zero, so the
    minimiser is unique and Newton's method finds it.
    """

    name = "softmax"
    description = "softmax regression on real data (iris, wine)"
    formula = (
        "F(W, b) = (1/n) sum_i [log(1 + sum_k exp(z_ik)) - z_i,y_i] + (L/2) |W|^2, "
        "z_ik = a_i . W_k + b_k, z = 0 for the last class; test_loss: the same F on the "
        "held-out rows"
    )
    reference = _REFERENCE
    params = (
        Param(
            "data",
            "iris",
            "the data set (UCI, shipped)",
            kind="choice",
            choices=("iris", "wine"),
            per_run=False,
        ),
        solve.SCALE,
        solve.L2,
        solve.BATCH,
        solve.TEST,
        solve.DATA_SEED,
    )
