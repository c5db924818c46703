"""``optcompare lesson``: list the ready classroom experiments, or run one into a folder."""

from __future__ import annotations

from pathlib import Path

import click

from optcompare.cli.options import HELP, budget_option, out_option, report_option
from optcompare.cli.style_option import style_option

LESSON_EPILOG = """\b
Examples:
  optcompare lesson
  optcompare lesson ravine
  optcompare lesson adam-nonconvergence --out adam-lesson --format svg
  optcompare lesson saddle --quiet
  optcompare lesson ravine --style talk
"""


@click.command(epilog=LESSON_EPILOG, context_settings=HELP)
@click.argument("name", required=False)
@out_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    show_default=True,
    help="Figure file format.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print only JSON: the lesson list, or the lesson's summary.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the output folder's path.")
@report_option
@budget_option
@style_option
@click.pass_context
def lesson(ctx, name, out, fmt, as_json, quiet, with_report):
    """List the classroom lessons, or run one into a folder.

    A lesson states a claim, runs the experiment that tests it, and prints (and
    writes to lesson.md) what was run, the key numbers and what they say.
    """
    from optcompare.cli.results import check_output_flags
    from optcompare.errors import SpecError
    from optcompare.lessons import LESSONS, get_lesson

    check_output_flags(as_json, quiet)
    if name is None:
        given = [
            flag
            for flag, used in (
                ("--out", out is not None),
                ("--quiet", quiet),
                ("--format", _given(ctx, "fmt")),
            )
            if used
        ]
        if given:
            raise SpecError(
                f"{' and '.join(given)} need{'s' * (len(given) == 1)} a lesson "
                f"name; run 'optcompare lesson' to list them"
            )
        _print_list([LESSONS.get(n) for n in LESSONS.names()], as_json)
        return
    chosen = get_lesson(name)
    _run(ctx, chosen, out, fmt, as_json, quiet, with_report)


def _given(ctx: click.Context, param: str) -> bool:
    return ctx.get_parameter_source(param) is not click.core.ParameterSource.DEFAULT


def _print_list(lessons, as_json: bool) -> None:
    import json

    if as_json:
        click.echo(
            json.dumps(
                [{"name": les.name, "title": les.title, "claim": les.claim} for les in lessons],
                indent=2,
            )
        )
        return
    from rich.text import Text

    from optcompare.cli.console import console, table

    out = console()
    rows = [[les.name, Text.assemble((les.title, "bold"), "\n", les.claim)] for les in lessons]
    out.print(
        table(
            "Lessons: optcompare lesson NAME runs one",
            [("name", "left"), ("what it shows", "left")],
            rows,
        )
    )


def _run(ctx, chosen, out, fmt, as_json, quiet, with_report) -> None:
    from optcompare import output
    from optcompare.cli.results import command_line, deliver, progress_bar
    from optcompare.lessons.folder import lesson_files
    from optcompare.progress import ambient

    output.check_target(out, f"lesson:{chosen.name}")  # before the work, not after it
    # a lesson plans its experiments one at a time: the bar counts, it shows no percentage
    progress = progress_bar(quiet, as_json, growing=True)
    progress.what = f"lesson {chosen.name}"
    try:
        with ambient(progress):
            res = chosen.run(fmt)
    finally:
        progress.close()
    doc, files = lesson_files(chosen, res, command_line(ctx), fmt)
    default = output.default_folder(Path("outputs"), "lesson", [chosen.name])
    deliver(
        out,
        default,
        files,
        doc,
        as_json,
        quiet,
        lambda folder: _print_lesson(res.text, folder),
        with_report,
    )


def _print_lesson(text: str, folder: Path) -> None:
    from rich.markdown import Markdown

    from optcompare.cli.console import console

    out = console()
    out.print(Markdown(text, code_theme="ansi_light"))
    out.print(f"wrote {folder}", soft_wrap=True)
