"""Typed, validated parameters shared by optimizers and problems.

A :class:`Param` knows its default, its meaning, and what values are allowed,
so that every place that accepts a value (a spec string, the Python API, the
``list`` and ``explain`` commands) states and checks the same rule.  Numeric
values may be scalars or one value per run (a 1-D array), which is how a
learning-rate sweep becomes a single batch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from optcompare.errors import SpecError
from optcompare.registry import unknown_message
from optcompare.specs import INT_LIMIT

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True)
class Param:
    """One named parameter.

    Attributes:
        name: the key used in specs (PyTorch's name for optimizer hyperparameters).
        default: the value used when the key is not given.
        help: one line saying what it does.
        kind: "float", "int", "bool" or "choice".
        low, high: bounds for numbers; ``low_open``/``high_open`` make them strict.
        choices: the allowed strings for kind "choice".
        per_run: whether one value per run (an array) is accepted.
        default_rule: how a default of None is worked out once the problem is known
            ("1/L_max", "2n"), shown by ``list`` and ``explain`` in its place; default None.
    """

    name: str
    default: Any
    help: str
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    per_run: bool = True
    default_rule: str | None = None

    def allowed(self) -> str:
        """What values are allowed, as a phrase: "a number in [0, 1)"."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        noun = "a whole number" if self.kind == "int" else "a number"
        lo, hi = self.low, self.high
        if lo is not None and hi is not None:
            left = "(" if self.low_open else "["
            right = ")" if self.high_open else "]"
            return f"{noun} in {left}{_fmt(lo)}, {_fmt(hi)}{right}"
        if lo is not None:
            return f"{noun} {'>' if self.low_open else '>='} {_fmt(lo)}"
        if hi is not None:
            return f"{noun} {'<' if self.high_open else '<='} {_fmt(hi)}"
        return noun

    def _fail(self, owner: str, value: Any) -> SpecError:
        # the limit of whole numbers is left out of allowed(): list and explain would
        # show it for every count, but a value refused may be refused for it
        limit = f" and at most {INT_LIMIT:g}" if self.kind == "int" and self.high is None else ""
        return SpecError(
            f"{owner}: {self.name}={_show(value)} is not allowed; "
            f"{self.name} must be {self.allowed()}{limit}"
        )

    def _in_bounds(self, x: Any) -> bool:
        x = np.asarray(x, dtype=float)  # a huge Python int would make an object array
        ok = np.isfinite(x)
        if self.low is not None:
            ok &= (x > self.low) if self.low_open else (x >= self.low)
        if self.high is not None:
            ok &= (x < self.high) if self.high_open else (x <= self.high)
        return bool(np.all(ok))

    def convert(self, value: Any, owner: str) -> Any:
        """Convert a string, scalar or per-run array to this parameter's type.

        Raises:
            SpecError: naming ``owner``, the parameter, the value and what is allowed.
        """
        if self.kind == "choice":
            text = str(value).strip().lower()
            if text not in self.choices:
                raise self._fail(owner, value)
            return text
        if self.kind == "bool":
            return self._convert_bool(value, owner)
        if isinstance(value, (list, tuple, np.ndarray)):
            if not self.per_run:
                raise self._fail(owner, value)
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                raise self._fail(owner, value) from None
            if arr.ndim != 1 or arr.size == 0:
                raise self._fail(owner, value)
            if not self._in_bounds(arr):  # name the first offending value, not the array
                bad = next(v for v in arr if not self._in_bounds(np.asarray(v)))
                raise self._fail(owner, f"{bad:g} (one of the per-run values)")
            if self.kind == "int" and not np.all(arr == np.round(arr)):
                raise self._fail(owner, value)
            if self.kind == "int" and np.any(np.abs(arr) > INT_LIMIT):
                raise self._fail(owner, value)
            return arr.astype(int) if self.kind == "int" else arr
        number = self._parse_number(value, owner)
        if not self._in_bounds(number):
            raise self._fail(owner, value)
        if self.kind == "int" and abs(number) > INT_LIMIT:
            raise self._fail(owner, value)
        return number

    def _parse_number(self, value: Any, owner: str) -> float | int:
        if isinstance(value, bool):
            raise self._fail(owner, value)
        try:
            number = float(value.strip()) if isinstance(value, str) else float(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond float
            raise self._fail(owner, value) from None
        if self.kind == "int":
            if not math.isfinite(number) or number != round(number):
                raise self._fail(owner, value)
            return int(round(number))
        return number

    def _convert_bool(self, value: Any, owner: str) -> Any:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (list, tuple, np.ndarray)) and self.per_run:
            arr = np.asarray(value)
            if arr.ndim == 1 and arr.size and arr.dtype == bool:
                return arr
            raise self._fail(owner, value)
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise self._fail(owner, value)


def resolve(
    params: tuple[Param, ...], settings: Mapping[str, Any], owner: str, kind: str = "parameter"
) -> dict[str, Any]:
    """All of ``params`` with defaults filled in and given values converted.

    Raises:
        SpecError: an unknown key (with the closest names) or a value not allowed.
    """
    by_name = {p.name: p for p in params}
    for key in settings:
        if key not in by_name:
            raise SpecError(unknown_message(f"{owner} {kind}", key, list(by_name)))
    return {
        p.name: p.convert(settings[p.name], owner) if p.name in settings else p.default
        for p in params
    }


def check_number(
    value: Any,
    param: str,
    kind: str = "float",
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> Any:
    """A library function's numeric argument, checked as a :class:`Param` checks spec values.

    Finite, in range, whole (``kind="int"``, at most :data:`INT_LIMIT`); the error names
    the argument as ``{p}`` so that the CLI can show the flag that set it.

    Raises:
        SpecError: with ``param`` set, e.g. ``{p} nan is not allowed; {p} must be a number > 0``.
    """
    rule = Param(param, None, "", kind, low, high, low_open, per_run=False)
    try:
        return rule.convert(value, param)
    except SpecError:
        limit = f" and at most {INT_LIMIT:g}" if kind == "int" and high is None else ""
        raise SpecError(
            f"{{p}} {_show(value)} is not allowed; {{p}} must be {rule.allowed()}{limit}", param
        ) from None


def _fmt(x: float) -> str:
    short = f"{x:g}"
    return short if float(short) == x else f"{x:.17g}"  # a bound such as 2**32 - 1 exactly


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, threshold=6, precision=4)
    try:
        return str(value)
    except ValueError:  # an int beyond Python's digit limit for str()
        return "a whole number of thousands of digits"


def is_per_run(value: Any) -> bool:
    """Whether a resolved value holds one entry per run."""
    return isinstance(value, np.ndarray)
