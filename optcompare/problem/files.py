"""Problem data files: a formula problem declared in a problems folder.

Each ``*.json`` file of a problems folder (``--problems-dir``, default
``./problems``) declares one problem, registered under its name, so that
``--problem banana`` runs it and ``optcompare list`` shows it::

    {
      "name": "banana",
      "formula": "(1 - x)**2 + 100*(y - x**2)**2",
      "start": [-1.5, 2],
      "window": [[-2, 2], [-1, 3]],
      "minima": [[1, 1]],
      "description": "Rosenbrock's valley, typed as a formula",
      "reference": "Rosenbrock (1960), The Computer Journal 3(3)",
      "noise": 0
    }

Keys (only ``formula`` is required):

    name         kebab-case registry name (default: the file name without .json)
    formula      the objective; grammar and variables as in :mod:`optcompare.formula`
    start        the start point: one number per variable, or one number for all
    window       the plot window: one [lo, hi] per variable, or one for all
    minima       known global minima: a list of points (or one point); f there is
                 computed from the formula
    description  one line for ``optcompare list``
    reference    where the function comes from
    noise        the default std of the Gaussian gradient noise (``banana:noise=0.1``
                 still overrides it)

Defaults for start and window are those of an ``expr:`` spec.  On Python 3.11+
``*.toml`` files with the same keys are read too (TOML needs ``tomllib``).
Files whose name starts with ``_`` or ``.`` are skipped.  A bad file is a
SpecError naming the file, e.g. ``problems/banana.json: start has 3 numbers but
the formula has 2 variables``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from optcompare import budget
from optcompare.errors import SpecError
from optcompare.formula import parse_formula
from optcompare.params import Param
from optcompare.problem.base import NOISE, PROBLEMS, Problem, register_problem
from optcompare.problem.formula import KEBAB, ExprProblem
from optcompare.registry import unknown_message


def _toml() -> ModuleType | None:
    """The standard library's TOML reader (3.11+), imported only when a .toml file is read:
    every command loads this module, few read TOML."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    return None  # pragma: no cover - Python 3.10 has no TOML reader in the standard library


KEYS = ("name", "formula", "start", "window", "minima", "description", "reference", "noise")


def shown(path: Path) -> str:
    """The path as the user would write it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def problem_files(folder: Path) -> list[Path]:
    """The problem data files of ``folder``, in load order."""
    files = sorted(folder.glob("*.json")) + sorted(folder.glob("*.toml"))
    return [f for f in files if f.is_file() and not f.name.startswith(("_", "."))]


#: Deepest nesting a problem file may have: a window is a list of [lo, hi] lists in the
#: top object (3 levels); deeper data can only be a mistake, and messages that show it
#: (and Python's parsers) recurse once per level.
MAX_DEPTH = 8
_TOO_DEEP = (
    f"its values are nested more than {MAX_DEPTH} levels deep; a problem file holds "
    "numbers, strings and lists such as [[-2, 2], [-1, 3]]"
)


def _depth(data: Any) -> int:
    """How deeply lists and objects nest in ``data`` (a number or string: 0), without recursion."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            todo.extend((child, level + 1) for child in children)
    return deepest


