"""``optcompare sweep`` and ``optcompare basins``: many runs of a grid as one batch."""

from __future__ import annotations

from pathlib import Path

import click

from optcompare.cli.options import (
    HELP,
    FiniteFloat,
    color_option,
    objective_option,
    output_options,
    passes_option,
    problem_options,
    steps_unless_passes,
)
from optcompare.cli.style_option import style_option

SWEEP_EPILOG = """\b
Examples:
  optcompare sweep --opt sgd --opt adam --problem rosenbrock \\
      --param lr=1e-4:10:25:log
  optcompare sweep --opt sgd --problem quadratic:kappa=50 \\
      --param lr=1e-3:1:12:log --param momentum=0:0.99:12 --seeds 5
\b
Ranges: lo:hi:count (linear), lo:hi:count:log, or a|b|c.
"""

BASINS_EPILOG = """\b
Examples:
  optcompare basins --opt sgd:lr=0.01 --opt sgd:lr=0.01,momentum=0.9 \\
      --opt adam:lr=0.1 --problem himmelblau
  optcompare basins --opt rmsprop --problem six-hump-camel --grid 61
"""


@click.command(epilog=SWEEP_EPILOG, context_settings=HELP)
@problem_options()
@passes_option
@click.option(
    "--param",
    "params",
    multiple=True,
    required=True,
    metavar="NAME=RANGE",
    help="A hyperparameter and its values, e.g. lr=1e-4:10:25:log (once or twice).",
)
@click.option(
    "--seeds",
    type=click.IntRange(min=1, max=10_000),
    default=1,
    show_default=True,
    help="Runs per grid point (the band shows their spread).",
)
@click.option(
    "--jitter",
    type=FiniteFloat(min=0),
    default=0.0,
    show_default=True,
    help="Std of a random move of each run's start.",
)
@objective_option
@output_options
@color_option
@style_option
@click.pass_context
def sweep(
    ctx,
    opts,
    problem,
    steps,
    start,
    seed,
    lr_schedule,
    clip_norm,
    clip_value,
    problems_dir,
    passes,
    params,
    seeds,
    jitter,
    objective,
    out,
    fmt,
    no_plot,
    as_json,
    quiet,
    with_report,
    colors,
):
    """Sweep one or two hyperparameters of each optimizer; plot the objective against them."""
    from optcompare import output
    from optcompare.cli.render import print_sweep
    from optcompare.cli.results import (
        check_output_flags,
        command_line,
        deliver,
        progress_bar,
    )
    from optcompare.experiments.sweep import sweep as run_sweep

    check_output_flags(as_json, quiet)
    given_steps = steps_unless_passes(ctx, steps, passes)
    output.check_target(out, "sweep")  # before the work, not after it
    if colors:
        from optcompare.experiments.choices import make_optimizers
        from optcompare.plotting.colors import check_color_keys

        choices = make_optimizers(list(opts))
        check_color_keys(colors, [c.label for c in choices], [c.name for c in choices])
    progress = progress_bar(quiet, as_json)
    try:
        result = run_sweep(
            list(opts),
            problem,
            list(params),
            seeds=seeds,
            seed=seed,
            steps=given_steps,
            passes=passes,
            objective=objective,
            start=start,
            jitter=jitter,
            lr_schedule=lr_schedule,
            clip_norm=clip_norm,
            clip_value=clip_value,
            progress=progress,
        )
    finally:
        progress.close()
    doc, files = output.sweep_files(result, command_line(ctx), fmt, plot=not no_plot, colors=colors)
    default = output.default_folder(
        Path("outputs"), "sweep-" + result.problem.name, [o.optimizer for o in result.outcomes]
    )
    deliver(out, default, files, doc, as_json, quiet, lambda f: print_sweep(result, f), with_report)


@click.command(epilog=BASINS_EPILOG, context_settings=HELP)
@problem_options(start=False)
@click.option(
    "--grid",
    type=click.IntRange(2, 401),
    default=41,
    show_default=True,
    help="Starts per side of the grid over the window.",
)
@output_options
@style_option
@click.pass_context
def basins(
    ctx,
    opts,
    problem,
    steps,
    seed,
    lr_schedule,
    clip_norm,
    clip_value,
    problems_dir,
    grid,
    out,
    fmt,
    no_plot,
    as_json,
    quiet,
    with_report,
):
    """Colour every start of a grid by the minimum each optimizer reaches from it."""
    from optcompare import output
    from optcompare.cli.render import print_basins
    from optcompare.cli.results import (
        check_output_flags,
        command_line,
        deliver,
        progress_bar,
    )
    from optcompare.experiments.basins import basins as run_basins
    from optcompare.problem import make_problem

    check_output_flags(as_json, quiet)
    output.check_target(out, "basins")  # before the work, not after it
    prob = make_problem(problem)
    progress = progress_bar(quiet, as_json)
    try:
        results = run_basins(
            list(opts),
            prob,
            grid=grid,
            steps=steps,
            lr_schedule=lr_schedule,
            clip_norm=clip_norm,
            clip_value=clip_value,
            progress=progress,
        )
    finally:
        progress.close()
    doc, files = output.basins_files(results, prob, command_line(ctx), fmt, plot=not no_plot)
    default = output.default_folder(
        Path("outputs"), "basins-" + prob.name, [b.label.split()[0] for b in results]
    )
    deliver(
        out,
        default,
        files,
        doc,
        as_json,
        quiet,
        lambda f: print_basins(results, prob, f),
        with_report,
    )
