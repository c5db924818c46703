"""One colour per optimizer name, the same in every command, figure, animation and lesson.

The seven original optimizers each own a colour of Okabe & Ito's colour-blind-safe
palette (:data:`OPTIMIZER_COLORS`; its eighth, yellow, is too faint); any other name
gets a colour of Paul Tol's "muted" palette: fixed for the later registered ones
(:data:`REGISTERED_COLORS`: ``nadam``, ``adamax``, the variance-reduced methods), chosen
by a checksum of the name for a user's, so it never depends on which optimizers share
the figure or in which order they appear.

Several labels of one optimizer in a figure (``adam lr=0.05``, ``adam lr=0.5``)
are its *variants*: the first three get shades of its hue (as given, darker,
lighter), further ones repeat the shades with another line style and a marker.
A figure that compares variants of one optimizer may instead give each label a
palette colour (``by="label"``); its legend then says that colours mark labels.

Users override colours with a mapping whose keys are labels or optimizer names
(``{"adam": "crimson", "sgd momentum=0.9": "#333333"}``): a label's colour is
used as it is, an optimizer's colour becomes the hue its variants are shades of.
"""

from __future__ import annotations

import colorsys
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np

from optcompare.errors import SpecError
from optcompare.plotting.delta_e import ciede2000, lab

__all__ = [
    "DISTINCT",
    "OPTIMIZER_COLORS",
    "VARIANT_PALETTE",
    "Ink",
    "VARIANT_LINESTYLES",
    "VARIANT_MARKERS",
    "check_colors",
    "current_inks",
    "inks",
    "label_palette",
    "optimizer_color",
    "parse_color",
    "shade",
    "use_inks",
]

#: The colour of each built-in optimizer (Okabe & Ito 2008).  Yellow, faint on
#: white, is left out; blue and sky blue differ strongly in lightness.
OPTIMIZER_COLORS: Mapping[str, str] = {
    "sgd": "#0072B2",  # blue
    "adagrad": "#E69F00",  # orange
    "adadelta": "#CC79A7",  # reddish purple
    "rprop": "#56B4E9",  # sky blue
    "rmsprop": "#009E73",  # bluish green
    "adam": "#D55E00",  # vermilion
    "adamw": "#000000",  # black
}

#: Paul Tol's colour-blind-safe "muted" palette: for optimizer names outside
#: :data:`OPTIMIZER_COLORS` (picked by name) and for ``by="label"`` figures (in order).
VARIANT_PALETTE = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
)

#: The later registered optimizers' own colours from :data:`VARIANT_PALETTE`, so no two
#: registered names share one (a checksum picks for any other name): nadam and adamax
#: keep the colours their checksum gave them first.
REGISTERED_COLORS: Mapping[str, str] = {
    "nadam": "#117733",  # green
    "adamax": "#CC6677",  # rose
    "sag": "#332288",  # indigo
    "svrg": "#999933",  # olive
    "s2gd": "#882255",  # wine
    "sarah": "#44AA99",  # teal
    "sarah-plus": "#AA4499",  # purple
}

#: Line styles and markers for variants beyond the three shades.
VARIANT_LINESTYLES = ("-", "--", ":", "-.")
VARIANT_MARKERS = (None, "s", "^", "D", "v", "P")

#: The smallest CIEDE2000 difference between the colours of two labels of one figure
#: drawn in the same line style.  About 1 to 2 is just noticeable between large patches
#: side by side (Sharma, Wu & Dalal 2005); thin lines far apart in a legend need several
#: times that (Stone, Szafir & Setlur 2014, "An engineering model for color difference
#: as a function of size"), so 10.  The reviewer's clash, sgd's lighter shade #48bdff
#: beside rprop's #56b4e9, is 3.2; the closest two registered optimizers, rmsprop and
#: sarah, 9.6; the seven Okabe-Ito colours at least 22.
DISTINCT = 10.0

By = Literal["optimizer", "label"]


@dataclass(frozen=True)
class Ink:
    """How one label is drawn: its colour, line style and marker (None: the plot's own)."""

    color: str
    linestyle: str = "-"
    marker: str | None = None


# the labels whose inks every figure keeps, set by same_inks (a lesson's folder)
_BOOK: ContextVar[Mapping[str, Ink]] = ContextVar("optcompare_inks", default=MappingProxyType({}))


