"""NAdam: Adam whose momentum looks one step ahead, as Nesterov's does.

Update rule (PyTorch's ``torch.optim.NAdam``), for step t = 1, 2, ...::

    g_t    = grad f(x_{t-1}) + weight_decay * x_{t-1}       (L2 penalty)
    x'     = x_{t-1} * (1 - lr * weight_decay)   (decoupled_weight_decay: the
                                                  decay shrinks x instead,
                                                  and g_t = grad f(x_{t-1}))
    mu_t     = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))
    mu_{t+1} = beta1 * (1 - 0.5 * 0.96^((t + 1) * momentum_decay))
    mu_product_t = mu_1 * mu_2 * ... * mu_t
    m_t    = beta1 * m_{t-1} + (1 - beta1) * g_t
    v_t    = beta2 * v_{t-1} + (1 - beta2) * g_t^2
    m_hat  = mu_{t+1} * m_t / (1 - mu_product_t * mu_{t+1})
             + (1 - mu_t) * g_t / (1 - mu_product_t)
    v_hat  = v_t / (1 - beta2^t)
    x_t    = x_{t-1} - lr * m_hat / (sqrt(v_hat) + eps)

Defaults (PyTorch): lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8,
weight_decay = 0, momentum_decay = 4e-3, decoupled_weight_decay = false.

State: m (PyTorch's ``exp_avg``), v (``exp_avg_sq``) and mu_product (PyTorch's
``mu_product``, one number per run).  The step mixes the current gradient, with
weight 1 - mu_t, and the momentum m_t, with weight mu_{t+1}: the momentum term is
the one Nesterov's method would apply at the next step, applied now.  mu_t grows
slowly from beta1 / 2 toward beta1 (the "momentum schedule"); with
momentum_decay = 4e-3 it is 0.575 beta1 at t = 1,000 and reaches 0.9 beta1 only
at t = 9,857 (0.96^(t psi) = 0.2).

Paper: Dozat (2016), "Incorporating Nesterov Momentum into Adam" (ICLR 2016
workshop), whose schedule 0.96^(t/250) is momentum_decay = 1/250 = 4e-3.  The
decoupled decay is that of Loshchilov & Hutter (2019), "Decoupled Weight Decay
Regularization" (NAdamW).

Where PyTorch differs: weight decay and its decoupled form are PyTorch's
additions; eps sits outside the root, after the bias correction of v, as in Adam;
the decoupled decay multiplies the full lr (as in AdamW).  Reddi, Kale & Kumar
(2018) name Nadam among the exponential-moving-average methods that can fail to
converge, like Adam.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from optcompare.optimizers.base import Hyper, Optimizer, choose, eps_param, lerp, lr_param, off
from optcompare.params import Param


@dataclass(frozen=True)
class NAdamState:
    t: int
    m: np.ndarray  # first moment (average of g)
    v: np.ndarray  # second moment (average of g^2)
    mu_product: np.ndarray  # mu_1 * ... * mu_t, shape (runs, 1)


def init(x: np.ndarray, h: Hyper) -> NAdamState:
    return NAdamState(
        t=0, m=np.zeros_like(x), v=np.zeros_like(x), mu_product=np.ones((x.shape[0], 1))
    )


def update(x: np.ndarray, g: np.ndarray, s: NAdamState, h: Hyper, loss=None):
    t = s.t + 1
    if not off(h.weight_decay):
        decoupled = h.decoupled_weight_decay
        x, g = (
            choose(decoupled, lambda: x * (1 - h.lr * h.weight_decay), lambda: x),
            choose(decoupled, lambda: g, lambda: g + h.weight_decay * x),
        )
    mu_t = h.beta1 * (1.0 - 0.5 * np.power(0.96, t * h.momentum_decay))
    mu_next = h.beta1 * (1.0 - 0.5 * np.power(0.96, (t + 1) * h.momentum_decay))
    mu_product = s.mu_product * mu_t
    mu_product_next = mu_product * mu_next
    m = lerp(s.m, g, 1 - h.beta1)
    v = s.v * h.beta2 + ((1 - h.beta2) * g) * g
    bias_correction2 = 1 - h.beta2**t
    denom = np.sqrt(v / bias_correction2) + h.eps
    # two separate additions, in PyTorch's order, so the rounding follows torch's
    x = x + ((-h.lr * (1.0 - mu_t) / (1.0 - mu_product)) * g) / denom
    x = x + (((-h.lr * mu_next) / (1.0 - mu_product_next)) * m) / denom
    return x, NAdamState(t=t, m=m, v=v, mu_product=mu_product)


OPTIMIZER = Optimizer(
    name="nadam",
    params=(
        lr_param(2e-3),
        Param("beta1", 0.9, "decay of the first moment m", low=0.0, high=1.0, high_open=True),
        Param("beta2", 0.999, "decay of the second moment v", low=0.0, high=1.0, high_open=True),
        eps_param(1e-8, "added to sqrt(v_hat) for stability"),
        Param("weight_decay", 0.0, "L2 penalty (or decoupled decay, see below)", low=0.0),
        Param(
            "momentum_decay",
            4e-3,
            "psi in the momentum schedule mu_t = beta1 (1 - 0.96^(t psi) / 2)",
            low=0.0,
        ),
        Param(
            "decoupled_weight_decay",
            False,
            "shrink x by lr * weight_decay instead of adding an L2 gradient (NAdamW)",
            kind="bool",
        ),
    ),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="Adam with Nesterov momentum and a momentum schedule (Dozat)",
    related=(
        "Adam with Nesterov's look-ahead: the step uses the momentum of the next step, "
        "mu_{t+1} m_t, plus a (1 - mu_t) share of the current gradient. Its momentum "
        "coefficient mu_t rises slowly from beta1/2 toward beta1. Like Adam, it is among "
        "the methods Reddi et al. (2018) show can fail to converge."
    ),
    paper="Dozat 2016",
)
