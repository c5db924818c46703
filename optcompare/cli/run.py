"""``optcompare run``: compare optimizers on one problem, write the run folder."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click

from optcompare.cli.options import problems_dir_option

EPILOG = """\b
Examples:
  optcompare run --opt rmsprop --problem rosenbrock
  optcompare run --opt sgd:lr=0.001,momentum=0.9 --opt adam:lr=0.05 --problem himmelblau
  optcompare run --opt all --problem quadratic:kappa=50,angle=30 --steps 300
  optcompare run --opt adam --problem rosenbrock --start -1.5,2 --out demo --format svg
"""


@click.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--opt", "opts", multiple=True, required=True, metavar="SPEC",
              help="Optimizer: name or name:key=value,... (repeat to compare; 'all' = the six "
                   "classics).")
@click.option("--problem", required=True, metavar="SPEC",
              help="Problem: name or name:key=value,... (see 'optcompare list').")
@click.option("--steps", type=click.IntRange(min=0), default=500, show_default=True,
              help="Optimizer steps per run (0 only evaluates the start).")
@click.option("--start", metavar="X,Y,...", default=None,
              help="Start point, comma-separated (default: the problem's).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the random stream (noisy and mini-batch problems).")
@click.option("--tol", type=click.FloatRange(min=0, min_open=True), default=1e-6,
              show_default=True, help="Target: first step with loss - f* <= tol.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write (default: ./outputs/<time>-<problem>-<optimizers>).")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png",
              show_default=True, help="Figure file format.")
@click.option("--no-plot", is_flag=True, help="Write the CSV and JSON only, no figures.")
@click.option("--json", "as_json", is_flag=True, help="Print only the summary JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the run folder's path.")
@problems_dir_option
@click.pass_context
def run(ctx, opts, problem, steps, start, seed, tol, out, fmt, no_plot, as_json, quiet,
        problems_dir):
    """Run one or more optimizers on a problem; write trajectories, a summary and figures."""
    from optcompare import output, summary
    from optcompare.api import make_optimizers, run as run_api
    from optcompare.cli.console import DelayedProgress
    from optcompare.problem import make_problem

    if as_json and quiet:
        raise click.UsageError("--json and --quiet cannot be combined; choose one")
    prob = make_problem(problem)
    choices = make_optimizers(list(opts))
    progress = DelayedProgress(steps * len(choices),
                               enabled=not (quiet or as_json) and sys.stderr.isatty())
    try:
        result = run_api(list(opts), prob, steps=steps, start=start, seed=seed, tol=tol,
                         progress=progress)
    finally:
        progress.close()

    command = "optcompare " + shlex.join(ctx.obj["argv"]) if ctx.obj else "optcompare run"
    doc = summary.summary_document(result, command)
    dim = result.problem.dim
    files = {
        "trajectory.csv": lambda p: output.write_csv(p, summary.trajectory_header(dim),
                                                     summary.trajectory_rows(result)),
        "summary.json": lambda p: output.write_json(p, doc),
    }
    if not no_plot:
        from optcompare import plotting

        figures = plotting.comparison_figures(result)
        for name, fig in figures.items():
            files[f"{name}.{fmt}"] = lambda p, fig=fig: fig.savefig(p, format=fmt)
    default = output.default_folder(Path("outputs"), prob.name, [c.name for c in choices])
    folder = output.write_folder(out, default, files)

    if as_json:
        click.echo(json.dumps(doc, indent=2))
    elif quiet:
        click.echo(str(folder))
    else:
        from optcompare.cli.render import print_run

        print_run(result, folder)
