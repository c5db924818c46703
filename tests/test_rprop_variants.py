"""Rprop's literature variants against the papers, not against our own code.

PyTorch's Rprop (irprop-) is checked against recorded torch runs elsewhere; torch has
no rprop+, irprop+ or rprop-, so these are checked here against two independent
references written from the published rules:

* worked examples derived by hand, step by step, kept below as explicit numbers;
* ``PaperRprop``, a scalar re-statement of the pseudo-code of Riedmiller & Braun
  (1993, Rprop with weight-backtracking) and Igel & Huesken (2000, Rprop-, iRprop+,
  iRprop-), one weight at a time, compared bit for bit over random sequences.

The one rule optcompare takes from PyTorch rather than the papers: the initial step
size lr is clamped into [step_min, step_max] at the first step (the papers leave
Delta unclamped while g_{t-1} g_t = 0).  The references start from the clamped value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optcompare.engine import run_batch
from optcompare.optimizers import OPTIMIZERS
from optcompare.optimizers.base import hyper
from optcompare.problem import make_problem

RPROP = OPTIMIZERS.get("rprop")
VARIANTS = ("rprop+", "rprop-", "irprop+", "irprop-")


def _sign(v: float) -> float:
    return float((v > 0) - (v < 0))


class PaperRprop:
    """One weight under the published pseudo-code.  Per step t, with E the error at w_t:

    if g_{t-1} g_t > 0:  Delta_t = min(eta_plus Delta_{t-1}, Delta_max)
                         dw_t = -sign(g_t) Delta_t;  w_{t+1} = w_t + dw_t
    if g_{t-1} g_t < 0:  Delta_t = max(eta_minus Delta_{t-1}, Delta_min)
        Rprop+ (R&B 1993):  w_{t+1} = w_t - dw_{t-1};  g_t := 0
        iRprop+ (I&H 2000): if E_t > E_{t-1}: w_{t+1} = w_t - dw_{t-1};  g_t := 0
        iRprop- (I&H 2000): g_t := 0 (no move)
        Rprop-  (I&H 2000): dw_t = -sign(g_t) Delta_t;  w_{t+1} = w_t + dw_t
    if g_{t-1} g_t = 0:  dw_t = -sign(g_t) Delta_t;  w_{t+1} = w_t + dw_t

    The papers leave dw_t unset when a backtracking variant meets a sign change; it is
    never read, because g_t := 0 makes the next product zero.  It is set to 0 here.
    """

    def __init__(self, variant, w, delta0, eta_minus, eta_plus, delta_min, delta_max):
        self.variant, self.w = variant, w
        self.delta = min(max(delta0, delta_min), delta_max)  # PyTorch's first-step clamp
        self.eta_minus, self.eta_plus = eta_minus, eta_plus
        self.delta_min, self.delta_max = delta_min, delta_max
        self.g_prev, self.dw_prev, self.e_prev = 0.0, 0.0, math.inf
        self.backtracked = self.kept = 0  # how often each irprop+ branch ran

    def step(self, g: float, e: float) -> float:
        if self.g_prev * g > 0:
            self.delta = min(self.delta * self.eta_plus, self.delta_max)
            dw = -_sign(g) * self.delta
            self.w = self.w + dw
        elif self.g_prev * g < 0:
            self.delta = max(self.delta * self.eta_minus, self.delta_min)
            dw = 0.0
            if self.variant == "rprop-":
                dw = -_sign(g) * self.delta
                self.w = self.w + dw
            else:
                if self.variant == "rprop+" or (self.variant == "irprop+" and e > self.e_prev):
                    self.w = self.w - self.dw_prev
                    self.backtracked += 1
                else:
                    self.kept += 1
                g = 0.0
        else:
            dw = -_sign(g) * self.delta
            self.w = self.w + dw
        self.g_prev, self.dw_prev, self.e_prev = g, dw, e
        return self.w


def ours(variant, grads, losses, x0, **settings):
    """optcompare's iterates for a gradient sequence (steps, runs, dim) and losses (steps, runs)."""
    h = hyper(RPROP.resolve({**settings, "variant": variant}))
    x = np.asarray(x0, dtype=float)
    s = RPROP.init(x, h)
    out = []
    for g, e in zip(grads, losses, strict=True):
        x, s = RPROP.update(x, np.asarray(g, dtype=float), s, h, np.asarray(e, dtype=float))
        out.append(x)
    return np.array(out)


# --- Worked examples, by hand -------------------------------------------------------
# One weight, w_0 = 0, Delta_0 = lr = 1, eta_plus = 2, eta_minus = 0.5,
# Delta_max = 4, Delta_min = 0.25: powers of two, so every number is exact.
HAND = {"lr": 1.0, "eta_plus": 2.0, "eta_minus": 0.5, "step_max": 4.0, "step_min": 0.25}
#        t:  1  2  3  4   5   6  7  8   9 10  11 12  13 14  15  16
G = [+1, +1, +1, +1, -1, -1, 0, +1, -1, +1, -1, +1, -1, +1, -1, -1]

