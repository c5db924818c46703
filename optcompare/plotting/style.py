"""The shared look of every figure: sizes, colours, legends, slide-ready figures.

Plotting modules and lessons take their fonts, the figure resolution and the
colour of each optimizer from here, so a slide made by ``run`` and one made by
a lesson look alike.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare.plotting.book import same_inks
from optcompare.plotting.colors import (
    OPTIMIZER_COLORS,
    By,
    Ink,
    check_colors,
    inks,
    label_palette,
    optimizer_color,
    parse_color,
)

__all__ = [
    "DPI",
    "LABEL",
    "LEGEND",
    "LEGEND_WIDTH",
    "LOSS_FIGSIZE",
    "LOSS_FLOOR",
    "MAX_MARKERS",
    "LOCAL_MINIMUM_STYLE",
    "MINIMUM_STYLE",
    "OPTIMIZER_COLORS",
    "OUTSIDE",
    "Style",
    "PALETTE",
    "PATH_FIGSIZE",
    "STYLES",
    "TICKS",
    "TITLE",
    "By",
    "Ink",
    "by_label_note",
    "current_style",
    "check_colors",
    "finite",
    "fit_title",
    "gaps",
    "inks",
    "label_counts",
    "label_palette",
    "last_finite",
    "legend_labels",
    "margin",
    "new_axes",
    "new_figure",
    "note_handles",
    "optimizer_color",
    "parse_color",
    "result_colors",
    "result_inks",
    "retitle",
    "same_result_inks",
    "root_figure",
    "style_axes",
    "style_named",
    "use_style",
    "valid",
]

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from optcompare.experiments.records import Result, Run
    from optcompare.problem import Problem

#: Resolution of saved figures: 1500 x 840 pixels for the default loss figure.
DPI = 150
LOSS_FIGSIZE = (10.0, 5.6)
PATH_FIGSIZE = (10.0, 6.4)

#: loss - f* is clipped here so that a run reaching f* exactly stays on a log axis.
LOSS_FLOOR = 1e-16

#: Qualitative colours for categories that are not optimizers (the minima of a
#: basins figure): Okabe & Ito's palette, yellow last (faint on white), then tab10.
#: Optimizers take theirs from :mod:`optcompare.plotting.colors`.
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)

# sizes readable when projected
TITLE = 14
LABEL = 12
TICKS = 11
LEGEND = 11

# keyword dicts passed with ** to Axes.scatter and Axes.legend: Any, as their
# parameters' types differ per keyword
MINIMUM_STYLE: dict[str, Any] = {
    "marker": "*",
    "s": 260,
    "c": "#FFD400",
    "edgecolors": "black",
    "linewidths": 1.0,
    "zorder": 4,
}
#: A listed local minimum (Minimum.kind == "local"): a diamond, not the global star.
LOCAL_MINIMUM_STYLE: dict[str, Any] = {**MINIMUM_STYLE, "marker": "D", "s": 110}
LEGEND_WIDTH = 28  # characters per legend line
MAX_MARKERS = 30  # markers per path; longer runs get every k-th step marked
OUTSIDE: dict[str, Any] = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0}


def result_inks(
    result: Result, colors: Mapping[str, str] | None = None, by: By = "optimizer"
) -> dict[str, Ink]:
    """How each label of ``result`` is drawn: :func:`~optcompare.plotting.colors.inks`
    of its (label, optimizer) pairs; the same label gets the same ink in every figure."""
    return inks(((r.label, r.optimizer) for r in result.runs), colors, by)


def same_result_inks(
    results: Iterable[Result], by: By = "optimizer"
) -> AbstractContextManager[dict[str, Ink]]:
    """``with same_result_inks(results):`` every figure drawn inside gives each label of
    ``results`` one ink (:func:`~optcompare.plotting.colors.same_inks`, ``by`` optimizer,
    the default, or label), the results taken in this order (a folder's experiments in
    the order its summary.json lists them): a lesson's rule, so a label looks the same
    in each of its figures, its animation and its report's sliders."""
    return same_inks([[(r.label, r.optimizer) for r in result.runs] for result in results], by)


def result_colors(
    result: Result, colors: Mapping[str, str] | None = None, by: By = "optimizer"
) -> dict[str, str]:
    """Label -> colour for ``result``: its optimizer's colour, or a shade of it for a
    variant (see :func:`result_inks`)."""
    return {k: v.color for k, v in result_inks(result, colors, by).items()}


def by_label_note(by: By) -> str | None:
    """The legend title that says colours mark labels, not optimizers (None otherwise)."""
    return "colour per label (not per optimizer)" if by == "label" else None


def note_handles(notes: Iterable[str]) -> list[Any]:
    """Legend entries without a key that carry a sentence each (wrapped like labels)."""
    from matplotlib.lines import Line2D

    return [Line2D([], [], ls="none", label=textwrap.fill(n, LEGEND_WIDTH + 6)) for n in notes]


def root_figure(artist: Artist) -> Figure:
    """The Figure that ``artist`` is drawn in, through any SubFigure between them.

    ``artist.figure`` may be a SubFigure, which has no size of its own and cannot
    be drawn alone; sizes and layout passes belong to the root Figure.
    """
    fig = artist.get_figure(root=True)
    if fig is None:
        raise ValueError(f"{type(artist).__name__} is not in a figure")
    return fig


def new_axes(figsize: tuple[float, float]) -> Axes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    return fig.add_subplot()


