"""rnn-cliff: the exact gradient through the cliff, where the cliff is, and what it does to SGD.

The generic registry tests (tests/test_problems.py) check the gradient at random points
of the window, which almost never fall on the thin cliff; here it is checked densely
across it, against two derivatives computed independently of the backward pass.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from optcompare.problems.rnn_cliff import WALL_LR, wall

import optcompare
from optcompare.problem import make_problem

P = make_problem("rnn-cliff")


def forward_mode(w: np.ndarray, b: np.ndarray, T: int = 50, x0: float = 0.5, target: float = 0.7):
    """The loss gradient by forward sensitivities s_t = dx_t/d(w, b), not by BPTT."""
    x, sw, sb = np.full(w.shape, x0), np.zeros(w.shape), np.zeros(w.shape)
    for _ in range(T):
        h = np.tanh(x)
        slope = w * (1.0 - h * h)
        x, sw, sb = w * h + b, h + slope * sw, 1.0 + slope * sb
    return np.stack([(x - target) * sw, (x - target) * sb], axis=-1)


def last_state(w: float, b: float, T: int = 50, x0: float = 0.5) -> float:
    x = x0
    for _ in range(T):
        x = w * math.tanh(x) + b
    return x


def across_the_cliff() -> np.ndarray:
    """Points on both sides of the cliff and inside its band, for w from 1.05 to 2.5."""
    w = np.linspace(1.05, 2.5, 30)
    offsets = np.array([0.0, 1e-6, -1e-6, 1e-4, -1e-4, 1e-3, -1e-3, 1e-2, -1e-2, 0.1, -0.1])
    W, D = np.meshgrid(w, offsets)
    return np.column_stack([W.ravel(), wall(W.ravel()) + D.ravel()])


def test_gradient_across_the_cliff_matches_the_complex_step_derivative():
    """f(x + i h e_j) = f(x) + i h df/dx_j + O(h^2): no difference is taken, so the step
    can be 1e-30 and the derivative is exact to rounding even where |grad| is 1e4."""
    X = across_the_cliff()
    h = 1e-30
    complex_step = np.column_stack(
        [P.f(X + 1j * h * np.eye(2)[j]).imag / h for j in range(2)]  # type: ignore[operator]
    )
    G = P.grad(X)
    assert np.abs(G).max() > 1e3  # the points do reach the cliff's steep band
    np.testing.assert_allclose(G, complex_step, rtol=1e-9, atol=1e-12)


def test_gradient_on_the_whole_grid_matches_forward_sensitivities():
    w, b = np.meshgrid(np.linspace(-1, 3, 201), np.linspace(-1, 1, 101))
    X = np.column_stack([w.ravel(), b.ravel()])
    np.testing.assert_allclose(P.grad(X), forward_mode(X[:, 0], X[:, 1]), rtol=1e-9, atol=1e-12)


def test_the_gradient_peaks_on_a_thin_ridge_along_the_cliff():
    """The reference's 801 x 401 grid over the window: max |grad| about 7e3 near
    (1.34, -0.12), on the curve b = 0.5 - w tanh(0.5); 99.9% of the grid below 10."""
    assert P.window() == ((-1.0, 3.0), (-1.0, 1.0))
    (w_lo, w_hi), (b_lo, b_hi) = P.window()
    w, b = np.meshgrid(np.linspace(w_lo, w_hi, 801), np.linspace(b_lo, b_hi, 401))
    X = np.column_stack([w.ravel(), b.ravel()])
    norm = np.linalg.norm(forward_mode(X[:, 0], X[:, 1]), axis=1)
    np.testing.assert_allclose(np.linalg.norm(P.grad(X), axis=1), norm, rtol=1e-9)
    top = int(np.argmax(norm))
    assert 5e3 < norm[top] < 1e4
    step = 4.0 / 800  # the grid's spacing
    assert abs(X[top, 0] - 1.34) <= step and abs(X[top, 1] + 0.12) <= step
    assert abs(X[top, 1] - wall(X[top, 0])) <= step  # on the cliff
    q999 = np.percentile(norm, 99.9)
    assert 3.0 < q999 < 10.0
    assert np.mean(norm > 100.0) < 1e-3  # the ridge is thin


def test_zero_loss_lies_on_a_curve_not_at_a_point():
    """For every w sampled there is a b with x_T = 0.7 (found by bisection): near the
    line b = 0.7 - w tanh(0.7), where 0.7 is the upper fixed point, while 50 steps
    converge to it (w up to about 1.41), and inside the cliff's band beyond."""
    roots = []
    for w in (-0.5, 0.0, 0.5, 1.0, 1.3, 1.6, 2.0):
        line = 0.7 - w * math.tanh(0.7)
        lo, hi = min(line, wall(w)) - 0.05, max(line, wall(w)) + 0.05
        assert last_state(w, lo) < 0.7 < last_state(w, hi)
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if last_state(w, mid) < 0.7 else (lo, mid)
        roots.append((w, lo))
        if w <= 1.0:
            assert lo == pytest.approx(line, abs=1e-9)
        elif w >= 1.6:
            assert lo == pytest.approx(wall(w), abs=1e-2)  # in the band
    X = np.array(roots)
    # at w = 2 the band is about 1e-10 wide: neighbouring floats of b move x_T by about
    # 1e-6 there, so its loss at the root is resolved only to about 1e-12
    np.testing.assert_array_less(P.f(X), [1e-20] * 6 + [1e-11])
    assert P.f_star == 0.0 and P.minima() == ()
    assert np.isnan(P.nearest_minimum_distance(X)).all()


