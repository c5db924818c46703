"""The pieces of logistic and softmax regression that are not batched over runs.

Their spec keys, the per-sample loss and its slope with respect to the logits (numerically
stable: log(1 + exp(.)) through exp(-|u|) and log1p, the softmax with its
largest logit subtracted), the predicted class, and the minimiser found by
Newton's method, computed once per setting and kept for the process.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np

from optcompare.data.shapes import DEFAULT_N, DEFAULT_NOISE
from optcompare.params import Param

#: Newton's iterations at most; from zero it needs about ten on the shipped data.
MAX_ITERATIONS = 100
#: Full Newton steps taken once the decrement is below 1e-20 (about 1e-10 in the weights).
POLISH = 3


# -- the spec keys both problems take ------------------------------------------------

SCALE = Param(
    "scale",
    "standard",
    "standard: z-score each feature with the training rows' mean and population std; "
    "raw: the features as they are",
    kind="choice",
    choices=("standard", "raw"),
    per_run=False,
)
L2 = Param(
    "l2", 0.01, "weight of the penalty (L/2)|W|^2 (not on intercepts)", low=0.0, per_run=False
)
BATCH = Param(
    "batch",
    None,
    "mini-batch size, 1..the training rows (default: all of them; 1 for sag, svrg, ...)",
    kind="int",
    low=1,
    per_run=False,
)
TEST = Param(
    "test",
    0.2,
    "fraction of the rows held out as the test set (stratified; 0: train on all)",
    low=0.0,
    high=1.0,
    high_open=True,
    per_run=False,
)
DATA_SEED = Param("data_seed", 0, "seed of the train/test split", kind="int", low=0, per_run=False)

N = Param(
    "n",
    None,
    f"number of points of a synthetic shape (default {DEFAULT_N}; shapes only)",
    kind="int",
    low=4,
    high=10_000,
    per_run=False,
)
# not "noise": that key is the gradient noise of every problem
DATA_NOISE = Param(
    "data_noise",
    None,
    f"std of the noise on a shape's points (default {DEFAULT_NOISE}; shapes only)",
    low=0.0,
    per_run=False,
)


def loss_and_slope(
    Z: np.ndarray, t: np.ndarray, m: int, slope: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each sample's loss (runs, n) and d loss / d Z (runs, m, n), or None without ``slope``.

    Args:
        Z: (runs, m, n) logits of the m free classes (the reference class's is 0).
        t: (n,) or (runs, n) class index of each sample, the reference class being m.
        m: the number of free classes.
    """
    if m == 1:
        y = np.where(t == 0, 1.0, -1.0)  # class 0 is the positive class
        u = y * Z[:, 0, :]
        # log(1 + exp(-u)) = max(-u, 0) + log1p(exp(-|u|)): no overflow; in place, as
        # this is most of a full-batch step's elementwise work
        e = np.abs(u)
        np.negative(e, out=e)
        np.exp(e, out=e)
        ell = np.log1p(e)
        ell -= np.minimum(u, 0.0)
        if not slope:
            return ell, None
        s = np.where(u >= 0.0, e, 1.0)
        e += 1.0
        s /= e  # sigmoid(-u)
        s *= -y
        return ell, s[:, None, :]
    top = np.maximum(Z.max(axis=1), 0.0)  # the reference logit 0 counts too
    E = Z - top[:, None, :]
    np.exp(E, out=E)
    total = E.sum(axis=1)
    total += np.exp(-top)
    onehot = (t[..., None, :] == np.arange(m)[:, None]).astype(float)
    ell = np.log(total)
    ell += top
    ell -= np.sum(Z * onehot, axis=1)  # z of each sample's class (0 for the reference)
    if not slope:
        return ell, None
    E /= total[:, None, :]
    E -= onehot
    return ell, E


def predicted(Z: np.ndarray) -> np.ndarray:
    """(runs, n) predicted class from logits (runs, m, n): the largest logit, a tie
    going to the reference class m (so the all-zero start predicts it), then to the
    lower index."""
    best = np.argmax(Z, axis=1)
    top = np.take_along_axis(Z, best[:, None, :], axis=1)[:, 0, :]
    return np.where(top > 0.0, best, Z.shape[1])


