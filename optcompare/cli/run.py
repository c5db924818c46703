"""``optcompare run`` and ``optcompare animate``: compare optimizers on one problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from optcompare.cli.options import (
    HELP,
    color_option,
    comparison_options,
    out_option,
    output_options,
    passes_option,
    path_view_option,
    problem_options,
    report_option,
    steps_unless_passes,
    x_axis_option,
)
from optcompare.cli.style_option import style_option

RUN_EPILOG = """\b
Examples:
  optcompare run --opt rmsprop --problem rosenbrock
  optcompare run --opt sgd:lr=0.001,momentum=0.9 --opt adam:lr=0.05 \\
      --problem himmelblau
  optcompare run --opt all --problem quadratic:kappa=50,angle=30 --steps 300
  optcompare run --opt sgd --opt adam --problem noisy-quadratic \\
      --seeds 20 --tune
  optcompare run --opt adam --problem rosenbrock --start -1.5,2 \\
      --out demo --format svg
  optcompare run --opt sgd:lr=0.05 --opt adam:lr=0.05 \\
      --problem least-squares:n=40,batch=1 --passes 30 --seeds 5
  optcompare run --opt sgd:lr=0.002,momentum=0.9 --opt adam:lr=0.05 \\
      --problem rosenbrock:dim=5 --path-view coords
  optcompare run --opt sgd --opt adam --problem himmelblau --style talk \\
      --format svg
"""

ANIMATE_EPILOG = """\b
Examples:
  optcompare animate --opt sgd:lr=0.002,momentum=0.9 --opt adam:lr=0.05 \\
      --problem rosenbrock
  optcompare animate --opt all --problem himmelblau --steps 200 \\
      --fps 10 --frames 40
  optcompare animate --opt sgd:lr=0.002,momentum=0.9 --opt adam:lr=0.05 \\
      --problem rosenbrock --size 1080p --format mp4
  optcompare animate --opt sgd --opt adam --problem himmelblau --style talk
