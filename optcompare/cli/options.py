"""Options shared by several commands, so each is declared (and checked) once."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import click

from optcompare.specs import SEED_MAX

HELP = {"help_option_names": ["-h", "--help"]}

#: Most --steps: a billion steps of one run take hours; a typo with extra zeros should
#: get an answer, not a computation that never ends (the work budget also bounds it).
STEPS_MAX = 10**9


class FiniteFloat(click.FloatRange):
    """A float range that also refuses nan and inf (click lets both through a range)."""

    name = "number"

    def convert(self, value, param, ctx):  # noqa: D102
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def _load_problem_dirs(ctx, param, value):
    """Read the named folder (its Python files run), else only ./problems's data files.

    Python files run only from a folder the user names: a course folder or a
    student's submission may hold a ``problems/*.py`` that nobody meant to run.
    """
    from optcompare.errors import SpecError
    from optcompare.problem import load_problem_dir, read_found_problems

    if value is not None:
        if not value.strip():
            # Path("") would mean the working folder, and run every *.py there
            raise click.BadParameter("the folder name is empty; name a folder, e.g. problems")
        check_path_length(str(value))
        load_problem_dir(Path(value))
        return Path(value)
    try:
        # found, not asked for: a broken file there must not stop runs of built-in problems
        read_found_problems()
    except SpecError as exc:
        from optcompare.cli.group import one_line

        click.echo(one_line(f"optcompare: warning: skipped ./problems: {exc}"), err=True)
    return None


problems_dir_option = click.option(
    "--problems-dir",
    type=click.Path(file_okay=False),
    default=None,
    is_eager=True,
    callback=_load_problem_dirs,
    expose_value=True,
    help="Folder of your own problem files; its Python files are run. Without it, only the "
    "data files (*.json, *.toml) of ./problems are read.",
)


def _budget_scale(ctx, param, value):
    if value is None:
        return
    from optcompare import budget

    token = budget.set_scale(value)  # a bad value: SpecError, one line, exit 2
    ctx.call_on_close(lambda: budget.reset_scale(token))


budget_option = click.option(
    "--budget-scale",
    type=float,
    default=None,
    metavar="X",
    is_eager=True,  # before --problems-dir reads files, when given before it
    expose_value=False,
    callback=_budget_scale,
    help="Multiply every limit of the budget (work, memory, bytes written, problem file "
    "size) by X, deliberately; the OPTCOMPARE_BUDGET environment variable does the same.",
)


def _apply(options: list[Callable]) -> Callable:
    def decorate(f):
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def problem_options(multiple_opts: bool = True, start: bool = True) -> Callable:
    """--opt, --problem, --steps, --start (unless ``start`` is False), --seed,
    --lr-schedule, --clip-norm, --clip-value, --problems-dir."""
    start_option = click.option(
        "--start",
        metavar="X,Y,...",
        default=None,
        help="Start point, comma-separated (default: the problem's).",
    )
    return _apply(
        [
            click.option(
                "--opt",
                "opts",
                multiple=multiple_opts,
                required=True,
                metavar="SPEC",
                help="Optimizer: name or name:key=value,..."
                + (" (repeat to compare; 'all' = the six classics)." if multiple_opts else ""),
            ),
            click.option(
                "--problem",
                required=True,
                metavar="SPEC",
                help="Problem: name or name:key=value,... (see 'optcompare list').",
            ),
            click.option(
                "--steps",
                type=click.IntRange(0, STEPS_MAX),
                default=1000,
                show_default=True,
                help="Optimizer steps per run (0 only evaluates the start).",
            ),
            *([start_option] if start else []),
            click.option(
                "--seed",
                type=click.IntRange(0, SEED_MAX),
                default=0,
                show_default=True,
                help="First seed of the random streams (noisy and mini-batch problems).",
            ),
            click.option(
                "--lr-schedule",
                metavar="SPEC",
                default=None,
                help="constant, step:every=100,gamma=0.5, exp:gamma=0.99, cosine or "
                "inv-sqrt; the same for every optimizer.",
            ),
            click.option(
                "--clip-norm",
                type=FiniteFloat(min=0, min_open=True),
                default=None,
                metavar="C",
                help="Scale each run's gradient to norm at most C before every update "
                "(as torch.nn.utils.clip_grad_norm_).",
            ),
            click.option(
                "--clip-value",
                type=FiniteFloat(min=0, min_open=True),
                default=None,
                metavar="V",
                help="Clamp each gradient coordinate to [-V, V] before every update.",
            ),
            budget_option,
            problems_dir_option,
        ]
    )


def comparison_options(f: Callable) -> Callable:
    """--seeds, --jitter, --tol, --tune, --objective (run and animate)."""
    return _apply(
        [
            click.option(
                "--seeds",
                type=click.IntRange(min=1, max=10_000),
                default=1,
                show_default=True,
                help="Independent runs per optimizer.",
            ),
            click.option(
                "--jitter",
                type=FiniteFloat(min=0),
                default=0.0,
                show_default=True,
                help="Std of a random move of each run's start (with --seeds).",
            ),
            click.option(
                "--tol",
                type=FiniteFloat(min=0, min_open=True),
                default=1e-6,
                show_default=True,
                help="Target: first step with loss - f* <= tol.",
            ),
            click.option(
                "--tune",
                is_flag=True,
                help="First pick each optimizer's lr on a log grid (same budget for all) "
                "using other seeds.",
            ),
            objective_option,
        ]
    )(f)


passes_option = click.option(
    "--passes",
    type=FiniteFloat(min=0, min_open=True, max=1e9),
    default=None,
    metavar="K",
    help="A work budget instead of --steps: each run spends at most K passes over the data "
    "(a full gradient is one pass, a mini-batch of b of n samples b/n).",
)

x_axis_option = click.option(
    "--x-axis",
    "x_axis",
    type=click.Choice(["steps", "passes", "time"]),
    default=None,
    help="The loss figure's x-axis (default: passes when a variance-reduced method meets a "
    "finite-sum problem or --passes is given, else steps; time is the step loop's clock).",
)


path_view_option = click.option(
    "--path-view",
    "path_view",
    type=click.Choice(["pca", "coords"]),
    default=None,
    help="How the path figure shows more than two coordinates: pca projects every iterate "
    "onto the paths' first two principal components, centred at the best point, over f's "
    "contours on that plane (the default above 2-D); coords draws the first two coordinates.",
)


def steps_unless_passes(ctx: click.Context, steps: int, passes: float | None) -> int | None:
    """The steps to run, or None when --passes sets the budget instead.

    Raises:
        click.UsageError: both --steps and --passes were given (exit 2).
    """
    if passes is None:
        return steps
    source = ctx.get_parameter_source("steps")
    if source is not None and source.name != "DEFAULT":
        raise click.UsageError("--steps and --passes set the same budget; give one of them")
    return None


objective_option = click.option(
    "--objective",
    type=click.Choice(["final", "best", "auc"]),
    default="final",
    show_default=True,
    help="What tuning and sweeps minimise: final loss, best loss, or the "
    "area under the log loss curve.",
)


#: Bytes of a folder's name taken by its temporary twin ``.NAME.tmp-PID-XXXXXXXX`` while
#: it is written (a process id has at most 7 digits on Linux), and of the longest file name
#: written inside it.
_TEMPORARY_ROOM = 24
_INNER_ROOM = 64


def _fs_limit(path: Path, name: str, fallback: int) -> int:
    """os.pathconf's ``name`` for the nearest existing folder above ``path``."""
    folder = path.absolute()
    while True:
        try:
            if folder.is_dir():
                return int(os.pathconf(folder, name))
        except (OSError, ValueError, AttributeError):  # no pathconf (Windows) or no answer
            return fallback
        if folder.parent == folder:
            return fallback
        folder = folder.parent


