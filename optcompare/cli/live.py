"""``optcompare live``: the interactive window, or its snapshot."""

from __future__ import annotations

from pathlib import Path

import click

from optcompare.cli.options import HELP, budget_option, color_option, problems_dir_option
from optcompare.cli.style_option import styled

LIVE_EPILOG = """\b
Examples:
  optcompare live --opt sgd:lr=0.002,momentum=0.9 --opt adam:lr=0.05 \\
      --problem rosenbrock
  optcompare live --opt all --problem himmelblau:noise=1 --steps 300
  optcompare live --opt sgd --opt adam --problem beale --start 1,1.5 \\
      --snapshot live.png
  optcompare live --opt sgd:lr=0.002,momentum=0.9 --opt adam:lr=0.05 \\
      --problem rosenbrock --style talk

\b
In the window: drag a slider to rerun that optimizer; click the contours to
start there; space plays or pauses, r resets, c prints the 'optcompare run'
command of what is shown, f toggles full screen, h shows or hides the key map.
Without a screen, --snapshot draws the window once into a file.
"""


@click.command(epilog=LIVE_EPILOG, context_settings=HELP)
@click.option(
    "--opt",
    "opts",
    multiple=True,
    required=True,
    metavar="SPEC",
    help="Optimizer: name or name:key=value,... (repeat to compare; 'all' = the six classics).",
)
@click.option("--problem", required=True, metavar="SPEC", help="A 2-D problem spec.")
@click.option(
    "--steps",
    type=click.IntRange(1, 100_000),
    default=200,
    show_default=True,
    help="Optimizer steps per run (the window's steps slider changes it).",
)
@click.option("--start", metavar="X,Y", default=None, help="Start point (default: the problem's).")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True, help="Noise seed.")
@click.option(
    "--snapshot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Draw the window with its controls once into FILE (.png, .svg or .pdf) and exit.",
)
@color_option
@budget_option
@problems_dir_option
@styled(
    "Look of the window: paper (1400 x 900 px) or talk for a projector (16:9, 1600 x 900 px "
    "before full screen; the plots' type 1.75x and lines 2x, the controls' type 1.35x)."
)
def live(opts, problem, steps, start, seed, snapshot, colors, problems_dir):
    """Open a window to move each optimizer's lr and watch the paths change."""
    from optcompare.errors import RunError, SpecError
    from optcompare.experiments.choices import check_start, make_optimizers, parse_point
    from optcompare.live import backend_without_window, no_window_reason
    from optcompare.live.layout import CONTROL_TYPE, FIGSIZES, geometry
    from optcompare.plotting.style import current_style
    from optcompare.problem import make_problem

    prob = make_problem(problem)
    if prob.dim != 2:
        raise SpecError(
            f"live draws paths over the contours of a 2-D problem; '{problem}' has "
            f"{prob.dim} coordinate{'s' if prob.dim != 1 else ''} (use run or animate)"
        )
    # 'all' expands here, so each optimizer gets its own row of controls
    specs = [
        c.name
        + "".join(f"{',' if k else ':'}{key}={v}" for k, (key, v) in enumerate(c.given.items()))
        for c in make_optimizers(list(opts))
    ]
    fmt = (snapshot.suffix.lstrip(".").lower() or "png") if snapshot is not None else ""
    if snapshot is not None and fmt not in ("png", "svg", "pdf"):
        raise SpecError(f"--snapshot '{snapshot}': name a .png, .svg or .pdf file")
    look = current_style()
    try:  # refused before any window opens
        geometry(len(specs), FIGSIZES[look.name], look.text, CONTROL_TYPE[look.name])
    except ValueError as exc:
        raise SpecError(f"{exc} (give fewer --opt, or --style paper)") from None
    point = None
    if start is not None:
        x0 = parse_point(start, 2)
        check_start(prob, x0)
        point = [float(v) for v in x0]
    reason = no_window_reason()
    if snapshot is None and reason is not None:
        raise RunError(f"cannot open a window: {reason}")
    import matplotlib

    if reason is not None:
        matplotlib.use("Agg")  # no screen: the snapshot still draws
    from matplotlib import pyplot as plt

    if snapshot is None:
        reason = backend_without_window()
        if reason is not None:
            raise RunError(f"cannot open a window: {reason}")
    from optcompare.live import live as open_live

    window = open_live(specs, problem, steps, point, seed, dict(colors or {}), echo=click.echo)
    if snapshot is not None:
        from optcompare import output

        try:
            output.save_snapshot(snapshot, window.figure, fmt)
        finally:
            plt.close(window.figure)
        click.echo(str(snapshot))
        return
    plt.show()