"""


def _compare(
    ctx,
    opts,
    problem,
    steps,
    start,
    seed,
    lr_schedule,
    seeds,
    jitter,
    tol,
    tune,
    objective,
    quiet,
    as_json,
    colors=None,
    clip_norm=None,
    clip_value=None,
    passes=None,
    x_axis=None,
    path_view=None,
):
    from optcompare import budget
    from optcompare.cli.results import check_output_flags, progress_bar
    from optcompare.experiments.choices import make_optimizers, state_width
    from optcompare.experiments.passes import check_budget, steps_for
    from optcompare.experiments.run import DEFAULT_TUNE_SEEDS, metric_count, run_request
    from optcompare.experiments.run import run as run_api
    from optcompare.plotting.colors import check_color_keys
    from optcompare.problem import make_problem
    from optcompare.summary.trajectories import largest_trajectory_file

    check_output_flags(as_json, quiet)
    given_steps = steps_unless_passes(ctx, steps, passes)
    prob = make_problem(problem)
    choices = make_optimizers(list(opts))
    check_color_keys(colors, [c.label for c in choices], [c.name for c in choices])
    budget_passes = check_budget(passes)
    if budget_passes is not None:  # the steps the budget buys, for the budget's checks
        steps = max(steps_for(c.optimizer, prob, budget_passes) for c in choices)
    request = run_request(
        len(choices), prob, steps, seeds, DEFAULT_TUNE_SEEDS if tune else 0
    ).holding(state_width(choices, prob))
    rows = (steps + 1) * seeds * len(choices)
    budget.check(largest_trajectory_file(request, rows, prob.dim, metric_count(prob)))
    progress = progress_bar(quiet, as_json)
    try:
        result = run_api(
            list(opts),
            prob,
            steps=given_steps,
            passes=passes,
            x_axis=x_axis,
            path_view=path_view,
            start=start,
            seed=seed,
            seeds=seeds,
            jitter=jitter,
            tol=tol,
            lr_schedule=lr_schedule,
            clip_norm=clip_norm,
            clip_value=clip_value,
            tune=tune,
            objective=objective,
            progress=progress,
        )
    finally:
        progress.close()
    return result


def _default_folder(result):
    from optcompare import output

    return output.default_folder(
        Path("outputs"), result.problem.name, [r.optimizer for r in result.runs]
    )


@click.command(epilog=RUN_EPILOG, context_settings=HELP)
@problem_options()
@passes_option
@x_axis_option
@path_view_option
@comparison_options
@output_options
@color_option
@style_option
@click.pass_context
def run(
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
    x_axis,
    path_view,
    seeds,
    jitter,
    tol,
    tune,
    objective,
    out,
    fmt,
    no_plot,
    as_json,
    quiet,
    with_report,
    colors,
):
    """Run one or more optimizers on a problem; write trajectories, a summary and figures."""
    from optcompare import output
    from optcompare.cli.render import print_run
    from optcompare.cli.results import command_line, deliver

    output.check_target(out, "run")  # before the work, not after it
    result = _compare(
        ctx,
        opts,
        problem,
        steps,
        start,
        seed,
        lr_schedule,
        seeds,
        jitter,
        tol,
        tune,
        objective,
        quiet,
        as_json,
        colors,
        clip_norm,
        clip_value,
        passes,
        x_axis,
        path_view,
    )
    doc, files = output.run_files(result, command_line(ctx), fmt, plot=not no_plot, colors=colors)
    deliver(
        out,
        _default_folder(result),
        files,
        doc,
        as_json,
        quiet,
        lambda folder: print_run(result, folder),
        with_report,
    )


@click.command(epilog=ANIMATE_EPILOG, context_settings=HELP)
@problem_options()
@passes_option
@x_axis_option
@path_view_option
@comparison_options
@click.option(
    "--fps",
    type=click.IntRange(1, 60),
    default=15,
    show_default=True,
    help="Frames per second of the animation.",
)
@click.option(
    "--frames",
    type=click.IntRange(2, 300),
    default=60,
    show_default=True,
    help="Most frames shown, spaced by how far the paths move (the first steps always "
    "shown); the last frame is then held 1.5 s.",
)
@click.option(
    "--size",
    type=click.Choice(["small", "720p", "1080p"]),
    default="small",
    show_default=True,
    help="Pixels: small (900x468; 2000x1125 with --style talk), 720p (1280x720) or 1080p "
    "(1920x1080).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["gif", "mp4"]),
    default="gif",
    show_default=True,
    help="animation.gif, or animation.mp4 (needs ffmpeg on PATH).",
)
@out_option
@click.option("--json", "as_json", is_flag=True, help="Print only the summary JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the output folder's path.")
@report_option
@color_option
@style_option
@click.pass_context
def animate(
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
    x_axis,
    path_view,
    seeds,
    jitter,
    tol,
    tune,
    objective,
    fps,
    frames,
    size,
    fmt,
    out,
    as_json,
    quiet,
    with_report,
    colors,
):
    """Write an animation (GIF, or MP4 with ffmpeg) of the paths growing beside the loss curves."""
    from matplotlib import rcParams

    from optcompare import output
    from optcompare.cli.render import print_run
    from optcompare.cli.results import command_line, deliver
    from optcompare.errors import RunError, SpecError
    from optcompare.problem import make_problem

    output.check_target(out, "animate")  # before the work, not after it
    if fmt == "mp4" and shutil.which(rcParams["animation.ffmpeg_path"]) is None:
        raise RunError(
            "mp4 needs ffmpeg: install it (apt install ffmpeg / brew install ffmpeg) "
            "or use --format gif"
        )
    if make_problem(problem).dim < 2:
        raise SpecError(
            f"animate draws paths in the plane; '{problem}' has one coordinate "
            "(use run, whose path figure shows x over the steps)"
        )
    result = _compare(
        ctx,
        opts,
        problem,
        steps,
        start,
        seed,
        lr_schedule,
        seeds,
        jitter,
        tol,
        tune,
        objective,
        quiet,
        as_json,
        colors,
        clip_norm,
        clip_value,
        passes,
        x_axis,
        path_view,
    )
    doc, files = output.animation_files(
        result, command_line(ctx), fps, fmt, frames=frames, colors=colors, size=size
    )
    deliver(
        out,
        _default_folder(result),
        files,
        doc,
        as_json,
        quiet,
        lambda folder: print_run(result, folder),
        with_report,
    )
