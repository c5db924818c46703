"""Problems from a formula: the parser, exact gradients, specs and problem files.

Values and gradients are checked three ways: against hand-written numpy, against
central differences, and (for random formulas built from the grammar) against
forward-mode dual numbers computed alongside the formula text.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import optcompare
import optcompare.formula as formula_package
import optcompare.problem.files as problem_files
from optcompare.errors import SpecError
from optcompare.formula import parse_formula
from optcompare.problem import (
    PROBLEMS,
    Problem,
    load_problem_dir,
    make_problem,
    problem_class,
    problem_names,
)
from optcompare.problem.formula import ExprProblem, parse_expr_spec, problem_from_spec

FEW = settings(max_examples=40, deadline=None)
coord = st.floats(-2.0, 2.0, allow_nan=False)


def central_differences(formula, x: np.ndarray) -> np.ndarray:
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    steps = np.diag(h)
    F = formula.value(np.concatenate([x + steps, x - steps]))
    return (F[: len(x)] - F[len(x) :]) / (2.0 * h)


# -- values and gradients against hand-written numpy ---------------------------------


def _sig(u):
    return 1.0 / (1.0 + np.exp(-u))


# (formula, f(x, y), gradient(x, y), box of the test points)
TABLE = [
    ("x**2 + y**2", lambda x, y: x**2 + y**2, lambda x, y: (2 * x, 2 * y), 2),
    (
        "(1-x)**2 + 100*(y-x**2)**2",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
        2,
    ),
    (
        "sin(x)*cos(y)",
        lambda x, y: np.sin(x) * np.cos(y),
        lambda x, y: (np.cos(x) * np.cos(y), -np.sin(x) * np.sin(y)),
        2,
    ),
    (
        "exp(-(x**2 + y**2))",
        lambda x, y: np.exp(-(x**2 + y**2)),
        lambda x, y: (-2 * x * np.exp(-(x**2 + y**2)), -2 * y * np.exp(-(x**2 + y**2))),
        2,
    ),
    (
        "log(1 + x**2) + sqrt(1 + y**2)",
        lambda x, y: np.log(1 + x**2) + np.sqrt(1 + y**2),
        lambda x, y: (2 * x / (1 + x**2), y / np.sqrt(1 + y**2)),
        2,
    ),
    (
        "tan(x/2) + tanh(y)",
        lambda x, y: np.tan(x / 2) + np.tanh(y),
        lambda x, y: (0.5 / np.cos(x / 2) ** 2, 1 - np.tanh(y) ** 2),
        2,
    ),
    (
        "sinh(x) - cosh(y)",
        lambda x, y: np.sinh(x) - np.cosh(y),
        lambda x, y: (np.cosh(x), -np.sinh(y)),
        2,
    ),
    (
        "arctan(x*y) + atan(x)",
        lambda x, y: np.arctan(x * y) + np.arctan(x),
        lambda x, y: (y / (1 + (x * y) ** 2) + 1 / (1 + x**2), x / (1 + (x * y) ** 2)),
        2,
    ),
    (
        "arcsin(x/3) + acos(y/3) + asin(y/4) - arccos(x/4)",
        lambda x, y: np.arcsin(x / 3) + np.arccos(y / 3) + np.arcsin(y / 4) - np.arccos(x / 4),
        lambda x, y: (
            1 / (3 * np.sqrt(1 - (x / 3) ** 2)) + 1 / (4 * np.sqrt(1 - (x / 4) ** 2)),
            -1 / (3 * np.sqrt(1 - (y / 3) ** 2)) + 1 / (4 * np.sqrt(1 - (y / 4) ** 2)),
        ),
        2,
    ),
    (
        "log2(3 + x) + log10(3 + y)",
        lambda x, y: np.log2(3 + x) + np.log10(3 + y),
        lambda x, y: (1 / ((3 + x) * np.log(2)), 1 / ((3 + y) * np.log(10))),
        2,
    ),
    (
        "sigmoid(x - 2*y)",
        lambda x, y: _sig(x - 2 * y),
        lambda x, y: (
            _sig(x - 2 * y) * (1 - _sig(x - 2 * y)),
            -2 * _sig(x - 2 * y) * (1 - _sig(x - 2 * y)),
        ),
        2,
    ),
    (
        "abs(x) + 2*abs(y)",
        lambda x, y: np.abs(x) + 2 * np.abs(y),
        lambda x, y: (np.sign(x), 2 * np.sign(y)),
        2,
    ),
    (
        "(2 + sin(x))**y",
        lambda x, y: (2 + np.sin(x)) ** y,
        lambda x, y: (
            y * (2 + np.sin(x)) ** (y - 1) * np.cos(x),
            (2 + np.sin(x)) ** y * np.log(2 + np.sin(x)),
        ),
        2,
    ),
    (
        "x/(1 + y**2) - y/x",
        lambda x, y: x / (1 + y**2) - y / x,
        lambda x, y: (1 / (1 + y**2) + y / x**2, -2 * x * y / (1 + y**2) ** 2 - 1 / x),
        2,
    ),
    (
        "pi*x + e*y",
        lambda x, y: np.pi * x + np.e * y,
        lambda x, y: (np.pi + 0 * x, np.e + 0 * y),
        2,
    ),
    (
        "x^3 - 3*x*y^2",
        lambda x, y: x**3 - 3 * x * y**2,
        lambda x, y: (3 * x**2 - 3 * y**2, -6 * x * y),
        2,
    ),
    ("-x**2 + 2**y", lambda x, y: -(x**2) + 2**y, lambda x, y: (-2 * x, 2**y * np.log(2)), 2),
    ("x**-2 + y", lambda x, y: x**-2.0 + y, lambda x, y: (-2 * x**-3.0, 1 + 0 * y), 2),
    ("y", lambda x, y: y, lambda x, y: (0 * x, 1 + 0 * y), 2),
]


def _points(rng_seed: int, box: float, n: int = 64) -> np.ndarray:
    X = np.random.default_rng(rng_seed).uniform(-box, box, size=(n, 2))
    return X[np.all(np.abs(X) > 0.05, axis=1)]  # off the kinks and poles at 0


@pytest.mark.parametrize(("text", "f", "g", "box"), TABLE, ids=[t[0] for t in TABLE])
def test_value_and_gradient_match_numpy(text, f, g, box):
    formula = parse_formula(text)
    X = _points(1, box)
    x, y = X.T
    np.testing.assert_allclose(formula.value(X), f(x, y), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        formula.gradient(X), np.column_stack(g(x, y)), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize(("text", "f", "g", "box"), TABLE, ids=[t[0] for t in TABLE])
@FEW
@given(u=coord, v=coord)
def test_gradient_matches_central_differences(text, f, g, box, u, v):
    assume(abs(u) > 0.05 and abs(v) > 0.05)
    formula = parse_formula(text)
    x = np.array([u, v])
    grad = formula.gradient(x[None, :])[0]
    scale = np.max(np.abs(formula.value(x[None, :]))) + 1.0
    np.testing.assert_allclose(
        grad,
        central_differences(formula, x),
        rtol=1e-5,
        atol=1e-6 * (1 + np.max(np.abs(grad))) + 1e-8 * scale,
    )


def test_indexed_variables_and_one_dimension():
    f = parse_formula("x0*x1 + x2**2 - x4")
    assert f.dim == 5 and f.variables == ("x0", "x1", "x2", "x3", "x4")
    X = np.arange(10.0).reshape(2, 5)
    np.testing.assert_allclose(f.value(X), X[:, 0] * X[:, 1] + X[:, 2] ** 2 - X[:, 4])
    np.testing.assert_allclose(
        f.gradient(X),
        np.column_stack([X[:, 1], X[:, 0], 2 * X[:, 2], 0 * X[:, 0], -1 + 0 * X[:, 0]]),
    )
    one = parse_formula("x**4 - x")
    assert one.dim == 1 and one.variables == ("x",)
    np.testing.assert_allclose(one.gradient(np.array([[2.0]])), [[31.0]])
    assert parse_formula("y**2").variables == ("x", "y")
    assert parse_formula("x7").dim == 8


@FEW
@given(u=coord, v=coord)
def test_rosenbrock_by_formula_equals_the_builtin(u, v):
    formula = make_problem("expr:(1-x)**2 + 100*(y-x**2)**2")
    builtin = make_problem("rosenbrock")
    X = np.array([[u, v], [v, u]])
    np.testing.assert_allclose(formula.f(X), builtin.f(X), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(formula.grad(X), builtin.grad(X), rtol=1e-12, atol=1e-11)


def test_gradient_is_simplified():
    assert parse_formula("x**2").gradient_text() == ("df/dx = 2*x",)
    assert parse_formula("sin(x) + y").gradient_text() == ("df/dx = cos(x)", "df/dy = 1")
    assert parse_formula("3*x + 0*y").gradient_text() == ("df/dx = 3", "df/dy = 0")
    assert parse_formula("(1-x)**2 + 100*(y-x**2)**2").gradient_text() == (
        "df/dx = -400*((y - x**2)*x) - 2*(1 - x)",
        "df/dy = 200*(y - x**2)",
    )
    assert parse_formula("exp(2*x) + 0*log(y)").gradient_text() == (
        "df/dx = 2*exp(2*x)",
        "df/dy = 0",
    )
    # a partial that does not involve the variable is exactly 0, never NaN
    G = parse_formula("sqrt(x) + log(x) + y").gradient(np.array([[-1.0, 2.0]]))
    assert np.isnan(G[0, 0]) and G[0, 1] == 1.0


# -- precedence and associativity ----------------------------------------------------

PRECEDENCE = [
    ("-x**2", [3.0], -9.0),
    ("-x^2", [3.0], -9.0),
    ("(-x)**2", [3.0], 9.0),
    ("2**3**2 + 0*x", [0.0], 512.0),
    ("(2**3)**2 + 0*x", [0.0], 64.0),
    ("2**-1 + x", [0.0], 0.5),
    ("x**-y", [2.0, 1.0], 0.5),
    ("x - y - 1", [5.0, 2.0], 2.0),
    ("x - (y - 1)", [5.0, 2.0], 4.0),
    ("x/y/2", [8.0, 2.0], 2.0),
    ("x/(y/2)", [8.0, 2.0], 8.0),
    ("x + y*2", [1.0, 3.0], 7.0),
    ("-x*y", [2.0, 3.0], -6.0),
    ("x*-y", [2.0, 3.0], -6.0),
    ("--x", [2.0], 2.0),
    ("+x", [2.0], 2.0),
    ("2*x**2", [3.0], 18.0),
    ("-2**x", [2.0], -4.0),
    ("e**x", [1.0], math.e),
    ("1e-3*x + .5 + 2.", [1000.0], 3.5),
    ("1.5E+2*x", [2.0], 300.0),
    ("  x  *  ( y + 1 ) ", [2.0, 3.0], 8.0),
]


@pytest.mark.parametrize(("text", "point", "value"), PRECEDENCE, ids=[p[0] for p in PRECEDENCE])
def test_precedence_and_associativity(text, point, value):
    f = parse_formula(text)
    assert f.value(np.array([point]))[0] == pytest.approx(value, rel=1e-15)
    again = parse_formula(f.canonical())  # the printer's parentheses keep the meaning
    assert again.value(np.array([point]))[0] == pytest.approx(value, rel=1e-15)


def test_canonical_keeps_the_tree():
    assert parse_formula("x - (y - 1)").canonical() == "x - (y - 1)"
    assert parse_formula("(x - y) - 1").canonical() == "x - y - 1"
    assert parse_formula("(-x)**2 + 2**3**2").canonical() == "(-x)**2 + 2**3**2"
    assert parse_formula("(2**3)**x").canonical() == "(2**3)**x"


# -- random formulas from the grammar, with forward-mode derivatives -------------------

# Each random formula is (text, fn, has_variable) where fn(x, y) returns the value,
# both partial derivatives (forward mode, written by hand per construct) and the
# largest magnitude met along the way, which scales the rounding tolerance.


def _stable_sig(u):  # the module's stable form, so values match to the last bit
    return np.exp(-np.logaddexp(0.0, -u))


def _scale(*arrays):
    return np.maximum.reduce([np.abs(a) for a in arrays])


def _const(c):
    return lambda x, y: (c + 0 * x, 0 * x, 0 * x, abs(c) + 0 * x)


LEAVES = st.sampled_from(
    [
        ("x", lambda x, y: (x, 1.0 + 0 * x, 0 * x, _scale(x, 1.0 + 0 * x)), True),
        ("y", lambda x, y: (y, 0 * y, 1.0 + 0 * y, _scale(y, 1.0 + 0 * y)), True),
        ("2", _const(2.0), False),
        ("0.5", _const(0.5), False),
        ("pi", _const(np.pi), False),
    ]
)


def _binary(args):
    op, (ta, fa, va), (tb, fb, vb) = args

    def fn(x, y):
        (a, ax, ay, sa), (b, bx, by, sb) = fa(x, y), fb(x, y)
        if op == "+":
            v, dx, dy = a + b, ax + bx, ay + by
        elif op == "-":
            v, dx, dy = a - b, ax - bx, ay - by
        elif op == "*":
            v, dx, dy = a * b, ax * b + a * bx, ay * b + a * by
        else:  # "/": divide by 1 + b**2, never zero
            q = 1.0 + b**2
            v, dx, dy = a / q, (ax * q - a * 2 * b * bx) / q**2, (ay * q - a * 2 * b * by) / q**2
        return v, dx, dy, _scale(sa, sb, v, dx, dy, a * b, ax * b, a * bx, ay * b, a * by)

    text = f"({ta}) / (1 + ({tb})**2)" if op == "/" else f"({ta}) {op} ({tb})"
    return text, fn, va or vb


UNARY = {
    "sin": (np.sin, np.cos),
    "cos": (np.cos, lambda a: -np.sin(a)),
    "tanh": (np.tanh, lambda a: 1 - np.tanh(a) ** 2),
    "atan": (np.arctan, lambda a: 1 / (1 + a**2)),
    "sigmoid": (_stable_sig, lambda a: _stable_sig(a) * (1 - _stable_sig(a))),
    "exp": (np.exp, np.exp),
    "-": (np.negative, lambda a: -1.0 + 0 * a),
}


def _unary(args):
    name, (ta, fa, va) = args
    fn_value, fn_slope = UNARY[name]

    def fn(x, y):
        a, ax, ay, sa = fa(x, y)
        v, s = fn_value(a), fn_slope(a)
        return v, s * ax, s * ay, _scale(sa, v, s * ax, s * ay, s * sa)

    return (f"-({ta})" if name == "-" else f"{name}({ta})"), fn, va


def _power(args):
    (ta, fa, va), k = args

    def fn(x, y):
        a, ax, ay, sa = fa(x, y)
        s = k * a ** (k - 1)
        return a**k, s * ax, s * ay, _scale(sa, a**k, s * ax, s * ay, s * sa)

    return f"({ta})**{k}", fn, va


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from("+-*/"), children, children).map(_binary),
        st.tuples(st.sampled_from(sorted(UNARY)), children).map(_unary),
        st.tuples(children, st.sampled_from([2, 3])).map(_power),
    )


FORMULAS = st.recursive(LEAVES, _extend, max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(formula=FORMULAS, u=coord, v=coord)
def test_random_formulas_value_and_gradient(formula, u, v):
    text, fn, has_variable = formula
    assume(has_variable)
    f = parse_formula(text)
    with np.errstate(all="ignore"):  # the reference may overflow; such cases are skipped
        value, dx, dy, scale = (float(a[0]) for a in fn(np.array([u]), np.array([v])))
    assume(all(np.isfinite([value, dx, dy, scale])) and scale < 1e100)
    X = np.array([[u, v]])[:, : f.dim]
    np.testing.assert_allclose(f.value(X), [value], rtol=1e-12, atol=1e-12 * scale)
    expected = np.array([dx, dy])[: f.dim]
    np.testing.assert_allclose(f.gradient(X)[0], expected, rtol=1e-9, atol=1e-9 * scale)
    # the printer's minimal parentheses give back the same tree
    np.testing.assert_array_equal(parse_formula(f.canonical()).value(X), f.value(X))


# -- errors ----------------------------------------------------------------------------

ERRORS = [
    ("", "empty formula"),
    ("   ", "empty formula"),
    ("os", "unknown name 'os' at column 1; "),
    ("x + os.system", "unknown name 'os' at column 5"),
    ("x.__class__", "unexpected '.' at column 2"),
    ("x*.y", "unexpected '.' at column 3"),
    ("(x + 1", "unbalanced '(' at column 1"),
    ("x + (y*(2", "unbalanced '(' at column 8"),
    ("x + 1)", "unbalanced ')' at column 6"),
    (")x(", "unbalanced ')' at column 1"),
    ("x +", "formula ends after '+' at column 3"),
    ("x **", "formula ends after '**' at column 3"),
    ("-", "formula ends after '-' at column 1"),
    ("* x", "unexpected '*' at column 1"),
    ("x * * y", "unexpected '*' at column 5"),
    ("x ^^ 2", "unexpected '^' at column 4"),
    ("(x +)", "unexpected ')' at column 5"),
    ("2x", "missing operator before 'x' at column 2"),
    ("x y", "missing operator before 'y' at column 3"),
    ("(x)(y)", "missing operator before '(' at column 4"),
    ("x(1)", "missing operator before '(' at column 2"),
    ("sin x", "function 'sin' at column 1 needs its argument in parentheses"),
    ("sin", "function 'sin' at column 1 needs its argument in parentheses"),
    ("x + sin()", "'sin()' at column 5 needs an argument"),
    ("x + ()", "empty parentheses at column 5"),
    ("max(x, y)", "unknown name 'max' at column 1"),
    ("sin(x, y)", "unexpected ',' at column 6; every function takes one argument"),
    ("f = x**2", "unknown name 'f' at column 1"),
    ("x**2 = 0", "unexpected '=' at column 6"),
    ("x + x0", "'x0' at column 5 mixes the variables x, y with x0, x1"),
    ("x1 * y", "'y' at column 6 mixes the variables"),
    ("3 + 4", "the formula has no variable"),
    ("pi*e", "the formula has no variable"),
    ("xy", "unknown name 'xy' at column 1; write x*y for a product"),
    ("x01", "unknown name 'x01' at column 1; write x1"),
    ("x1000", "variable 'x1000' at column 1 is out of range"),
    ("1e999 * x", "number '1e999' at column 1 is too large"),
    ("Sin(x)", "unknown name 'Sin' at column 1; did you mean sin"),
    ("z", "unknown name 'z' at column 1"),
    ("x²", "unexpected '²' at column 2"),
    ("x − y", "unexpected '−' at column 3"),
    ("x\0", r"unexpected '\x00' at column 2"),
    ("1_000*x", "unknown name '_000' at column 2"),
    ("x; y", "unexpected ';' at column 2"),
    ("[x]", "unexpected '[' at column 1"),
    ("{x}", "unexpected '{' at column 1"),
    ("x % 2", "unexpected '%' at column 3"),
    ("x // 2", "unexpected '/' at column 4"),
    ("'x'", 'unexpected "\'" at column 1'),
    ("__import__('os')", "unknown name '__import__' at column 1"),
    ("open('f')", "unknown name 'open' at column 1"),
    ("lambda: 0", "unknown name 'lambda' at column 1"),
    ("x if y else 0", "unknown name 'if' at column 3"),
    ("x.__class__.__bases__", "unexpected '.' at column 2"),
    ("globals()", "unknown name 'globals' at column 1"),
    ("(" * 70 + "x" + ")" * 70, "nests too deeply"),
    ("-" * 500 + "x", "nests too deeply"),
    ("x" + "**x" * 200, "nests too deeply"),
    ("x" + " + x" * 3000, "formula is too long (12001 characters; at most 10000)"),
]


@pytest.mark.parametrize(("text", "fragment"), ERRORS, ids=[e[0][:20] for e in ERRORS])
def test_errors(text, fragment):
    with pytest.raises(SpecError) as info:
        parse_formula(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message  # one line, no caret line


def test_unknown_name_lists_what_is_allowed():
    message = str(pytest.raises(SpecError, parse_formula, "os").value)
    for name in (
        "x, y",
        "x0, x1",
        "pi",
        "e",
        "sin",
        "cos",
        "tan",
        "exp",
        "log",
        "sqrt",
        "abs",
        "tanh",
        "sigmoid",
        "atan",
    ):
        assert name in message


def test_the_modules_never_evaluate_text():
    files = [
        *Path(formula_package.__file__).parent.glob("*.py"),
        Path(problem_files.__file__),
        Path(problem_files.__file__).with_name("formula.py"),
    ]
    assert len(files) >= 9 and all(f.is_file() for f in files)
    for file in files:
        source = file.read_text()
        calls = re.findall(r"(?<![.\w])(eval|exec|compile|getattr|__import__)\(", source)
        assert calls == [] and "literal_eval" not in source


ALPHABET = "xy0123456789.eE+-*/^()_ ,;:[]'\"\\=!@#$%&|<>?abcdefghijklmnopqrstuvwz\t\n"


@settings(max_examples=300, deadline=2000)
@given(text=st.one_of(st.text(ALPHABET, max_size=60), st.text(max_size=40)))
def test_random_text_raises_only_spec_errors(text):
    try:
        f = parse_formula(text)
    except SpecError as exc:
        assert "\n" not in str(exc)
        return
    X = np.array([[0.3] * f.dim, [-1.7] * f.dim, [0.0] * f.dim])
    assert f.value(X).shape == (3,)
    assert f.gradient(X).shape == (3, f.dim)
    assert len(f.undefined_reason(X)) == 3
    parse_formula(f.canonical())


@settings(max_examples=100, deadline=2000)
@given(formula=FORMULAS)
def test_random_formulas_with_a_character_changed_raise_only_spec_errors(formula):
    text = formula[0]
    for i in range(0, len(text), max(1, len(text) // 8)):
        for ch in "(.*x":
            with contextlib.suppress(SpecError):
                parse_formula(text[:i] + ch + text[i + 1 :])


def test_long_formulas_are_fast():
    text = " + ".join(f"(x{i} - {i})**2" for i in range(500))
    start = time.perf_counter()
    f = parse_formula(text)
    X = np.zeros((4, 500))
    G = f.gradient(X)
    assert time.perf_counter() - start < 3.0
    np.testing.assert_allclose(G[0], -2.0 * np.arange(500))
    chain = parse_formula("x" + "*x" * 2000)  # a deep left-leaning tree is no recursion
    assert chain.gradient(np.array([[1.0]]))[0, 0] == pytest.approx(2001.0)
    assert chain.canonical().count("x") == 2001


# -- undefined and nondifferentiable points --------------------------------------------

UNDEFINED = [
    ("sqrt(x) + y", [-1.0, 0.25], "f", "sqrt of a negative number (-1), where x=-1, y=0.25"),
    ("log(x) + y", [0.0, 1.0], "f", "log of a non-positive number (0)"),
    ("log10(x) + y", [-2.0, 1.0], "f", "log10 of a non-positive number (-2)"),
    ("1/x + y", [0.0, 1.0], "f", "division by zero"),
    ("y/(x - 1)", [1.0, 0.0], "f", "division by zero"),
    ("exp(x) + y", [1000.0, 0.0], "f", "exp overflows"),
    ("x**y", [-8.0, 0.5], "f", "a negative number to a non-integer power ((-8)**0.5)"),
    ("x**y", [0.0, -1.0], "f", "zero to a negative power"),
    ("x*1e300*y", [1e10, 1.0], "f", "the product overflows"),
    ("arcsin(x) + y", [2.0, 0.0], "f", "arcsin of a number outside [-1, 1] (2)"),
    ("abs(x) + y", [0.0, 1.0], "grad", "abs is not differentiable at 0, where x=0, y=1"),
    ("sqrt(x) + y", [0.0, 1.0], "grad", "sqrt is not differentiable at 0"),
    ("x**0.5 + y", [0.0, 1.0], "grad", "0**0.5 has no finite slope"),
    ("arccos(x) + y", [1.0, 0.0], "grad", "arccos is not differentiable at 1"),
    ("x**y", [-2.0, 2.0], "grad", "no derivative in b"),
    ("sqrt(sqrt(sqrt(x)))", [-1.0], "f", "sqrt of a negative number (-1)"),  # innermost
]


@pytest.mark.parametrize(
    ("text", "point", "where", "reason"), UNDEFINED, ids=[f"{u[0]} at {u[1]}" for u in UNDEFINED]
)
def test_undefined_points_give_nan_and_a_reason_without_warnings(text, point, where, reason):
    f = parse_formula(text)
    X = np.array([point, [0.5] * f.dim])
    value, G = f.value(X), f.gradient(X)  # warnings are errors in this test suite
    assert np.isfinite(value[1]) and np.all(np.isfinite(G[1]))
    if where == "f":
        assert not np.isfinite(value[0])
    else:
        assert np.isfinite(value[0]) and not np.all(np.isfinite(G[0]))
    reasons = f.undefined_reason(X)
    assert reason in reasons[0] and reasons[1] is None


def test_abs_at_its_kink_has_a_nan_gradient_only_in_its_variable():
    p = make_problem("expr:abs(x) + y**2")
    G = p.grad(np.array([[0.0, 3.0], [1e-300, 3.0]]))
    assert np.isnan(G[0, 0]) and G[0, 1] == 6.0
    np.testing.assert_array_equal(G[1], [1.0, 6.0])
    assert p.undefined_reason(np.array([[0.0, 3.0], [1.0, 1.0]])) == [
        "abs is not differentiable at 0, where x=0, y=3",
        None,
    ]


def test_a_run_into_an_undefined_region_diverges():
    result = optcompare.run(["sgd:lr=1"], "expr:sqrt(x) + y**2;start=0.2,1", steps=20)
    run = result.runs[0]
    assert run.diverged_at is not None
    x_bad = run.final_x - 1.0 * result.problem.grad(run.final_x[None, :])[0]
    assert "sqrt of a negative number" in result.problem.undefined_reason(x_bad[None, :])[0]


# -- specs end to end ----------------------------------------------------------------

BANANA = (
    "expr:(1-x)**2 + 100*(y-x**2)**2;start=-1.5,2;window=-2:2,-1:3;minima=1,1;noise=0.5;name=banana"
)


def test_spec_with_every_option():
    p = make_problem(BANANA)
    assert isinstance(p, ExprProblem) and isinstance(p, Problem)
    assert p.name == "banana" and p.dim == 2 and p.noise == 0.5
    assert p.spec == BANANA
    assert p.formula == "f(x, y) = (1-x)**2 + 100*(y-x**2)**2"
    np.testing.assert_array_equal(p.start(), [-1.5, 2.0])
    assert p.window() == ((-2.0, 2.0), (-1.0, 3.0))
    assert [m.x for m in p.minima()] == [(1.0, 1.0)] and p.f_star == 0.0
    assert p.description and p.reference


def test_several_minima_get_their_value_from_the_formula():
    p = make_problem(
        "expr:(x**2 + y - 11)**2 + (x + y**2 - 7)**2;"
        "minima=3,2|-2.805118,3.131312|-3.779310,-3.283186|3.584428,-1.848126"
    )
    assert len(p.minima()) == 4 and p.minima()[0].f == 0.0
    assert all(abs(m.f) < 1e-9 for m in p.minima())
    assert p.f_star == pytest.approx(0.0, abs=1e-9)
    lo, hi = np.array(p.window()).T
    assert np.all(lo <= -3.779310) and np.all(hi >= 3.584428)


def test_defaults():
    p = make_problem("expr:x**2 + y**2")
    assert p.name == "expr" and p.noise == 0.0 and p.minima() == () and p.f_star is None
    np.testing.assert_array_equal(p.start(), [0.5, 0.5])
    assert p.window() == ((-2.0, 2.0), (-2.0, 2.0))
    assert p.spec == "expr:x**2 + y**2"
    # the default start moves to a point where f and its gradient are finite
    np.testing.assert_array_equal(make_problem("expr:sqrt(-x) + y**2").start(), [-0.5, -0.5])
    np.testing.assert_array_equal(make_problem("expr:sqrt(x) + sqrt(-y)").start(), [0.5, -0.5])
    # and is inside a given window
    np.testing.assert_array_equal(make_problem("expr:x**2 + y**2;window=2:6").start(), [4.5, 4.5])
    # the default window holds the minima and the start
    lo, hi = np.array(make_problem("expr:(x-5)**2 + y**2;minima=5,0;start=0,-3").window()).T
    assert lo[1] < -3 and hi[0] > 5 and lo[0] == -2.0 and hi[1] == 2.0
    # one number for all coordinates
    p = make_problem("expr:x0**2 + x9**2;start=1;window=-3:3;minima=0")
    assert p.dim == 10 and p.window() == ((-3.0, 3.0),) * 10
    np.testing.assert_array_equal(p.start(), np.ones(10))


def test_spec_from_the_python_constructor_rebuilds_the_problem():
    p = ExprProblem("(x-1)**2 + y**2", start=[2, 1], minima=[[1, 0]], noise=0.25, name="bowl")
    q = make_problem(p.spec)
    assert q.spec == p.spec and q.name == "bowl" and q.noise == 0.25
    np.testing.assert_array_equal(q.start(), p.start())
    assert q.minima() == p.minima()


SPEC_ERRORS = [
    ("expr:", "empty formula"),
    ("expr:x**2 + os", "unknown name 'os' at column 8"),
    ("expr:x**2;start=1,2", "start has 2 numbers but the formula has 1 variable"),
    ("expr:x+y;start=1,2,3", "start has 3 numbers but the formula has 2 variables"),
    ("expr:x+y;start=a", "start 'a' is not a list of numbers"),
    ("expr:x+y;start=nan,1", "start must be finite numbers"),
    ("expr:x+y;window=-2:2,1", "window '-2:2,1' is not a list of LO:HI ranges"),
    ("expr:x+y;window=2:-2", "window range 1 is (2.0, -2.0)"),
    ("expr:x+y;window=-1:1,-1:1,-1:1", "window has 3 ranges but the formula has 2 variables"),
    ("expr:x+y;minima=1,2,3", "minimum 1 has 3 numbers"),
    ("expr:x+y;minima=0,0|1,2,3", "minimum 2 has 3 numbers"),
    ("expr:x+y;strat=1", "unknown expr option 'strat'; did you mean start"),
    ("expr:x+y;start=1;start=2", "expr option 'start' is given twice"),
    ("expr:x+y;noise=-1", "noise=-1 is not allowed"),
    ("expr:x+y;name=Banana", "name 'Banana' is not kebab-case"),
    ("expr:x+y;foo", "expr option 'foo' is not key=value"),
    ("expr:x+y;start=", "expr option 'start=' is not key=value"),
    ("expr:sqrt(x)+y;start=-1,0", "start: sqrt of a negative number (-1), where x=-1, y=0"),
    ("expr:abs(x)+y;start=0,0", "start: abs is not differentiable at 0"),
    ("expr:log(x)+y;minima=0,0", "minimum 1: log of a non-positive number (0)"),
]


@pytest.mark.parametrize(("spec", "fragment"), SPEC_ERRORS, ids=[s[0] for s in SPEC_ERRORS])
def test_spec_errors(spec, fragment):
    with pytest.raises(SpecError) as info:
        make_problem(spec)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_spec_details():
    assert make_problem("EXPR: x**2").dim == 1  # the prefix is case-insensitive
    assert make_problem("expr:abs(x)+abs(y);minima=0,0").f_star == 0.0  # kink minima are fine
    assert parse_expr_spec("expr:x;start=1;")["start"] == [1.0]  # a trailing ';' is ignored
    with pytest.raises(SpecError, match="not an expr spec"):
        problem_from_spec("rosenbrock")


def test_adam_converges_on_a_bowl_from_a_formula():
    result = optcompare.run(["adam:lr=0.05"], "expr:(x-1)**2 + 2*(y+2)**2;minima=1,-2", steps=200)
    run = result.runs[0]
    assert run.diverged_at is None
    assert run.final_loss < 1e-4 and run.distance_to_min < 1e-2
    assert result.problem.spec.startswith("expr:")


def test_noise_is_added_to_the_gradient_only():
    p = make_problem("expr:x**2 + y**2;noise=1")
    X = np.zeros((3, 2))
    loss, g = p.observe(X, np.array([0, 1, 2]), step=1)
    np.testing.assert_array_equal(loss, 0.0)
    assert np.all(g != 0)


# -- problem files ---------------------------------------------------------------------

GOOD = {
    "name": "banana",
    "formula": "(1 - x)**2 + 100*(y - x**2)**2",
    "start": [-1.5, 2],
    "window": [[-2, 2], [-1, 3]],
    "minima": [[1, 1]],
    "description": "Rosenbrock's valley, typed as a formula",
    "reference": "Rosenbrock (1960), The Computer Journal 3(3)",
    "noise": 0.1,
}


@pytest.fixture
def registry(monkeypatch):
    """Problems registered by a test are forgotten after it."""
    make_problem("rosenbrock")  # the catalog is loaded before the copy
    monkeypatch.setattr(PROBLEMS, "_items", dict(PROBLEMS._items))
    return PROBLEMS


@pytest.fixture
def folder(tmp_path, monkeypatch, registry):
    """An empty ./problems in an empty working folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "problems").mkdir()
    return tmp_path / "problems"


