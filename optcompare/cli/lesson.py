"""``optcompare lesson``: ready classroom experiments (being written)."""

from __future__ import annotations

import click

from optcompare.cli.options import HELP


@click.command(context_settings=HELP)
@click.argument("name", required=False)
def lesson(name):
    """List the lessons, or run one (not yet available)."""
    from optcompare.errors import RunError

    raise RunError("lessons are not available yet")