# Rprop+ (R&B 1993).  t1: product 0, Delta 1, dw -1 -> -1.  t2, t3: same sign, Delta 2, 4
# -> -3, -7.  t4: Delta 8 clamped to Delta_max 4 -> -11.  t5: sign change, Delta 2, undo
# dw_4 = -4 -> -7, g := 0.  t6: product 0, dw = +2 -> -5.  t7: g = 0, no move -> -5.
# t8: product 0 (g_7 = 0), Delta 2, dw -2 -> -7.  t9: change, Delta 1, undo -2 -> -5.
# t10: -1 -> -6.  t11: change, Delta 0.5, undo -> -5.  t12: -0.5 -> -5.5.  t13: change,
# Delta 0.25, undo -> -5.  t14: -0.25 -> -5.25.  t15: change, Delta 0.125 clamped to
# Delta_min 0.25, undo -> -5.  t16: product 0, dw = +0.25 -> -4.75.
RPROP_PLUS = [-1, -3, -7, -11, -7, -5, -5, -7, -5, -6, -5, -5.5, -5, -5.25, -5, -4.75]

# Rprop- (no backtracking, g kept).  t1-t4 as above -> -11 (Delta 4).  t5: change, Delta 2,
# moves by -sign(-1) 2 -> -9.  t6: same sign (g_5 kept), Delta 4 -> -5.  t7: g = 0 -> -5.
# t8: product 0, Delta 4 -> -9.  t9: change, Delta 2, +2 -> -7.  t10: change, Delta 1, -1
# -> -8.  t11: change, 0.5 -> -7.5.  t12: change, 0.25 -> -7.75.  t13: change, 0.125
# clamped to 0.25 -> -7.5.  t14: -> -7.75.  t15: -> -7.5.  t16: same sign, Delta 0.5 -> -7.
RPROP_MINUS = [-1, -3, -7, -11, -9, -5, -5, -9, -7, -8, -7.5, -7.75, -7.5, -7.75, -7.5, -7]

# iRprop- (PyTorch's; no backtracking, g := 0, so no move at a change).  t1-t4 -> -11.
# t5: Delta 2, stay -11.  t6: product 0, +2 -> -9.  t7: -> -9.  t8: -2 -> -11.  t9: Delta 1,
# stay.  t10: -1 -> -12.  t11: Delta 0.5, stay.  t12: -0.5 -> -12.5.  t13: Delta 0.25, stay.
# t14: -> -12.75.  t15: Delta 0.25 (clamped), stay.  t16: product 0, +0.25 -> -12.5.
IRPROP_MINUS = [
    -1,
    -3,
    -7,
    -11,
    -11,
    -9,
    -9,
    -11,
    -11,
    -12,
    -12,
    -12.5,
    -12.5,
    -12.75,
    -12.75,
    -12.5,
]

# iRprop+ (I&H 2000): at a change, undo dw_{t-1} only if E_t > E_{t-1}.  Errors at w_t:
E = [10, 9, 8, 7, 8, 6, 6, 5, 4, 3, 3, 2, 2.5, 3, 2.5, 1]
# t5: E 8 > 7, undo dw_4 = -4: -11 -> -7.  t6: +2 -> -5.  t7: -> -5.  t8: -2 -> -7.
# t9: E 4 < 5, keep -7 (Delta 1).  t10: -1 -> -8.  t11: E 3 = 3, not an increase, keep -8
# (Delta 0.5).  t12: -0.5 -> -8.5.  t13: E 2.5 > 2, undo dw_12 = -0.5 -> -8 (Delta 0.25).
# t14: -0.25 -> -8.25.  t15: E 2.5 < 3, keep (Delta clamped 0.25; 2.5 is above the best
# error so far, 2, but the rule compares with the previous step only).  t16: +0.25 -> -8.
IRPROP_PLUS = [-1, -3, -7, -11, -7, -5, -5, -7, -7, -8, -8, -8.5, -8, -8.25, -8.25, -8]