def write(folder: Path, name: str, data) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_a_good_file_registers_a_problem(folder):
    write(folder, "banana.json", GOOD)
    write(folder, "_draft.json", "not json")  # skipped
    assert load_problem_dir(folder) == ["banana"]
    assert "banana" in problem_names()
    cls = problem_class("banana")
    assert cls.description == GOOD["description"] and cls.reference == GOOD["reference"]
    assert cls.formula == "f(x, y) = (1 - x)**2 + 100*(y - x**2)**2"
    p = make_problem("banana")
    assert isinstance(p, ExprProblem) and p.spec == "banana" and p.noise == 0.1
    np.testing.assert_array_equal(p.start(), [-1.5, 2.0])
    assert p.window() == ((-2.0, 2.0), (-1.0, 3.0)) and p.f_star == 0.0
    X = np.random.default_rng(0).uniform(-2, 2, size=(20, 2))
    rosen = make_problem("rosenbrock")
    np.testing.assert_allclose(p.f(X), rosen.f(X), rtol=1e-13)
    np.testing.assert_allclose(p.grad(X), rosen.grad(X), rtol=1e-12, atol=1e-11)
    q = make_problem("banana:noise=0.3")
    assert q.noise == 0.3 and q.spec == "banana:noise=0.3"


def test_a_minimal_file_uses_the_defaults(folder):
    write(folder, "bowl.json", {"formula": "x0**2 + x1**2 + x2**2"})
    load_problem_dir(folder)
    p = make_problem("bowl")
    assert p.dim == 3 and p.f_star is None and p.noise == 0.0
    np.testing.assert_array_equal(p.start(), [0.5, 0.5, 0.5])


