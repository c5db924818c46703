"""A folder's book of inks: each label of a folder drawn one way in all its figures,
its animation and its report (a lesson's experiments share labels).

:func:`same_inks` makes the book a group of labels (an experiment) at a time; a lesson
records the book it drew with in its summary.json (:func:`book_document`), and the
report's step sliders read it back (:func:`book_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from optcompare.plotting.colors import (
    VARIANT_LINESTYLES,
    VARIANT_MARKERS,
    By,
    Ink,
    current_inks,
    inks,
    use_inks,
)

__all__ = ["book_document", "book_of", "same_inks", "summary_groups"]


def summary_groups(doc: Mapping[str, Any]) -> list[list[tuple[str, str]]]:
    """The ``(label, optimizer)`` pairs of a summary.json, a list per experiment: its
    aggregates, or a lesson's experiments' aggregates in the order of its experiments
    (the book that :func:`same_inks` keeps while the lesson draws)."""
    docs = doc.get("experiments")
    parts = list(docs.values()) if isinstance(docs, Mapping) else [doc]
    return [
        [
            (str(a["label"]), str(a["optimizer"]))
            for a in d["aggregates"]
            if isinstance(a, Mapping) and "label" in a and "optimizer" in a
        ]
        for d in parts
        if isinstance(d, Mapping) and isinstance(d.get("aggregates"), list)
    ]


@contextmanager
def same_inks(
    groups: Iterable[Iterable[tuple[str, str]]], by: By = "optimizer"
) -> Iterator[dict[str, Ink]]:
    """``with same_inks(groups):`` every figure drawn inside gives the labels of
    ``groups`` (lists of ``(label, optimizer)``, one per experiment) the inks of one
    book, so a label that several figures (or pages) of one folder show looks the same
    in each.  The book is made a group at a time, in order: a group's labels met in an
    earlier group keep their ink, its new ones take :func:`inks` of the group beside
    them (the other shades and line styles of their optimizer), so each experiment's
    labels are told apart and a label has one ink.

    A lesson opens it with its experiments, in the order of its summary's experiments
    (:func:`~optcompare.plotting.style.same_result_inks`), ``by`` optimizer (default) or
    by label (variants of one optimizer: an ordered ramp), and records the book in its
    summary.json; the report's step sliders read it back (:func:`book_of`).
    """
    book = dict(current_inks())
    for group in groups:
        with use_inks(book):
            book = {**book, **inks(group, by=by)}
    with use_inks(book):
        yield book


def book_document(book: Mapping[str, Ink]) -> dict[str, dict[str, str | None]]:
    """A book as JSON: label -> its colour, line style and marker (a lesson's summary.json)."""
    return {
        k: {"color": v.color, "linestyle": v.linestyle, "marker": v.marker} for k, v in book.items()
    }


def book_of(doc: Mapping[str, Any]) -> dict[str, Ink]:
    """The book a summary.json records (``"inks"``, as :func:`book_document` wrote it),
    else the one :func:`same_inks` makes of its experiments' labels in order."""
    recorded = doc.get("inks")
    if isinstance(recorded, Mapping) and recorded:
        return {
            str(k): Ink(
                str(v["color"]),
                v["linestyle"] if v.get("linestyle") in VARIANT_LINESTYLES else "-",
                v["marker"] if v.get("marker") in VARIANT_MARKERS else None,
            )
            for k, v in recorded.items()
            if isinstance(v, Mapping) and is_color(v.get("color"))
        }
    with same_inks(summary_groups(doc)) as book:
        return book


def is_color(value: object) -> bool:
    from matplotlib.colors import is_color_like

    return isinstance(value, str) and bool(is_color_like(value))
