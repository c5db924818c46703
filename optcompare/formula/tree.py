"""The tree of a formula: nodes, the builder that shares and simplifies them, printing."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class Node:
    """One node of a formula's tree (shared: equal subtrees are the same object).

    Attributes:
        op: "num", "var", "neg", "add", "sub", "mul", "div", "pow", or a function name.
        args: the operands.
        value: the number of a "num", the index of a "var".
        label: how a named number is written ("pi", "e", "log(2)").
    """

    __slots__ = ("op", "args", "value", "label")

    def __init__(self, op: str, args: tuple[Node, ...], value: float, label: str) -> None:
        self.op, self.args, self.value, self.label = op, args, value, label

    def __repr__(self) -> str:
        return f"Node({to_text(self)!r})"


def is_num(node: Node, value: float | None = None) -> bool:
    return node.op == "num" and (value is None or node.value == value)


class Builder:
    """Makes nodes, sharing equal ones; the lower-case methods also simplify.

    ``make`` builds exactly what it is asked (the parser uses it, so f is
    evaluated as written).  ``add``, ``mul``, ... drop trivial terms (0*a, 1*a,
    a+0, --a, numbers folded) and are what differentiation uses, so that the
    gradient stays small and a factor that is structurally zero never turns an
    undefined partial into NaN.
    """

    def __init__(self) -> None:
        self._nodes: dict[tuple, Node] = {}

    def make(
        self, op: str, args: tuple[Node, ...] = (), value: float = 0.0, label: str = ""
    ) -> Node:
        key = (op, tuple(id(a) for a in args), value, math.copysign(1.0, value), label)
        node = self._nodes.get(key)
        if node is None:
            node = self._nodes[key] = Node(op, args, value, label)
        return node

    def num(self, value: float, label: str = "") -> Node:
        return self.make("num", value=float(value), label=label)

    def _fold(self, op: str, *args: Node) -> Node | None:
        if not all(a.op == "num" for a in args):
            return None
        with np.errstate(all="ignore"):
            value = float(ARITHMETIC[op](*(np.float64(a.value) for a in args)))
        return self.num(value) if math.isfinite(value) else None

    @staticmethod
    def _split(node: Node) -> tuple[float, Node | None]:
        """node as coefficient * rest (rest None when node is a plain number)."""
        if node.op == "num" and not node.label:
            return node.value, None
        if node.op == "mul" and node.args[0].op == "num" and not node.args[0].label:
            return node.args[0].value, node.args[1]
        return 1.0, node

    def neg(self, a: Node) -> Node:
        if a.op == "num" and not a.label:
            return self.num(-a.value)
        if a.op == "neg":
            return a.args[0]
        if a.op == "mul" and a.args[0].op == "num" and not a.args[0].label:
            return self.mul(self.num(-a.args[0].value), a.args[1])
        return self.make("neg", (a,))

    def add(self, a: Node, b: Node) -> Node:
        if is_num(a, 0.0):
            return b
        if is_num(b, 0.0):
            return a
        folded = self._fold("add", a, b)
        if folded is not None:
            return folded
        if b.op == "neg":
            return self.sub(a, b.args[0])
        c, rest = self._split(b)
        if c < 0:
            return self.sub(a, self.num(-c) if rest is None else self.mul(self.num(-c), rest))
        return self.make("add", (a, b))

    def sub(self, a: Node, b: Node) -> Node:
        if is_num(b, 0.0):
            return a
        if is_num(a, 0.0):
            return self.neg(b)
        folded = self._fold("sub", a, b)
        if folded is not None:
            return folded
        if b.op == "neg":
            return self.add(a, b.args[0])
        c, rest = self._split(b)
        if c < 0:
            return self.add(a, self.num(-c) if rest is None else self.mul(self.num(-c), rest))
        return self.make("sub", (a, b))

    def mul(self, a: Node, b: Node) -> Node:
        if is_num(a, 0.0) or is_num(b, 0.0):
            return self.num(0.0)
        if is_num(a, 1.0):
            return b
        if is_num(b, 1.0):
            return a
        folded = self._fold("mul", a, b)
        if folded is not None:
            return folded
        if a.op == "neg":
            return self.neg(self.mul(a.args[0], b))
        if b.op == "neg":
            return self.neg(self.mul(a, b.args[0]))
        ca, ra = self._split(a)
        cb, rb = self._split(b)
        if ca != 1.0 or cb != 1.0:  # numbers to the front: 2*(3*x) -> 6*x
            coef = ca * cb
            rest = rb if ra is None else ra if rb is None else self.mul(ra, rb)
            if rest is None or not math.isfinite(coef):
                return self.make("mul", (a, b))
            if coef == -1.0:
                return self.neg(rest)
            return self.make("mul", (self.num(coef), rest))
        return self.make("mul", (a, b))

    def div(self, a: Node, b: Node) -> Node:
        if is_num(a, 0.0):
            return a
        if is_num(b, 1.0):
            return a
        folded = self._fold("div", a, b)
        if folded is not None:
            return folded
        if a.op == "neg":
            return self.neg(self.div(a.args[0], b))
        return self.make("div", (a, b))

    def pow(self, a: Node, b: Node) -> Node:
        if is_num(b, 0.0):
            return self.num(1.0)
        if is_num(b, 1.0):
            return a
        folded = self._fold("pow", a, b)
        return folded if folded is not None else self.make("pow", (a, b))

    def call(self, name: str, a: Node) -> Node:
        return self.make(name, (a,))

    def times(self, a: Node, factor: Node) -> Node:
        """a * factor, written a / v when factor is 1/v (chain rule: du/u, not 1/u*du)."""
        if factor.op == "neg":
            return self.neg(self.times(a, factor.args[0]))
        if factor.op == "div" and is_num(factor.args[0], 1.0):
            return self.div(a, factor.args[1])
        return self.mul(factor, a)


#: The arithmetic the builder folds when both operands are numbers.
ARITHMETIC: dict[str, Callable[..., Any]] = {
    "neg": np.negative,
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "pow": np.power,
}


def postorder(roots: Sequence[Node]) -> list[Node]:
    """Every node reachable from roots once, operands before their users (no recursion)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args) if id(a) not in seen)
    return order