def check_path_length(value: str, room: int = 0) -> None:
    """Refuse a path the file system cannot hold, before any work starts.

    ``room`` is what optcompare adds to the last name while writing (a temporary
    twin). Limits come from ``os.pathconf`` (255-byte names and 4096-byte paths when
    it has no answer).

    Raises:
        click.BadParameter: naming the long part, its length and the limit.
    """
    path = Path(value)
    name_max = _fs_limit(path, "PC_NAME_MAX", 255)
    parts = path.parts
    for i, part in enumerate(parts):
        extra = room if i == len(parts) - 1 else 0
        if len(os.fsencode(part)) + extra > name_max:
            shown = part if len(part) <= 40 else part[:40] + "..."
            taken = (
                f", and optcompare adds {room} while writing: use at most {name_max - room}"
                if extra
                else ""
            )
            raise click.BadParameter(
                f"the name '{shown}' is {len(os.fsencode(part))} bytes long; this file system "
                f"takes at most {name_max} bytes per name{taken}"
            )
    path_max = _fs_limit(path, "PC_PATH_MAX", 4096)
    if len(os.fsencode(value)) + room + _INNER_ROOM > path_max:
        raise click.BadParameter(
            f"the path is {len(os.fsencode(value))} bytes long; this file system takes at most "
            f"{path_max} bytes per path, with room for the file names inside"
        )


def _out_path(ctx, param, value):
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("the folder name is empty; give a folder, e.g. --out demo")
    check_path_length(value, _TEMPORARY_ROOM)
    return Path(value)


out_option = click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    callback=_out_path,
    help="Folder to write (default: a new folder in ./outputs named by the time and what was run).",
)


def output_options(f: Callable) -> Callable:
    """--out, --format, --no-plot, --json, --quiet."""
    return _apply(
        [
            out_option,
            click.option(
                "--format",
                "fmt",
                type=click.Choice(["png", "svg", "pdf"]),
                default="png",
                show_default=True,
                help="Figure file format.",
            ),
            click.option("--no-plot", is_flag=True, help="Write the data files only, no figures."),
            click.option(
                "--json", "as_json", is_flag=True, help="Print only the summary JSON on stdout."
            ),
            click.option(
                "--quiet", "-q", is_flag=True, help="Print only the output folder's path."
            ),
            report_option,
        ]
    )(f)


def _colors(ctx, param, value):
    if not value:
        return None
    from optcompare.errors import SpecError
    from optcompare.plotting.colors import parse_color

    try:
        return dict(parse_color(v) for v in value)
    except SpecError as exc:
        raise click.BadParameter(str(exc)) from None


color_option = click.option(
    "--color",
    "colors",
    multiple=True,
    metavar="LABEL=COLOR",
    callback=_colors,
    help="Colour of an optimizer (adam=red) or of one label ('sgd lr=0.01=#333333'); "
    "repeatable. Default: a fixed colour per optimizer.",
)


report_option = click.option(
    "--report",
    "with_report",
    is_flag=True,
    help="Also write report.html: figures, tables and the command, in one page to project.",
)
