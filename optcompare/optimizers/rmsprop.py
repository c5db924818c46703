"""RMSProp: divide each gradient coordinate by a running RMS of its recent values.

Update rule (PyTorch's ``torch.optim.RMSprop`` at the defaults), for step t = 1, 2, ...::

    g_t   = grad f(x_{t-1}) + weight_decay * x_{t-1}
    v_t   = alpha * v_{t-1} + (1 - alpha) * g_t^2
    gm_t  = alpha * gm_{t-1} + (1 - alpha) * g_t             (centered only)
    d_t   = v_t                 (uncentered)
            v_t - gm_t^2        (centered)
    a_t   = sqrt(d_t) + eps     (PyTorch)
            sqrt(d_t + eps)     (eps_in_sqrt = true)
    b_t   = momentum * b_{t-1} + g_t / a_t                   (momentum > 0)
    x_t   = x_{t-1} - lr * b_t            if momentum > 0
            x_{t-1} - lr * g_t / a_t      otherwise

With lr_in_momentum = true (TensorFlow 1, Keras, Graves) the lr moves inside
the buffer: b_t = momentum * b_{t-1} + lr_t * g_t / a_t and x_t = x_{t-1} - b_t.
At a constant lr that is the same sequence of points; under a schedule a
change of lr acts at once in PyTorch's form and only on new terms here.

Defaults (PyTorch): lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0,
momentum = 0, centered = false, eps_in_sqrt = false,
initial_accumulator_value = 0, lr_in_momentum = false, variant = torch.

State: v (PyTorch's ``square_avg``, starting at initial_accumulator_value),
gm (``grad_avg``, centered only) and b (``momentum_buffer``), starting at zero.

Variants: ``rmsprop:variant=NAME`` sets the knobs and defaults of one source
(``optcompare explain rmsprop`` shows the table with sources); keys given
explicitly override the preset, and what a source leaves open is PyTorch's.
    torch   PyTorch, the defaults above
    seed    the explainer this project started from: alpha 0.9, eps inside the root
    hinton  Tieleman & Hinton's lecture 6e: decay 0.9, nothing else given
    graves  Graves (2013) eqs. 38-41: centered, momentum 0.9 with the lr inside,
            eps 1e-4 inside the root, alpha 0.95, lr 1e-4
    tf1     tf.train.RMSPropOptimizer: v starts at 1, eps 1e-10 inside the root,
            decay 0.9, lr inside the momentum buffer
    keras   keras.optimizers.RMSprop: rho 0.9, eps 1e-7 inside the root, lr 1e-3
    dl4j    DL4J RmsProp: decay 0.95, v starts at eps = 1e-8 (outside the root), lr 0.1
DL4J starts v at its own eps: with variant=dl4j and another eps, set
initial_accumulator_value to the same value to stay DL4J's rule.

Papers: Tieleman & Hinton (2012), Coursera lecture 6e "rmsprop: divide the
gradient by a running average of its recent magnitude" (RMSProp keeps Rprop's
per-weight normalisation but averages g^2 over mini-batches); Graves (2013),
arXiv:1308.0850, for the centered form with momentum.

Where PyTorch differs: there is no bias correction, so the first step is about
lr / sqrt(1 - alpha) = 10 lr at the defaults (3.2 lr at a decay of 0.9, and
about lr |g| / sqrt(0.9) when v starts at 1 and |g| is small, as in TF1); eps
is outside the square root (TensorFlow, Keras, optax and Graves put it inside;
at 1e-7 or 1e-8 that shows only once |g| falls below about 1e-3); lr
multiplies the momentum buffer instead of living inside it; Hinton's lecture
uses a decay of 0.9, PyTorch 0.99.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np

from optcompare.optimizers.base import (
    Hyper,
    Optimizer,
    Preset,
    choose,
    eps_param,
    lerp,
    lr_param,
    off,
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
    v = np.zeros_like(x) + h.initial_accumulator_value
    return RMSpropState(t=0, v=v, gm=np.zeros_like(x), b=np.zeros_like(x))


def update(x: np.ndarray, g: np.ndarray, s: RMSpropState, h: Hyper, loss=None):
    if not off(h.weight_decay):
        g = g + h.weight_decay * x
    v = s.v * h.alpha + ((1 - h.alpha) * g) * g
    if off(h.centered):
        gm, d = s.gm, v
    else:
        gm = lerp(s.gm, g, 1 - h.alpha)
        d = choose(h.centered, lambda: v + (-1 * gm) * gm, lambda: v)
    # rounding can push v - gm^2 a hair below zero; NaN then marks the run diverged, as in torch
    with np.errstate(invalid="ignore") if not off(h.centered) else nullcontext():
        a = choose(h.eps_in_sqrt, lambda: np.sqrt(d + h.eps), lambda: np.sqrt(d) + h.eps)
    if off(h.momentum):
        return x + ((-h.lr) * g) / a, RMSpropState(t=s.t + 1, v=v, gm=gm, b=s.b)
    inside = h.lr_in_momentum
    b = choose(inside, lambda: s.b * h.momentum + (h.lr * g) / a, lambda: s.b * h.momentum + g / a)
    moved = choose(inside, lambda: x - b, lambda: x + (-h.lr) * b)
    x_new = choose(h.momentum > 0, lambda: moved, lambda: x + ((-h.lr) * g) / a)
    return x_new, RMSpropState(t=s.t + 1, v=v, gm=gm, b=b)


def _preset(name: str, source: str, filled: str = "", **given: float | bool) -> Preset:
    values = {**_TORCH, **given}
    return Preset(name, values, source, tuple(filled.split()))


#: PyTorch's values of every knob a preset sets (the ``torch`` variant).
_TORCH: dict[str, float | bool] = {
    "alpha": 0.99,
    "eps": 1e-8,
    "eps_in_sqrt": False,
    "initial_accumulator_value": 0.0,
    "centered": False,
    "momentum": 0.0,
    "lr_in_momentum": False,
    "lr": 1e-2,
}

#: One preset per source; ``filled`` names the values the source does not give.
PRESETS = (
    _preset("torch", "torch.optim.RMSprop (PyTorch's defaults)"),
    _preset(
        "seed",
        "the explainer optcompare was made from: eps inside the root, beta 'around 0.9'",
        "initial_accumulator_value lr",
        alpha=0.9,
        eps_in_sqrt=True,
    ),
    _preset(
        "hinton",
        "Tieleman & Hinton 2012, lecture 6e: MeanSquare = 0.9 MeanSquare + 0.1 g^2",
        "eps eps_in_sqrt initial_accumulator_value lr",
        alpha=0.9,
    ),
    _preset(
        "graves",
        "Graves 2013, arXiv:1308.0850, eqs. 38-41 (constants as in chainer's RMSpropGraves)",
        alpha=0.95,
        eps=1e-4,
        eps_in_sqrt=True,
        centered=True,
        momentum=0.9,
        lr_in_momentum=True,
        lr=1e-4,
    ),
    _preset(
        "tf1",
        "tf.train.RMSPropOptimizer (TensorFlow 1; its lr has no default)",
        "lr",
        alpha=0.9,
        eps=1e-10,
        eps_in_sqrt=True,
        initial_accumulator_value=1.0,
        lr_in_momentum=True,
    ),
    _preset(
        "keras",
        "keras.optimizers.RMSprop (tf.keras and Keras 3)",
        alpha=0.9,
        eps=1e-7,
        eps_in_sqrt=True,
        lr_in_momentum=True,
        lr=1e-3,
    ),
    _preset(
        "dl4j",
        "Deeplearning4j RmsProp updater (cache starts at eps; no momentum)",
        alpha=0.95,
        initial_accumulator_value=1e-8,
        lr=0.1,
    ),
)


OPTIMIZER = Optimizer(
    name="rmsprop",
    params=(
        lr_param(1e-2),
        Param("alpha", 0.99, "decay of the running average of g^2", low=0.0, high=1.0),
        eps_param(1e-8, "added to the RMS (under the root with eps_in_sqrt)"),
        weight_decay_param(),
        Param("momentum", 0.0, "momentum factor on the normalised step", low=0.0),
        Param(
            "centered", False, "normalise by the variance instead of the second moment", kind="bool"
        ),
        Param("eps_in_sqrt", False, "add eps inside the square root (TF, Keras)", kind="bool"),
        Param("initial_accumulator_value", 0.0, "the running average of g^2 at the start", low=0.0),
        Param(
            "lr_in_momentum",
            False,
            "lr multiplies inside the momentum buffer (TF1, Keras, Graves)",
            kind="bool",
        ),
        Param(
            "variant",
            "torch",
            "whose RMSProp: sets the keys above (given keys win)",
            kind="choice",
            choices=tuple(p.name for p in PRESETS),
            per_run=False,
        ),
    ),
    presets=PRESETS,
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
