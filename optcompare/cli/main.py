"""The ``optcompare`` group and its commands."""

from __future__ import annotations

import click

from optcompare._version import __version__
from optcompare.cli import catalog, lesson, live, report, run, sweep
from optcompare.cli.group import CONTEXT, Group


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="optcompare")
def main() -> None:
    """Run and compare gradient-based optimizers on classic test problems.

    \b
    Examples:
      optcompare run --opt rmsprop --problem rosenbrock
      optcompare run --opt sgd:lr=1e-3,momentum=0.9 --opt adam:lr=0.05 \\
          --problem himmelblau
      optcompare sweep --opt sgd --opt adam --problem rosenbrock \\
          --param lr=1e-4:10:25:log
      optcompare basins --opt sgd:lr=0.01 --opt adam:lr=0.1 --problem himmelblau
      optcompare list
      optcompare explain adam
    """


for _command in (
    run.run,
    sweep.sweep,
    sweep.basins,
    run.animate,
    live.live,
    lesson.lesson,
    report.report,
    catalog.list_,
    catalog.explain,
):
    main.add_command(_command)
