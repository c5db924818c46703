"""Adadelta: Adagrad with forgetting, and a step that carries its own units.

Update rule (PyTorch's ``torch.optim.Adadelta``), for step t = 1, 2, ...::

    g_t     = grad f(x_{t-1}) + weight_decay * x_{t-1}
    v_t     = rho * v_{t-1} + (1 - rho) * g_t^2
    delta_t = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g_t
    u_t     = rho * u_{t-1} + (1 - rho) * delta_t^2
    x_t     = x_{t-1} - lr * delta_t

Defaults (PyTorch): lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0.

State: v (PyTorch's ``square_avg``, the average of g^2) and u (``acc_delta``,
the average of delta^2), both starting at zero.  The ratio of the two RMS
values gives each coordinate its own step size; the first steps are tiny,
about lr * sqrt(eps / (1 - rho)) ~ 3e-3 at lr = 1, whatever the gradient.

Paper: Zeiler (2012), "ADADELTA: An Adaptive Learning Rate Method",
arXiv:1212.5701 (no learning rate; rho = 0.95 in its experiments).

Where PyTorch differs from the paper: the paper has no learning rate, and
PyTorch keeps one, lr (default 1.0), a plain multiplier of every step
(lr = 1 is the paper's rule); u accumulates the step before lr scales it.
So the lr matters as for any optimizer: it scales every step (the lesson
``adagrad-decay`` sweeps it).  Keras defaults to lr = 1e-3, which is 1000 times smaller.
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
class AdadeltaState:
    t: int
    v: np.ndarray  # running average of g^2
    u: np.ndarray  # running average of delta^2


def init(x: np.ndarray, h: Hyper) -> AdadeltaState:
    return AdadeltaState(t=0, v=np.zeros_like(x), u=np.zeros_like(x))


def update(x: np.ndarray, g: np.ndarray, s: AdadeltaState, h: Hyper, loss=None):
    if not off(h.weight_decay):
        g = g + h.weight_decay * x
    v = s.v * h.rho + ((1 - h.rho) * g) * g
    delta = np.sqrt(s.u + h.eps) / np.sqrt(v + h.eps) * g
    u = s.u * h.rho + ((1 - h.rho) * delta) * delta
    return x + (-h.lr) * delta, AdadeltaState(t=s.t + 1, v=v, u=u)


OPTIMIZER = Optimizer(
    name="adadelta",
    params=(
        lr_param(1.0),
        Param("rho", 0.9, "decay of both running averages", low=0.0, high=1.0),
        eps_param(1e-6, "added inside both square roots"),
        weight_decay_param(),
    ),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="ratio of running RMS of steps and gradients; lr (default 1) scales the step",
    related=(
        "A sibling of RMSProp: both replace Adagrad's growing sum by a moving average of g^2. "
        "Adadelta also keeps a moving average of past steps, and their ratio sets the step "
        "size. Zeiler's paper has no learning rate; PyTorch's Adadelta has lr (default 1.0), "
        "which multiplies every step, and the result depends on it as on any lr."
    ),
    paper="Zeiler 2012",
)
