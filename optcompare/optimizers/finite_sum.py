"""What the variance-reduced methods (sag, svrg, s2gd, sarah, sarah-plus) share.

They minimise a finite sum f(x) = (1/n) sum_i f_i(x) through the engine's oracle
(:mod:`optcompare.engine.oracle`): component gradients at chosen samples, and now
and then a full gradient.  Their step sizes are multiples of 1/L_max, L_max the
largest smoothness constant of one component, and their inner loops are multiples
of n, so those defaults are known only once the problem is: a hyperparameter whose
default is None here is filled from the problem (:func:`fill`), and an update
that still meets None (``run_batch`` called directly) works it out the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from optcompare import noise
from optcompare.params import Param

#: The random stream of the inner loops' own draws (S2GD's loop lengths, SVRG's random
#: snapshot); the oracle's sample indices use stream 5, the problems 1 to 4.
LOOP_STREAM = 6

#: Defaults that depend on the problem, by hyperparameter: value(problem).
Defaults = Mapping[str, Callable[[Any], float]]


def lr_param(factor: float, source: str) -> Param:
    return Param(
        "lr",
        None,
        f"step size (default {factor:g} / L_max of the problem, {source})",
        low=0.0,
        low_open=True,
        default_rule=f"{factor:g}/L_max",
    )


def m_param(help: str = "inner-loop length (default 2n)") -> Param:
    return Param("m", None, help, kind="int", low=1, default_rule="2n")


def two_n(problem: Any) -> float:
    """The inner-loop length 2n, Johnson & Zhang's choice for convex problems."""
    return 2 * int(problem.n)


def lr_over_l_max(factor: float) -> Callable[[Any], float]:
    return lambda problem: factor / float(problem.l_max)


def is_finite_sum(problem: Any) -> bool:
    """Whether ``problem`` offers the oracle: n components and their gradients."""
    return getattr(problem, "n", None) is not None and hasattr(problem, "component_grad")


def fill(values: Mapping[str, Any], defaults: Defaults, problem: Any) -> dict[str, Any]:
    """``values`` with every None among ``defaults`` worked out from ``problem``."""
    out = dict(values)
    for name, value_of in defaults.items():
        if out.get(name) is None:
            out[name] = value_of(problem)
    return out


def setting(h: Any, name: str, defaults: Defaults, problem: Any) -> Any:
    """The hyperparameter ``name`` of ``h``, or its problem default when it is None."""
    value = getattr(h, name)
    return defaults[name](problem) if value is None else value


def per_run(value: Any, runs: int, dtype: type = float) -> np.ndarray:
    """(runs,) values from a scalar or a (runs, 1) column of per-run values."""
    return np.broadcast_to(np.asarray(value, dtype=dtype).reshape(-1), (runs,))


def batch_of(problem: Any) -> int:
    """Samples per stochastic gradient: the problem's batch key, 1 when it gives none."""
    return int(getattr(problem, "component_batch", 1))


def rows_of(mask: np.ndarray) -> np.ndarray | None:
    """The indices where ``mask`` holds; None when it holds everywhere (no indexing)."""
    return None if mask.all() else np.flatnonzero(mask)


def full_gradient(oracle: Any, x: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """The full gradient at x for the runs ``rows`` (all when None), charged to them."""
    if rows is None:
        return np.asarray(oracle.full(x)[1], dtype=float)
    return np.asarray(oracle.full(x[rows], rows)[1], dtype=float)


def put(a: np.ndarray, rows: np.ndarray | None, values: np.ndarray) -> np.ndarray:
    """A copy of ``a`` with its rows ``rows`` (all when None) replaced by ``values``."""
    if rows is None:
        return np.array(values, dtype=a.dtype)
    out = np.array(a)
    out[rows] = values
    return out


def loop_uniform(oracle: Any, t: int) -> np.ndarray:
    """(runs, 2) uniforms in (0, 1) from each run's own loop stream at step t: column 0
    draws a loop's length (S2GD), column 1 its snapshot index (SVRG, snapshot=random)."""
    return noise.uniform(oracle.seeds, t, 2, stream=LOOP_STREAM)


def step(x: np.ndarray, d: np.ndarray, lr: Any) -> np.ndarray:
    """x - lr d, lr a scalar or a (runs, 1) column."""
    return x + (-lr) * d
