"""The problem interface, its registry, and how specs become problem instances.

A problem is a differentiable objective evaluated on a batch of points: ``X``
has shape (runs, dim), ``f(X)`` shape (runs,) and ``grad(X)`` shape
(runs, dim).  The catalog lives in the package ``optcompare.problems`` (the
repository's ``problems/`` folder); users add their own from a problems folder.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from optcompare import noise as _noise
from optcompare.errors import SpecError
from optcompare.params import Param, resolve
from optcompare.registry import Registry
from optcompare.specs import Spec, parse_spec

PROBLEMS: Registry[type[Problem]] = Registry("problem")

NOISE = Param("noise", 0.0, "std of Gaussian noise added to each gradient coordinate",
              low=0.0, per_run=False)


@dataclass(frozen=True)
class Minimum:
    """A known global minimum: the point and the objective value there."""

    x: tuple[float, ...]
    f: float


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

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    formula: ClassVar[str] = ""
    reference: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    dim: int = 2
    stochastic: bool = False
    default_start: ClassVar[tuple[float, ...]] = ()
    default_window: ClassVar[tuple[tuple[float, float], ...]] = ()
    known_minima: ClassVar[tuple[Minimum, ...]] = ()

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

    def start(self) -> np.ndarray:
        """The default start point, shape (dim,)."""
        return np.array(self.default_start, dtype=float)

    def window(self) -> tuple[tuple[float, float], ...]:
        """Plot window per coordinate (at least the first two)."""
        return self.default_window

    def minima(self) -> tuple[Minimum, ...]:
        """Every global minimum (empty when the problem is unbounded below)."""
        return self.known_minima

    @property
    def f_star(self) -> float | None:
        """The global minimum value, or None when unknown or unbounded."""
        mins = self.minima()
        return min(m.f for m in mins) if mins else None

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

        Deterministic problems return the true values; with ``noise=SIGMA`` the
        gradient gets N(0, SIGMA^2) per coordinate from each run's own stream.
        """
        loss, g = self.f(X), self.grad(X)
        if self.noise > 0:
            g = g + self.noise * _noise.normal(seeds, step, self.dim, stream=1)
        return loss, g

    def nearest_minimum_distance(self, X: np.ndarray) -> np.ndarray:
        """Euclidean distance from each row of X to the nearest known minimum (NaN if none)."""
        mins = self.minima()
        if not mins:
            return np.full(len(X), np.nan)
        M = np.array([m.x for m in mins], dtype=float)
        d = np.linalg.norm(X[:, None, :] - M[None, :, :], axis=-1)
        return d.min(axis=1)


def register_problem(cls: type[Problem]) -> type[Problem]:
    """Class decorator: add a Problem subclass to the registry under ``cls.name``."""
    PROBLEMS.register(cls.name, cls)
    return cls


_catalog_loaded = False
_loaded_dirs: set[Path] = set()


def load_catalog() -> None:
    """Import the built-in catalog once (it registers itself)."""
    global _catalog_loaded
    if not _catalog_loaded:
        importlib.import_module("optcompare.problems")
        _catalog_loaded = True


def load_problem_dir(folder: str | Path) -> list[str]:
    """Register the problems defined by the ``*.py`` and data files of ``folder``.

    Data files (``*.json``, and ``*.toml`` on Python 3.11+) each declare a
    formula problem; see :mod:`optcompare.problem_files`.

    Returns the names added.  A folder is loaded once; the repository's own
    catalog folder (marked by ``OPTCOMPARE_CATALOG`` in its ``__init__.py``)
    is skipped, so running from a checkout does not register it twice.
    """
    load_catalog()
    path = Path(folder).resolve()
    if not path.is_dir():
        raise SpecError(f"problems folder '{folder}' does not exist or is not a folder")
    init = path / "__init__.py"
    if path in _loaded_dirs or (init.is_file() and "OPTCOMPARE_CATALOG" in init.read_text()):
        return []
    _loaded_dirs.add(path)
    before = set(PROBLEMS.names())
    for file in sorted(path.glob("*.py")):
        if file.name.startswith("_"):
            continue
        mod_name = f"optcompare_user_problems.{file.stem}"
        spec = importlib.util.spec_from_file_location(mod_name, file)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        try:
            spec.loader.exec_module(module)
        except SpecError:
            raise
        except Exception as exc:  # a user's file: report it, never a traceback
            raise SpecError(f"problem file '{file}' failed to load: {exc}") from None
    from optcompare.problem_files import load_problem_files  # imports this module

    load_problem_files(path)
    return sorted(set(PROBLEMS.names()) - before)


def problem_names() -> list[str]:
    load_catalog()
    return PROBLEMS.names()


def problem_class(name: str) -> type[Problem]:
    load_catalog()
    return PROBLEMS.get(name)


def make_problem(spec: str | Spec | Problem) -> Problem:
    """A problem instance from a spec string such as ``quadratic:kappa=100,angle=30``."""
    if isinstance(spec, Problem):
        return spec
    if isinstance(spec, str) and spec.lstrip()[:5].lower() == "expr:":
        # before parse_spec: a formula holds ':' and ','
        from optcompare.expr import problem_from_spec  # imports this module

        return problem_from_spec(spec)
    parsed = spec if isinstance(spec, Spec) else parse_spec(spec, "problem")
    cls = problem_class(parsed.name)
    values = resolve(cls.all_params(), parsed.settings, f"problem {cls.name}", "key")
    return cls(**values)


def as_points(X: Sequence[float] | np.ndarray, dim: int) -> np.ndarray:
    """Rows of points, shape (runs, dim), from one point or many."""
    arr = np.atleast_2d(np.asarray(X, dtype=float))
    if arr.shape[-1] != dim:
        raise SpecError(f"a point must have {dim} coordinates, got {arr.shape[-1]}")
    return arr