def _sgd_by_hand(start: np.ndarray, lr: float, steps: int) -> np.ndarray:
    xs = [np.array(start, dtype=float)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * P.grad(xs[-1][None, :])[0])
    return np.array(xs)


def test_sgd_from_the_default_start_jumps_off_the_cliff():
    xs = _sgd_by_hand(P.start(), WALL_LR, 12)
    moves = np.linalg.norm(np.diff(xs, axis=0), axis=1)
    # nine ordinary steps down the plateau, then step 10 lands on the cliff's band
    assert moves[:9].max() < 0.2
    assert np.linalg.norm(P.grad(xs[9][None, :])) > 1e4
    assert moves[9] > 300  # thrown hundreds of window-widths away
    assert abs(xs[9][1] - wall(xs[9][0])) < 0.05 and np.abs(xs[10]).max() > 100
    # the engine takes the same steps
    run = optcompare.run(f"sgd:lr={WALL_LR}", "rnn-cliff", steps=12).runs[0]
    np.testing.assert_allclose(run.x, xs, rtol=1e-12)


@pytest.mark.parametrize("shift", [(1e-4, 0.0), (-1e-4, 0.0), (0.0, 1e-4), (0.0, -1e-4)])
def test_the_jump_survives_moving_the_start(shift):
    moves = np.linalg.norm(np.diff(_sgd_by_hand(P.start() + shift, WALL_LR, 12), axis=0), axis=1)
    assert moves.max() > 200


def test_clipping_and_rmsprop_bound_the_step():
    clipped = optcompare.run(f"sgd:lr={WALL_LR}", "rnn-cliff", steps=300, clip_norm=1.0).runs[0]
    moves = np.linalg.norm(np.diff(clipped.x, axis=0), axis=1)
    assert moves.max() <= WALL_LR * (1 + 1e-12)  # |g| <= 1 after clipping
    assert clipped.clipped_steps is not None and clipped.clipped_steps > 0
    assert clipped.final_loss < 1e-2  # it reaches the valley instead (measured 3.3e-5)
    # RMSProp's step per coordinate is lr g / sqrt(v) with v >= (1 - alpha) g^2 after the
    # first step: at most lr / sqrt(1 - alpha), whatever the gradient
    lr, alpha = 0.01, 0.99
    rms = optcompare.run(f"rmsprop:lr={lr},alpha={alpha}", "rnn-cliff", steps=300).runs[0]
    moves = np.abs(np.diff(rms.x, axis=0))
    assert moves.max() <= lr / math.sqrt(1 - alpha) * (1 + 1e-12)


def test_a_cliff_run_reports_steps_to_tol_but_no_distance():
    """f* = 0 is known (loss - f* plots and steps to tol work); there is no point to be
    near, so the distance to the minimum is null."""
    result = optcompare.run("adam:lr=0.01", "rnn-cliff", steps=300)
    (run,) = result.runs
    assert run.distance_to_min is None
    assert run.steps_to_tol is not None and run.loss[run.steps_to_tol] <= 1e-6
    assert np.all(run.loss[: run.steps_to_tol] > 1e-6)


def test_basins_refuses_the_cliff_and_says_why(cli):
    code, _, err = cli("basins", "--opt", "sgd", "--problem", "rnn-cliff")
    assert code == 2
    assert "basins needs known minima; 'rnn-cliff' has none (f* = 0 on a curve" in err


def test_list_and_explain_say_where_the_zero_loss_lies(cli):
    code, out, _ = cli("explain", "rnn-cliff")
    assert code == 0 and "f* = 0 on a curve of (w, b)" in " ".join(out.split())
    assert "unbounded" not in out
