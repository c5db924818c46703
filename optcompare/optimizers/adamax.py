"""Adamax: Adam with the infinity norm, a running maximum of |g|, as its denominator.

Update rule (PyTorch's ``torch.optim.Adamax``), for step t = 1, 2, ...::

    g_t = grad f(x_{t-1}) + weight_decay * x_{t-1}      (L2 penalty)
    m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
    u_t = max(beta2 * u_{t-1}, |g_t| + eps)
    x_t = x_{t-1} - lr / (1 - beta1^t) * m_t / u_t

Defaults (PyTorch): lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8,
weight_decay = 0.

State: m (PyTorch's ``exp_avg``) and u (``exp_inf``), both starting at zero.
u needs no bias correction: a maximum is not pulled toward its zero start the
way an average is.  So the first step is -lr * g_1 / (|g_1| + eps), about
-lr * sign(g_1), whatever the gradient's size.  After one large gradient u
shrinks back only by the factor beta2 per step (by 1/e in 1 / (1 - beta2) = 1,000
steps at the default), and the steps stay short meanwhile.

Paper: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization",
section 7.1 (Algorithm 2, AdaMax): u_t = max(beta2 * u_{t-1}, |g_t|), with the
default step size alpha = 0.002.

Where PyTorch differs: it adds eps to |g_t| inside the maximum (the paper has no
eps), so u_t >= eps and a coordinate whose gradient has been exactly 0 from the
start moves by 0 / eps = 0 instead of 0 / 0; away from such zeros the two agree
to within eps.  The L2 weight decay is PyTorch's addition.
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
    off,
    weight_decay_param,
)
from optcompare.params import Param


@dataclass(frozen=True)
class AdamaxState:
    t: int
    m: np.ndarray  # first moment (average of g)
    u: np.ndarray  # exponentially weighted infinity norm (running max of |g|)


def init(x: np.ndarray, h: Hyper) -> AdamaxState:
    return AdamaxState(t=0, m=np.zeros_like(x), u=np.zeros_like(x))


def update(x: np.ndarray, g: np.ndarray, s: AdamaxState, h: Hyper, loss=None):
    t = s.t + 1
    if not off(h.weight_decay):
        g = g + h.weight_decay * x
    m = lerp(s.m, g, 1 - h.beta1)
    u = np.maximum(s.u * h.beta2, np.abs(g) + h.eps)
    bias_correction = 1 - h.beta1**t
    return x + ((-(h.lr / bias_correction)) * m) / u, AdamaxState(t=t, m=m, u=u)


OPTIMIZER = Optimizer(
    name="adamax",
    params=(
        lr_param(2e-3),
        Param("beta1", 0.9, "decay of the first moment m", low=0.0, high=1.0, high_open=True),
        Param("beta2", 0.999, "decay of the infinity norm u", low=0.0, high=1.0, high_open=True),
        eps_param(1e-8, "added to |g| inside the maximum (PyTorch; the paper has none)"),
        weight_decay_param(),
    ),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="Adam with a running maximum of |g| instead of an average of g^2",
    related=(
        "Adam's denominator sqrt(v) is an L2 average of past gradients; Adamax takes the "
        "L-infinity limit, u_t = max(beta2 u_{t-1}, |g_t|), which needs no bias correction. "
        "After one large gradient, u decays only by beta2 per step, so the steps stay short."
    ),
    paper="Kingma & Ba 2015, sec. 7.1",
)
