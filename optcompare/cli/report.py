"""``optcompare report``: one self-contained HTML page for a run folder."""

from __future__ import annotations

from pathlib import Path

import click

from optcompare.cli.options import HELP, check_path_length

REPORT_EPILOG = """\b
Examples:
  optcompare run --opt sgd:lr=0.002,momentum=0.9 --opt adam:lr=0.05 \\
      --problem rosenbrock --out demo
  optcompare report demo
\b
The page embeds every figure, the results table, lesson.md (if any) and
the command and versions that reproduce the folder; it loads nothing from
the network.
"""


def _checked_length(ctx, param, value):
    check_path_length(str(value))  # an OSError later would be an internal error
    return value


@click.command(epilog=REPORT_EPILOG, context_settings=HELP)
@click.argument("run_dir", type=click.Path(path_type=Path), callback=_checked_length)
@click.option("--quiet", "-q", is_flag=True, help="Print only the report's path.")
def report(run_dir, quiet):
    """Write report.html into RUN_DIR: figures, results and how to reproduce them, on one page."""
    from optcompare.report import write_report

    path = write_report(run_dir)
    click.echo(str(path) if quiet else f"wrote {path}")