def test_the_cli_lists_explains_and_runs_a_file_problem(folder):
    write(folder, "banana.json", GOOD)
    runner = CliRunner()
    from optcompare.cli import main

    listed = runner.invoke(main, ["list"], catch_exceptions=False)
    assert listed.exit_code == 0 and "banana" in listed.stdout
    explained = runner.invoke(main, ["explain", "banana"], catch_exceptions=False)
    assert explained.exit_code == 0 and "100*(y - x**2)**2" in explained.stdout
    ran = runner.invoke(
        main,
        ["run", "--opt", "adam", "--problem", "banana", "--steps", "5", "--no-plot", "--json"],
        catch_exceptions=False,
    )
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["problem"]["spec"] == "banana"
    bad = runner.invoke(
        main, ["run", "--opt", "adam", "--problem", "expr:x +* y"], catch_exceptions=False
    )
    assert bad.exit_code == 2 and "unexpected '*' at column 4" in bad.stderr


def _without(key):
    return {k: v for k, v in GOOD.items() if k != key}


BAD_FILES = [
    ("banana.json", "{ not json", "problems/banana.json: not valid JSON: "),
    ("banana.json", "[1, 2]", "problems/banana.json: a problem file holds one object"),
    ("banana.json", b"\xff\xfe", "problems/banana.json: not valid JSON"),
    ("banana.json", _without("formula"), "problems/banana.json: no formula"),
    (
        "banana.json",
        {**GOOD, "formula": "(1 - x"},
        "problems/banana.json: formula: unbalanced '(' at column 1",
    ),
    (
        "banana.json",
        {**GOOD, "formula": "x + os"},
        "problems/banana.json: formula: unknown name 'os' at column 5",
    ),
    ("banana.json", {**GOOD, "formula": 3}, "problems/banana.json: formula must be a string"),
    (
        "banana.json",
        {**GOOD, "start": [1, 2, 3]},
        "problems/banana.json: start has 3 numbers but the formula has 2 variables",
    ),
    (
        "banana.json",
        {**GOOD, "start": "-1.5,2"},
        "problems/banana.json: start must be a list of numbers like [-1.5, 2]",
    ),
    ("banana.json", {**GOOD, "start": [True, 2]}, "start must be a list of numbers"),
    ("banana.json", {**GOOD, "window": [[-2, 2], [3, -1]]}, "window range 2 is (3.0, -1.0)"),
    ("banana.json", {**GOOD, "window": [-2, 2, 3]}, "window must be a list of [lo, hi] pairs"),
    ("banana.json", {**GOOD, "window": [[-2, 2]] * 3}, "window has 3 ranges"),
    ("banana.json", {**GOOD, "minima": [[1, 1, 1]]}, "minimum 1 has 3 numbers"),
    ("banana.json", {**GOOD, "noise": -1}, "noise=-1 is not allowed"),
    ("banana.json", {**GOOD, "noise": "lots"}, "noise must be a number"),
    ("banana.json", {**GOOD, "description": 5}, "description must be a string"),
    ("banana.json", {**GOOD, "strat": [0, 0]}, "unknown key 'strat'; did you mean start"),
    (
        "banana.json",
        {**GOOD, "name": "Banana Split"},
        "problems/banana.json (problem 'Banana Split'): name 'Banana Split' is not kebab-case",
    ),
    (
        "My_Problem.json",
        _without("name"),
        "problems/My_Problem.json: name 'My_Problem' (from the file name) is not kebab-case",
    ),
    (
        "other.json",
        GOOD,
        "problems/other.json: problem 'banana' is also defined by problems/banana.json",
    ),
    (
        "clash.json",
        {**GOOD, "name": "rosenbrock"},
        "problems/clash.json: there is already a problem named 'rosenbrock'",
    ),
    (
        "log.json",
        {**GOOD, "formula": "log(x) + y", "start": [-1, 1]},
        "problems/log.json (problem 'banana'): start: log of a non-positive number (-1)",
    ),
]


