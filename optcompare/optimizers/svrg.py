"""SVRG: stochastic variance-reduced gradient, for finite sums f = (1/n) sum_i f_i.

Update rule (Johnson & Zhang 2013, Procedure SVRG), one step per inner iteration::

    outer start:  w~ = x  (snapshot=last)  or  w~ = w_j kept from the last loop
                  (snapshot=random, j uniform in 0..m-1);  mu = grad f(w~);  w_0 = w~
    inner step k = 1..m, i_k drawn uniformly (``batch`` samples, with replacement):
        d_k = grad f_i(w_{k-1}) - grad f_i(w~) + mu
        w_k = w_{k-1} - lr * d_k

d_k is an unbiased estimate of grad f(w_{k-1}) whose variance vanishes as w and w~
approach the minimum, so a constant step converges where SGD's stalls at a noise floor.

A step here is one inner iteration (one update of x).  The full gradient of an
outer start, one pass over the data, is charged to the step that follows it, so
with batch k a loop costs 1 + 2 m k / n passes (its first step's two component
gradients are taken at w_0 = w~, and counted, as the procedure writes them).
With snapshot=random, the first step of a loop starts from w~ = w_j, not from the
last iterate: the recorded path jumps back there.

Defaults: m = 2n, Johnson & Zhang's choice for convex problems; snapshot = last
(their option I; their analysis covers option II, random); lr = 1 / L_max,
L_max = max_i (smoothness of f_i) (|a_i|^2 for least squares), the practical
multiple SAG uses too (the paper's bound needs lr < 1 / (4 L), and its experiments
give step sizes for their own data sets); ``batch``: the problem's batch key, 1
when it gives none.

State: w~ (``snap``), mu, the steps left in the loop, and for snapshot=random the
kept iterate and its index; every array has the runs first, so a diverged run
simply leaves them.

Paper: Johnson & Zhang (2013), "Accelerating Stochastic Gradient Descent using
Predictive Variance Reduction", NeurIPS.

gradDescent's implementation (the R package the seeds name, version 3.0): its
update matches the paper, but its option 1 returns the iterate before the last
one (w_{m-1}, not w_m), its inner-loop sample sequence is drawn once and reused
in every outer loop, and its random draws are not seeded, so runs do not repeat.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optcompare.optimizers import finite_sum as fs
from optcompare.optimizers.base import Hyper, Optimizer
from optcompare.params import Param

LR_FACTOR = 1.0
DEFAULTS: fs.Defaults = {"lr": fs.lr_over_l_max(LR_FACTOR), "m": fs.two_n}


@dataclass(frozen=True)
class SVRGState:
    lr: Any  # the step size in force (the problem's default filled in)
    left: np.ndarray  # (runs,) inner steps left; 0: the next step starts an outer loop
    inner: np.ndarray  # (runs,) inner steps done in this loop
    pick: np.ndarray  # (runs,) j: the inner iterate w_j that becomes the next snapshot
    snap: np.ndarray  # (runs, dim) w~
    mu: np.ndarray  # (runs, dim) grad f(w~)
    keep: np.ndarray  # (runs, dim) w_pick of this loop (snapshot=random)
    jump: np.ndarray  # (runs,) this step starts from w~ instead of the last iterate


def init(x: np.ndarray, h: Hyper) -> SVRGState:
    runs = len(x)
    counts = np.zeros(runs, dtype=np.int64)
    return SVRGState(
        lr=None,
        left=counts,
        inner=counts,
        pick=counts,
        snap=np.array(x),
        mu=np.zeros_like(x),
        keep=np.array(x),
        jump=np.zeros(runs, dtype=bool),
    )


Lengths = Callable[[Any, Hyper, int, Any], np.ndarray]


def advance(
    x: np.ndarray,
    s: SVRGState,
    oracle: Any,
    h: Hyper,
    t: int,
    lengths: Lengths,
    random_snapshot: bool,
    defaults: fs.Defaults,
) -> tuple[None, np.ndarray, SVRGState]:
    """One inner step of SVRG-type methods (SVRG, S2GD): ``lengths(oracle, h, t, lr)``
    gives each run's inner-loop length at an outer start."""
    problem = oracle.problem
    lr = fs.setting(h, "lr", defaults, problem)
    start = s.left <= 0
    left, inner, pick, snap, mu = s.left, s.inner, s.pick, s.snap, s.mu
    jump = np.zeros_like(s.jump) if s.jump.any() else s.jump
    if start.any():
        rows = fs.rows_of(start)
        new_snap = s.keep if random_snapshot else x
        snap = fs.put(s.snap, rows, new_snap if rows is None else new_snap[rows])
        mu = fs.put(s.mu, rows, fs.full_gradient(oracle, snap, rows))
        left = np.where(start, lengths(oracle, h, t, lr), s.left)
        inner = np.where(start, 0, s.inner)
        if random_snapshot:
            u = fs.loop_uniform(oracle, t)[:, 1]
            pick = np.where(start, np.minimum((u * left).astype(np.int64), left - 1), s.pick)
            jump = start
    point = np.where(jump[:, None], snap, x) if jump.any() else x  # w_{k-1}
    idx = oracle.sample(t, fs.batch_of(problem))
    d = oracle.component(point, idx) - oracle.component(snap, idx) + mu
    keep = s.keep
    if random_snapshot:
        keep = np.where((inner == pick)[:, None], point, s.keep)
    state = replace(
        s, lr=lr, left=left - 1, inner=inner + 1, pick=pick, snap=snap, mu=mu, keep=keep, jump=jump
    )
    return None, d, state


def update(x: np.ndarray, d: np.ndarray, s: SVRGState, h: Hyper, loss=None):
    base = np.where(s.jump[:, None], s.snap, x) if s.jump.any() else x
    return fs.step(base, d, s.lr), s


def _fixed(oracle: Any, h: Hyper, t: int, lr: Any) -> np.ndarray:
    return fs.per_run(fs.setting(h, "m", DEFAULTS, oracle.problem), len(oracle.seeds), np.int64)


def direction(x: np.ndarray, s: SVRGState, oracle: Any, h: Hyper, t: int):
    return advance(x, s, oracle, h, t, _fixed, h.snapshot == "random", DEFAULTS)


OPTIMIZER = Optimizer(
    name="svrg",
    params=(
        fs.lr_param(LR_FACTOR, "as for sag"),
        fs.m_param("inner-loop length m (default 2n, Johnson & Zhang's convex choice)"),
        Param(
            "snapshot",
            "last",
            "the next outer loop's w~: the last inner iterate (option I) or a random one (II)",
            kind="choice",
            choices=("last", "random"),
            per_run=False,
        ),
    ),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="SGD corrected by a snapshot's full gradient (finite sums; lr=1/L_max, m=2n)",
    related=(
        "SGD's single-sample gradient has a variance that does not shrink at the minimum, "
        "so a constant step stalls at a noise floor. SVRG subtracts the same sample's "
        "gradient at a snapshot and adds the snapshot's full gradient: still unbiased, "
        "with a variance that vanishes at the minimum. S2GD draws the loop length at "
        "random; SARAH replaces the snapshot by a recursive estimate."
    ),
    paper="Johnson & Zhang 2013",
    direction=direction,
)
