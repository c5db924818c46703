"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click


def _load_problem_dirs(ctx, param, value):
    from optcompare.problem import load_problem_dir

    if value is not None:
        load_problem_dir(value)
    elif Path("problems").is_dir():
        load_problem_dir("problems")
    return value


problems_dir_option = click.option(
    "--problems-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    is_eager=True, callback=_load_problem_dirs, expose_value=True,
    help="Folder of your own problem files (default: ./problems when present).")
