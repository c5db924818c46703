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


def row_norms(v: np.ndarray) -> np.ndarray:
    """``np.linalg.norm(v, axis=-1)``, bit for bit: with two columns as one sum of
    squares, since numpy reduces along a short last axis several times slower."""
    if v.shape[-1] != 2:
        return np.linalg.norm(v, axis=-1)
    a, b = v[..., 0], v[..., 1]
    # the norm sums the two squares, and a sum of two terms has one rounding in any order
    return np.sqrt(a * a + b * b)


def finite_rows(X: np.ndarray) -> np.ndarray:
    """``np.all(np.isfinite(X), axis=1)``, a column at a time."""
    ok = np.ones(len(X), dtype=bool)
    for j in range(X.shape[1]):
        ok &= np.isfinite(X[:, j])
    return ok


def largest_abs(a: np.ndarray) -> np.ndarray:
    """``np.abs(a).max(axis=1)``, a column at a time (NaN wins, as in ``max``)."""
    top = np.abs(a[:, 0])
    for j in range(1, a.shape[1]):
        top = np.maximum(top, np.abs(a[:, j]))
    return top


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
    lam = np.empty((len(H), 2))
    lam[:, 0], lam[:, 1] = mid - r, mid + r
    V = np.empty((len(H), 2, 2))  # columns: the eigenvectors of lam[:, 0] and lam[:, 1]
    V[:, 0, 0], V[:, 1, 0], V[:, 0, 1], V[:, 1, 1] = -sin, cos, cos, sin
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
    active = finite_rows(X)
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            rows = np.flatnonzero(active)
            if rows.size == 0:
                break
            x = X[rows]
            g = problem.grad(x)
            lam, V = eigh(hessians(problem, x))
            top = np.maximum(1.0, largest_abs(lam))[:, None]
            floor = EIG_TOL * top
            lam = np.where(np.abs(lam) < floor, np.where(lam < 0, -floor, floor), lam)
            step = -np.einsum("nij,nj->ni", V, np.einsum("nji,nj->ni", V, g) / lam)
            length = row_norms(step)
            step *= np.minimum(1.0, max_step / np.where(length > 0, length, 1.0))[:, None]
            ok = finite_rows(step)
            X[rows[ok]] = x[ok] + step[ok]
            settled = ~ok | (length <= 1e-15 * np.maximum(1.0, largest_abs(x)))
            active[rows[settled]] = False
    return X
