"""User formulas: parsing, exact gradients and vectorised evaluation.

A formula is parsed by a small recursive-descent parser into a tree of this
package's own nodes (never ``eval``: only the grammar below is accepted, so a
formula cannot reach attributes, imports or files), evaluated with numpy on a
batch of points, and differentiated exactly (symbolic reverse mode over the
tree), not by finite differences.  This package knows nothing of problems;
:mod:`optcompare.problem.formula` makes a problem of a formula.

Formula grammar (Python's precedence)::

    sum     := product (('+' | '-') product)*
    product := unary (('*' | '/') unary)*
    unary   := ('-' | '+') unary | power
    power   := atom [('**' | '^') unary]
    atom    := NUMBER | VARIABLE | CONSTANT | FUNCTION '(' sum ')' | '(' sum ')'

- Numbers: ``2``, ``0.5``, ``.5``, ``1e-3``, ``2.5E+4``.
- ``**`` is the power; ``^`` means the same (it is not XOR).  Power is
  right-associative and binds tighter than unary minus, as in Python:
  ``-x**2`` is ``-(x**2)``, ``2**3**2`` is ``2**9``, ``2**-1`` is 0.5.
  ``a-b-c`` is ``(a-b)-c`` and ``a/b/c`` is ``(a/b)/c``.
- Variables: ``x`` and ``y`` (a formula in ``x`` alone has dimension 1, one
  that uses ``y`` has dimension 2), or ``x0, x1, ..., x999`` (dimension = the
  highest index + 1).  The two namings cannot be mixed.  A product needs its
  ``*``: ``2*x``, not ``2x``.
- Constants: ``pi`` and ``e``.
- Functions, of one argument in parentheses: ``sin cos tan exp log`` (natural)
  ``log2 log10 sqrt abs sinh cosh tanh arcsin arccos arctan`` (also spelt
  ``asin acos atan``) and ``sigmoid`` (1 / (1 + exp(-u))).
- Spaces are ignored.  Errors are one line giving the 1-based column within
  the formula and what is allowed there.

Where the formula is not defined or not differentiable (sqrt or log of a
negative number, division by zero, overflow, abs or sqrt at 0) evaluation
warns about nothing and raises nothing: f or the gradient is NaN or inf there,
which the engine records as divergence, and :meth:`Formula.undefined_reason`
says why.  The gradient of ``abs(u)`` is NaN wherever u is exactly 0 (its
kink), even where another factor would cancel it, so a run that lands exactly
on a kink is marked rather than given an arbitrary subgradient.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from optcompare.errors import SpecError
from optcompare.registry import closest

#: Longest formula accepted, in characters.
MAX_LENGTH = 10_000
#: Deepest nesting of parentheses, unary signs and powers accepted.
MAX_NESTING = 64
#: Most variables accepted (x0 .. x999).
MAX_VARIABLES = 1000


# -- the tree --------------------------------------------------------------------

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


def _is_num(node: Node, value: float | None = None) -> bool:
    return node.op == "num" and (value is None or node.value == value)


class _Builder:
    """Makes nodes, sharing equal ones; the lower-case methods also simplify.

    ``make`` builds exactly what it is asked (the parser uses it, so f is
    evaluated as written).  ``add``, ``mul``, ... drop trivial terms (0*a, 1*a,
    a+0, --a, numbers folded) and are what differentiation uses, so that the
    gradient stays small and a factor that is structurally zero never turns an
    undefined partial into NaN.
    """

    def __init__(self) -> None:
        self._nodes: dict[tuple, Node] = {}

    def make(self, op: str, args: tuple[Node, ...] = (), value: float = 0.0,
             label: str = "") -> Node:
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
            value = float(_NUMPY[op](*(np.float64(a.value) for a in args)))
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
        if _is_num(a, 0.0):
            return b
        if _is_num(b, 0.0):
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
        if _is_num(b, 0.0):
            return a
        if _is_num(a, 0.0):
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
        if _is_num(a, 0.0) or _is_num(b, 0.0):
            return self.num(0.0)
        if _is_num(a, 1.0):
            return b
        if _is_num(b, 1.0):
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
        if _is_num(a, 0.0):
            return a
        if _is_num(b, 1.0):
            return a
        folded = self._fold("div", a, b)
        if folded is not None:
            return folded
        if a.op == "neg":
            return self.neg(self.div(a.args[0], b))
        return self.make("div", (a, b))

    def pow(self, a: Node, b: Node) -> Node:
        if _is_num(b, 0.0):
            return self.num(1.0)
        if _is_num(b, 1.0):
            return a
        folded = self._fold("pow", a, b)
        return folded if folded is not None else self.make("pow", (a, b))

    def call(self, name: str, a: Node) -> Node:
        return self.make(name, (a,))

    def times(self, a: Node, factor: Node) -> Node:
        """a * factor, written a / v when factor is 1/v (chain rule: du/u, not 1/u*du)."""
        if factor.op == "neg":
            return self.neg(self.times(a, factor.args[0]))
        if factor.op == "div" and _is_num(factor.args[0], 1.0):
            return self.div(a, factor.args[1])
        return self.mul(factor, a)


# -- functions -------------------------------------------------------------------

@dataclass(frozen=True)
class _Function:
    numpy: Callable[[Any], Any]
    #: f'(u) as a node, from the builder, u and the node f(u) itself
    derivative: Callable[[_Builder, Node, Node], Node]


def _sigmoid(u):
    return np.exp(-np.logaddexp(0.0, -u))  # no overflow for large |u|


def _sign_or_nan(u):
    return np.where(u == 0, np.nan, np.sign(u))


def _one_over(b: _Builder, v: Node) -> Node:
    return b.div(b.num(1.0), v)


FUNCTIONS: dict[str, _Function] = {
    "sin": _Function(np.sin, lambda b, u, fu: b.call("cos", u)),
    "cos": _Function(np.cos, lambda b, u, fu: b.neg(b.call("sin", u))),
    "tan": _Function(np.tan, lambda b, u, fu: b.add(b.num(1.0), b.pow(fu, b.num(2.0)))),
    "exp": _Function(np.exp, lambda b, u, fu: fu),
    "log": _Function(np.log, lambda b, u, fu: _one_over(b, u)),
    "log2": _Function(np.log2, lambda b, u, fu: _one_over(
        b, b.make("mul", (u, b.num(math.log(2.0), "log(2)"))))),
    "log10": _Function(np.log10, lambda b, u, fu: _one_over(
        b, b.make("mul", (u, b.num(math.log(10.0), "log(10)"))))),
    "sqrt": _Function(np.sqrt, lambda b, u, fu: _one_over(b, b.mul(b.num(2.0), fu))),
    "abs": _Function(np.abs, lambda b, u, fu: b.call("sign", u)),
    "sinh": _Function(np.sinh, lambda b, u, fu: b.call("cosh", u)),
    "cosh": _Function(np.cosh, lambda b, u, fu: b.call("sinh", u)),
    "tanh": _Function(np.tanh, lambda b, u, fu: b.sub(b.num(1.0), b.pow(fu, b.num(2.0)))),
    "arcsin": _Function(np.arcsin, lambda b, u, fu: _one_over(
        b, b.call("sqrt", b.sub(b.num(1.0), b.pow(u, b.num(2.0)))))),
    "arccos": _Function(np.arccos, lambda b, u, fu: b.neg(_one_over(
        b, b.call("sqrt", b.sub(b.num(1.0), b.pow(u, b.num(2.0))))))),
    "arctan": _Function(np.arctan, lambda b, u, fu: _one_over(
        b, b.add(b.num(1.0), b.pow(u, b.num(2.0))))),
    "sigmoid": _Function(_sigmoid, lambda b, u, fu: b.mul(fu, b.sub(b.num(1.0), fu))),
}
#: Only differentiation makes "sign" (the slope of abs; NaN at 0): users cannot write it.
_INTERNAL = {"sign": _Function(_sign_or_nan, lambda b, u, fu: b.num(0.0))}
ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}
CONSTANTS = {"pi": math.pi, "e": math.e}

_NUMPY: dict[str, Callable[..., Any]] = {
    "neg": np.negative, "add": np.add, "sub": np.subtract, "mul": np.multiply,
    "div": np.divide, "pow": np.power,
    **{name: fn.numpy for name, fn in {**FUNCTIONS, **_INTERNAL}.items()},
}

FUNCTION_NAMES = (*FUNCTIONS, *ALIASES)
ALLOWED = "x, y (or x0, x1, ...), pi, e, " + ", ".join(FUNCTION_NAMES)
_OPERAND = "expected a number, a variable, a function or '('"
_CHARACTERS = ("a formula may contain only numbers, names (x, y, x0, ..., pi, e, sin, ...), "
               "+ - * / ** ^, parentheses and spaces")


# -- tokens and parser -----------------------------------------------------------

@dataclass(frozen=True)
class _Token:
    kind: str    # "num", "var", "const", "func", "op", "(", ")", "end"
    text: str
    col: int     # 1-based
    value: float = 0.0


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^()])",
    re.ASCII,
)
_INDEXED = re.compile(r"x(0|[1-9][0-9]*)", re.ASCII)


def _bad_character(ch: str, col: int) -> SpecError:
    if ch == ",":
        return SpecError(f"unexpected ',' at column {col}; every function takes one argument")
    if ch == "=":
        return SpecError(f"unexpected '=' at column {col}; write only the right-hand side, "
                         f"e.g. x**2 + y**2")
    return SpecError(f"unexpected {ch!r} at column {col}; {_CHARACTERS}")


def _name_token(word: str, col: int) -> _Token:
    if word in ("x", "y"):
        return _Token("var", word, col, 0.0 if word == "x" else 1.0)
    m = _INDEXED.fullmatch(word)
    if m:
        index = int(m.group(1))
        if index >= MAX_VARIABLES:
            raise SpecError(f"variable '{word}' at column {col} is out of range; "
                            f"at most {MAX_VARIABLES} variables, x0 to x{MAX_VARIABLES - 1}")
        return _Token("var", word, col, float(index))
    if word in CONSTANTS:
        return _Token("const", word, col, CONSTANTS[word])
    if word in FUNCTIONS or word in ALIASES:
        return _Token("func", word, col)
    if re.fullmatch(r"[xy]{2,}", word):
        hint = f"write {'*'.join(word)} for a product; "
    elif re.fullmatch(r"x0[0-9]+", word):
        hint = f"write x{int(word[1:])}; "
    else:
        near = closest(word.lower(), ["x", "y", "pi", *FUNCTION_NAMES])
        hint = f"did you mean {', '.join(near)}? " if near else ""
    raise SpecError(f"unknown name '{word}' at column {col}; {hint}allowed: {ALLOWED}")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _bad_character(text[pos], pos + 1)
        kind, word, col = m.lastgroup, m.group(), pos + 1
        pos = m.end()
        if kind == "num":
            value = float(word)
            if not math.isfinite(value):
                raise SpecError(f"number '{word}' at column {col} is too large")
            tokens.append(_Token("num", word, col, value))
        elif kind == "name":
            tokens.append(_name_token(word, col))
        elif kind == "op":
            tokens.append(_Token(word if word in "()" else "op", word, col))
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


def _check_tokens(tokens: list[_Token]) -> None:
    """Balanced parentheses and one naming of the variables."""
    opened: list[_Token] = []
    for tok in tokens:
        if tok.kind == "(":
            opened.append(tok)
        elif tok.kind == ")":
            if not opened:
                raise SpecError(f"unbalanced ')' at column {tok.col}; "
                                f"there is no '(' before it to close")
            opened.pop()
    if opened:
        raise SpecError(f"unbalanced '(' at column {opened[-1].col}; it is never closed; "
                        f"add a ')'")
    letters = [t for t in tokens if t.kind == "var" and t.text in ("x", "y")]
    indexed = [t for t in tokens if t.kind == "var" and t.text not in ("x", "y")]
    if letters and indexed:
        later = max(letters[0], indexed[0], key=lambda t: t.col)
        raise SpecError(f"'{later.text}' at column {later.col} mixes the variables x, y with "
                        f"x0, x1, ...; use one naming")


class _Parser:
    def __init__(self, tokens: list[_Token], builder: _Builder) -> None:
        self.tokens, self.b = tokens, builder
        self.pos = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def next(self) -> _Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def at(self, *ops: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.text in ops

    def parse(self) -> Node:
        node = self.sum()
        if self.peek().kind != "end":
            raise self.missing_operator(self.peek())
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.at("+", "-"):
            op = "add" if self.next().text == "+" else "sub"
            node = self.b.make(op, (node, self.product()))
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at("*", "/"):
            op = "mul" if self.next().text == "*" else "div"
            node = self.b.make(op, (node, self.unary()))
        return node

    def unary(self) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise SpecError(f"formula nests too deeply at column {self.peek().col} "
                            f"(more than {MAX_NESTING} levels)")
        try:
            if self.at("-", "+"):
                sign = self.next().text
                operand = self.unary()
                return self.b.make("neg", (operand,)) if sign == "-" else operand
            return self.power()
        finally:
            self.depth -= 1

    def power(self) -> Node:
        base = self.atom()
        if self.at("**", "^"):
            self.next()
            return self.b.make("pow", (base, self.unary()))  # right-associative
        return base

    def atom(self) -> Node:
        tok = self.next()
        if tok.kind == "num":
            return self.b.num(tok.value)
        if tok.kind == "var":
            return self.b.make("var", value=tok.value)
        if tok.kind == "const":
            return self.b.num(tok.value, tok.text)
        if tok.kind == "func":
            name = ALIASES.get(tok.text, tok.text)
            if self.peek().kind != "(":
                raise SpecError(f"function '{tok.text}' at column {tok.col} needs its argument "
                                f"in parentheses, e.g. {tok.text}(x)")
            self.next()
            if self.peek().kind == ")":
                raise SpecError(f"'{tok.text}()' at column {tok.col} needs an argument, "
                                f"e.g. {tok.text}(x)")
            return self.b.make(name, (self.inside_parentheses(),))
        if tok.kind == "(":
            if self.peek().kind == ")":
                raise SpecError(f"empty parentheses at column {tok.col}; "
                                f"put an expression inside")
            return self.inside_parentheses()
        if tok.kind == "end":
            prev = self.tokens[self.pos - 2]
            raise SpecError(f"formula ends after '{prev.text}' at column {prev.col}; "
                            f"{_OPERAND} after it")
        raise SpecError(f"unexpected '{tok.text}' at column {tok.col}; {_OPERAND}")

    def inside_parentheses(self) -> Node:
        node = self.sum()
        if self.peek().kind != ")":
            raise self.missing_operator(self.peek())
        self.next()
        return node

    @staticmethod
    def missing_operator(tok: _Token) -> SpecError:
        # Parentheses are balanced, so what follows a complete term starts another one.
        return SpecError(f"missing operator before '{tok.text}' at column {tok.col}; "
                         f"join terms with + - * / or **, e.g. 2*x")


# -- traversal, printing, evaluation ----------------------------------------------

def _postorder(roots: Sequence[Node]) -> list[Node]:
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


def _number_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def to_text(root: Node, names: Sequence[str] | None = None) -> str:
    """The node as a formula that parses back to the same tree (minimal parentheses)."""
    done: dict[int, tuple[str, int]] = {}  # text and precedence: 1 +-, 2 */, 3 unary, 4 **, 5 atom

    def wrap(node: Node, at_least: int) -> str:
        text, prec = done[id(node)]
        return text if prec >= at_least else f"({text})"

    for node in _postorder([root]):
        if node.op == "num":
            if node.label:
                done[id(node)] = (node.label, 5)
            else:
                done[id(node)] = (_number_text(node.value), 3 if node.value < 0 else 5)
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


@dataclass(frozen=True)
class _Program:
    """A list of nodes in evaluation order, ready to run on a batch."""

    nodes: tuple[Node, ...]
    steps: tuple[tuple[int, Any, tuple[int, ...]], ...]
    outputs: tuple[int, ...]

    @classmethod
    def of(cls, roots: Sequence[Node]) -> _Program:
        nodes = _postorder(roots)
        index = {id(n): k for k, n in enumerate(nodes)}
        steps = []
        for n in nodes:
            if n.op == "num":
                steps.append((0, n.value, ()))
            elif n.op == "var":
                steps.append((1, int(n.value), ()))
            else:
                steps.append((2, _NUMPY[n.op], tuple(index[id(a)] for a in n.args)))
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


def _gradient(b: _Builder, root: Node, dim: int) -> tuple[Node, ...]:
    """d root / d x_i for every i: symbolic reverse mode, one pass over the tree.

    Each node's adjoint (d root / d node) is pushed to its operands times the
    local partial derivative; operands that hold no variable get nothing, so
    an undefined partial of a constant (log of a negative number) never shows.
    """
    order = _postorder([root])
    varying: set[int] = set()
    for node in order:
        if node.op == "var" or any(id(a) in varying for a in node.args):
            varying.add(id(node))
    adjoint: dict[int, Node] = {id(root): b.num(1.0)}
    by_index: dict[int, Node] = {}

    def push(operand: Node, amount: Node) -> None:
        if id(operand) in varying:
            old = adjoint.get(id(operand))
            adjoint[id(operand)] = amount if old is None else b.add(old, amount)

    for node in reversed(order):
        a = adjoint.get(id(node))
        if a is None or id(node) not in varying:
            continue
        op, args = node.op, node.args
        if op == "var":
            by_index[int(node.value)] = a
        elif op == "neg":
            push(args[0], b.neg(a))
        elif op == "add":
            push(args[0], a)
            push(args[1], a)
        elif op == "sub":
            push(args[0], a)
            push(args[1], b.neg(a))
        elif op == "mul":
            push(args[0], b.mul(a, args[1]))
            push(args[1], b.mul(args[0], a))
        elif op == "div":
            u, v = args
            push(u, b.div(a, v))
            if id(v) in varying:
                push(v, b.neg(b.mul(a, b.div(node, v))))   # -a * (u/v) / v
        elif op == "pow":
            u, v = args
            if id(u) in varying:  # v * u**(v-1)
                push(u, b.mul(a, b.mul(v, b.pow(u, b.sub(v, b.num(1.0))))))
            if id(v) in varying:  # u**v * log(u)
                push(v, b.mul(a, b.mul(node, b.call("log", u))))
        else:
            (u,) = args
            push(u, b.times(a, FUNCTIONS[op].derivative(b, u, node)))
    zero = b.num(0.0)
    return tuple(by_index.get(i, zero) for i in range(dim))


# -- formulas --------------------------------------------------------------------

_WHAT = {"neg": "the negation", "add": "the sum", "sub": "the difference",
         "mul": "the product", "div": "the quotient", "pow": "the power"}


class Formula:
    """A parsed formula in ``dim`` variables with its exact gradient.

    Attributes:
        text: the formula as written.
        variables: the variable names, index i is column i of X.
        dim: the number of variables.
        root: the tree of f; ``gradient_nodes`` the trees of df/dx_i.
    """

    def __init__(self, text: str, root: Node, variables: tuple[str, ...],
                 builder: _Builder) -> None:
        self.text = text.strip()
        self.root = root
        self.variables = variables
        self.dim = len(variables)
        self.gradient_nodes = _gradient(builder, root, self.dim)
        self._f = _Program.of([root])
        self._g = _Program.of(self.gradient_nodes)
        self._varying = {id(n) for n in self._f.nodes if n.op == "var"}
        for n in self._f.nodes:
            if any(id(a) in self._varying for a in n.args):
                self._varying.add(id(n))

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

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
        """The formula as this module reads it, with only the needed parentheses."""
        return to_text(self.root, self.variables)

    def gradient_text(self) -> tuple[str, ...]:
        """One line per variable: ``df/dx = ...``."""
        return tuple(f"df/d{name} = {to_text(node, self.variables)}"
                     for name, node in zip(self.variables, self.gradient_nodes, strict=True))

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
                    reasons[r] = f"{self._kink(values, r)}, where {self.where(X[r])}"
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


def parse_formula(text: str) -> Formula:
    """Parse a formula (grammar in the module docstring) and differentiate it.

    Raises:
        SpecError: one line naming the 1-based column and what is allowed there.
    """
    if not isinstance(text, str):
        raise SpecError(f"a formula must be text, not {type(text).__name__}")
    if not text.strip():
        raise SpecError("empty formula; write one in x, y such as (1-x)**2 + 100*(y-x**2)**2")
    if len(text) > MAX_LENGTH:
        raise SpecError(f"formula is too long ({len(text)} characters; at most {MAX_LENGTH})")
    tokens = _tokenize(text)
    _check_tokens(tokens)
    builder = _Builder()
    root = _Parser(tokens, builder).parse()
    used = [t for t in tokens if t.kind == "var"]
    if not used:
        raise SpecError("the formula has no variable; use x and y, or x0, x1, ...")
    if used[0].text in ("x", "y"):
        variables: tuple[str, ...] = ("x", "y") if any(t.text == "y" for t in used) else ("x",)
    else:
        variables = tuple(f"x{i}" for i in range(int(max(t.value for t in used)) + 1))
    return Formula(text, root, variables, builder)
