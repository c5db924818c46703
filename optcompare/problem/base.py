"""The problem interface, its record of known minima, and its registry.

A problem is a differentiable objective evaluated on a batch of points: ``X``
has shape (runs, dim), ``f(X)`` shape (runs,) and ``grad(X)`` shape
(runs, dim).  The catalog lives in the package ``optcompare.problems`` (the
repository's ``problems/`` folder); users add their own from a problems folder
(:mod:`optcompare.problem.loading`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from optcompare import noise as _noise
from optcompare.errors import SpecError
from optcompare.params import Param
from optcompare.registry import Registry

PROBLEMS: Registry[type[Problem]] = Registry("problem")

NOISE = Param(
    "noise", 0.0, "std of Gaussian noise added to each gradient coordinate", low=0.0, per_run=False
)


MINIMUM_KINDS = ("global", "local")


@dataclass(frozen=True)
class Minimum:
    """A known minimum: the point, the objective value there, and its kind.

    Attributes:
        x: the point.
        f: the objective value at ``x``.
        kind: ``"global"`` (the default): the lowest value of f; ``"local"``: a
            local minimum that is not global.  f* and the distance to the
            minimum use global minima only; basins name local ones too.
    """

    x: tuple[float, ...]
    f: float
    kind: str = "global"

    def __post_init__(self) -> None:
        if self.kind not in MINIMUM_KINDS:
            raise ValueError(
                f"Minimum kind must be one of {', '.join(MINIMUM_KINDS)}, not {self.kind!r}"
            )


class Problem:
    """Base class of every registered problem.

    Subclasses set the class attributes and implement :meth:`f` and :meth:`grad`
    (both vectorized over rows), and :meth:`start`, :meth:`window` and
    :meth:`minima` when they depend on the parameters.

    Class attributes:
        name: kebab-case registry name.
        description: one line for ``optcompare list``.
        formula: the objective in plain-text math, for ``optcompare explain``.
        reference: where the function comes from.
        params: the spec keys this problem takes (``noise`` is added to all).
        dim: the fixed dimension, or ``None`` for families that take ``dim``.
        stochastic: whether the optimizer sees a random gradient even at noise=0.
    """

    # not ClassVar: a formula problem sets these four per instance
    name: str = ""
    description: str = ""
    formula: str = ""
    reference: str = ""
    params: ClassVar[tuple[Param, ...]] = ()
    dim: int = 2
    stochastic: bool = False
    default_start: ClassVar[tuple[float, ...]] = ()
    default_window: ClassVar[tuple[tuple[float, float], ...]] = ()
    known_minima: ClassVar[tuple[Minimum, ...]] = ()
    #: f* of a problem whose minimisers are not isolated points (a curve of zero loss):
    #: no point to list, so no distance to a minimum, but loss - f* still means something.
    #: None (the default): f* comes from the listed global minima.
    known_f_star: ClassVar[float | None] = None
    #: Why no minimum point is listed, shown by ``list`` and ``explain`` ("" : unbounded
    #: below, or not known).
    minima_note: ClassVar[str] = ""
    #: What figures call each coordinate, one name per coordinate (the rnn-cliff's weight
    #: and bias: ("w", "b")); empty (the default): :meth:`axis_names` picks x, y.  Not a
    #: ClassVar: a problem built per instance may name its own variables.
    coordinate_names: tuple[str, ...] = ()

    def __init__(self, **settings: Any) -> None:
        self.settings: dict[str, Any] = settings
        if "dim" in settings:
            self.dim = int(settings["dim"])
        self.noise: float = float(settings.get("noise", 0.0))

    # -- what the problem is -------------------------------------------------
    @classmethod
    def all_params(cls) -> tuple[Param, ...]:
        return (*cls.params, NOISE)

    def f(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def value_and_grad(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(f(X), grad(X))`` in one call; the engine evaluates every step this way.

        The default calls :meth:`f` and :meth:`grad`; a problem whose value and
        gradient share terms overrides it to compute them once.  The results must
        equal ``f(X)`` and ``grad(X)`` bit for bit (the tests check every problem).
        ``X`` may be a transposed view (the engine stores coordinates as rows).
        """
        return self.f(X), self.grad(X)

    def value_and_grad_at(self, X: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The objective and its gradient at step ``step`` (0: the start), as recorded.

        The engine evaluates every step through this; it is :meth:`value_and_grad`
        unless the objective itself moves with time (a drifting target overrides it).
        """
        return self.value_and_grad(X)

    def passes_per_step(self) -> float:
        """Passes over the data that one observed gradient costs: 1 (a full gradient)
        unless a finite-sum problem samples a mini-batch (then batch / n)."""
        return 1.0

    def start_points(self, seeds: np.ndarray) -> np.ndarray | None:
        """(runs, dim) start points drawn from each run's seed (a network's random
        initialisation), or None (the default): every run starts at the start point.
        Used when the runs start at :meth:`start`; a start given instead is used as given."""
        return None

    def metrics(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Measurements recorded beside the loss at every step, name -> (runs,) values
        (a learning problem's test loss and accuracy); none by default."""
        return {}

    def plane_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """A classifier of points in the plane: its points (n, 2), their labels (n,) and
        which rows are held out (n,) bool, for the decision-region figure; None (the
        default) for every other problem.  Such a problem also implements :meth:`predict`."""
        return None

    def predict(self, X: np.ndarray, points: np.ndarray) -> np.ndarray:
        """The label each model (row of X) predicts at each of the points (m, 2): (runs, m)."""
        raise NotImplementedError(f"problem {self.name} is not a classifier of points")

    def summary_numbers(self, x: np.ndarray, loss: np.ndarray) -> dict[str, float]:
        """Numbers this problem adds to each run's entry of summary.json, name -> value,
        from the run's recorded iterates (steps+1, dim) and losses (steps+1,), NaN after a
        divergence (a drifting target's tracking error); none by default."""
        return {}

    def axis_names(self) -> tuple[str, ...]:
        """The name of each coordinate on every figure's axes: :attr:`coordinate_names`
        when given, else x (one coordinate), x and y (two), or x0, x1, ... (more, as
        trajectory.csv's columns)."""
        if self.coordinate_names:
            if len(self.coordinate_names) != self.dim:
                raise ValueError(
                    f"problem {self.name} names {len(self.coordinate_names)} coordinates "
                    f"but has {self.dim}"
                )
            return tuple(self.coordinate_names)
        if self.dim <= 2:
            return ("x", "y")[: self.dim]
        return tuple(f"x{i}" for i in range(self.dim))

    def start(self) -> np.ndarray:
        """The default start point, shape (dim,)."""
        return np.array(self.default_start, dtype=float)

    def window(self) -> tuple[tuple[float, float], ...]:
        """Plot window per coordinate (at least the first two)."""
        return self.default_window

    def minima(self) -> tuple[Minimum, ...]:
        """Every listed minimum, global and local (empty when none is known)."""
        return self.known_minima

    def global_minima(self) -> tuple[Minimum, ...]:
        """The listed minima of kind ``"global"`` (empty when unbounded below or unknown)."""
        return tuple(m for m in self.minima() if m.kind == "global")

    @property
    def f_star(self) -> float | None:
        """The global minimum value: the lowest listed global minimum, else
        :attr:`known_f_star` (None when unknown or unbounded)."""
        mins = self.global_minima()
        return min(m.f for m in mins) if mins else self.known_f_star

    def evaluation_cost(self) -> int:
        """The work of one evaluation of f and its gradient at one point, in values
        touched: the dimension for test functions; data problems override it
        (samples x parameters).  The budget counts work as run-steps x this."""
        return self.dim

    def bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        """A box constraint (lower, upper) the iterates are projected onto, or None."""
        return None

    @property
    def spec(self) -> str:
        """The canonical spec string, with every non-default setting."""
        defaults = {p.name: p.default for p in self.all_params()}
        parts = [f"{k}={v}" for k, v in self.settings.items() if defaults.get(k) != v]
        return self.name + (":" + ",".join(parts) if parts else "")

    # -- what the optimizer sees ---------------------------------------------
    def observe(self, X: np.ndarray, seeds: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
        """The loss and gradient the optimizer sees at step ``step`` (1-based).

        The engine asks this only of problems whose ``stochastic`` is true; for any
        other the observed gradient is :meth:`value_and_grad`'s plus ``noise``.

        Deterministic problems return the true values; with ``noise=SIGMA`` the
        gradient gets N(0, SIGMA^2) per coordinate from each run's own stream.
        """
        loss, g = self.value_and_grad(X)
        return loss, self.add_noise(g, seeds, step)

    def add_noise(self, g: np.ndarray, seeds: np.ndarray, step: int) -> np.ndarray:
        """``g`` plus N(0, noise^2) per coordinate from each run's stream (``g`` if noise=0).

        With :meth:`observe` not overridden, the engine calls this on the gradient
        it already has instead of evaluating the problem a second time.
        """
        if self.noise <= 0:
            return g
        return g + self.noise * _noise.normal(seeds, step, self.dim, stream=1)

    def nearest_minimum_distance(self, X: np.ndarray) -> np.ndarray:
        """Euclidean distance from each row of X to the nearest global minimum (NaN if none).

        Local minima do not count: a run that ends in one has not found the minimum.
        """
        mins = self.global_minima()
        if not mins:
            return np.full(len(X), np.nan)
        M = np.array([m.x for m in mins], dtype=float)
        d = np.linalg.norm(X[:, None, :] - M[None, :, :], axis=-1)
        return d.min(axis=1)


def register_problem(cls: type[Problem]) -> type[Problem]:
    """Class decorator: add a Problem subclass to the registry under ``cls.name``."""
    PROBLEMS.register(cls.name, cls)
    return cls


def as_points(X: Sequence[float] | np.ndarray, dim: int) -> np.ndarray:
    """Rows of points, shape (runs, dim), from one point or many."""
    arr = np.atleast_2d(np.asarray(X, dtype=float))
    if arr.shape[-1] != dim:
        raise SpecError(f"a point must have {dim} coordinates, got {arr.shape[-1]}")
    return arr