WORKED = {
    "rprop+": RPROP_PLUS,
    "rprop-": RPROP_MINUS,
    "irprop-": IRPROP_MINUS,
    "irprop+": IRPROP_PLUS,
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_worked_example_by_hand(variant):
    got = ours(
        variant, np.array(G, dtype=float)[:, None, None], np.array(E)[:, None], [[0.0]], **HAND
    )
    assert got[:, 0, 0].tolist() == WORKED[variant]


@pytest.mark.parametrize("variant", VARIANTS)
def test_paper_reference_reproduces_the_worked_example(variant):
    """The reference is itself checked against the hand derivation."""
    ref = PaperRprop(variant, 0.0, 1.0, 0.5, 2.0, 0.25, 4.0)
    assert [ref.step(g, e) for g, e in zip(G, E, strict=True)] == WORKED[variant]


def test_irprop_plus_is_rprop_plus_when_the_error_always_rises_and_irprop_minus_when_it_falls():
    g = np.array(G, dtype=float)[:, None, None]
    rising = np.arange(len(G), dtype=float)[:, None]
    falling = -rising
    assert ours("irprop+", g, rising, [[0.0]], **HAND)[:, 0, 0].tolist() == RPROP_PLUS
    assert ours("irprop+", g, falling, [[0.0]], **HAND)[:, 0, 0].tolist() == IRPROP_MINUS


def test_irprop_plus_backtracks_only_the_coordinates_whose_sign_changed():
    """The error is one number per run; the undo applies per weight, where g flipped."""
    x0 = [[0.0, 0.0]]
    grads = np.array([[[1.0, 1.0]], [[-1.0, 1.0]]])
    # t1: both move -1.  t2: E rose; weight 0 flipped and is put back to 0, weight 1 keeps
    # its sign, Delta 1 * 2 = 2, -> -3.
    got = ours("irprop+", grads, np.array([[1.0], [2.0]]), x0, **HAND)
    assert got[-1].tolist() == [[0.0, -3.0]]
    # the same gradients with E falling: weight 0 stays at -1
    got = ours("irprop+", grads, np.array([[2.0], [1.0]]), x0, **HAND)
    assert got[-1].tolist() == [[-1.0, -3.0]]


def test_first_step_size_is_clamped_like_pytorch():
    # lr = 10 above step_max = 4: the first move is 4, then it stays at the cap
    got = ours("rprop+", np.ones((3, 1, 1)), np.zeros((3, 1)), [[0.0]], **{**HAND, "lr": 10.0})
    assert got[:, 0, 0].tolist() == [-4.0, -8.0, -12.0]


# --- Random sequences against the paper reference -------------------------------------
GRAD_VALUES = (-3.0, -0.5, 0.0, 0.0, 0.25, 2.0)  # zeros often, so every branch runs


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    variant=st.sampled_from(VARIANTS),
    seed=st.integers(0, 2**32 - 1),
    eta_minus=st.floats(0.1, 0.9),
    eta_plus=st.floats(1.05, 2.5),
    step_min=st.floats(1e-4, 0.05),
    step_max=st.floats(0.06, 1.0),
)
def test_batches_match_the_paper_rule_weight_by_weight(
    variant, seed, eta_minus, eta_plus, step_min, step_max
):
    rng = np.random.default_rng(seed)
    runs, dim, n = 3, 4, 40
    grads = rng.choice(GRAD_VALUES, size=(n, runs, dim))
    losses = rng.choice([1.0, 2.0, 3.0], size=(n, runs))  # rises, falls and ties
    lrs = rng.uniform(step_min, step_max, size=runs)  # one Delta_0 per run
    x0 = rng.normal(size=(runs, dim))
    got = ours(
        variant,
        grads,
        losses,
        x0,
        lr=lrs,
        eta_minus=eta_minus,
        eta_plus=eta_plus,
        step_min=step_min,
        step_max=step_max,
    )
    for r in range(runs):
        for j in range(dim):
            ref = PaperRprop(
                variant, float(x0[r, j]), float(lrs[r]), eta_minus, eta_plus, step_min, step_max
            )
            want = [ref.step(float(grads[t, r, j]), float(losses[t, r])) for t in range(n)]
            assert got[:, r, j].tolist() == want, (r, j)


@pytest.mark.parametrize("variant", VARIANTS)
def test_engine_feeds_the_loss_at_the_current_iterate(variant):
    """Closed loop on Rosenbrock: the engine's run equals the paper rule fed with f and its
    gradient at w_t, and (for irprop+) both of its branches occur on the way."""
    p = make_problem("rosenbrock")
    x0 = p.start()
    steps = 60
    tr = run_batch(
        RPROP, RPROP.resolve({"lr": 0.1, "variant": variant}), p, x0[None], np.zeros(1), steps
    )
    refs = [PaperRprop(variant, float(w), 0.1, 0.5, 1.2, 1e-6, 50.0) for w in x0]
    w = x0[None].copy()
    for t in range(1, steps + 1):
        g, e = p.grad(w)[0], float(p.f(w)[0])
        w = np.array([[ref.step(float(gj), e) for ref, gj in zip(refs, g, strict=True)]])
        np.testing.assert_array_equal(tr.x[t, 0], w[0], err_msg=f"step {t}")
    if variant == "irprop+":
        assert sum(r.backtracked for r in refs) > 0 and sum(r.kept for r in refs) > 0
