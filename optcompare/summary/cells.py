"""Values from a summary.json document as table cells: the one number formatter.

Every table cell (terminal and report.html alike) is made here, once:
:func:`number` (:func:`~optcompare.summary.documents.compact` with
:data:`DIGITS` significant digits), :func:`loss` and :func:`percent`.  The
document may come from a hand-edited or older file, so nothing here raises
on an odd value: it becomes :data:`MISSING` or its JSON text.
"""

from __future__ import annotations

import json
from typing import Any

from optcompare.summary.documents import compact

#: The cell of a value that does not exist (no minimum known, tol never reached).
MISSING = "–"
#: A loss that is +inf by the statistics rule: a diverged run counts as +inf, and
#: summary.json stores +inf as null (JSON has no infinity).
INFINITE = "inf"
#: Significant digits of a loss; lrs, distances and quartiles get :data:`SHORT`.
DIGITS = 4
SHORT = 3


def number(v: Any, digits: int = DIGITS) -> str:
    """A value as a cell: ``digits`` significant digits, :data:`MISSING` for null, and the
    JSON text of anything that is not a number."""
    return compact(v, digits, missing=MISSING, other=text)


def loss(v: Any, diverged: bool, digits: int = DIGITS) -> str:
    """A loss cell: null is :data:`INFINITE` where runs diverged (the stats rule), else
    :data:`MISSING`."""
    return INFINITE if v is None and diverged else number(v, digits)


def percent(v: Any) -> str:
    """A share in [0, 1] as a percentage with one decimal."""
    return f"{100 * v:.1f}%" if is_number(v) else MISSING


def text(v: Any) -> str:
    """Any JSON value as plain text (escaping is the renderer's job)."""
    if v is None:
        return ""
    return v if isinstance(v, str) else json.dumps(v)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def get(doc: Any, *keys: str) -> Any:
    """``doc[k1][k2]...``, or None where a level is missing or not a dict."""
    for k in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(k)
    return doc


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dicts of a JSON list (anything else is skipped)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def metric_header(metric: str, medians: bool) -> str:
    """The run table's header of a recorded metric: "final test loss", or with
    ``medians`` "median final test acc." (accuracy shortened to keep columns narrow)."""
    words = metric.replace("_", " ").replace("accuracy", "acc.")
    return f"median final {words}" if medians else f"final {words}"


def metric_cells(entry: dict[str, Any], metrics: list[str], medians: bool) -> list[str]:
    """A row's cells of the recorded metrics (final values, or their medians): accuracies
    as percentages, losses as losses.  As for the loss, a diverged run ends at an infinite
    test loss and at no accuracy (the worst), and so does a median that touches one."""
    if medians:
        count = entry.get("diverged")  # how many of the label's runs diverged
        diverged = isinstance(count, int) and not isinstance(count, bool) and count > 0
        values = [entry.get(f"final_{m}_median") for m in metrics]
    else:
        diverged = entry.get("diverged") not in (False, None)
        values = [None if diverged else entry.get(f"final_{m}") for m in metrics]
    return [
        percent(v) if m.endswith("accuracy") else loss(v, diverged)
        for m, v in zip(metrics, values, strict=True)
    ]