def legend_labels(result: Result, band: bool = False) -> dict[str, str]:
    """Legend text per label: the label, plus where (or how many of) its runs diverged.

    Long labels wrap at spaces and the divergence note takes its own line, so
    a legend beside the axes does not squeeze them.  With ``band``, a label of
    several runs also says that its line is their median with a 25-75% band.
    """
    runs: dict[str, list[Run]] = {}
    for r in result.runs:
        runs.setdefault(r.label, []).append(r)
    out = {}
    for label, rs in runs.items():
        text = textwrap.fill(label, LEGEND_WIDTH, break_long_words=False, break_on_hyphens=False)
        if band and len(rs) > 1:
            text += f"\nmedian of {len(rs)}, 25-75% band"
        ks = [r.diverged_at for r in rs if r.diverged_at is not None]
        if ks and len(rs) == 1:
            text += f"\n(diverged at step {ks[0]})"
        elif ks:
            text += f"\n({len(ks)} of {len(rs)} runs diverged)"
        out[label] = text
    return out


def label_counts(result: Result) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in result.runs:
        counts[r.label] = counts.get(r.label, 0) + 1
    return counts


def valid(run: Run) -> int:
    """How many leading steps of ``run`` hold valid (pre-divergence) values."""
    return max(run.last_step + 1, 0)


def problem_title(problem: Problem, limit: int = 40) -> str:
    """The problem as a figure's title names it: its spec, or when that is longer than
    ``limit`` characters (a typed formula with its options), the name it was given, else
    the formula alone, cut to ``limit`` characters, so that no title is clipped."""
    spec = problem.spec
    if len(spec) <= limit:
        return spec
    if problem.name not in ("", "expr"):
        return problem.name
    text = spec.split(";")[0].strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def fit_title(ax: Axes, title: str, fontsize: float = TITLE) -> Axes:
    """Give ``ax`` a title (default size :data:`TITLE`) that stays inside the figure.

    The title wraps at spaces whenever it is drawn, to twice its distance from the
    nearer figure edge (it is centred), so it fits at any size the figure is later
    given (the talk style enlarges the type after drawing) and the layout engine makes
    room for the extra lines.  Every title set through :func:`style_axes` or
    :func:`retitle` follows this rule.
    """
    ax.set_title(title, fontsize=fontsize, wrap=True)
    return ax


def style_axes(ax: Axes, title: str, xlabel: str, ylabel: str, grid: bool = False) -> Axes:
    """Slide-sized title (:func:`fit_title`), labels and ticks; a light grid with ``grid``
    (default off)."""
    fit_title(ax, title)
    ax.set_xlabel(xlabel, fontsize=LABEL)
    ax.set_ylabel(ylabel, fontsize=LABEL)
    ax.tick_params(labelsize=TICKS)
    if grid:
        ax.grid(True, alpha=0.3)
    return ax


def retitle(ax: Axes, title: str) -> Axes:
    """Replace the title a plot function gave ``ax``, keeping the slide size and the
    rule that it fits the figure (:func:`fit_title`)."""
    return fit_title(ax, title)


def new_figure(
    nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = LOSS_FIGSIZE, **kwargs: Any
) -> tuple[Figure, Any]:
    """A slide-ready Figure (constrained layout, saved at :data:`DPI`) and its axes.

    ``figsize`` defaults to the loss figure's; ``kwargs`` go to ``Figure.subplots``.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=True, **kwargs)


def finite(arrays: Iterable[np.ndarray]) -> np.ndarray:
    parts = [a[np.isfinite(a)] for a in arrays]
    return np.concatenate(parts) if parts else np.empty(0)


def margin(lo: float, hi: float, log: bool) -> float:
    """A lower limit 5% of the range below ``lo`` (in decades on a log axis)."""
    if log:
        return lo / (hi / lo) ** 0.05
    return lo - 0.05 * (hi - lo)


def last_finite(y: np.ndarray) -> int | None:
    idx = np.flatnonzero(np.isfinite(y))
    return int(idx[-1]) if idx.size else None


def gaps(y: np.ndarray) -> np.ndarray:
    """y with non-finite values as NaN: matplotlib leaves a gap there."""
    return np.where(np.isfinite(y), y, np.nan)


# -- paper and talk: one look per setting (applied by optcompare.plotting.restyle) ------


@dataclass(frozen=True)
class Style:
    """How a finished figure is resized and re-inked for where it is shown.

    ``figsize`` None keeps each figure's own size; the factors multiply every font
    size, line width and marker size the plot functions chose, so one set of plot
    functions serves both looks and colours never change.
    """

    name: str
    figsize: tuple[float, float] | None
    text: float
    line: float
    marker: float


#: ``paper`` is the look every plot function draws (the default); ``talk`` is 16:9,
#: 13.33 x 7.5 inches (a widescreen slide) at :data:`DPI`, i.e. 2000 x 1125 pixels, with
#: type 1.75 times larger (titles 24.5 pt, tick labels 19 pt) and lines twice as thick,
#: sizes chosen to be read from the back of a lecture room on a projected slide.
STYLES: dict[str, Style] = {
    "paper": Style("paper", None, 1.0, 1.0, 1.0),
    "talk": Style("talk", (40 / 3, 7.5), 1.75, 2.0, 1.6),
}

# a context variable, not a global: the command line sets it for one command, so
# lessons and the figure writer pick it up without passing it through every call
_STYLE: ContextVar[str] = ContextVar("optcompare_style", default="paper")


def style_named(name: str) -> Style:
    try:
        return STYLES[name]
    except KeyError:
        raise ValueError(f"unknown style '{name}'; choose 'paper' or 'talk'") from None


def current_style() -> Style:
    """The style figures are written in here (default ``paper``; see :func:`use_style`)."""
    return STYLES[_STYLE.get()]


@contextmanager
def use_style(name: str) -> Iterator[Style]:
    """``with use_style("talk"):`` every figure written inside is in that style."""
    token = _STYLE.set(style_named(name).name)
    try:
        yield current_style()
    finally:
        _STYLE.reset(token)