def optimizer_color(name: str) -> str:
    """The colour of optimizer ``name``: fixed for the built-ins, from a checksum otherwise.

    CRC-32 of the lowercase name picks from :data:`VARIANT_PALETTE`; Python's
    ``hash`` is salted per process and would change colours between runs.
    """
    key = name.strip().lower()
    if key in OPTIMIZER_COLORS:
        return OPTIMIZER_COLORS[key]
    if key in REGISTERED_COLORS:
        return REGISTERED_COLORS[key]
    return VARIANT_PALETTE[zlib.crc32(key.encode()) % len(VARIANT_PALETTE)]


def shade(color: str, k: int) -> str:
    """The ``k``-th shade of ``color``: 0 itself, 1 darker, 2 lighter (then repeating).

    Lightness (HLS) is scaled toward black by 40% or toward white by 45%; a colour
    too dark to darken (black) goes to a dark and a mid grey instead.
    """
    from matplotlib.colors import to_hex, to_rgb

    k %= 3
    if k == 0:
        return to_hex(color)
    h, light, s = colorsys.rgb_to_hls(*to_rgb(color))
    if light < 0.15:
        light = 0.35 if k == 1 else 0.55
    else:
        light = light * 0.6 if k == 1 else light + (1.0 - light) * 0.45
    return to_hex(colorsys.hls_to_rgb(h, light, s))


def parse_color(text: str) -> tuple[str, str]:
    """``"LABEL=COLOR"`` (as ``--color`` takes it) -> ``(label, colour)``.

    The key may be a label or an optimizer name; the colour anything matplotlib
    understands (``red``, ``#1f77b4``, ``C3``, ``0.5``).  The split is at the last
    ``=``, so labels with settings (``adam lr=0.05=red``) work.

    Raises:
        SpecError: no ``=``, an empty key, or a value that is not a colour.
    """
    key, sep, value = text.rpartition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key:
        raise SpecError(
            f"color '{text}' must read LABEL=COLOR, e.g. adam=red or 'sgd momentum=0.9=#333333'"
        )
    return key, check_color(value, key)


def check_color(value: str, key: str = "") -> str:
    """``value`` when matplotlib reads it as a colour; SpecError naming it otherwise."""
    from matplotlib.colors import is_color_like

    if not isinstance(value, str) or not is_color_like(value):
        owner = f" for '{key}'" if key else ""
        raise SpecError(
            f"'{value}'{owner} is not a colour; use a name (red), #rrggbb, "
            f"or a grey level such as 0.5"
        )
    return value


def check_color_keys(
    colors: Mapping[str, str] | None, labels: Iterable[str], names: Iterable[str]
) -> None:
    """Every key of a user's colours must name a label or an optimizer drawn.

    Raises:
        SpecError: naming the key and the labels and optimizer names allowed.
    """
    labels, names = list(dict.fromkeys(labels)), list(dict.fromkeys(names))
    for key in colors or {}:
        if key not in labels and key not in names:
            allowed = ", ".join(f"'{k}'" for k in dict.fromkeys(names + labels))
            raise SpecError(
                f"{{p}} '{key}' names no optimizer or label of this run; choose from {allowed}",
                "colors",
            )


def check_colors(colors: Mapping[str, str] | None) -> dict[str, str]:
    """A validated copy of a user's colour mapping (empty for None)."""
    return {str(k): check_color(v, str(k)) for k, v in (colors or {}).items()}


