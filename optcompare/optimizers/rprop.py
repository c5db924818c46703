"""Rprop: each coordinate moves by its own step size, by the gradient's sign.

Update rule (PyTorch's ``torch.optim.Rprop``, the iRprop- variant), per
coordinate, for step t = 1, 2, ...::

    s_t    = sign(g_t * g_{t-1})               (g_0 = 0)
    step_t = clip(step_{t-1} * eta_plus,  step_min, step_max)   if s_t > 0
             clip(step_{t-1} * eta_minus, step_min, step_max)   if s_t < 0
             clip(step_{t-1},             step_min, step_max)   otherwise
    g_t    = 0          if s_t < 0   (no move now, no adaptation next step)
    x_t    = x_{t-1} - sign(g_t) * step_t

with step_0 = lr.  Defaults (PyTorch): lr = 1e-2, eta_minus = 0.5,
eta_plus = 1.2, step_min = 1e-6, step_max = 50, variant = irprop-.

State: step_size (one per coordinate), prev (the last gradient, zeroed after
a sign change), and for the backtracking variants delta_x (the last move) and
prev_loss.

Variants (Igel & Huesken 2000), differing only on a sign change (s_t < 0):
    irprop-  no backtracking; set g_t = 0 (PyTorch's choice)
    rprop-   no backtracking; keep g_t (the move uses the new sign)
    rprop+   undo the previous move, x_t = x_{t-1} - delta_x_{t-1}; set g_t = 0
    irprop+  undo the previous move only if the loss went up; set g_t = 0

Papers: Riedmiller & Braun (1993), "A direct adaptive method for faster
backpropagation learning: the RPROP algorithm"; Igel & Huesken (2000),
"Improving the Rprop learning algorithm".

Where PyTorch differs: Riedmiller's initial step is 0.1, PyTorch's lr = 0.01;
the step size is clamped on every step, so an lr above step_max is clipped at
once; later changes to lr (schedules) have no effect, because the step sizes
are state initialised from lr.  Rprop is meant for full-batch gradients: with
mini-batches the sign flips at random and the steps collapse.

Gradient clipping (--clip-norm, --clip-value) leaves Rprop unchanged while
weight_decay is 0: both keep every coordinate's sign, and Rprop uses only signs.
The decay is added to the clipped gradient, so with it the signs can change.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from optcompare.optimizers.base import Hyper, Optimizer, fail, lr_param
from optcompare.params import Param


@dataclass(frozen=True)
class RpropState:
    t: int
    step_size: np.ndarray  # per-coordinate step sizes
    prev: np.ndarray  # previous gradient (zeroed after a sign change)
    delta_x: np.ndarray  # the last move, for backtracking
    prev_loss: np.ndarray  # the loss before the last move, for irprop+


def init(x: np.ndarray, h: Hyper) -> RpropState:
    runs = x.shape[0]
    return RpropState(
        t=0,
        step_size=np.zeros_like(x) + h.lr,
        prev=np.zeros_like(x),
        delta_x=np.zeros_like(x),
        prev_loss=np.full((runs, 1), np.inf),
    )


def update(x: np.ndarray, g: np.ndarray, s: RpropState, h: Hyper, loss=None):
    sign = np.sign(g * s.prev)
    factor = np.where(sign > 0, h.eta_plus, np.where(sign < 0, h.eta_minus, 1.0))
    step_size = np.clip(s.step_size * factor, h.step_min, h.step_max)
    flipped = sign < 0
    variant = h.variant
    # np.where and np.array copy, so the state never holds the caller's g or loss
    g = np.where(flipped & (variant != "rprop-"), 0.0, g)
    delta_x = (-1.0 * np.sign(g)) * step_size
    loss_col = np.full((x.shape[0], 1), np.inf) if loss is None else np.array(loss)[:, None]
    if variant == "rprop+":
        delta_x = np.where(flipped, -s.delta_x, delta_x)
    elif variant == "irprop+":
        worse = loss_col > s.prev_loss
        delta_x = np.where(flipped, np.where(worse, -s.delta_x, 0.0), delta_x)
    return x + delta_x, RpropState(
        t=s.t + 1, step_size=step_size, prev=g, delta_x=delta_x, prev_loss=loss_col
    )


def check(values, owner: str) -> None:
    if np.any(np.asarray(values["step_min"]) > np.asarray(values["step_max"])):
        raise fail(
            owner,
            f"step_min={values['step_min']} is larger than "
            f"step_max={values['step_max']}; step_min must be <= step_max",
        )


OPTIMIZER = Optimizer(
    name="rprop",
    params=(
        lr_param(1e-2),
        Param(
            "eta_minus",
            0.5,
            "step-size factor after a sign change",
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
        ),
        Param("eta_plus", 1.2, "step-size factor while the sign holds", low=1.0, low_open=True),
        Param("step_min", 1e-6, "smallest step size", low=0.0),
        Param("step_max", 50.0, "largest step size", low=0.0, low_open=True),
        Param(
            "variant",
            "irprop-",
            "what a sign change does (irprop- is PyTorch's)",
            kind="choice",
            choices=("irprop-", "rprop-", "rprop+", "irprop+"),
            per_run=False,
        ),
    ),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="sign-based steps with per-coordinate adaptive sizes",
    related=(
        "Rprop -> RMSProp. Rprop uses only the sign of each gradient coordinate, with a step "
        "size per coordinate that grows while the sign holds and shrinks when it flips. That "
        "is excellent with full-batch gradients and fails with mini-batches; RMSProp keeps "
        "the per-coordinate normalisation but divides by a running RMS of the gradient, which "
        "averages well over mini-batches (Hinton, lecture 6e)."
    ),
    paper="Riedmiller & Braun 1993; Igel & Huesken 2000",
    check=check,
)
