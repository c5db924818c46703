"""Problems from a formula: ``--problem "expr:(1-x)**2 + 100*(y-x**2)**2"``.

The formula itself (grammar, exact gradient, undefined points) is
:mod:`optcompare.formula`; this module makes a :class:`Problem` of it and reads
``expr:`` specs.

Spec syntax::

    expr:FORMULA[;KEY=VALUE]...

for example::

    expr:(1-x)**2 + 100*(y-x**2)**2;start=-1.5,2;window=-2:2,-1:3;minima=1,1;noise=0.5;name=banana

Everything after ``expr:`` up to the first ``;`` is the formula; each later
``;``-separated item is one option, in any order, each at most once:

    start=A,B,...     the start point: one number per variable, or one number
                      for every variable (``start=1``).  Default: 1/8 of the
                      window's width above its centre in each coordinate, which
                      is (0.5, ..., 0.5) for the default window; where the
                      formula or its gradient is not finite there, the first
                      finite of the mirrored points (-0.5, ...), (0.5, -0.5, ...),
                      (-0.5, 0.5, ...) (scaled the same way).
    window=LO:HI,...  the plot window: one LO:HI per variable, or one for all.
                      Default: [-2, 2] per coordinate, widened where needed to
                      hold the start and the minima with a margin.
    minima=P|P|...    known global minima, each point written like start,
                      several separated by ``|``: ``minima=3,2|-2.805118,3.131312``.
                      f at each is computed from the formula.  Default: none
                      (f* unknown).
    noise=SIGMA       std of the Gaussian noise added to each gradient
                      coordinate (default 0).
    name=NAME         a kebab-case label for titles and folder names (default expr).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from optcompare.errors import SpecError
from optcompare.formula import Formula, number_text, parse_formula
from optcompare.problem.base import NOISE, Minimum, Problem
from optcompare.registry import unknown_message

KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

Point = Sequence[float]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _vector(values: Point, dim: int, what: str) -> tuple[float, ...]:
    """One number per variable (one number is repeated for all), all finite."""
    numbers = tuple(float(v) for v in values)
    if len(numbers) == 1 and dim > 1:
        numbers *= dim
    if len(numbers) != dim:
        raise SpecError(
            f"{what} has {_count(len(numbers), 'number')} but the formula has "
            f"{_count(dim, 'variable')}"
        )
    if not all(math.isfinite(v) for v in numbers):
        raise SpecError(f"{what} must be finite numbers")
    return numbers


def _box(window: Sequence[Sequence[float]], dim: int) -> tuple[tuple[float, float], ...]:
    ranges = [tuple(float(v) for v in pair) for pair in window]
    if len(ranges) == 1 and dim > 1:
        ranges *= dim
    if len(ranges) != dim:
        raise SpecError(
            f"window has {_count(len(ranges), 'range')} but the formula has "
            f"{_count(dim, 'variable')}"
        )
    for i, pair in enumerate(ranges, 1):
        # the width is computed too (centres, grids): it must not overflow either
        if len(pair) != 2 or not math.isfinite(pair[-1] - pair[0]) or not pair[0] < pair[1]:
            raise SpecError(
                f"window range {i} is {pair}; each range must be two finite numbers LO < HI "
                "whose difference is finite"
            )
    return tuple((lo, hi) for lo, hi in ranges)


def _join(values: Sequence[float] | np.ndarray, sep: str = ",") -> str:
    return sep.join(number_text(float(v)) for v in values)


class ExprProblem(Problem):
    """A problem whose objective is a formula (see the module docstring).

    Args:
        formula: the formula text, or a parsed :class:`Formula`.
        start: the start point (default: see the module docstring).
        window: the plot window, one (lo, hi) per variable or one for all.
        minima: known global minima (points); f there is computed.
        noise: std of the Gaussian noise added to each gradient coordinate.
        name: kebab-case label (default ``expr``).
        description, reference: shown by ``optcompare list`` and ``explain``.
        spec: the spec text this problem came from (what :attr:`spec` returns).

    Raises:
        SpecError: a bad formula, a wrong number of coordinates, a start where the
            formula or its gradient is not finite, a minimum where f is not finite.
    """

    name = "expr"
    description = "your formula, with its exact gradient"
    reference = "the formula you gave; gradient by symbolic differentiation"

    def __init__(
        self,
        formula: str | Formula,
        *,
        start: Point | None = None,
        window: Sequence[Sequence[float]] | None = None,
        minima: Sequence[Point] | None = None,
        noise: float = 0.0,
        name: str | None = None,
        description: str | None = None,
        reference: str | None = None,
        spec: str | None = None,
    ) -> None:
        noise = float(noise)
        if not (math.isfinite(noise) and noise >= 0):
            raise SpecError(f"noise={noise:g} is not allowed; noise must be {NOISE.allowed()}")
        super().__init__(noise=noise)
        self.expression = formula if isinstance(formula, Formula) else parse_formula(formula)
        expr = self.expression
        self.dim = expr.dim
        if name is not None:
            if not isinstance(name, str) or not KEBAB.fullmatch(name):
                raise SpecError(
                    f"name '{name}' is not kebab-case; use lowercase letters, "
                    f"digits and dashes, like my-banana"
                )
            self.name = name
        if description is not None:
            self.description = description
        if reference is not None:
            self.reference = reference
        self.formula = f"f({', '.join(expr.variables)}) = {expr.text}"
        self._spec = spec

        given = None if start is None else np.array(_vector(start, self.dim, "start"))
        if given is not None:
            self._check_start(given)
        points = [_vector(p, self.dim, f"minimum {i}") for i, p in enumerate(minima or (), 1)]
        values = expr.value(np.array(points).reshape(len(points), self.dim))
        reasons = expr.undefined_reason(
            np.array(points).reshape(len(points), self.dim), gradient=False
        )
        for i, reason in enumerate(reasons, 1):
            if reason is not None:
                raise SpecError(
                    f"minimum {i}: {reason}; the formula must be finite at each minimum"
                )
        self._minima = tuple(Minimum(p, float(v)) for p, v in zip(points, values, strict=True))
        if window is not None:
            self._window = _box(window, self.dim)
        else:
            self._window = self._default_window(given)
        self._start = given if given is not None else self._default_start()
        if spec is None and type(self) is ExprProblem:  # a spec that rebuilds this problem
            self._spec = ";".join(
                [f"expr:{expr.text}"]
                + ([] if given is None else ["start=" + _join(given)])
                + (
                    []
                    if window is None
                    else ["window=" + ",".join(f"{_join(r, ':')}" for r in self._window)]
                )
                + (
                    []
                    if not self._minima
                    else ["minima=" + "|".join(_join(m.x) for m in self._minima)]
                )
                + ([] if noise == 0 else [f"noise={noise:g}"])
                + ([] if name is None else [f"name={name}"])
            )

    def _check_start(self, x: np.ndarray) -> None:
        reason = self.expression.undefined_reason(x[None, :])[0]
        if reason is not None:
            raise SpecError(
                f"start: {reason}; choose a start where the formula and its gradient are finite"
            )

    def _default_window(self, start: np.ndarray | None) -> tuple[tuple[float, float], ...]:
        pts = np.array([m.x for m in self._minima] + ([] if start is None else [start]))
        if pts.size == 0:
            return ((-2.0, 2.0),) * self.dim
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.1 * (np.maximum(hi, 2.0) - np.minimum(lo, -2.0))
        return tuple(
            (float(min(-2.0, a - p)), float(max(2.0, b + p)))
            for a, b, p in zip(lo, hi, pad, strict=True)
        )

    def _default_start(self) -> np.ndarray:
        lo, hi = np.array(self._window).T
        centre, step = (lo + hi) / 2, (hi - lo) / 8
        alternating = np.resize([1.0, -1.0], self.dim)
        candidates = [centre + s * step for s in (1.0, -1.0, alternating, -alternating)]
        X = np.array(candidates)
        ok = np.isfinite(self.expression.value(X)) & np.all(
            np.isfinite(self.expression.gradient(X)), axis=1
        )
        return candidates[int(np.argmax(ok))] if ok.any() else candidates[0]

    # -- the Problem interface ---------------------------------------------------
    def f(self, X: np.ndarray) -> np.ndarray:
        return self.expression.value(X)

    def grad(self, X: np.ndarray) -> np.ndarray:
        return self.expression.gradient(X)

    def evaluation_cost(self) -> int:
        # every node of the value and gradient trees is an array op per point
        return max(self.dim, self.expression.size)

    def start(self) -> np.ndarray:
        return self._start.copy()

    def window(self) -> tuple[tuple[float, float], ...]:
        return self._window

    def minima(self) -> tuple[Minimum, ...]:
        return self._minima

    @property
    def spec(self) -> str:
        """The spec text this problem came from."""
        return self._spec if self._spec is not None else super().spec

    def undefined_reason(self, X: np.ndarray) -> list[str | None]:
        """Why f or its gradient is not finite at each row of X (None where both are)."""
        return self.expression.undefined_reason(X)

    def gradient_text(self) -> tuple[str, ...]:
        """The exact partial derivatives, one ``df/dx = ...`` line per variable."""
        return self.expression.gradient_text()


# -- spec strings ----------------------------------------------------------------

OPTIONS = ("start", "window", "minima", "noise", "name")


def _numbers(text: str, what: str) -> list[float]:
    try:
        return [float(p) for p in text.split(",")]
    except ValueError:
        raise SpecError(
            f"{what} '{text}' is not a list of numbers; write comma-separated numbers like -1.5,2"
        ) from None


def _ranges(text: str) -> list[tuple[float, float]]:
    ranges = []
    for item in text.split(","):
        lo, colon, hi = item.partition(":")
        try:
            if not colon:
                raise ValueError
            ranges.append((float(lo), float(hi)))
        except ValueError:
            raise SpecError(
                f"window '{text}' is not a list of LO:HI ranges; write one per "
                f"variable, like -2:2,-1:3"
            ) from None
    return ranges


def parse_expr_spec(text: str) -> dict[str, Any]:
    """The keyword arguments of :class:`ExprProblem` from ``expr:FORMULA;key=value;...``.

    Raises:
        SpecError: a formula error (with its column), an unknown or repeated
            option, an option without ``=``, or a value that is not numbers.
    """
    prefix, _, body = text.strip().partition(":")
    if prefix.strip().lower() != "expr":
        raise SpecError(f"'{text}' is not an expr spec; write expr:FORMULA;key=value;...")
    formula, *items = body.split(";")
    kwargs: dict[str, Any] = {"formula": parse_formula(formula.strip()), "spec": text.strip()}
    for item in items:
        if not item.strip():
            continue
        key, eq, value = (s.strip() for s in item.partition("="))
        if not eq or not key or not value:
            raise SpecError(
                f"expr option '{item.strip()}' is not key=value; write "
                f"expr:FORMULA;start=-1.5,2;window=-2:2,-1:3;minima=1,1"
            )
        key = key.lower()
        if key not in OPTIONS:
            raise SpecError(unknown_message("expr option", key, list(OPTIONS)))
        if key in kwargs:
            raise SpecError(f"expr option '{key}' is given twice")
        if key == "start":
            kwargs[key] = _numbers(value, "start")
        elif key == "window":
            kwargs[key] = _ranges(value)
        elif key == "minima":
            kwargs[key] = [_numbers(p, "minima") for p in value.split("|")]
        elif key == "noise":
            kwargs[key] = NOISE.convert(value, "expr option")
        else:
            kwargs[key] = value
    return kwargs


def problem_from_spec(text: str) -> ExprProblem:
    """The problem of ``expr:FORMULA;start=...;window=...;minima=...;noise=...;name=...``."""
    kwargs = parse_expr_spec(text)
    return ExprProblem(kwargs.pop("formula"), **kwargs)
