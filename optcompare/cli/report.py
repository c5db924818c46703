"""``optcompare report``: one self-contained HTML page for a run folder (being written)."""

from __future__ import annotations

import click

from optcompare.cli.options import HELP


@click.command(context_settings=HELP)
@click.argument("run_dir", required=False)
def report(run_dir):
    """Write report.html for a run folder (not yet available)."""
    from optcompare.errors import RunError

    raise RunError("reports are not available yet")
