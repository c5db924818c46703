"""How names and specs become problem instances: the catalog, problems folders, specs."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from optcompare.errors import SpecError
from optcompare.params import resolve
from optcompare.problem.base import PROBLEMS, Problem
from optcompare.problem.files import load_problem_files, shown
from optcompare.problem.formula import problem_from_spec
from optcompare.specs import Spec, parse_spec

_catalog_loaded = False
#: Folders read so far, and whether their Python files were run too.
_loaded_dirs: dict[Path, bool] = {}
#: Python files of a problems folder that was found rather than named, and so not run.
_not_run: list[Path] = []

#: The folder whose data files are read without being named.
FOUND_FOLDER = "problems"


def load_catalog() -> None:
    """Import the built-in catalog once (it registers itself)."""
    global _catalog_loaded
    if not _catalog_loaded:
        importlib.import_module("optcompare.problems")
        _catalog_loaded = True


def _python_files(path: Path) -> list[Path]:
    return [f for f in sorted(path.glob("*.py")) if not f.name.startswith(("_", "."))]


def _is_catalog(path: Path) -> bool:
    init = path / "__init__.py"
    return init.is_file() and "OPTCOMPARE_CATALOG" in init.read_text(errors="replace")


def load_problem_dir(folder: str | Path, python: bool = True) -> list[str]:
    """Register the problems defined by the ``*.py`` and data files of ``folder``.

    Data files (``*.json``, and ``*.toml`` on Python 3.11+) each declare a
    formula problem; see :mod:`optcompare.problem.files`.  Python files are
    imported, which runs their code: call this only for a folder the user
    named (``--problems-dir``); :func:`read_found_problems` is the data-only
    reading of a folder that was merely found.

    Args:
        folder: the folder; an empty name is refused (it would mean the
            working folder and run every ``*.py`` there).
        python: import the folder's ``*.py`` files (default True: naming a
            folder is the user's consent to run them).

    Returns the names added.  A folder is loaded once; the repository's own
    catalog folder (marked by ``OPTCOMPARE_CATALOG`` in its ``__init__.py``)
    is skipped, so running from a checkout does not register it twice.

    Raises:
        SpecError: the folder is missing, a data file is bad, or a Python file
            failed to load (or called ``sys.exit``).
    """
    load_catalog()
    if isinstance(folder, str) and not folder.strip():
        raise SpecError("the problems folder name is empty; name a folder, e.g. problems")
    path = Path(folder).resolve()
    if not path.is_dir():
        raise SpecError(f"problems folder '{folder}' does not exist or is not a folder")
    if _is_catalog(path):
        return []
    before = set(PROBLEMS.names())
    if path not in _loaded_dirs:
        load_problem_files(path)
        _loaded_dirs[path] = False
    if python and not _loaded_dirs[path]:
        _loaded_dirs[path] = True
        for file in _python_files(path):
            _import(file)
    if python:  # a named folder replaces the found one: nothing there went unrun
        _not_run.clear()
    return sorted(set(PROBLEMS.names()) - before)


def _import(file: Path) -> None:
    mod_name = f"optcompare_user_problems.{file.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, file)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except SpecError:
        raise
    except SystemExit as exc:  # it must not end the command with a status of its choosing
        raise SpecError(
            f"problem file '{shown(file)}' called sys.exit({exc.code!r}) while loading; "
            "a problem file should only define problems"
        ) from None
    except Exception as exc:  # a user's file: report it, never a traceback
        raise SpecError(f"problem file '{shown(file)}' failed to load: {exc}") from None


def read_found_problems(folder: str | Path = FOUND_FOLDER) -> list[str]:
    """Register the data files of a problems folder that was found, not named.

    Only ``*.json`` and ``*.toml`` files are read (data, never code); the
    folder's ``*.py`` files are not imported, and are remembered so that
    :func:`not_run_note` can say how to run them when it matters.  Does
    nothing when ``folder`` is not a folder or is the repository's catalog.

    Returns the names added.

    Raises:
        SpecError: a data file is bad (naming it).
    """
    load_catalog()
    path = Path(folder)
    _not_run.clear()  # only the folder found for this command counts
    if not path.is_dir() or _is_catalog(path.resolve()):
        return []
    if not _loaded_dirs.get(path.resolve(), False):
        _not_run.extend(_python_files(path))
    return load_problem_dir(path, python=False)


def _as_typed(file: Path) -> str:
    text = file.as_posix()
    return text if file.is_absolute() or text.startswith(".") else f"./{text}"


def not_run_note() -> str | None:
    """One line naming the Python problem files found but not run, and how to run them."""
    if not _not_run:
        return None
    names = [_as_typed(f) for f in _not_run[:3]]
    more = f" and {len(_not_run) - 3} more" if len(_not_run) > 3 else ""
    folder = _not_run[0].parent.as_posix()
    verb = "was" if len(_not_run) == 1 else "were"
    return (
        f"{', '.join(names)}{more} {verb} not run; pass --problems-dir {folder} to run "
        "the Python problem files there, which runs their code"
    )


def problem_names() -> list[str]:
    load_catalog()
    return PROBLEMS.names()


def problem_class(name: str) -> type[Problem]:
    """The registered problem class; an unknown name's error names Python files not run."""
    load_catalog()
    try:
        return PROBLEMS.get(name)
    except SpecError as exc:
        note = not_run_note()
        if note is None:
            raise
        raise SpecError(f"{exc.template} ({note})", exc.param) from None


def make_problem(spec: str | Spec | Problem) -> Problem:
    """A problem instance from a spec string such as ``quadratic:kappa=100,angle=30``."""
    if isinstance(spec, Problem):
        return spec
    if isinstance(spec, str) and spec.lstrip()[:5].lower() == "expr:":
        # before parse_spec: a formula holds ':' and ','
        return problem_from_spec(spec)
    parsed = spec if isinstance(spec, Spec) else parse_spec(spec, "problem")
    cls = problem_class(parsed.name)
    values = resolve(cls.all_params(), parsed.settings, f"problem {cls.name}", "key")
    return cls(**values)
