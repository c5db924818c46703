"""SARAH and SARAH+: stochastic recursive gradients, for finite sums f = (1/n) sum_i f_i.

Update rule (Nguyen, Liu, Scheinberg & Takac 2017, Algorithms 1 and 2), one step
per update of x::

    outer start:  v_0 = grad f(w_0)  (w_0: the last iterate);  w_1 = w_0 - lr * v_0
    inner step k = 1, 2, ..., i_k drawn uniformly (``batch`` samples, with replacement):
        v_k = grad f_i(w_k) - grad f_i(w_{k-1}) + v_{k-1}
        w_{k+1} = w_k - lr * v_k
    sarah:       the loop makes m updates (w_1 .. w_m); the next starts from w_m
    sarah-plus:  the loop also ends after the update with v_k once
                 |v_k|^2 <= gamma |v_0|^2 (at most m updates)

Unlike SVRG's, the estimate v_k is biased, but it is recursive: it follows the
gradient along the path, and its error shrinks with the steps as the iterates
settle, so the loop needs no snapshot point and SARAH+ can tell from |v_k| when
a new full gradient is worth its pass.  A loop of m updates costs
1 + 2 (m - 1) k / n passes with batch k (the full gradient is charged to the
step it makes).  SARAH+'s runs leave their loops at different steps; each run
keeps its own counter, and all advance in one batch.

Output: the last iterate (the analysis of the paper's Algorithm 1 picks a random
iterate of the last loop; its SARAH+, Algorithm 2, takes the last one, and so does
this package for both).

Defaults: lr = 0.5 / L_max (L_max = max_i smoothness of f_i, |a_i|^2 for least
squares), a cautious practical multiple, half of SAG's and SVRG's (the paper tunes
lr per data set; its analysis takes lr of order 1 / L); m = 2n, SVRG's convex choice
carried over; gamma = 1/8, the paper's SARAH+ setting.  ``batch``: the
problem's batch key, 1 when it gives none.

Paper: Nguyen, Liu, Scheinberg & Takac (2017), "SARAH: A Novel Method for
Machine Learning Problems Using Stochastic Recursive Gradient", ICML.

gradDescent's implementation (the R package the seeds name, version 3.0): SARAH's
recursion matches the paper, but its output is drawn from the loop's iterates
leaving out w_1, and its inner sample sequence is drawn once and reused in every
outer loop.  Its SARAHPlus compares a length-p vector inside R's ``&&``: before
R 4.2 only the first coordinate (the intercept) was tested, and from R 4.3 on it
is an error, so SARAHPlus fails for every problem with two or more coefficients.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optcompare.optimizers import finite_sum as fs
from optcompare.optimizers.base import Hyper, Optimizer
from optcompare.params import Param

LR_FACTOR = 0.5
DEFAULTS: fs.Defaults = {"lr": fs.lr_over_l_max(LR_FACTOR), "m": fs.two_n}


@dataclass(frozen=True)
class SARAHState:
    lr: Any  # the step size in force (the problem's default filled in)
    left: np.ndarray  # (runs,) updates left in the loop; 0: the next step starts one
    v: np.ndarray  # (runs, dim) the recursive gradient estimate v_k
    prev: np.ndarray  # (runs, dim) w_k, the point v_k was taken at
    v0sq: np.ndarray  # (runs,) |v_0|^2 of the loop (SARAH+'s stopping test)


def init(x: np.ndarray, h: Hyper) -> SARAHState:
    runs = len(x)
    return SARAHState(
        lr=None,
        left=np.zeros(runs, dtype=np.int64),
        v=np.zeros_like(x),
        prev=np.array(x),
        v0sq=np.zeros(runs),
    )


def _direction(x: np.ndarray, s: SARAHState, oracle: Any, h: Hyper, t: int, plus: bool):
    problem = oracle.problem
    lr = fs.setting(h, "lr", DEFAULTS, problem)
    start = s.left <= 0
    v, v0sq, left = s.v, s.v0sq, s.left
    if not start.all():
        idx = oracle.sample(t, fs.batch_of(problem))
        rows = fs.rows_of(~start)
        if rows is None:
            v = oracle.component(x, idx) - oracle.component(s.prev, idx) + s.v
        else:
            i = idx[rows]
            v_in = oracle.component(x[rows], i, rows) - oracle.component(s.prev[rows], i, rows)
            v = fs.put(s.v, rows, v_in + s.v[rows])
    if start.any():
        rows = fs.rows_of(start)
        v = fs.put(v, rows, fs.full_gradient(oracle, x, rows))
        v0sq = np.where(start, np.einsum("rd,rd->r", v, v), s.v0sq)
        m = fs.per_run(fs.setting(h, "m", DEFAULTS, problem), len(x), np.int64)
        left = np.where(start, m, s.left)
    left = left - 1
    if plus:
        small = np.einsum("rd,rd->r", v, v) <= fs.per_run(h.gamma, len(x)) * v0sq
        left = np.where(small, 0, left)
    return None, v, replace(s, lr=lr, left=left, v=v, prev=x, v0sq=v0sq)


def direction(x: np.ndarray, s: SARAHState, oracle: Any, h: Hyper, t: int):
    return _direction(x, s, oracle, h, t, plus=False)


def direction_plus(x: np.ndarray, s: SARAHState, oracle: Any, h: Hyper, t: int):
    return _direction(x, s, oracle, h, t, plus=True)


def update(x: np.ndarray, v: np.ndarray, s: SARAHState, h: Hyper, loss=None):
    return fs.step(x, v, s.lr), s


_LR = fs.lr_param(LR_FACTOR, "half of sag's and svrg's")
_RELATED = (
    "SVRG corrects each sample's gradient by its value at a fixed snapshot; SARAH "
    "corrects it by its value at the previous iterate and adds the previous estimate, "
    "a recursion that tracks the gradient along the path. SARAH+ ends a loop early "
    "once the estimate has shrunk to gamma times its start."
)

OPTIMIZER = Optimizer(
    name="sarah",
    params=(_LR, fs.m_param("updates per outer loop m (default 2n)")),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="recursive variance-reduced gradient (finite sums; lr=0.5/L_max, m=2n)",
    related=_RELATED,
    paper="Nguyen et al. 2017",
    direction=direction,
)

PLUS = Optimizer(
    name="sarah-plus",
    params=(
        _LR,
        fs.m_param("most updates per outer loop m (default 2n)"),
        Param(
            "gamma",
            0.125,
            "end a loop once |v|^2 <= gamma |v_0|^2 (Nguyen et al.'s 1/8)",
            low=0.0,
            high=1.0,
            low_open=True,
        ),
    ),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="SARAH ending a loop once its estimate has shrunk (lr=0.5/L_max, m=2n)",
    related=_RELATED,
    paper="Nguyen et al. 2017 (SARAH+)",
    direction=direction_plus,
)
