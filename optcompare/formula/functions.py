"""The functions a formula may call: one table of numpy operation and derivative rule."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from optcompare.formula.tree import ARITHMETIC, Builder, Node


@dataclass(frozen=True)
class Function:
    """One function a formula may call: its numpy operation and its derivative rule."""

    numpy: Callable[[Any], Any]
    #: f'(u) as a node, from the builder, u and the node f(u) itself
    derivative: Callable[[Builder, Node, Node], Node]


def _sigmoid(u):
    return np.exp(-np.logaddexp(0.0, -u))  # no overflow for large |u|


def _sign_or_nan(u):
    return np.where(u == 0, np.nan, np.sign(u))


def _one_over(b: Builder, v: Node) -> Node:
    return b.div(b.num(1.0), v)


FUNCTIONS: dict[str, Function] = {
    "sin": Function(np.sin, lambda b, u, fu: b.call("cos", u)),
    "cos": Function(np.cos, lambda b, u, fu: b.neg(b.call("sin", u))),
    "tan": Function(np.tan, lambda b, u, fu: b.add(b.num(1.0), b.pow(fu, b.num(2.0)))),
    "exp": Function(np.exp, lambda b, u, fu: fu),
    "log": Function(np.log, lambda b, u, fu: _one_over(b, u)),
    "log2": Function(
        np.log2, lambda b, u, fu: _one_over(b, b.make("mul", (u, b.num(math.log(2.0), "log(2)"))))
    ),
    "log10": Function(
        np.log10,
        lambda b, u, fu: _one_over(b, b.make("mul", (u, b.num(math.log(10.0), "log(10)")))),
    ),
    "sqrt": Function(np.sqrt, lambda b, u, fu: _one_over(b, b.mul(b.num(2.0), fu))),
    "abs": Function(np.abs, lambda b, u, fu: b.call("sign", u)),
    "sinh": Function(np.sinh, lambda b, u, fu: b.call("cosh", u)),
    "cosh": Function(np.cosh, lambda b, u, fu: b.call("sinh", u)),
    "tanh": Function(np.tanh, lambda b, u, fu: b.sub(b.num(1.0), b.pow(fu, b.num(2.0)))),
    "arcsin": Function(
        np.arcsin,
        lambda b, u, fu: _one_over(b, b.call("sqrt", b.sub(b.num(1.0), b.pow(u, b.num(2.0))))),
    ),
    "arccos": Function(
        np.arccos,
        lambda b, u, fu: b.neg(
            _one_over(b, b.call("sqrt", b.sub(b.num(1.0), b.pow(u, b.num(2.0)))))
        ),
    ),
    "arctan": Function(
        np.arctan, lambda b, u, fu: _one_over(b, b.add(b.num(1.0), b.pow(u, b.num(2.0))))
    ),
    "sigmoid": Function(_sigmoid, lambda b, u, fu: b.mul(fu, b.sub(b.num(1.0), fu))),
}
#: Only differentiation makes "sign" (the slope of abs; NaN at 0): users cannot write it.
INTERNAL = {"sign": Function(_sign_or_nan, lambda b, u, fu: b.num(0.0))}
ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}
CONSTANTS = {"pi": math.pi, "e": math.e}

#: The numpy operation of every node that is not a number or a variable.
NUMPY: dict[str, Callable[..., Any]] = {
    **ARITHMETIC,
    **{name: fn.numpy for name, fn in {**FUNCTIONS, **INTERNAL}.items()},
}

FUNCTION_NAMES = (*FUNCTIONS, *ALIASES)
ALLOWED = "x, y (or x0, x1, ...), pi, e, " + ", ".join(FUNCTION_NAMES)
