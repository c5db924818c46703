"""User formulas: parsing, exact gradients and vectorised evaluation.

A formula is parsed by a small recursive-descent parser into a tree of this
package's own nodes (never ``eval``: only the grammar below is accepted, so a
formula cannot reach attributes, imports or files), evaluated with numpy on a
batch of points, and differentiated exactly (symbolic reverse mode over the
tree), not by finite differences.  This package knows nothing of problems;
:mod:`optcompare.problem.formula` makes a problem of a formula.

Modules, in the order they depend on each other: ``tree`` (nodes, the
simplifying builder, printing), ``functions`` (one table: numpy operation and
derivative rule per function), ``lexer`` (tokens), ``gradient`` (symbolic
differentiation), ``evaluate`` (:class:`Formula`: vectorised values and
gradients, why a point is undefined), ``parser`` (:func:`parse_formula`).

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

from optcompare.formula.evaluate import Formula
from optcompare.formula.functions import ALIASES, ALLOWED, CONSTANTS, FUNCTION_NAMES, FUNCTIONS
from optcompare.formula.lexer import MAX_VARIABLES
from optcompare.formula.parser import MAX_LENGTH, MAX_NESTING, parse_formula
from optcompare.formula.tree import Node, number_text, to_text

__all__ = [
    "ALIASES",
    "ALLOWED",
    "CONSTANTS",
    "FUNCTIONS",
    "FUNCTION_NAMES",
    "MAX_LENGTH",
    "MAX_NESTING",
    "MAX_VARIABLES",
    "Formula",
    "Node",
    "number_text",
    "parse_formula",
    "to_text",
]
