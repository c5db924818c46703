"""Gradient clipping: the step between the observed gradient and the optimizer's update.

Norm clipping follows ``torch.nn.utils.clip_grad_norm_``: per run, over all
coordinates, ``g <- g * min(1, C / (|g| + 1e-6))``.  Value clipping follows
``torch.nn.utils.clip_grad_value_``: each coordinate clamped to [-V, V].

The order in a step is: gradient noise (the problem's observation), then
clipping, then the optimizer's own update, whose weight decay is added inside it
and so is never clipped.  Clipping changes what an optimizer is: SGD clipped to
norm 1 takes steps of at most lr, whatever the slope.  Rprop uses only the signs
of the gradient, so norm clipping leaves it unchanged; Adam divides by a running
scale of the gradient, so it changes little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optcompare.errors import SpecError
from optcompare.params import check_number

#: Added to the norm before dividing, as ``torch.nn.utils.clip_grad_norm_`` does.
NORM_EPS = 1e-6


@dataclass(frozen=True)
class Clipping:
    """One clipping rule: ``norm`` (C) or ``value`` (V), the other None."""

    norm: float | None = None
    value: float | None = None

    def settings(self) -> dict[str, float | None]:
        """The settings as summary.json records them."""
        return {"clip_norm": self.norm, "clip_value": self.value}


def make_clipping(clip_norm: float | None, clip_value: float | None) -> Clipping | None:
    """The clipping rule of ``clip_norm`` / ``clip_value`` (None when both are None).

    Each must be finite and > 0; the two together are refused, as Keras 3 does,
    because the result would depend on an order that no source agrees on.

    Raises:
        SpecError: naming the offending argument (the CLI shows its flag).
    """
    norm = None if clip_norm is None else check_number(clip_norm, "clip_norm", low=0, low_open=True)
    value = (
        None if clip_value is None else check_number(clip_value, "clip_value", low=0, low_open=True)
    )
    if norm is not None and value is not None:
        raise SpecError("{p} cannot be combined with value clipping; choose one", "clip_norm")
    if norm is None and value is None:
        return None
    return Clipping(None if norm is None else float(norm), None if value is None else float(value))


def gradient_norms(g: np.ndarray) -> np.ndarray:
    """(runs,) Euclidean norm of each row, without overflow for huge finite rows.

    A row holding NaN or inf gets a non-finite norm.
    """
    norms = np.linalg.norm(g, axis=1)
    if not np.isfinite(norms).all():
        big = np.max(np.abs(g), axis=1, initial=0.0)
        with np.errstate(all="ignore"):
            scaled = big * np.linalg.norm(g / np.where(big > 0, big, 1.0)[:, None], axis=1)
        norms = np.where(np.isinf(norms) & np.isfinite(big), scaled, norms)
    return norms


def clip_gradient(g: np.ndarray, rule: Clipping) -> tuple[np.ndarray, np.ndarray]:
    """The clipped (runs, dim) gradient and each run's norm before clipping."""
    norms = gradient_norms(g)
    if rule.norm is not None:
        with np.errstate(all="ignore"):
            factor = np.minimum(1.0, rule.norm / (norms + NORM_EPS))
        return g * factor[:, None], norms
    assert rule.value is not None
    return np.clip(g, -rule.value, rule.value), norms
