"""The end of every command that runs something: write the folder, then report it."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from optcompare.errors import SpecError

if TYPE_CHECKING:
    from optcompare import output


def command_line(ctx: click.Context) -> str:
    argv = (ctx.find_root().obj or {}).get("argv", [])
    return "optcompare " + shlex.join(argv)


def check_output_flags(as_json: bool, quiet: bool) -> None:
    if as_json and quiet:
        raise SpecError("--json and --quiet cannot be combined; choose one")


def progress_bar(quiet: bool, as_json: bool, growing: bool = False):
    """A delayed progress bar on stderr, silent under --quiet/--json and off a terminal."""
    from optcompare.cli.console import DelayedProgress

    return DelayedProgress(enabled=not (quiet or as_json) and sys.stderr.isatty(), growing=growing)


def deliver(
    out: Path | None,
    default: Path,
    contents: output.Contents,
    doc: dict,
    as_json: bool,
    quiet: bool,
    render: Callable[[Path], None],
    with_report: bool = False,
) -> Path:
    """Write the result's files atomically (and report.html), then print JSON, path or tables."""
    from contextlib import nullcontext

    from optcompare import output

    # drawing figures and writing a large trajectory.csv can take longer than the run:
    # say so on a terminal rather than sit silent after the progress bar has gone
    busy: Any = nullcontext()
    if not (as_json or quiet) and sys.stderr.isatty():
        from optcompare.cli.console import console

        busy = console(stderr=True).status(f"writing {', '.join(contents.files)} ...")
    with busy:
        folder = output.write_folder(out, default, contents)
        if with_report:
            from optcompare.report import write_report

            write_report(folder)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    elif quiet:
        click.echo(str(folder))
    else:
        render(folder)
    return folder
