"""How names and specs become problem instances: the catalog, problems folders, specs."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from optcompare.errors import SpecError
from optcompare.params import resolve
from optcompare.problem.base import PROBLEMS, Problem
from optcompare.problem.files import load_problem_files
from optcompare.problem.formula import problem_from_spec
from optcompare.specs import Spec, parse_spec

_catalog_loaded = False
_loaded_dirs: set[Path] = set()


def load_catalog() -> None:
    """Import the built-in catalog once (it registers itself)."""
    global _catalog_loaded
    if not _catalog_loaded:
        importlib.import_module("optcompare.problems")
        _catalog_loaded = True


def load_problem_dir(folder: str | Path) -> list[str]:
    """Register the problems defined by the ``*.py`` and data files of ``folder``.

    Data files (``*.json``, and ``*.toml`` on Python 3.11+) each declare a
    formula problem; see :mod:`optcompare.problem.files`.

    Returns the names added.  A folder is loaded once; the repository's own
    catalog folder (marked by ``OPTCOMPARE_CATALOG`` in its ``__init__.py``)
    is skipped, so running from a checkout does not register it twice.
    """
    load_catalog()
    path = Path(folder).resolve()
    if not path.is_dir():
        raise SpecError(f"problems folder '{folder}' does not exist or is not a folder")
    init = path / "__init__.py"
    if path in _loaded_dirs or (init.is_file() and "OPTCOMPARE_CATALOG" in init.read_text()):
        return []
    _loaded_dirs.add(path)
    before = set(PROBLEMS.names())
    for file in sorted(path.glob("*.py")):
        if file.name.startswith("_"):
            continue
        mod_name = f"optcompare_user_problems.{file.stem}"
        spec = importlib.util.spec_from_file_location(mod_name, file)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        try:
            spec.loader.exec_module(module)
        except SpecError:
            raise
        except Exception as exc:  # a user's file: report it, never a traceback
            raise SpecError(f"problem file '{file}' failed to load: {exc}") from None
    load_problem_files(path)
    return sorted(set(PROBLEMS.names()) - before)


def problem_names() -> list[str]:
    load_catalog()
    return PROBLEMS.names()


def problem_class(name: str) -> type[Problem]:
    load_catalog()
    return PROBLEMS.get(name)


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
