"""RMSProp: divide each gradient coordinate by a running RMS of its recent values.

Update rule (PyTorch's ``torch.optim.RMSprop``), for step t = 1, 2, ...::

    g_t   = grad f(x_{t-1}) + weight_decay * x_{t-1}
    v_t   = alpha * v_{t-1} + (1 - alpha) * g_t^2
    a_t   = sqrt(v_t) + eps                                  (uncentered)
    gm_t  = alpha * gm_{t-1} + (1 - alpha) * g_t             (centered only)
    a_t   = sqrt(v_t - gm_t^2) + eps                         (centered)
    b_t   = momentum * b_{t-1} + g_t / a_t                   (momentum > 0)
    x_t   = x_{t-1} - lr * b_t            if momentum > 0
            x_{t-1} - lr * g_t / a_t      otherwise

Defaults (PyTorch): lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0,
momentum = 0, centered = false.

State: v (PyTorch's ``square_avg``), gm (``grad_avg``, centered only) and
b (``momentum_buffer``), all starting at zero.

Papers: Tieleman & Hinton (2012), Coursera lecture 6e "rmsprop: divide the
gradient by a running average of its recent magnitude" (RMSProp keeps Rprop's
per-weight normalisation but averages g^2 over mini-batches); Graves (2013),
arXiv:1308.0850, for the centered form with momentum.

Where PyTorch differs: there is no bias correction, so the first step is about
lr / sqrt(1 - alpha) = 10 lr at the defaults; eps is outside the square root
(TensorFlow, Keras, optax and Graves put it inside); lr multiplies the momentum
buffer instead of living inside it (as in Graves, Keras and optax); Hinton's
lecture uses a decay of 0.9, PyTorch 0.99.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from optcompare.optimizers.base import (
    Hyper,
    Optimizer,
    eps_param,
    lerp,
    lr_param,
    weight_decay_param,
)
from optcompare.params import Param


@dataclass(frozen=True)
class RMSpropState:
    t: int
    v: np.ndarray  # running average of g^2
    gm: np.ndarray  # running average of g (centered)
    b: np.ndarray  # momentum buffer


def init(x: np.ndarray, h: Hyper) -> RMSpropState:
    return RMSpropState(t=0, v=np.zeros_like(x), gm=np.zeros_like(x), b=np.zeros_like(x))


def update(x: np.ndarray, g: np.ndarray, s: RMSpropState, h: Hyper, loss=None):
    g = g + h.weight_decay * x
    v = s.v * h.alpha + ((1 - h.alpha) * g) * g
    gm = lerp(s.gm, g, 1 - h.alpha)
    # rounding can push v - gm^2 a hair below zero; NaN then marks the run diverged, as in torch
    with np.errstate(invalid="ignore"):
        a = np.where(h.centered, np.sqrt(v + (-1 * gm) * gm), np.sqrt(v)) + h.eps
    b = s.b * h.momentum + g / a
    x_new = np.where(h.momentum > 0, x + (-h.lr) * b, x + ((-h.lr) * g) / a)
    return x_new, RMSpropState(t=s.t + 1, v=v, gm=gm, b=b)


OPTIMIZER = Optimizer(
    name="rmsprop",
    params=(
        lr_param(1e-2),
        Param("alpha", 0.99, "decay of the running average of g^2", low=0.0, high=1.0),
        eps_param(1e-8, "added to the RMS (outside the square root)"),
        weight_decay_param(),
        Param("momentum", 0.0, "momentum factor on the normalised step", low=0.0),
        Param(
            "centered", False, "normalise by the variance instead of the second moment", kind="bool"
        ),
    ),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="gradient divided by a running RMS of recent gradients",
    related=(
        "Adagrad -> RMSProp -> Adam, and Rprop -> RMSProp. RMSProp divides by a moving RMS of "
        "recent gradients: Adagrad that forgets, or Rprop made to work with mini-batches. "
        "Adam is RMSProp with momentum on the gradient and bias correction of both averages; "
        "Adadelta is its learning-rate-free sibling."
    ),
    paper="Tieleman & Hinton 2012 (lecture 6e); Graves 2013",
)
