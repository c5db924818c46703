"""--style paper|talk, shared by every command that draws."""

from __future__ import annotations

import click


def _use_style(ctx: click.Context, param: click.Parameter, value: str) -> None:
    from optcompare.plotting.style import use_style

    # for the whole command: figures are drawn and saved while its folder is written
    ctx.with_resource(use_style(value))


def styled(text: str):
    """The --style option with ``text`` as its help (what the talk look means there)."""
    return click.option(
        "--style",
        type=click.Choice(["paper", "talk"]),
        default="paper",
        show_default=True,
        expose_value=False,
        callback=_use_style,
        help=text,
    )


style_option = styled(
    "Look of the figures: paper (as drawn for a page) or talk (16:9 slides, 2000 x 1125 "
    "px, type 1.75x and lines 2x as large, the same colours)."
)
