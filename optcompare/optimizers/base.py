"""What every optimizer is: hyperparameters, an initial state, and a pure update.

An optimizer here is a pair of pure functions over a batch of runs, in the
manner of optax: ``init(x, h) -> state`` and ``update(x, g, state, h, loss)
-> (x_new, state_new)``.  ``x`` and ``g`` have shape (runs, dim); each
hyperparameter in ``h`` is a scalar or a (runs, 1) column, so one call advances
a whole learning-rate sweep.  Updates return new arrays and never modify their
inputs, so a recorded trajectory cannot change after the fact.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np

from optcompare.errors import SpecError
from optcompare.params import Param, resolve

Hyper = SimpleNamespace  # hyperparameters as attributes: h.lr, h.beta1, ...


@dataclass(frozen=True)
class Preset:
    """Settings that reproduce one source's form of an optimizer (``rmsprop:variant=keras``).

    Attributes:
        name: the value of the optimizer's ``variant`` key that selects it.
        values: the hyperparameters it sets; keys given explicitly override them.
        source: where the rule and these values come from.
        filled: keys the source does not give, set to PyTorch's value.
    """

    name: str
    values: Mapping[str, Any]
    source: str
    filled: tuple[str, ...] = ()


@dataclass(frozen=True)
class Optimizer:
    """A registered optimizer.

    Attributes:
        name: the registry name (PyTorch's class name in lower case).
        params: its hyperparameters, PyTorch's names and defaults.
        init: ``init(x, h) -> state``.
        update: ``update(x, g, state, h, loss) -> (x_new, state_new)``.
        module: the module whose docstring holds the update rule.
        summary: one line for ``optcompare list``.
        paper: where the method comes from.
        related: how it relates to its neighbours, for ``optcompare explain``.
        check: optional cross-parameter validation, ``check(values, owner)``.
        presets: named settings chosen by the ``variant`` key (a choice parameter).
        direction: for methods that build their own search direction from a finite
            sum's components (variance reduction): ``direction(x, state, oracle, h, t)
            -> (loss seen, direction, state)``, called instead of observing the
            gradient (:mod:`optcompare.engine.oracle`); the update then takes the
            direction as its gradient.  None (the default) for every other method.
        state_values: values of state per run that grow with the problem (SAG's table
            of n sample gradients), ``state_values(problem)``, for the memory budget;
            None when the state is a few arrays of the iterate's size.
    """

    name: str
    params: tuple[Param, ...]
    init: Callable[..., Any]
    update: Callable[..., tuple[np.ndarray, Any]]
    module: ModuleType
    summary: str
    paper: str
    related: str = ""
    check: Callable[[Mapping[str, Any], str], None] | None = None
    presets: tuple[Preset, ...] = ()
    direction: Callable[..., tuple[Any, np.ndarray, Any]] | None = None
    state_values: Callable[[Any], int] | None = None

    def _preset(self, settings: Mapping[str, Any], who: str) -> Preset:
        key = next(p for p in self.params if p.name == "variant")
        name = key.convert(settings["variant"], who) if "variant" in settings else key.default
        return next(p for p in self.presets if p.name == name)

    @property
    def rule(self) -> str:
        """The module docstring: the update rule, defaults, paper and notes."""
        return inspect.cleandoc(self.module.__doc__ or "")

    def resolve(self, settings: Mapping[str, Any], owner: str | None = None) -> dict[str, Any]:
        """Every hyperparameter with its value, defaults filled in and checked."""
        who = owner or self.name
        if self.presets:
            settings = {**self._preset(settings, who).values, **settings}
        values = resolve(self.params, settings, who, "hyperparameter")
        if self.check is not None:
            self.check(values, who)
        return values


def hyper(values: Mapping[str, Any]) -> Hyper:
    """Hyperparameters as attributes, per-run arrays as (runs, 1) columns."""
    return Hyper(**{k: (v[:, None] if isinstance(v, np.ndarray) else v) for k, v in values.items()})


def state_arrays(state: Any) -> dict[str, np.ndarray]:
    """The array fields of a state record, by the names its docstring uses."""
    return {
        f.name: getattr(state, f.name)
        for f in fields(state)
        if isinstance(getattr(state, f.name), np.ndarray)
    }


def off(value: Any) -> bool:
    """True when a hyperparameter is one value for every run and switches its term off
    (0 or false): the update then skips the term instead of multiplying it by zero."""
    return not isinstance(value, np.ndarray) and not value


def choose(flag: Any, yes: Callable[[], Any], no: Callable[[], Any]) -> Any:
    """``yes()`` where ``flag`` holds, else ``no()``.

    A flag that is one value for every run computes only the side it picks; a
    per-run flag (a (runs, 1) column) computes both and picks per run.  Both
    give the same bits for the runs they share.
    """
    if not isinstance(flag, np.ndarray):
        return yes() if flag else no()
    return np.where(flag, yes(), no())


def lerp(a: np.ndarray, end: np.ndarray, w: Any) -> np.ndarray:
    """a + w (end - a), evaluated as PyTorch's CPU ``lerp`` does.

    PyTorch switches formula at |w| = 0.5 to keep the result exact at w = 1;
    following it keeps our rounding within an ulp of torch's.
    """
    return choose(np.abs(w) < 0.5, lambda: a + w * (end - a), lambda: end - (end - a) * (1 - w))


def fail(owner: str, message: str) -> SpecError:
    return SpecError(f"{owner}: {message}")


LR_HELP = "learning rate"


def lr_param(default: float) -> Param:
    return Param("lr", default, LR_HELP, low=0.0)


def weight_decay_param(default: float = 0.0) -> Param:
    return Param("weight_decay", default, "L2 penalty added to the gradient", low=0.0)


def eps_param(default: float, help: str = "added to the denominator for stability") -> Param:
    return Param("eps", default, help, low=0.0)
