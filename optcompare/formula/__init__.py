"""User formulas, knowing nothing of problems: see :mod:`optcompare.formula.parser`."""

from optcompare.formula.parser import (
    ALLOWED,
    FUNCTION_NAMES,
    MAX_LENGTH,
    MAX_NESTING,
    MAX_VARIABLES,
    Formula,
    Node,
    parse_formula,
    to_text,
)
from optcompare.formula.parser import _number_text as number_text

__all__ = ["ALLOWED", "FUNCTION_NAMES", "MAX_LENGTH", "MAX_NESTING", "MAX_VARIABLES", "Formula",
           "Node", "number_text", "parse_formula", "to_text"]
