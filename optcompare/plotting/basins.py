"""Basins of attraction: each grid start coloured by where its run ends.

The outcomes and their names come from :mod:`optcompare.experiments.basins`;
this module only gives each a look.  Every listed minimum has its own colour (a
pale area for its basin, the point itself in full colour): a star for a global
minimum, a diamond for a local one.  The other outcomes are neutral: greys for
the unlisted stationary points (with their points marked), near-white for runs
still moving, light grey for not converged, black for diverged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.experiments.basins import (
    DIVERGED,
    MAXIMUM,
    NOT_CONVERGED,
    OTHER_OUTCOMES,
    SADDLE,
    STILL_MOVING,
    UNLISTED_MINIMUM,
    outcome_name,
    shown_codes,
)
from optcompare.plotting.style import (
    LEGEND,
    LOCAL_MINIMUM_STYLE,
    MINIMUM_STYLE,
    OUTSIDE,
    PALETTE,
    PATH_FIGSIZE,
    new_axes,
    style_axes,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from optcompare.experiments.basins import Basins
    from optcompare.problem import Minimum, Problem

#: Area colour of each outcome that is not a listed minimum.
OUTCOME_COLORS = {
    UNLISTED_MINIMUM: "#9E9E9E",
    SADDLE: "#636363",
    MAXIMUM: "#A6761D",
    STILL_MOVING: "#F7F7F7",
    NOT_CONVERGED: "#D0D0D0",
    DIVERGED: "black",
}
#: How the stationary points of the outcomes that have one are marked.
POINT_MARKERS = {UNLISTED_MINIMUM: "D", SADDLE: "X", MAXIMUM: "^"}
#: The marker of a listed minimum, by kind.
_STYLE_BY_KIND: dict[str, dict[str, Any]] = {"global": MINIMUM_STYLE, "local": LOCAL_MINIMUM_STYLE}
# qualitative, without black and grey (those mean diverged / not converged)
_BASIN_COLORS = tuple(c for c in PALETTE if c not in ("#000000", "#7f7f7f"))


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def minimum_colors(k: int) -> list[str]:
    """The full colour of each of k listed minima, in the catalog's order."""
    return [_BASIN_COLORS[i % len(_BASIN_COLORS)] for i in range(k)]


def _tint(color: Any, amount: float = 0.45) -> tuple[float, float, float]:
    """``color`` mixed with white: a pale area under full-colour markers."""
    from matplotlib.colors import to_rgb

    return tuple(float(c) * (1.0 - amount) + amount for c in to_rgb(color))  # type: ignore[return-value]


def outcome_label(code: int, minima: Sequence[Minimum]) -> str:
    """The outcome's name, with the point for a listed minimum:
    "minimum 3 (local) at (1.7, -0.796)"."""
    name = outcome_name(code, minima)
    if code < 0:
        return name
    return f"{name} at ({', '.join(_fmt(float(c)) for c in minima[code].x[:2])})"


def basin_fractions(basins: Basins, codes: Sequence[int]) -> list[float]:
    """Fraction of the starts with each outcome of ``codes`` (``np.mean(outcome == c)``)."""
    return list(basins.fractions(codes).values())


def share(p: float) -> str:
    """A share of starts as a percentage; one decimal below 1% so that a few starts
    never read as 0%."""
    return f"{p:.1%}" if 0 < p < 0.01 else f"{p:.0%}"


def _share_text(basins: Basins, code: int, p: float, short: bool = False) -> str:
    """The share, and for runs still moving their median net move over the tail."""
    text = share(p)
    if code == STILL_MOVING and p > 0:
        moving = basins.still_moving()
        text += (
            f" (net {moving['median_net_move']:.2g})"
            if short
            else f"\n(median net move {moving['median_net_move']:.2g} "
            f"in the last {moving['tail_steps']} steps)"
        )
    return text