@dataclass(frozen=True)
class Solution:
    """The minimiser x, its value f (the problem's own f there) and the smallest
    eigenvalue mu of the Hessian there."""

    x: np.ndarray
    f: float
    mu: float


_SOLUTIONS: dict[Hashable, Solution | None] = {}


def newton(
    key: Hashable,
    A: np.ndarray,
    t: np.ndarray,
    m: int,
    l2: float,
    f: Callable[[np.ndarray], np.ndarray],
) -> Solution | None:
    """The minimiser of the penalised loss on rows A (n, p), classes t, by Newton's
    method from zero with backtracking; None when there is none (l2 = 0 on separable
    rows: the loss keeps falling as the weights grow).  Cached under ``key``."""
    if key not in _SOLUTIONS:
        _SOLUTIONS[key] = _newton(A, t, m, l2, f)
    return _SOLUTIONS[key]


def _newton(
    A: np.ndarray, t: np.ndarray, m: int, l2: float, f: Callable[[np.ndarray], np.ndarray]
) -> Solution | None:
    n, p = A.shape
    At = np.hstack([A, np.ones((n, 1))])  # an intercept column: V = [W | b] is (m, p+1)
    onehot = (t[None, :] == np.arange(m)[:, None]).astype(float)  # (m, n)
    penalised = np.zeros((m, p + 1))
    penalised[:, :p] = l2
    # where each entry of V (row-major) sits in the flat parameters (W class-major, then b)
    order = np.concatenate([np.arange(p), [-1]])[None, :] + p * np.arange(m)[:, None]
    order[:, p] = m * p + np.arange(m)
    order = order.ravel()

    def parts(V: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        Zf = np.vstack([V @ At.T, np.zeros((1, n))])  # (m+1, n), the reference last
        top = Zf.max(axis=0)
        lse = top + np.log(np.exp(Zf - top).sum(axis=0))
        P = np.exp(Zf[:m] - lse)  # probabilities of the free classes
        F = float(np.mean(lse - np.sum(Zf[:m] * onehot, axis=0)))
        F += 0.5 * l2 * float(np.sum(V[:, :p] ** 2))
        G = (P - onehot) @ At / n + penalised * V
        S = -P[:, None, :] * P[None, :, :]  # (m, m, n): diag(P) - P P^T per sample
        S[np.arange(m), np.arange(m)] += P
        H = np.tensordot(S[..., None] * At, At, axes=([2], [0]))  # (m, m, p+1, p+1)
        H = H.transpose(0, 2, 1, 3).reshape(m * (p + 1), -1) / n
        H[np.diag_indices_from(H)] += penalised.ravel()
        return F, G.ravel(), H

    V = np.zeros(m * (p + 1))
    F, G, H = parts(V.reshape(m, -1))
    converged = False
    for _ in range(MAX_ITERATIONS):
        try:
            step = np.linalg.solve(H, G)
        except np.linalg.LinAlgError:
            break
        decrement = float(G @ step)
        if decrement <= 1e-20 * max(1.0, abs(F)):
            # quadratic convergence: a few full steps reach the rounding floor
            for _ in range(POLISH):
                V_new = V - step
                if np.array_equal(V_new, V):
                    break
                V = V_new
                F, G, H = parts(V.reshape(m, -1))
                step = np.linalg.solve(H, G)
            converged = True
            break
        s = 1.0
        while True:  # Armijo backtracking: full Newton steps once close
            V_new = V - s * step
            F_new, G_new, H_new = parts(V_new.reshape(m, -1))
            if F_new <= F - 0.25 * s * decrement or s < 1e-10:
                break
            s *= 0.5
        V, F, G, H = V_new, F_new, G_new, H_new
    eigenvalues = np.linalg.eigvalsh(H)
    # a separating direction shows as a Hessian that vanishes while the loss still falls
    if not converged or (l2 == 0 and eigenvalues[0] <= 1e-12 * eigenvalues[-1]):
        return None
    x = np.empty_like(V)
    x[order] = V
    x.setflags(write=False)
    return Solution(x, float(f(x[None, :])[0]), float(eigenvalues[0]))
