"""Tokens of a formula, with one-line errors that name the column."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from optcompare.errors import SpecError
from optcompare.formula.functions import ALIASES, ALLOWED, CONSTANTS, FUNCTION_NAMES, FUNCTIONS
from optcompare.registry import closest

#: Most variables accepted (x0 .. x999).
MAX_VARIABLES = 1000

_CHARACTERS = (
    "a formula may contain only numbers, names (x, y, x0, ..., pi, e, sin, ...), "
    "+ - * / ** ^, parentheses and spaces"
)


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "var", "const", "func", "op", "(", ")", "end"
    text: str
    col: int  # 1-based
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
        return SpecError(
            f"unexpected '=' at column {col}; write only the right-hand side, e.g. x**2 + y**2"
        )
    return SpecError(f"unexpected {ch!r} at column {col}; {_CHARACTERS}")


def _name_token(word: str, col: int) -> Token:
    if word in ("x", "y"):
        return Token("var", word, col, 0.0 if word == "x" else 1.0)
    m = _INDEXED.fullmatch(word)
    if m:
        index = int(m.group(1))
        if index >= MAX_VARIABLES:
            raise SpecError(
                f"variable '{word}' at column {col} is out of range; "
                f"at most {MAX_VARIABLES} variables, x0 to x{MAX_VARIABLES - 1}"
            )
        return Token("var", word, col, float(index))
    if word in CONSTANTS:
        return Token("const", word, col, CONSTANTS[word])
    if word in FUNCTIONS or word in ALIASES:
        return Token("func", word, col)
    if re.fullmatch(r"[xy]{2,}", word):
        hint = f"write {'*'.join(word)} for a product; "
    elif re.fullmatch(r"x0[0-9]+", word):
        hint = f"write x{int(word[1:])}; "
    else:
        near = closest(word.lower(), ["x", "y", "pi", *FUNCTION_NAMES])
        hint = f"did you mean {', '.join(near)}? " if near else ""
    raise SpecError(f"unknown name '{word}' at column {col}; {hint}allowed: {ALLOWED}")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
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
            tokens.append(Token("num", word, col, value))
        elif kind == "name":
            tokens.append(_name_token(word, col))
        elif kind == "op":
            tokens.append(Token(word if word in "()" else "op", word, col))
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def check_tokens(tokens: list[Token]) -> None:
    """Balanced parentheses and one naming of the variables."""
    opened: list[Token] = []
    for tok in tokens:
        if tok.kind == "(":
            opened.append(tok)
        elif tok.kind == ")":
            if not opened:
                raise SpecError(
                    f"unbalanced ')' at column {tok.col}; there is no '(' before it to close"
                )
            opened.pop()
    if opened:
        raise SpecError(f"unbalanced '(' at column {opened[-1].col}; it is never closed; add a ')'")
    letters = [t for t in tokens if t.kind == "var" and t.text in ("x", "y")]
    indexed = [t for t in tokens if t.kind == "var" and t.text not in ("x", "y")]
    if letters and indexed:
        later = max(letters[0], indexed[0], key=lambda t: t.col)
        raise SpecError(
            f"'{later.text}' at column {later.col} mixes the variables x, y with "
            f"x0, x1, ...; use one naming"
        )