@pytest.mark.parametrize(
    ("filename", "content", "fragment"), BAD_FILES, ids=[f"{b[0]}-{b[2][-30:]}" for b in BAD_FILES]
)
def test_bad_files(folder, filename, content, fragment):
    if filename == "other.json":  # two files, one name
        write(folder, "banana.json", GOOD)
    path = folder / filename
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write(folder, filename, content)
    before = problem_names()
    with pytest.raises(SpecError) as info:
        load_problem_dir(folder)
    message = str(info.value)
    assert fragment in message, message
    assert "\n" not in message
    assert problem_names() == before  # nothing registered from a bad folder


def test_the_exact_message_for_a_wrong_start(folder):
    write(folder, "banana.json", {**GOOD, "start": [1, 2, 3]})
    with pytest.raises(SpecError) as info:
        load_problem_dir("problems")
    assert str(info.value) == (
        "problems/banana.json: start has 3 numbers but the formula has 2 variables"
    )


def test_toml_files(folder, monkeypatch):
    (folder / "tilted.toml").write_text(
        'name = "tilted"\nformula = "x**2 + y**2 + x"\nstart = [1, 1]\n'
        "window = [[-3, 3], [-3, 3]]\nminima = [[-0.5, 0]]\n"
    )
    if problem_files._toml() is None:  # Python 3.10
        with pytest.raises(SpecError, match="tilted.toml: TOML problem files need Python 3.11"):
            load_problem_dir(folder)
        return
    assert load_problem_dir(folder) == ["tilted"]
    assert make_problem("tilted").f_star == -0.25


def test_toml_without_tomllib_is_a_clear_error(folder, monkeypatch):
    monkeypatch.setattr(problem_files, "_toml", lambda: None)
    (folder / "tilted.toml").write_text('formula = "x**2"\n')
    with pytest.raises(
        SpecError,
        match=r"problems/tilted.toml: TOML problem files need "
        r"Python 3.11 or newer; write this one as JSON",
    ):
        load_problem_dir(folder)


def test_tomllib_and_difflib_are_imported_only_when_needed(tmp_path):
    # every command imports the problem files' reader and the registries; a sweep's
    # peak memory counts each module they pull in (benchmarks/sweep_throughput.py)
    import subprocess
    import sys

    code = (
        "import sys; from optcompare.experiments.sweep import sweep; "
        "print(sorted({'tomllib', 'difflib'} & set(sys.modules)))"
    )
    out = subprocess.run(  # outside the checkout: the installed package, not the source
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.strip() == "[]"
