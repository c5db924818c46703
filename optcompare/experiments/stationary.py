"""Stationary points near given points: damped Newton on the exact gradient, batched.

The Hessians come from central differences of the problem's exact gradient, so
any registered problem (and any formula) can be polished without second
derivatives of its own.  :mod:`optcompare.experiments.basin_rules` uses this to say
where each run ended.
"""

from __future__ import annotations

import numpy as np

from optcompare.problem import Problem

#: Newton iterations of the polish: from within reach of a nondegenerate stationary point
#: Newton's quadratic convergence needs about 6; degenerate ones converge linearly.
POLISH_ITERATIONS = 30
#: Relative step of the central differences of the gradient that make the Hessian.
FD_STEP = 1e-5
#: Stationary when |grad| <= GRAD_TOL * max(1, |largest eigenvalue|) * max(1, |x|).
GRAD_TOL = 1e-8
#: An eigenvalue counts as zero when |lambda| <= EIG_TOL * max(1, |largest eigenvalue|).
EIG_TOL = 1e-6


def hessians(problem: Problem, X: np.ndarray) -> np.ndarray:
    """(n, d, d) symmetric Hessians by central differences of the exact gradient."""
    n, d = X.shape
    h = FD_STEP * np.maximum(1.0, np.abs(X))
    H = np.empty((n, d, d))
    for j in range(d):  # over coordinates; every run at once
        E = np.zeros_like(X)
        E[:, j] = h[:, j]
        H[:, :, j] = (problem.grad(X + E) - problem.grad(X - E)) / (2.0 * h[:, j, None])
    return 0.5 * (H + np.swapaxes(H, 1, 2))


def eigh(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric (n, d, d) matrices;
    in closed form for d = 2, many times faster than LAPACK one matrix at a time."""
    H = np.nan_to_num(H)
    if H.shape[1:] != (2, 2):
        return np.linalg.eigh(H)
    a, b, c = H[:, 0, 0], H[:, 0, 1], H[:, 1, 1]
    mid, r = 0.5 * (a + c), np.hypot(0.5 * (a - c), b)
    theta = 0.5 * np.arctan2(2.0 * b, a - c)  # the direction of the larger eigenvalue
    cos, sin = np.cos(theta), np.sin(theta)
    lam = np.stack([mid - r, mid + r], axis=1)
    V = np.stack([np.stack([-sin, cos], axis=1), np.stack([cos, sin], axis=1)], axis=2)
    return lam, V


def polish(
    problem: Problem, X: np.ndarray, max_step: float, iterations: int = POLISH_ITERATIONS
) -> np.ndarray:
    """Damped Newton from every row of X on the exact gradient, batched over rows.

    Newton seeks any stationary point, so a run parked at a saddle stays there.
    Each step is -H^-1 g with eigenvalues of magnitude below EIG_TOL of the largest
    raised to that floor (a singular Hessian gives a long step, not an error), and
    is shortened to at most ``max_step``.  At most ``iterations`` steps; a row stops
    early once its step is rounding (1e-15 of |x|), where more steps change nothing.
    """
    X = np.array(X, dtype=float, copy=True)
    active = np.all(np.isfinite(X), axis=1)
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            rows = np.flatnonzero(active)
            if rows.size == 0:
                break
            x = X[rows]
            g = problem.grad(x)
            lam, V = eigh(hessians(problem, x))
            top = np.maximum(1.0, np.abs(lam).max(axis=1, keepdims=True))
            floor = EIG_TOL * top
            lam = np.where(np.abs(lam) < floor, np.where(lam < 0, -floor, floor), lam)
            step = -np.einsum("nij,nj->ni", V, np.einsum("nji,nj->ni", V, g) / lam)
            length = np.linalg.norm(step, axis=1)
            step *= np.minimum(1.0, max_step / np.where(length > 0, length, 1.0))[:, None]
            ok = np.all(np.isfinite(step), axis=1)
            X[rows[ok]] = x[ok] + step[ok]
            settled = ~ok | (length <= 1e-15 * np.maximum(1.0, np.abs(x).max(axis=1)))
            active[rows[settled]] = False
    return X
