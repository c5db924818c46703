"""The recursive-descent parser: tokens to a tree, then a :class:`Formula`."""

from __future__ import annotations

from optcompare.errors import SpecError
from optcompare.formula.evaluate import Formula
from optcompare.formula.functions import ALIASES
from optcompare.formula.lexer import Token, check_tokens, tokenize
from optcompare.formula.tree import Builder, Node

#: Longest formula accepted, in characters.
MAX_LENGTH = 10_000
#: Deepest nesting of parentheses, unary signs and powers accepted.
MAX_NESTING = 64

_OPERAND = "expected a number, a variable, a function or '('"


class _Parser:
    def __init__(self, tokens: list[Token], builder: Builder) -> None:
        self.tokens, self.b = tokens, builder
        self.pos = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def next(self) -> Token:
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
            raise SpecError(
                f"formula nests too deeply at column {self.peek().col} "
                f"(more than {MAX_NESTING} levels)"
            )
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
                raise SpecError(
                    f"function '{tok.text}' at column {tok.col} needs its argument "
                    f"in parentheses, e.g. {tok.text}(x)"
                )
            self.next()
            if self.peek().kind == ")":
                raise SpecError(
                    f"'{tok.text}()' at column {tok.col} needs an argument, e.g. {tok.text}(x)"
                )
            return self.b.make(name, (self.inside_parentheses(),))
        if tok.kind == "(":
            if self.peek().kind == ")":
                raise SpecError(f"empty parentheses at column {tok.col}; put an expression inside")
            return self.inside_parentheses()
        if tok.kind == "end":
            prev = self.tokens[self.pos - 2]
            raise SpecError(
                f"formula ends after '{prev.text}' at column {prev.col}; {_OPERAND} after it"
            )
        raise SpecError(f"unexpected '{tok.text}' at column {tok.col}; {_OPERAND}")

    def inside_parentheses(self) -> Node:
        node = self.sum()
        if self.peek().kind != ")":
            raise self.missing_operator(self.peek())
        self.next()
        return node

    @staticmethod
    def missing_operator(tok: Token) -> SpecError:
        # Parentheses are balanced, so what follows a complete term starts another one.
        return SpecError(
            f"missing operator before '{tok.text}' at column {tok.col}; "
            f"join terms with + - * / or **, e.g. 2*x"
        )


def parse_formula(text: str) -> Formula:
    """Parse a formula (grammar: see :mod:`optcompare.formula`) and differentiate it.

    Raises:
        SpecError: one line naming the 1-based column and what is allowed there.
    """
    if not isinstance(text, str):
        raise SpecError(f"a formula must be text, not {type(text).__name__}")
    if not text.strip():
        raise SpecError("empty formula; write one in x, y such as (1-x)**2 + 100*(y-x**2)**2")
    if len(text) > MAX_LENGTH:
        raise SpecError(f"formula is too long ({len(text)} characters; at most {MAX_LENGTH})")
    tokens = tokenize(text)
    check_tokens(tokens)
    builder = Builder()
    root = _Parser(tokens, builder).parse()
    used = [t for t in tokens if t.kind == "var"]
    if not used:
        raise SpecError("the formula has no variable; use x and y, or x0, x1, ...")
    if used[0].text in ("x", "y"):
        variables: tuple[str, ...] = ("x", "y") if any(t.text == "y" for t in used) else ("x",)
    else:
        variables = tuple(f"x{i}" for i in range(int(max(t.value for t in used)) + 1))
    return Formula(text, root, variables, builder)
