"""Adam and AdamW: momentum, plus RMSProp scaling, both bias-corrected.

Update rule (PyTorch's ``torch.optim.Adam``), for step t = 1, 2, ...::

    g_t   = grad f(x_{t-1}) + weight_decay * x_{t-1}    (Adam: L2 penalty)
    x'    = x_{t-1} * (1 - lr * weight_decay)    (AdamW: decoupled decay,
                                                  and g_t = grad f(x_{t-1}))
    m_t   = beta1 * m_{t-1} + (1 - beta1) * g_t
    v_t   = beta2 * v_{t-1} + (1 - beta2) * g_t^2
    v_max = max(v_max, v_t)                                (amsgrad only)
    m_hat = m_t / (1 - beta1^t)
    v_hat = v_t / (1 - beta2^t)         (amsgrad: v_max / (1 - beta2^t))
    x_t   = x_{t-1} - lr * m_hat / (sqrt(v_hat) + eps)

Defaults (PyTorch): lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8,
weight_decay = 0 (adamw: 1e-2), amsgrad = false.

State: m (PyTorch's ``exp_avg``), v (``exp_avg_sq``) and v_max
(``max_exp_avg_sq``).  m and v start at zero, so early estimates are biased
toward zero; dividing by 1 - beta^t removes that bias.  The first step is
therefore about lr * sign(g) in every coordinate, whatever the gradient's size.

Papers: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization",
Algorithm 1 (which PyTorch follows, eps outside the root and after the bias
correction); Reddi, Kale & Kumar (2018), "On the Convergence of Adam and
Beyond" (AMSGrad); Loshchilov & Hutter (2019), "Decoupled Weight Decay
Regularization" (AdamW).

Where PyTorch differs: AMSGrad takes the maximum of the raw v and then divides
by the current 1 - beta2^t (the paper has no bias correction and no eps; optax
maxes the corrected v_hat).  AdamW multiplies the decay by the full lr, where
the paper multiplies it by the schedule factor only.  Keras uses the "eps hat"
form, eps added to sqrt(v) before the bias correction, and eps = 1e-7.

Gradient clipping (--clip-norm) changes Adam little while it scales every
gradient by about the same factor: one factor leaves m_hat / sqrt(v_hat)
unchanged up to eps.  A clip that acts on some steps and not on others reweights
the averages, and on Rosenbrock's valley that can change the path a lot.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from optcompare.optimizers.base import Hyper, Optimizer, choose, eps_param, lerp, lr_param, off
from optcompare.params import Param


@dataclass(frozen=True)
class AdamState:
    t: int
    m: np.ndarray  # first moment (average of g)
    v: np.ndarray  # second moment (average of g^2)
    v_max: np.ndarray  # running maximum of v (amsgrad)


def init(x: np.ndarray, h: Hyper) -> AdamState:
    return AdamState(t=0, m=np.zeros_like(x), v=np.zeros_like(x), v_max=np.zeros_like(x))


def _step(x, g, s: AdamState, h: Hyper, decoupled: bool):
    t = s.t + 1
    if off(h.weight_decay):
        pass
    elif decoupled:
        x = x * (1 - h.lr * h.weight_decay)
    else:
        g = g + h.weight_decay * x
    m = lerp(s.m, g, 1 - h.beta1)
    v = s.v * h.beta2 + ((1 - h.beta2) * g) * g
    v_max = choose(h.amsgrad, lambda: np.maximum(s.v_max, v), lambda: s.v_max)
    bias_correction1 = 1 - h.beta1**t
    bias_correction2_sqrt = (1 - h.beta2**t) ** 0.5
    denom = np.sqrt(choose(h.amsgrad, lambda: v_max, lambda: v)) / bias_correction2_sqrt + h.eps
    return x + ((-(h.lr / bias_correction1)) * m) / denom, AdamState(t=t, m=m, v=v, v_max=v_max)


def update(x: np.ndarray, g: np.ndarray, s: AdamState, h: Hyper, loss=None):
    return _step(x, g, s, h, decoupled=False)


def update_w(x: np.ndarray, g: np.ndarray, s: AdamState, h: Hyper, loss=None):
    return _step(x, g, s, h, decoupled=True)


def _params(weight_decay: float, wd_help: str) -> tuple[Param, ...]:
    return (
        lr_param(1e-3),
        Param("beta1", 0.9, "decay of the first moment m", low=0.0, high=1.0, high_open=True),
        Param("beta2", 0.999, "decay of the second moment v", low=0.0, high=1.0, high_open=True),
        eps_param(1e-8, "added to sqrt(v_hat) for stability"),
        Param("weight_decay", weight_decay, wd_help, low=0.0),
        Param("amsgrad", False, "use the running maximum of v (AMSGrad)", kind="bool"),
    )


_MODULE = sys.modules[__name__]

OPTIMIZER = Optimizer(
    name="adam",
    params=_params(0.0, "L2 penalty added to the gradient"),
    init=init,
    update=update,
    module=_MODULE,
    summary="momentum + RMSProp scaling, bias-corrected (AMSGrad option)",
    related=(
        "Adagrad -> RMSProp -> Adam. Adam = momentum (first moment m) + RMSProp scaling "
        "(second moment v) + bias correction of both. AMSGrad (amsgrad=true) never lets the "
        "denominator shrink, which repairs Adam's non-convergence on Reddi et al.'s "
        "counterexample; AdamW decouples the weight decay."
    ),
    paper="Kingma & Ba 2015; Reddi et al. 2018 (AMSGrad)",
)

ADAMW = Optimizer(
    name="adamw",
    params=_params(1e-2, "decoupled decay: x shrinks by lr * weight_decay each step"),
    init=init,
    update=update_w,
    module=_MODULE,
    summary="Adam with decoupled weight decay",
    related=(
        "Adam with decoupled weight decay: the decay shrinks x directly instead of entering "
        "the gradient, so it is not rescaled by Adam's per-coordinate denominator (with L2 "
        "inside the gradient, Adam barely decays coordinates with large gradients)."
    ),
    paper="Loshchilov & Hutter 2019",
)