_INFIX = {"add": (" + ", 1), "sub": (" - ", 1), "mul": ("*", 2), "div": ("/", 2)}
_DISPLAY = {"sign": "sign"}


def number_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def to_text(root: Node, names: Sequence[str] | None = None) -> str:
    """The node as a formula that parses back to the same tree (minimal parentheses)."""
    done: dict[int, tuple[str, int]] = {}  # text and precedence: 1 +-, 2 */, 3 unary, 4 **, 5 atom

    def wrap(node: Node, at_least: int) -> str:
        text, prec = done[id(node)]
        return text if prec >= at_least else f"({text})"

    for node in postorder([root]):
        if node.op == "num":
            if node.label:
                done[id(node)] = (node.label, 5)
            else:
                done[id(node)] = (number_text(node.value), 3 if node.value < 0 else 5)
        elif node.op == "var":
            i = int(node.value)
            done[id(node)] = (names[i] if names else f"x{i}", 5)
        elif node.op in _INFIX:
            symbol, prec = _INFIX[node.op]
            a, b = node.args
            done[id(node)] = (wrap(a, prec) + symbol + wrap(b, prec + 1), prec)
        elif node.op == "neg":
            inner = wrap(node.args[0], 3)
            done[id(node)] = ("-" + (f"({inner})" if inner.startswith("-") else inner), 3)
        elif node.op == "pow":
            a, b = node.args
            done[id(node)] = (wrap(a, 5) + "**" + wrap(b, 3), 4)
        else:
            done[id(node)] = (f"{_DISPLAY.get(node.op, node.op)}({wrap(node.args[0], 0)})", 5)
    return done[id(root)][0]
