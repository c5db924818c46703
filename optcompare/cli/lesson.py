"""``optcompare lesson``: list the ready classroom experiments, or run one into a folder."""

from __future__ import annotations

from pathlib import Path

import click

from optcompare.cli.options import HELP, out_option, report_option

LESSON_EPILOG = """\b
Examples:
  optcompare lesson
  optcompare lesson ravine
  optcompare lesson adam-nonconvergence --out adam-lesson --format svg
  optcompare lesson saddle --quiet
"""


@click.command(epilog=LESSON_EPILOG, context_settings=HELP)
@click.argument("name", required=False)
@out_option
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png",
              show_default=True, help="Figure file format.")
@click.option("--json", "as_json", is_flag=True,
              help="Print only JSON: the lesson list, or the lesson's summary.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the output folder's path.")
@report_option
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
        given = [flag for flag, used in (("--out", out is not None), ("--quiet", quiet),
                                         ("--format", _given(ctx, "fmt"))) if used]
        if given:
            raise SpecError(f"{' and '.join(given)} need{'s' * (len(given) == 1)} a lesson "
                            f"name; run 'optcompare lesson' to list them")
        _print_list([LESSONS.get(n) for n in LESSONS.names()], as_json)
        return
    chosen = get_lesson(name)
    _run(ctx, chosen, out, fmt, as_json, quiet, with_report)


def _given(ctx: click.Context, param: str) -> bool:
    return ctx.get_parameter_source(param) is not click.core.ParameterSource.DEFAULT


def _print_list(lessons, as_json: bool) -> None:
    import json

    if as_json:
        click.echo(json.dumps([{"name": les.name, "title": les.title, "claim": les.claim}
                               for les in lessons], indent=2))
        return
    from rich.markup import escape

    from optcompare.cli.console import console, table

    out = console()
    rows = [[les.name, f"[bold]{escape(les.title)}[/bold]\n{escape(les.claim)}"]
            for les in lessons]
    out.print(table("Lessons: optcompare lesson NAME runs one", [("name", "left"),
                                                                 ("what it shows", "left")],
                    rows))


def _run(ctx, chosen, out, fmt, as_json, quiet, with_report) -> None:
    import sys

    from optcompare import output
    from optcompare.cli.console import console
    from optcompare.cli.results import command_line, deliver

    if not (quiet or as_json) and sys.stderr.isatty():
        with console(stderr=True).status(f"running lesson {chosen.name} ..."):
            res = chosen.run(fmt)
    else:
        res = chosen.run(fmt)
    doc = _document(chosen, res, command_line(ctx))
    files = _files(res, doc, fmt)
    default = output.default_folder(Path("outputs"), "lesson", [chosen.name])
    deliver(out, default, files, doc, as_json, quiet,
            lambda folder: _print_lesson(res.text, folder), with_report)


def _document(chosen, res, command: str) -> dict:
    """summary.json: the lesson, its key numbers, and a summary of each comparison run."""
    import numpy as np

    from optcompare._version import __version__
    from optcompare.lessons.base import plain
    from optcompare.summary.documents import summary_document

    return {
        "optcompare_version": __version__,
        "numpy_version": np.__version__,
        "command": command,
        "lesson": chosen.name,
        "title": chosen.title,
        "claim": chosen.claim,
        "numbers": plain(res.numbers),
        "figures": sorted(res.figures),
        "experiments": {key: plain(summary_document(result, command))
                        for key, result in res.results.items()},
    }


def _files(res, doc: dict, fmt: str) -> dict:
    from optcompare import output
    from optcompare.cli.results import figure_writer
    from optcompare.summary import documents as summary

    files = {"lesson.md": lambda p: p.write_text(res.text),
             "summary.json": lambda p: output.write_json(p, doc)}
    for key, result in res.results.items():
        name = "trajectory.csv" if len(res.results) == 1 else f"trajectory-{key}.csv"
        files[name] = (lambda p, r=result: output.write_csv(
            p, summary.trajectory_header(r.problem.dim), summary.trajectory_rows(r)))
    for name, (header, rows) in res.tables.items():
        files[name] = lambda p, h=header, rs=rows: output.write_csv(p, h, rs)
    for name, fig in res.figures.items():
        files[f"{name}.{fmt}"] = figure_writer(fig, fmt)
    for key in res.animations:
        from matplotlib.animation import PillowWriter

        from optcompare.plotting import path_animation

        _, anim = path_animation(res.results[key], frames=ANIMATION_FRAMES, fps=ANIMATION_FPS)
        name = "animation.gif" if len(res.animations) == 1 else f"animation-{key}.gif"
        files[name] = lambda p, a=anim: a.save(p, writer=PillowWriter(fps=ANIMATION_FPS))
    return files


ANIMATION_FRAMES, ANIMATION_FPS = 50, 10


def _print_lesson(text: str, folder: Path) -> None:
    from rich.markdown import Markdown

    from optcompare.cli.console import console

    out = console()
    out.print(Markdown(text, code_theme="ansi_light"))
    out.print(f"wrote {folder}", soft_wrap=True)