def inks(
    labels: Iterable[tuple[str, str]], colors: Mapping[str, str] | None = None, by: By = "optimizer"
) -> dict[str, Ink]:
    """How to draw each label of a figure, from ``(label, optimizer name)`` pairs.

    Inside :func:`same_inks` a label of its book keeps the book's ink, whatever the
    figure; every other label is assigned here.  No two labels of the result share a
    line style while their colours differ by less than :data:`DISTINCT` (CIEDE2000):
    the later label (first variants of each optimizer before later ones, then in
    order) takes the next line style and its marker, its colour unchanged.

    Args:
        labels: the figure's labels with their optimizer's name; repeats are ignored.
        colors: user colours by label or optimizer name (a label wins).
        by: "optimizer" (default): the optimizer's colour, variants in its shades
            (the 4th to 6th variant dashed with markers, and so on).  "label":
            each label a colour of :func:`sequence`, in order, for a figure that
            compares variants of one optimizer (a swept momentum, say).

    Raises:
        SpecError: a user colour that matplotlib does not understand.
    """
    if by not in ("optimizer", "label"):
        raise ValueError(f"by='{by}'; choose 'optimizer' or 'label'")
    user = check_colors(colors)
    pairs = list(dict.fromkeys((str(a), str(b)) for a, b in labels))
    book = _BOOK.get()
    # the book's labels that this figure shows too: new labels take other looks
    shown = [book[label] for label, _ in pairs if label in book and label not in user]
    used = {(i.color, i.linestyle) for i in shown}
    wanted: dict[str, tuple[str, int, int]] = {}  # label -> (colour, style index, variant)
    seen: dict[str, int] = {}
    ramp = sequence(len(pairs)) if by == "label" else []
    for i, (label, name) in enumerate(pairs):
        if label in book and label not in user:
            continue
        if by == "label":
            wanted[label] = (user.get(label) or ramp[i], 0, 0)
            continue
        hue = user.get(name) or optimizer_color(name)
        k = seen.get(name, 0)
        while (shade(hue, k), VARIANT_LINESTYLES[(k // 3) % 4]) in used and k < 12:
            k += 1  # a shade and style a shown label of the book already has
        seen[name] = k + 1
        wanted[label] = (user.get(label) or shade(hue, k), k // 3, k)
    chosen = _separate(wanted, [(i.color, i.linestyle) for i in shown])
    return {
        label: book[label] if label in book and label not in user else chosen[label]
        for label, _ in pairs
    }


def _separate(
    wanted: Mapping[str, tuple[str, int, int]], placed: list[tuple[str, str]]
) -> dict[str, Ink]:
    """Inks for ``wanted`` (label -> colour, line style index, variant) that keep
    :data:`DISTINCT` from each other and from the ``placed`` inks unless the line
    styles differ; first variants are placed first, so an optimizer keeps its own look
    and a variant gives way."""
    lab_of: dict[str, np.ndarray] = {}

    def near(a: str, b: str) -> bool:
        for c in (a, b):
            if c not in lab_of:
                lab_of[c] = lab(c)
        return ciede2000(lab_of[a], lab_of[b]) < DISTINCT

    taken = list(placed)  # (colour, line style)
    out: dict[str, Ink] = {}
    for label in sorted(wanted, key=lambda lab_: wanted[lab_][2] > 0):
        color, first, _ = wanted[label]
        n = len(VARIANT_LINESTYLES)
        j = next(
            (
                j % n
                for j in range(first, first + n)
                if not any(s == VARIANT_LINESTYLES[j % n] and near(color, c) for c, s in taken)
            ),
            first % n,
        )
        out[label] = Ink(color, VARIANT_LINESTYLES[j], VARIANT_MARKERS[j % len(VARIANT_MARKERS)])
        taken.append((color, VARIANT_LINESTYLES[j]))
    return out


def current_inks() -> Mapping[str, Ink]:
    """The book figures drawn here keep (empty outside :func:`use_inks`)."""
    return _BOOK.get()


@contextmanager
def use_inks(book: Mapping[str, Ink]) -> Iterator[Mapping[str, Ink]]:
    """``with use_inks(book):`` every figure drawn inside gives the labels of ``book``
    its inks (a folder's recorded book, :func:`book_of`)."""
    token = _BOOK.set(dict(book))
    try:
        yield book
    finally:
        _BOOK.reset(token)


def sequence(n: int) -> list[str]:
    """``n`` colours in order along cividis (colour-blind safe, dark blue to yellow).

    For variants of one optimizer or values of one setting: an ordered ramp reads
    as "one thing varied", and its dark blue, greys and olives are none of the
    optimizers' fixed colours, so no variant is mistaken for another optimizer.
    """
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["cividis"]
    return [to_hex(cmap(v)) for v in np.linspace(0.0, 0.9, n)] if n > 1 else [to_hex(cmap(0.0))]


def label_palette(labels: Iterable[str], colors: Mapping[str, str] | None = None) -> dict[str, str]:
    """One :func:`sequence` colour per distinct label, in order (``by="label"``).

    For a figure whose colours mark something other than the optimizer (the
    scale a loss was multiplied by, a variant); its legend must say what they mark.
    """
    return {k: v.color for k, v in inks(((lab, "") for lab in labels), colors, "label").items()}