def basin_handles(
    minima: Sequence[Minimum], codes: Sequence[int], texts: Sequence[str] | None = None
) -> list[Any]:
    """Legend entries for ``codes``: the area colour, with the marker where the outcome
    has a point; labelled with ``texts`` (default: :func:`outcome_label`)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    full = minimum_colors(len(minima))
    texts = [outcome_label(c, minima) for c in codes] if texts is None else texts
    handles: list[Any] = []
    for code, text in zip(codes, texts, strict=True):
        area = Patch(
            facecolor=_tint(full[code]) if code >= 0 else OUTCOME_COLORS[code],
            edgecolor="0.4",
            lw=0.6,
        )
        if code >= 0:
            style = _STYLE_BY_KIND[minima[code].kind]
            mark = Line2D(
                [],
                [],
                ls="none",
                marker=style["marker"],
                markersize=9,
                markerfacecolor=full[code],
                markeredgecolor="black",
            )
        elif code in POINT_MARKERS:
            mark = Line2D(
                [],
                [],
                ls="none",
                marker=POINT_MARKERS[code],
                markersize=7,
                markerfacecolor=OUTCOME_COLORS[code],
                markeredgecolor="white",
            )
        else:
            area.set_label(text)
            handles.append(area)
            continue
        handles.append(_Tuple(area, mark, label=text))
    return handles


class _Tuple(tuple):
    """A (patch, marker) legend handle that carries its label (matplotlib draws a
    tuple handle's parts on top of each other)."""

    def __new__(cls, *parts: Any, label: str) -> _Tuple:
        obj = super().__new__(cls, parts)
        obj.label = label
        return obj

    label: str

    def get_label(self) -> str:
        return self.label


def _legend(ax: Axes, handles: list[Any], **kwargs: Any) -> Any:
    from matplotlib.legend_handler import HandlerTuple

    return ax.legend(
        handles=handles,
        labels=[h.get_label() for h in handles],
        handler_map={_Tuple: HandlerTuple(ndivide=1)},
        **kwargs,
    )


def plot_basins(
    basins: Basins,
    problem: Problem,
    ax: Axes | None = None,
    *,
    legend: bool = True,
    codes: Sequence[int] | None = None,
) -> Axes:
    """Basins of attraction: each grid start coloured by where its run ends.

    The image data is ``basins.outcome`` (rows: y, columns: x), each value an
    outcome code of :mod:`optcompare.experiments.basins`; the axes show the
    problem's window.  Listed minima are drawn on top (stars global, diamonds
    local, in their basin's full colour); the unlisted stationary points that
    runs ended at are marked too.

    Args:
        basins: what :func:`optcompare.basins` returned.
        problem: the problem it ran on (its minima and window).
        ax: Axes to draw on; a new figure's Axes when None.
        legend: add a legend beside the axes with the share of starts per outcome.
        codes: the outcomes the legend lists (default :func:`shown_codes` of this run).

    Returns:
        The Axes drawn on.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    if ax is None:
        ax = new_axes(PATH_FIGSIZE)
    minima = problem.minima()
    k = len(minima)
    full = minimum_colors(k)
    low = min(OTHER_OUTCOMES)
    # one colour per code from the lowest outcome code up to the last minimum
    cmap = ListedColormap([OUTCOME_COLORS[c] for c in range(low, 0)] + [_tint(c) for c in full])
    norm = BoundaryNorm(np.arange(low - 0.5, k), cmap.N)
    xs, ys = np.asarray(basins.xs, dtype=float), np.asarray(basins.ys, dtype=float)
    dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
    dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
    # each cell centred on its start; the axes then show exactly the window
    ax.imshow(
        basins.outcome,
        origin="lower",
        cmap=cmap,
        norm=norm,
        interpolation="nearest",
        extent=(xs[0] - dx / 2, xs[-1] + dx / 2, ys[0] - dy / 2, ys[-1] + dy / 2),
        aspect="auto",
        zorder=0,
    )
    for kind, style in _STYLE_BY_KIND.items():
        ks = [i for i, m in enumerate(minima) if m.kind == kind]
        if ks:
            M = np.array([minima[i].x[:2] for i in ks], dtype=float)
            ax.scatter(
                M[:, 0], M[:, 1], **{**style, "c": [full[i] for i in ks]}, label=f"{kind} minimum"
            )
    if basins.point is not None:
        for code, marker in POINT_MARKERS.items():
            pts = basins.point[basins.outcome == code]
            if len(pts):
                pts = np.unique(np.round(pts, 8), axis=0)
                ax.scatter(
                    pts[:, 0],
                    pts[:, 1],
                    marker=marker,
                    s=60,
                    c=OUTCOME_COLORS[code],
                    edgecolors="white",
                    linewidths=1.0,
                    zorder=4,
                    label=outcome_name(code, minima),
                )
    (x_lo, x_hi), (y_lo, y_hi) = problem.window()[:2]
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    if np.isclose((x_hi - x_lo) / (y_hi - y_lo), 1.0, rtol=0.5):
        ax.set_aspect("equal")
    first, second = problem.axis_names()[:2]
    style_axes(ax, basins.label, first, second)
    if legend:
        codes = shown_codes([basins]) if codes is None else codes
        texts = [
            f"{outcome_label(c, minima)}: {_share_text(basins, c, p)}"
            for c, p in zip(codes, basin_fractions(basins, codes), strict=True)
        ]
        _legend(
            ax,
            basin_handles(minima, codes, texts),
            fontsize=LEGEND,
            title=f"{basins.outcome.size} starts, {basins.steps} steps",
            title_fontsize=LEGEND,
            **OUTSIDE,
        )
    return ax


def share_table(
    fig: Any, basins_list: Sequence[Basins], minima: Sequence[Minimum], codes: Sequence[int]
) -> Any:
    """The one legend of a many-panel figure, under its panels, laid out as a table: a row
    per outcome of ``codes`` (its colour, marker and name: the key of every panel) and a
    column per panel, headed by the panel's title, giving the share of its starts with
    that outcome (``np.mean(outcome == k)``).  A legend of shares beside each panel had
    taken most of the figure's width.  The figure grows by the table's rows, so that the
    panels keep their size.
    """
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D

    names = [outcome_label(c, minima) for c in codes]
    if STILL_MOVING in codes:
        tail = basins_list[0].tail_steps
        names[list(codes).index(STILL_MOVING)] += f" (net: median move, last {tail} steps)"
    blank = Line2D([], [], ls="none")  # draws nothing: a share's cell has no key
    # column by column, as a legend of that many columns fills them
    handles: list[Any] = [blank, *basin_handles(minima, codes, names)]
    labels = ["outcome", *names]
    for b in basins_list:
        handles += [blank] * (len(codes) + 1)
        labels += [b.label] + [
            _share_text(b, c, p, short=True)
            for c, p in zip(codes, basin_fractions(b, codes), strict=True)
        ]
    fig.set_figheight(fig.get_figheight() + 0.27 * len(codes))
    legend = fig.legend(
        handles=handles,
        labels=labels,
        handler_map={_Tuple: HandlerTuple(ndivide=1)},
        fontsize=LEGEND,
        ncols=1 + len(basins_list),
        columnspacing=0.8,
        handlelength=1.6,
        handletextpad=0.5,
        loc="outside lower center",
    )
    for text in legend.get_texts()[:: len(codes) + 1]:  # each column's head
        text.set_fontweight("bold")
    return legend


__all__ = [
    "OUTCOME_COLORS",
    "basin_fractions",
    "basin_handles",
    "minimum_colors",
    "outcome_label",
    "plot_basins",
    "share_table",
    "shown_codes",
]
