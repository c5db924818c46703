"""SAG: the stochastic average gradient, for finite sums f = (1/n) sum_i f_i.

Update rule (Schmidt, Le Roux & Bach 2017, Algorithm 1 with their first-pass
normalisation), for step t = 1, 2, ...::

    draw i_t uniformly (``batch`` samples, with replacement)
    y_i = grad f_i(x_{t-1})  for i = i_t;  every other y_i keeps its last value
    c_t = number of distinct samples drawn so far (n once all have been)
    d_t = (1 / c_t) sum_{i seen} y_i
    x_t = x_{t-1} - lr * d_t

The table y holds, for every run, the last gradient of each sample, so a step
costs one component gradient (1/n of a pass with batch 1) yet moves along an
average of gradients of all the samples seen: its error shrinks as the iterates
settle, and a constant step converges linearly on strongly convex sums.  Dividing
by the samples seen rather than by n keeps the first pass from crawling while
most of the table is still empty (with n, step 1 would be an SGD step shrunk n
times).

Defaults: lr = 1 / L_max, L_max = max_i smoothness of f_i (|a_i|^2 for least
squares): Schmidt et al. prove their rate for 1 / (16 L) and report that 1 / L
works well in practice, the choice taken here.  ``batch``: the problem's batch
key, 1 when it gives none.

State: the table y (runs x n x dim numbers: 100 x 2 per run for the default
least squares), its sum over the samples, which samples each run has seen, and
their count.  The table is written in place, one row a step: copying it every
step would cost as much as a full gradient.

Papers: Le Roux, Schmidt & Bach (2012), "A Stochastic Gradient Method with an
Exponential Convergence Rate for Finite Training Sets", NeurIPS; Schmidt, Le Roux
& Bach (2017), "Minimizing Finite Sums with the Stochastic Average Gradient",
Mathematical Programming.

gradDescent's implementation (the R package the seeds name, version 3.0, function
SAGD): it keeps no table and averages nothing.  Each iteration is a plain SGD
step on one sample, taken only when an unseeded coin flip comes up 1, so it is
SGD with about half the steps, and its runs do not repeat.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optcompare.optimizers import finite_sum as fs
from optcompare.optimizers.base import Hyper, Optimizer

LR_FACTOR = 1.0
DEFAULTS: fs.Defaults = {"lr": fs.lr_over_l_max(LR_FACTOR)}


@dataclass(frozen=True)
class SAGState:
    lr: Any  # the step size in force (the problem's default filled in)
    y: np.ndarray | None  # (runs, n, dim) the last gradient of each sample; made at step 1
    seen: np.ndarray | None  # (runs, n) which samples each run has drawn
    total: np.ndarray  # (runs, dim) sum_i y_i
    count: np.ndarray  # (runs,) c: distinct samples drawn


def init(x: np.ndarray, h: Hyper) -> SAGState:
    return SAGState(
        lr=None, y=None, seen=None, total=np.zeros_like(x), count=np.zeros(len(x), np.int64)
    )


def direction(x: np.ndarray, s: SAGState, oracle: Any, h: Hyper, t: int):
    runs, dim = x.shape
    y, seen = s.y, s.seen
    if y is None or seen is None:  # the table's size is known once the problem is
        y, seen = np.zeros((runs, oracle.n, dim)), np.zeros((runs, oracle.n), dtype=bool)
    idx = oracle.sample(t, fs.batch_of(oracle.problem))
    r = np.arange(runs)
    total, count = s.total, s.count
    # one sample at a time: a sample drawn twice in a batch must replace its own entry
    for j in range(idx.shape[1]):
        i = idx[:, j]
        g = oracle.component(x, idx[:, j : j + 1])
        total = total + (g - y[r, i])
        y[r, i] = g
        count = count + ~seen[r, i]
        seen[r, i] = True
    d = total / count[:, None]
    lr = fs.setting(h, "lr", DEFAULTS, oracle.problem)
    return None, d, replace(s, lr=lr, y=y, seen=seen, total=total, count=count)


def update(x: np.ndarray, d: np.ndarray, s: SAGState, h: Hyper, loss=None):
    return fs.step(x, d, s.lr), s


OPTIMIZER = Optimizer(
    # the table y and seen (none on a problem that is no finite sum: refused elsewhere)
    state_values=lambda problem: getattr(problem, "n", 0) * (problem.dim + 1),
    name="sag",
    params=(fs.lr_param(LR_FACTOR, "Schmidt et al.'s practical choice"),),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="steps along the average of each sample's last gradient (finite sums; lr=1/L_max)",
    related=(
        "SGD steps along one sample's gradient, whose noise keeps a constant step from "
        "converging. SAG remembers the last gradient of every sample and steps along "
        "their average: one new gradient per step, like SGD, but an error that shrinks "
        "like gradient descent's. SVRG and SARAH get the same effect without a table, "
        "from occasional full gradients."
    ),
    paper="Le Roux, Schmidt & Bach 2012; Schmidt et al. 2017",
    direction=direction,
)
