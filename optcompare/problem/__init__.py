"""Problems: the base class and registry, formula problems, problem files, and loading.

``from optcompare.problem import Minimum, Problem, register_problem`` is what a
problem file needs (see the README).  The submodules never import this package
itself, only each other (base -> formula -> files -> loading), so importing it has
no cycle; the catalog in ``problems/`` is imported by :func:`load_catalog` through
importlib, after this package is complete.
"""

from optcompare.problem.base import (
    NOISE,
    PROBLEMS,
    Minimum,
    Problem,
    as_points,
    register_problem,
)
from optcompare.problem.files import load_problem_files, problem_class_from_file
from optcompare.problem.formula import ExprProblem, parse_expr_spec, problem_from_spec
from optcompare.problem.loading import (
    load_catalog,
    load_problem_dir,
    make_problem,
    not_run_note,
    problem_class,
    problem_names,
    read_found_problems,
)

__all__ = [
    "NOISE",
    "PROBLEMS",
    "ExprProblem",
    "Minimum",
    "Problem",
    "as_points",
    "load_catalog",
    "load_problem_dir",
    "load_problem_files",
    "make_problem",
    "not_run_note",
    "parse_expr_spec",
    "problem_class",
    "problem_class_from_file",
    "problem_from_spec",
    "problem_names",
    "read_found_problems",
    "register_problem",
]
