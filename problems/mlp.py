"""A small tanh network on classroom shapes: the first problem with a neural network's landscape."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from optcompare import noise as _noise
from optcompare.data.shapes import DEFAULT_N, DEFAULT_NOISE, SHAPES, make_shape
from optcompare.data.split import split
from optcompare.errors import SpecError
from optcompare.params import Param
from optcompare.problem import Problem, register_problem

_DATA = Param(
    "data",
    "moons",
    "the data set: a synthetic shape in the plane",
    kind="choice",
    choices=SHAPES,
    per_run=False,
)
_HIDDEN = Param(
    "hidden", 16, "units in the hidden layer", kind="int", low=1, high=256, per_run=False
)
_TEST = Param(
    "test",
    0.2,
    "fraction of the points held out as the test set",
    low=0.0,
    high=1.0,
    high_open=True,
    per_run=False,
)
_DATA_SEED = Param(
    "data_seed",
    0,
    "seed of the points and of the train/test split",
    kind="int",
    low=0,
    per_run=False,
)
_N = Param("n", DEFAULT_N, "number of points", kind="int", low=4, high=10_000, per_run=False)
# not "noise": that key is the gradient noise of every problem, this one too
_DATA_NOISE = Param(
    "data_noise",
    DEFAULT_NOISE,
    "std of the Gaussian noise on each point's coordinates",
    low=0.0,
    high=10.0,  # ten times the shapes' size: beyond it the shape is gone
    per_run=False,
)
_BATCH = Param(
    "batch",
    None,
    "mini-batch size, 1..the training rows (default: all of them, the full batch)",
    kind="int",
    low=1,
    per_run=False,
)

#: Mixed into each run's seed for its initial weights (the engine's streams use 1-6).
INIT_STREAM = 7
#: The mini-batch stream, as least-squares draws it.
BATCH_STREAM = 3
#: Half-width of the plot window of every parameter, about 7 Glorot bounds at hidden=16.
WINDOW = 4.0


@register_problem
class MLP(Problem):
    """A one-hidden-layer tanh network classifying points of a synthetic shape.

    The model is z(a) = w2 . tanh(W1 a + b1) + b2 for a point a of the plane, with
    the logistic loss log(1 + exp(-y z)) for labels y = +1 or -1, averaged over the
    training rows.  Parameters are flattened as W1 (hidden x 2, row-major: unit 1's
    two input weights, then unit 2's, ...), b1 (hidden), w2 (hidden), b2 (1), so
    dim = 4 hidden + 1 (65 at the default hidden=16).

    Each run starts from its own Glorot-uniform draw (Glorot & Bengio 2010, the
    Keras default): W1 ~ U(-r1, r1) with r1 = sqrt(6 / (2 + hidden)), w2 ~ U(-r2, r2)
    with r2 = sqrt(6 / (hidden + 1)), zero biases, from the run's seed, so seed bands
    show different initialisations.  ``start()`` is the draw of seed 0.  A start
    other than that (``--start``) is used as given for every run (all zeros, for
    instance, shows why a network is not initialised at zero).

    The points come from :func:`optcompare.data.shapes.make_shape` (``data``, ``n``,
    ``data_noise``, ``data_seed``; the key ``noise`` is Gaussian gradient noise, as on
    every problem); :func:`optcompare.data.split.split` holds out the
    ``test`` fraction (stratified, from ``data_seed``), where the test loss and
    accuracy are recorded at every step.  With ``batch=B`` each step's gradient is
    the mean over B distinct training rows drawn from each run's own stream.

    The landscape has no isolated minimum (swapping two hidden units, or flipping the
    signs of one unit's weights, leaves z unchanged), so f* is unknown.
    """

    name = "mlp"
    description = "a small tanh network on a synthetic 2-D shape"
    formula = (
        "f(W1, b1, w2, b2) = 1/n sum_i log(1 + exp(-y_i z(a_i))),  z(a) = w2 . tanh(W1 a + b1) + b2"
    )
    reference = (
        "Glorot & Bengio 2010 (initialisation); shapes after TensorFlow Playground "
        "(Smilkov & Carter 2016)"
    )
    minima_note = "unknown, and none isolated: swapping two hidden units keeps the loss"
    params: ClassVar[tuple[Param, ...]] = (
        _DATA,
        _HIDDEN,
        _TEST,
        _DATA_SEED,
        _N,
        _DATA_NOISE,
        _BATCH,
    )

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.data_noise = float(settings.get("data_noise", _DATA_NOISE.default))
        self.hidden = int(settings.get("hidden", _HIDDEN.default))
        self.dim = 4 * self.hidden + 1
        self.test = float(settings.get("test", _TEST.default))
        self.data_seed = int(settings.get("data_seed", _DATA_SEED.default))
        self.shape = str(settings.get("data", _DATA.default))
        owner = f"problem {self.name}"
        n = int(settings.get("n", _N.default))
        self.points, self.labels = make_shape(self.shape, n, self.data_noise, self.data_seed)
        try:
            self.train_idx, self.test_idx = split(self.labels, self.test, self.data_seed)
        except ValueError as exc:
            raise SpecError(f"{owner}: {exc}") from None
        self.A, self.y = self.points[self.train_idx], self.labels[self.train_idx]
        self.n = len(self.train_idx)
        batch = settings.get("batch", _BATCH.default)
        self.batch = self.n if batch is None else int(batch)
        if not 1 <= self.batch <= self.n:
            raise SpecError(
                f"{owner}: batch={self.batch} is not allowed; batch must be a whole number "
                f"in [1, {self.n}] (the training rows)"
            )
        self.stochastic = self.batch < self.n
        if self.stochastic:
            # bound here, not defined on the class: with the full batch the engine then
            # reuses the value and gradient it already has instead of asking again
            self.observe = self._observe_batch  # type: ignore[method-assign]

    # -- the network -----------------------------------------------------------
    def unpack(self, X: np.ndarray) -> tuple[np.ndarray, ...]:
        """W1 (runs, hidden, 2), b1, w2 (runs, hidden) and b2 (runs,) from rows of X."""
        h = self.hidden
        W1 = X[:, : 2 * h].reshape(len(X), h, 2)
        return W1, X[:, 2 * h : 3 * h], X[:, 3 * h : 4 * h], X[:, 4 * h]

    def _hidden(self, X: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, ...]:
        """The hidden activations H (runs, m, hidden) and outputs z (runs, m) on points A
        ((m, 2) shared by all runs, or (runs, m, 2) each run its own)."""
        # C order: every temporary then has the same layout, and each run's sums the same
        # order, whatever the batch or the engine's coordinate-major view
        X = np.ascontiguousarray(X, dtype=float)
        W1, b1, w2, b2 = self.unpack(X)
        a0, a1 = (
            (A[None, :, 0, None], A[None, :, 1, None])
            if A.ndim == 2
            else (
                A[:, :, 0, None],
                A[:, :, 1, None],
            )
        )
        # two inputs: products written out, so no BLAS kernel makes a run's bits depend
        # on how many runs share the batch
        H = np.tanh(W1[:, None, :, 0] * a0 + W1[:, None, :, 1] * a1 + b1[:, None, :])
        z = np.sum(H * w2[:, None, :], axis=2) + b2[:, None]
        return H, z

    def scores(self, X: np.ndarray, points: np.ndarray) -> np.ndarray:
        """The network's output z (runs, m) of each row of X at each point (m, 2)."""
        return self._hidden(np.asarray(X, dtype=float), np.asarray(points, dtype=float))[1]

    def _loss_grad(
        self, X: np.ndarray, A: np.ndarray, y: np.ndarray, grad: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        H, z = self._hidden(X, A)
        yz = y * z
        loss = np.mean(np.logaddexp(0.0, -yz), axis=1)
        if not grad:
            return loss, None
        m = yz.shape[1]
        # d loss / dz = -y sigma(-y z) / m, with sigma(-t) = exp(-log(1 + e^t)) for any t
        dz = -y * np.exp(-np.logaddexp(0.0, yz)) / m
        _, _, w2, _ = self.unpack(X)
        dA = dz[:, :, None] * w2[:, None, :] * (1.0 - H * H)  # (runs, m, hidden)
        a0, a1 = (
            (A[None, :, 0, None], A[None, :, 1, None])
            if A.ndim == 2
            else (
                A[:, :, 0, None],
                A[:, :, 1, None],
            )
        )
        gW1 = np.stack([np.sum(dA * a0, axis=1), np.sum(dA * a1, axis=1)], axis=2)
        g = np.concatenate(
            [
                gW1.reshape(len(X), 2 * self.hidden),  # not -1: zero runs are allowed
                np.sum(dA, axis=1),
                np.sum(dz[:, :, None] * H, axis=1),
                np.sum(dz, axis=1, keepdims=True),
            ],
            axis=1,
        )
        return loss, g

    # -- the problem interface -------------------------------------------------
    def f(self, X: np.ndarray) -> np.ndarray:
        return self._loss_grad(np.asarray(X, dtype=float), self.A, self.y, grad=False)[0]

    def grad(self, X: np.ndarray) -> np.ndarray:
        return self.value_and_grad(X)[1]

    def value_and_grad(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        loss, g = self._loss_grad(np.asarray(X, dtype=float), self.A, self.y)
        assert g is not None
        return loss, g

    def _observe_batch(
        self, X: np.ndarray, seeds: np.ndarray, step: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The mean loss and gradient over ``batch`` training rows each run draws from its
        own stream at this step (distinct within a step), plus any gradient noise."""
        # the `batch` smallest of n uniforms are a uniformly random subset of that size
        u = _noise.uniform(seeds, step, self.n, stream=BATCH_STREAM)
        idx = np.argpartition(u, self.batch - 1, axis=1)[:, : self.batch]
        loss, g = self._loss_grad(np.asarray(X, dtype=float), self.A[idx], self.y[idx])
        assert g is not None
        return loss, self.add_noise(g, seeds, step)

    def passes_per_step(self) -> float:
        return self.batch / self.n

    def metrics(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """``test_loss`` (the mean logistic loss) and ``test_accuracy`` (the fraction of
        test points whose predicted class is their label) on the held-out rows; none
        when ``test=0``."""
        if len(self.test_idx) == 0:
            return {}
        A, y = self.points[self.test_idx], self.labels[self.test_idx]
        X = np.asarray(X, dtype=float)
        loss, _ = self._loss_grad(X, A, y, grad=False)
        right = self.predict(X, A) == y
        return {"test_loss": loss, "test_accuracy": np.mean(right, axis=1)}

    def predict(self, X: np.ndarray, points: np.ndarray) -> np.ndarray:
        """The class each row of X predicts at each point (m, 2): +1 where z > 0, else -1."""
        return np.where(self.scores(X, points) > 0.0, 1.0, -1.0)

    def plane_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The points (n, 2), their labels and which rows are held out (the test set)."""
        held = np.zeros(len(self.labels), dtype=bool)
        held[self.test_idx] = True
        return self.points, self.labels, held

    def glorot_bounds(self) -> np.ndarray:
        """Per parameter, the half-width of its Glorot-uniform draw (0 for the biases)."""
        h = self.hidden
        r1, r2 = np.sqrt(6.0 / (2 + h)), np.sqrt(6.0 / (h + 1))
        return np.concatenate([np.full(2 * h, r1), np.zeros(h), np.full(h, r2), [0.0]])

    def start_points(self, seeds: np.ndarray) -> np.ndarray:
        u = _noise.uniform(np.asarray(seeds, dtype=np.int64), 0, self.dim, stream=INIT_STREAM)
        return (2.0 * u - 1.0) * self.glorot_bounds() + 0.0  # + 0.0: biases 0, not -0

    def start(self) -> np.ndarray:
        return self.start_points(np.zeros(1, dtype=np.int64))[0]

    def window(self) -> tuple[tuple[float, float], ...]:
        return ((-WINDOW, WINDOW),) * self.dim

    def evaluation_cost(self) -> int:
        # every step also evaluates the test rows (the recorded metrics): all n points
        return len(self.labels) * self.dim
