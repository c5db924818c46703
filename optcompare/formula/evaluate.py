"""A parsed formula evaluated on a batch of points, and why it is undefined where it is."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from optcompare.errors import SpecError
from optcompare.formula.functions import NUMPY
from optcompare.formula.gradient import differentiate
from optcompare.formula.tree import Builder, Node, postorder, to_text


@dataclass(frozen=True)
class Program:
    """A list of nodes in evaluation order, ready to run on a batch."""

    nodes: tuple[Node, ...]
    steps: tuple[tuple[int, Any, tuple[int, ...]], ...]
    outputs: tuple[int, ...]

    @classmethod
    def of(cls, roots: Sequence[Node]) -> Program:
        nodes = postorder(roots)
        index = {id(n): k for k, n in enumerate(nodes)}
        steps: list[tuple[int, Any, tuple[int, ...]]] = []
        for n in nodes:
            if n.op == "num":
                steps.append((0, n.value, ()))
            elif n.op == "var":
                steps.append((1, int(n.value), ()))
            else:
                steps.append((2, NUMPY[n.op], tuple(index[id(a)] for a in n.args)))
        return cls(tuple(nodes), tuple(steps), tuple(index[id(r)] for r in roots))

    def run(self, X: np.ndarray) -> list[Any]:
        """The value of every node (numbers stay scalars), warning about nothing."""
        values: list[Any] = []
        with np.errstate(all="ignore"):
            for kind, what, args in self.steps:
                if kind == 0:
                    values.append(np.float64(what))
                elif kind == 1:
                    values.append(X[:, what])
                else:
                    values.append(what(*(values[i] for i in args)))
        return values


_WHAT = {
    "neg": "the negation",
    "add": "the sum",
    "sub": "the difference",
    "mul": "the product",
    "div": "the quotient",
    "pow": "the power",
}


class Formula:
    """A parsed formula in ``dim`` variables with its exact gradient.

    Attributes:
        text: the formula as written.
        variables: the variable names, index i is column i of X.
        dim: the number of variables.
        root: the tree of f; ``gradient_nodes`` the trees of df/dx_i.
    """

    def __init__(self, text: str, root: Node, variables: tuple[str, ...], builder: Builder) -> None:
        self.text = text.strip()
        self.root = root
        self.variables = variables
        self.dim = len(variables)
        self.gradient_nodes = differentiate(builder, root, self.dim)
        self._f = Program.of([root])
        self._g = Program.of(self.gradient_nodes)
        self._varying = {id(n) for n in self._f.nodes if n.op == "var"}
        for n in self._f.nodes:
            if any(id(a) in self._varying for a in n.args):
                self._varying.add(id(n))

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    @property
    def size(self) -> int:
        """Operations of one evaluation of f and its gradient (each an array per point)."""
        return len(self._f.nodes) + len(self._g.nodes)

    def _points(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise SpecError(f"points must have shape (runs, {self.dim}), got {X.shape}")
        return X

    def value(self, X: np.ndarray) -> np.ndarray:
        """f at each row of X: shape (runs,); NaN or inf where undefined."""
        X = self._points(X)
        out = self._f.run(X)[self._f.outputs[0]]
        return np.array(np.broadcast_to(out, (len(X),)), dtype=float)

    def gradient(self, X: np.ndarray) -> np.ndarray:
        """The exact gradient at each row of X: shape (runs, dim); NaN where undefined."""
        X = self._points(X)
        values = self._g.run(X)
        G = np.empty(X.shape)
        for i, k in enumerate(self._g.outputs):
            G[:, i] = values[k]
        return G

    def canonical(self) -> str:
        """The formula as this package reads it, with only the needed parentheses."""
        return to_text(self.root, self.variables)

    def gradient_text(self) -> tuple[str, ...]:
        """One line per variable: ``df/dx = ...``."""
        return tuple(
            f"df/d{name} = {to_text(node, self.variables)}"
            for name, node in zip(self.variables, self.gradient_nodes, strict=True)
        )

    def where(self, x: np.ndarray) -> str:
        shown = ", ".join(f"{n}={v:.6g}" for n, v in zip(self.variables[:6], x[:6], strict=True))
        return shown + (", ..." if self.dim > 6 else "")

    def undefined_reason(self, X: np.ndarray, gradient: bool = True) -> list[str | None]:
        """Why f (or, with ``gradient``, its gradient) is not finite at each row of X.

        None where it is finite; otherwise the innermost operation that failed
        and the point, e.g. ``"sqrt of a negative number (-0.75), where x=-1, y=0.25"``.
        """
        X = self._points(X)
        n = len(X)
        reasons: list[str | None] = [None] * n
        for r in np.flatnonzero(~np.all(np.isfinite(X), axis=1)):
            reasons[r] = "the point is not finite"
        # the value of node k is values[k]: the program lists nodes in evaluation order,
        # so the first node that is not finite from finite operands is the innermost cause
        values = [np.broadcast_to(v, (n,)) for v in self._f.run(X)]
        for k, (node, step) in enumerate(zip(self._f.nodes, self._f.steps, strict=True)):
            if node.op in ("num", "var"):
                continue
            args = [values[i] for i in step[2]]
            ok_args = np.ones(n, dtype=bool)
            for a in args:
                ok_args &= np.isfinite(a)
            for r in np.flatnonzero(ok_args & ~np.isfinite(values[k])):
                if reasons[r] is None:
                    why = _why(node, [float(a[r]) for a in args])
                    reasons[r] = f"{why}, where {self.where(X[r])}"
        if gradient:
            G = self.gradient(X)
            for r in np.flatnonzero(~np.all(np.isfinite(G), axis=1)):
                if reasons[r] is None:
                    reasons[r] = f"{self._kink(values, int(r))}, where {self.where(X[r])}"
        return reasons

    def _kink(self, values: list[np.ndarray], r: int) -> str:
        """Why the gradient is not finite at row r although f is."""
        for node, step in zip(self._f.nodes, self._f.steps, strict=True):
            if not any(id(a) in self._varying for a in node.args):
                continue
            u = float(values[step[2][0]][r])
            op = node.op
            if op == "abs" and u == 0:
                return "abs is not differentiable at 0"
            if op == "sqrt" and u == 0:
                return "sqrt is not differentiable at 0 (its slope is infinite)"
            if op in ("arcsin", "arccos") and abs(u) == 1:
                return f"{op} is not differentiable at {u:g} (its slope is infinite)"
            if op == "pow":
                p = float(values[step[2][1]][r])
                if u == 0 and p < 1 and id(node.args[0]) in self._varying:
                    return f"0**{p:g} has no finite slope"
                if u <= 0 and id(node.args[1]) in self._varying:
                    return f"a**b with a={u:g} <= 0 has no derivative in b (log of a is undefined)"
        return "the gradient overflows"


def _why(node: Node, args: list[float]) -> str:
    """Why node is not finite although its operands are."""
    op = node.op
    u = args[0] if args else math.nan
    if op == "sqrt" and u < 0:
        return f"sqrt of a negative number ({u:g})"
    if op in ("log", "log2", "log10") and u <= 0:
        return f"{op} of a non-positive number ({u:g})"
    if op in ("arcsin", "arccos") and abs(u) > 1:
        return f"{op} of a number outside [-1, 1] ({u:g})"
    if op == "div" and args[1] == 0:
        return "division by zero"
    if op == "pow":
        a, p = args
        if a < 0 and p != round(p):
            return f"a negative number to a non-integer power (({a:g})**{p:g})"
        if a == 0 and p < 0:
            return f"zero to a negative power (0**{p:g})"
        base = f"({a:g})" if a < 0 else f"{a:g}"
        return f"the power overflows ({base}**{p:g})"
    if op in _WHAT:
        return f"{_WHAT[op]} overflows"
    return f"{op} overflows ({op}({u:g}))"
