"""The loss every drawing shows and when a log axis fits it: one rule for loss.png, the
live window and the report's step slider.

A figure shows loss - f* when the problem's minimum f* is known (how far from the best
value, the quantity a log axis reads in decades), floored at :data:`LOSS_FLOOR` so that
a run reaching f* exactly stays on the axis; else the loss itself.
"""

from __future__ import annotations

import numpy as np

from optcompare.plotting.style import LOSS_FLOOR

__all__ = ["loss_gap", "loss_label", "log_fits"]


def loss_gap(loss: np.ndarray, f_star: float | None) -> np.ndarray:
    """What a figure draws of ``loss``: loss - f* floored at :data:`LOSS_FLOOR` when
    ``f_star`` is known, else ``loss`` unchanged."""
    y = np.asarray(loss, dtype=float)
    return y if f_star is None else np.maximum(y - f_star, LOSS_FLOOR)


def loss_label(f_star: float | None) -> str:
    """The axis label of :func:`loss_gap`'s values."""
    return "loss" if f_star is None else "loss - f*"


def log_fits(values: np.ndarray) -> bool:
    """Whether a log axis suits ``values``: their finite ones all positive and spanning
    more than a decade (``max / 10 > min``, which cannot overflow near 1e308)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return bool(v.size) and float(v.min()) > 0 and float(v.max()) / 10.0 > float(v.min())
