"""Adagrad: per-coordinate step sizes from the sum of all past squared gradients.

Update rule (PyTorch's ``torch.optim.Adagrad``), for step t = 1, 2, ...::

    g_t   = grad f(x_{t-1}) + weight_decay * x_{t-1}
    lr_t  = lr / (1 + (t - 1) * lr_decay)
    sum_t = sum_{t-1} + g_t^2        (sum_0 = initial_accumulator_value)
    x_t   = x_{t-1} - lr_t * g_t / (sqrt(sum_t) + eps)

Defaults (PyTorch): lr = 1e-2, lr_decay = 0, weight_decay = 0,
initial_accumulator_value = 0, eps = 1e-10.

State: sum (PyTorch's ``state_sum``).  It only grows, so the effective
learning rate lr_t / (sqrt(sum_t) + eps) only shrinks: Adagrad slows down
and eventually stalls on long runs (RMSProp's moving average fixes this).

Paper: Duchi, Hazan & Singer (2011), "Adaptive Subgradient Methods for Online
Learning and Stochastic Optimization", JMLR 12.

Where PyTorch differs from the paper: lr_decay is a PyTorch (Torch7) addition,
and weight decay enters the accumulator because it is added before squaring.
eps sits outside the square root as in the paper; optax and Keras put it
inside and start the accumulator at 0.1.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from optcompare.optimizers.base import (
    Hyper,
    Optimizer,
    eps_param,
    lr_param,
    off,
    weight_decay_param,
)
from optcompare.params import Param


@dataclass(frozen=True)
class AdagradState:
    t: int
    sum: np.ndarray  # sum of squared gradients


def init(x: np.ndarray, h: Hyper) -> AdagradState:
    return AdagradState(t=0, sum=np.zeros_like(x) + h.initial_accumulator_value)


def update(x: np.ndarray, g: np.ndarray, s: AdagradState, h: Hyper, loss=None):
    t = s.t + 1
    if not off(h.weight_decay):
        g = g + h.weight_decay * x
    lr_t = h.lr / (1 + (t - 1) * h.lr_decay)
    sum_ = s.sum + g * g
    return x + ((-lr_t) * g) / (np.sqrt(sum_) + h.eps), AdagradState(t=t, sum=sum_)


OPTIMIZER = Optimizer(
    name="adagrad",
    params=(
        lr_param(1e-2),
        Param("lr_decay", 0.0, "harmonic decay of lr with the step count", low=0.0),
        weight_decay_param(),
        Param("initial_accumulator_value", 0.0, "starting value of the sum", low=0.0),
        eps_param(1e-10, "added to sqrt(sum) for stability"),
    ),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="per-coordinate steps from the sum of squared gradients",
    related=(
        "Adagrad -> RMSProp -> Adam. Adagrad is the first per-coordinate method: rarely- "
        "moving coordinates get larger steps. Its sum never forgets, so steps only shrink; "
        "RMSProp replaces the sum by a moving average, Adadelta additionally removes the "
        "learning rate, and Adam adds momentum and bias correction."
    ),
    paper="Duchi, Hazan & Singer 2011",
)
