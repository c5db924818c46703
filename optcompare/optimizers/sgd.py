"""SGD with momentum, dampening, Nesterov momentum and L2 weight decay.

Update rule (PyTorch's ``torch.optim.SGD``), for step t = 1, 2, ...::

    g_t = grad f(x_{t-1}) + weight_decay * x_{t-1}
    b_1 = g_1                                    (first step: no dampening)
    b_t = momentum * b_{t-1} + (1 - dampening) * g_t    (t > 1)
    d_t = g_t + momentum * b_t   if nesterov
          b_t                    otherwise              (g_t when momentum = 0)
    x_t = x_{t-1} - lr * d_t

Defaults (PyTorch): lr = 1e-3, momentum = 0, dampening = 0, nesterov = false,
weight_decay = 0.  Nesterov needs momentum > 0 and dampening = 0.

State: b (PyTorch's ``momentum_buffer``).

Papers: Polyak (1964), heavy-ball momentum; Sutskever, Martens, Dahl & Hinton
(2013), "On the importance of initialization and momentum in deep learning"
(Nesterov's accelerated gradient).

Where PyTorch differs from the papers: the learning rate multiplies the buffer
instead of living inside it (Sutskever: v = mu v - lr g; x = x + v).  With a
constant lr the iterates are identical; under a learning-rate schedule they are
not.  Dampening is a PyTorch addition, and the buffer starts at g_1 rather than
at zero, so dampening only acts from the second step.  Keras puts lr inside the
buffer and makes weight decay decoupled.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from optcompare.optimizers.base import (
    Hyper,
    Optimizer,
    choose,
    fail,
    lr_param,
    off,
    weight_decay_param,
)
from optcompare.params import Param


@dataclass(frozen=True)
class SGDState:
    t: int
    b: np.ndarray  # momentum buffer


def init(x: np.ndarray, h: Hyper) -> SGDState:
    return SGDState(t=0, b=np.zeros_like(x))


def update(x: np.ndarray, g: np.ndarray, s: SGDState, h: Hyper, loss=None):
    t = s.t + 1
    if not off(h.weight_decay):
        g = g + h.weight_decay * x
    if off(h.momentum):
        return x + (-h.lr) * g, SGDState(t=t, b=s.b)
    # PyTorch copies the first gradient into the buffer, so dampening starts at t = 2
    if t == 1:
        b = g.copy()  # the state must not share memory with the caller's gradient
    elif off(h.dampening):
        b = s.b * h.momentum + g  # (1 - 0) * g is g, bit for bit
    else:
        b = s.b * h.momentum + (1 - h.dampening) * g
    d = choose(h.nesterov, lambda: g + h.momentum * b, lambda: b)
    d = choose(h.momentum != 0, lambda: d, lambda: g)
    return x + (-h.lr) * d, SGDState(t=t, b=b)


def check(values, owner: str) -> None:
    nesterov = np.asarray(values["nesterov"], dtype=bool)
    momentum, dampening = np.asarray(values["momentum"]), np.asarray(values["dampening"])
    bad = nesterov & ((momentum <= 0) | (dampening != 0))
    if np.any(bad):
        raise fail(
            owner,
            "nesterov=true needs momentum > 0 and dampening = 0 "
            f"(got momentum={values['momentum']}, dampening={values['dampening']})",
        )


OPTIMIZER = Optimizer(
    name="sgd",
    params=(
        lr_param(1e-3),
        Param("momentum", 0.0, "momentum factor mu (0 = plain gradient descent)", low=0.0),
        Param(
            "dampening",
            0.0,
            "fraction of the new gradient held back from the buffer",
            low=0.0,
            high=1.0,
        ),
        Param("nesterov", False, "use Nesterov's look-ahead momentum", kind="bool"),
        weight_decay_param(),
    ),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="gradient descent, optionally with (Nesterov) momentum",
    related=(
        "The baseline every other method modifies. Momentum averages past gradients so steps "
        "along a ravine add up while zig-zags across it cancel; Nesterov evaluates that "
        "momentum one step ahead. Every adaptive method below keeps SGD's direction but "
        "rescales each coordinate."
    ),
    paper="Polyak 1964; Sutskever et al. 2013 (Nesterov)",
    check=check,
)
