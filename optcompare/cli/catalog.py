"""``optcompare list`` and ``optcompare explain``: what is available and how it works."""

from __future__ import annotations

import click

from optcompare.cli.options import budget_option, problems_dir_option

LIST_EPILOG = """\b
Examples:
  optcompare list
  optcompare list --problems-dir my_problems
"""

EXPLAIN_EPILOG = """\b
Examples:
  optcompare explain rmsprop
  optcompare explain rosenbrock
  optcompare explain "expr:(1-x)**2 + 100*(y-x**2)**2"
"""


@click.command("list", epilog=LIST_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@budget_option
@problems_dir_option
def list_(problems_dir):
    """List the optimizers (with defaults) and the problems (dimension, minima)."""
    from optcompare.cli.render import print_catalog
    from optcompare.problem import not_run_note

    print_catalog()
    note = not_run_note()
    if note:  # the list is where a user looks for their problems
        click.echo(f"optcompare: note: {note}", err=True)


@click.command(epilog=EXPLAIN_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("name")
@budget_option
@problems_dir_option
def explain(name, problems_dir):
    """Explain an optimizer's update rule or a problem's formula, minima and window."""
    from optcompare.cli.render import print_optimizer, print_problem
    from optcompare.errors import SpecError
    from optcompare.optimizers import OPTIMIZERS
    from optcompare.problem import make_problem, not_run_note, problem_names
    from optcompare.registry import unknown_message
    from optcompare.specs import parse_spec

    if name.lstrip()[:5].lower() == "expr:":
        print_problem(make_problem(name))
        return
    spec = parse_spec(name, "name")
    if spec.name in OPTIMIZERS:
        if spec.settings:
            raise SpecError(f"explain takes a bare optimizer name, not '{name}'")
        print_optimizer(OPTIMIZERS.get(spec.name))
    elif spec.name in problem_names():
        print_problem(make_problem(spec))
    else:
        message = unknown_message(
            "optimizer or problem", spec.name, OPTIMIZERS.names() + problem_names()
        )
        note = not_run_note()
        raise SpecError(f"{message} ({note})" if note else message)