def _read(path: Path) -> dict[str, Any]:
    try:
        most = budget.check_file(path.stat().st_size)  # a 30 MB file is refused unread
        with path.open("rb") as fh:
            raw = fh.read(most + 1)
    except OSError as exc:
        raise SpecError(f"cannot read it: {exc.strerror or exc}") from None
    budget.check_file(len(raw))  # it grew since
    if path.suffix == ".toml":
        _tomllib = _toml()
        if _tomllib is None:
            raise SpecError(
                "TOML problem files need Python 3.11 or newer; write this one as JSON (same keys)"
            )
        try:
            data = _tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, _tomllib.TOMLDecodeError) as exc:
            raise SpecError(f"not valid TOML: {exc}") from None
        except RecursionError:
            raise SpecError(_TOO_DEEP) from None
        except ValueError:  # the one other failure: int() refuses over 4300 digits
            raise SpecError(
                "a whole number in it has thousands of digits; write it as 1e+N"
            ) from None
    else:
        try:
            # parse_int=float: every number is used as a float, and int() would refuse a
            # whole number of over 4300 digits (float() reads it as inf, refused later)
            data = json.loads(raw.decode("utf-8"), parse_int=float)
        except UnicodeDecodeError as exc:
            raise SpecError(f"not valid JSON: {exc}") from None
        except json.JSONDecodeError as exc:
            raise SpecError(
                f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
        except RecursionError:
            raise SpecError(_TOO_DEEP) from None
    if _depth(data) > MAX_DEPTH:
        raise SpecError(_TOO_DEEP)
    if not isinstance(data, dict):
        raise SpecError(f"a problem file holds one object with the keys {', '.join(KEYS)}")
    return data


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{what} must be a number, not {json.dumps(value, default=str)}")
    return float(value)


def _numbers(value: Any, what: str, example: str) -> list[float]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise SpecError(f"{what} is empty; write numbers like {example}")
    try:
        return [_number(v, what) for v in items]
    except SpecError:
        raise SpecError(f"{what} must be a list of numbers like {example}") from None


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{what} must be a string")
    return value


def _definition(data: dict[str, Any], stem: str) -> dict[str, Any]:
    """The keyword arguments of :class:`ExprProblem` from a file's data."""
    for key in data:
        if key not in KEYS:
            raise SpecError(unknown_message("key", key, list(KEYS)))
    if "formula" not in data:
        raise SpecError('no formula; add e.g. "formula": "(1 - x)**2 + 100*(y - x**2)**2"')
    try:
        formula = parse_formula(_text(data["formula"], "formula"))
    except SpecError as exc:
        raise SpecError(str(exc) if "formula" in str(exc) else f"formula: {exc}") from None
    kwargs: dict[str, Any] = {"formula": formula}
    name = _text(data.get("name", stem), "name")
    if not KEBAB.fullmatch(name):
        source = "" if "name" in data else " (from the file name)"
        raise SpecError(
            f"name '{name}'{source} is not kebab-case; use lowercase letters, "
            f"digits and dashes, like my-banana"
        )
    kwargs["name"] = name
    if "start" in data:
        kwargs["start"] = _numbers(data["start"], "start", "[-1.5, 2]")
    if "window" in data:
        window = data["window"]
        pairs = (
            window
            if isinstance(window, list) and all(isinstance(p, list) for p in window)
            else [window]
        )
        if not pairs or any(not isinstance(p, list) or len(p) != 2 for p in pairs):
            raise SpecError("window must be a list of [lo, hi] pairs like [[-2, 2], [-1, 3]]")
        kwargs["window"] = [_numbers(p, "window", "[[-2, 2], [-1, 3]]") for p in pairs]
    if "minima" in data:
        minima = data["minima"]
        points = (
            minima
            if isinstance(minima, list) and minima and all(isinstance(p, list) for p in minima)
            else [minima]
        )
        kwargs["minima"] = [
            _numbers(p, "minima", "[[1, 1]] or [[3, 2], [-2.8, 3.1]]") for p in points
        ]
    for key in ("description", "reference"):
        if key in data:
            kwargs[key] = _text(data[key], key)
    if "noise" in data:
        kwargs["noise"] = _number(data["noise"], "noise")
    return kwargs


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-")) + "Problem"


def problem_class_from_file(path: str | Path) -> type[ExprProblem]:
    """Read one problem file into a Problem class (not yet registered).

    Raises:
        SpecError: ``FILE: what is wrong`` (plus the problem's name when it differs
            from the file's), e.g. invalid JSON, no formula, a formula error with
            its column, a start of the wrong length.
    """
    path = Path(path)
    name = path.stem
    try:
        data = _read(path)
        if isinstance(data.get("name"), str):
            name = data["name"]
        kwargs = _definition(data, path.stem)
        ExprProblem(**kwargs)  # checks start, window, minima and noise once, here
    except SpecError as exc:
        label = "" if name == path.stem else f" (problem '{name}')"
        raise SpecError(f"{shown(path)}{label}: {exc}") from None
    return _make_class(kwargs, path)


def _make_class(kwargs: dict[str, Any], path: Path) -> type[ExprProblem]:
    noise = float(kwargs.pop("noise", 0.0))
    noise_param = Param("noise", noise, NOISE.help, low=0.0, per_run=False)
    template = dict(kwargs)

    class FileProblem(ExprProblem):
        def __init__(self, **settings: Any) -> None:
            super().__init__(**template, noise=settings.get("noise", noise))

        @classmethod
        def all_params(cls) -> tuple[Param, ...]:
            return (noise_param,)

    expr = kwargs["formula"]
    FileProblem.name = kwargs["name"]
    FileProblem.description = kwargs.get("description") or f"formula from {path.name}"
    FileProblem.formula = f"f({', '.join(expr.variables)}) = {expr.text}"
    FileProblem.reference = kwargs.get("reference") or f"problem file {shown(path)}"
    FileProblem.dim = expr.dim
    FileProblem.__name__ = FileProblem.__qualname__ = _camel(kwargs["name"])
    return FileProblem


def load_problem_files(folder: str | Path) -> list[str]:
    """Register the problem of every data file in ``folder``; return their names.

    Every file is read and checked before any is registered, so a bad file
    leaves the registry as it was.

    Raises:
        SpecError: naming the file, for a bad file or a name already taken.
    """
    classes: dict[str, tuple[type[Problem], Path]] = {}
    for path in problem_files(Path(folder)):
        cls = problem_class_from_file(path)
        if cls.name in classes:
            raise SpecError(
                f"{shown(path)}: problem '{cls.name}' is also defined by "
                f"{shown(classes[cls.name][1])}; give each file its own name"
            )
        if cls.name in PROBLEMS:
            raise SpecError(
                f"{shown(path)}: there is already a problem named '{cls.name}'; choose another name"
            )
        classes[cls.name] = (cls, path)
    for new, _ in classes.values():
        register_problem(new)
    return list(classes)
