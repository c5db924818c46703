"""S2GD: semi-stochastic gradient descent, SVRG with a random inner-loop length.

Update rule (Konecny & Richtarik 2013, Algorithm 1), one step per inner iteration::

    outer start:  mu = grad f(x);  y_0 = x;  draw the loop length T in 1..m with
                  P(T = t) proportional to (1 - nu * lr)^(m - t)
    inner step k = 1..T, i_k drawn uniformly (``batch`` samples, with replacement):
        d_k = mu + grad f_i(y_{k-1}) - grad f_i(x)
        y_k = y_{k-1} - lr * d_k
    the next outer start takes x = y_T

nu >= 0 is a lower bound on the strong-convexity constant mu of f; nu = 0 makes
every length from 1 to m equally likely, and a larger nu favours long loops.
Each run draws its own T from its own stream, so runs sit in different phases:
those at an outer start take the full gradient (one pass, charged to that step)
while the others take inner steps, all in one batch.  nu * lr >= 1 is outside the
paper's range; there the weights are taken as 0^(m - t), so T = m.

Defaults: lr = 1 / L_max (L_max = max_i smoothness of f_i, |a_i|^2 for least
squares), the multiple SVRG uses here; m = 2n, SVRG's convex choice (the paper
derives m and lr from its bound for given L, mu and accuracy, rather than fixing
them); nu = 0 (always a valid lower bound: uniform lengths).  ``batch``: the
problem's batch key, 1 when it gives none.

Paper: Konecny & Richtarik (2013, Frontiers in Applied Mathematics and Statistics
2017), "Semi-Stochastic Gradient Descent Methods".

gradDescent's implementation (the R package the seeds name, version 3.0, function
SSGD): the correction has the opposite sign, mu - grad f_i(y) + grad f_i(x), which
no longer estimates grad f(y) without bias (in one measurement on least squares,
n = 200, it still converged with its default 10-step loops and diverged with 50 or
200).  Its length draw with
lamda > 0 never picks T = 1 (weights min-max scaled), and its random draws are
not seeded.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from optcompare.optimizers import finite_sum as fs
from optcompare.optimizers import svrg
from optcompare.optimizers.base import Hyper, Optimizer
from optcompare.params import Param

LR_FACTOR = 1.0
DEFAULTS: fs.Defaults = {"lr": fs.lr_over_l_max(LR_FACTOR), "m": fs.two_n}

init, update = svrg.init, svrg.update


def length_quantile(u: np.ndarray, m: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The loop length T in 1..m with P(T = t) proportional to q^(m - t), at the
    uniform u (inverse CDF): P(T <= t) = (q^(m-t) - q^m) / (1 - q^m)."""
    m = np.asarray(m, dtype=float)
    uniform = np.ceil(u * m)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_q = np.log(q)
        q_m = np.exp(m * log_q)
        t = np.ceil(m - np.log(q_m + u * (1.0 - q_m)) / log_q)
    t = np.where(q >= 1.0, uniform, np.where(q <= 0.0, m, t))
    return np.clip(t, 1, m).astype(np.int64)


def _lengths(oracle: Any, h: Hyper, t: int, lr: Any) -> np.ndarray:
    runs = len(oracle.seeds)
    m = fs.per_run(fs.setting(h, "m", DEFAULTS, oracle.problem), runs, np.int64)
    q = np.maximum(1.0 - fs.per_run(h.nu, runs) * fs.per_run(lr, runs), 0.0)
    return length_quantile(fs.loop_uniform(oracle, t)[:, 0], m, q)


def direction(x: np.ndarray, s: svrg.SVRGState, oracle: Any, h: Hyper, t: int):
    return svrg.advance(x, s, oracle, h, t, _lengths, False, DEFAULTS)


OPTIMIZER = Optimizer(
    name="s2gd",
    params=(
        fs.lr_param(LR_FACTOR, "as for svrg"),
        fs.m_param("longest inner loop m (default 2n)"),
        Param(
            "nu",
            0.0,
            "lower bound on the strong convexity; loop lengths P(t) ~ (1 - nu lr)^(m - t)",
            low=0.0,
        ),
    ),
    init=init,
    update=update,
    module=sys.modules[__name__],
    summary="SVRG with a random inner-loop length (finite sums; lr=1/L_max, m=2n)",
    related=(
        "The same corrected direction as SVRG, mu + grad f_i(y) - grad f_i(x); the "
        "inner loop's length is drawn at every outer start, weighted toward long loops "
        "when nu > 0, and the next outer loop starts from the last inner iterate."
    ),
    paper="Konecny & Richtarik 2013",
    direction=direction,
)
