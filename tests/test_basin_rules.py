"""Where a basins run ended: the Newton polish, the Hessian test and the classification
rules (``optcompare.experiments.basin_rules``), on hand-made end points."""

from __future__ import annotations

import numpy as np
import pytest

from optcompare.experiments.basin_rules import (
    DIVERGED,
    MAXIMUM,
    NOT_CONVERGED,
    SADDLE,
    STILL_MOVING,
    UNLISTED_MINIMUM,
    classify,
)
from optcompare.experiments.stationary import polish
from optcompare.problem import make_problem, problem_class

HIMMELBLAU = make_problem("himmelblau")
# Himmelblau's other stationary points (Newton in the test below checks them)
SADDLES = [
    (0.086677, 2.884255),
    (-3.073026, -0.081353),
    (3.385154, 0.073852),
    (-0.127961, -1.953715),
]
MAX = (-0.270845, -0.923039)
FAR = [(0.0, 5.0), (5.0, 5.0), (-6.0, 6.0), (1.5, 4.5)]  # > 2 from every stationary point


def himmelblau_hessian(x: float, y: float) -> np.ndarray:
    """The analytic Hessian (independent of the differences the module uses)."""
    u, v = x * x + y - 11.0, x + y * y - 7.0
    return np.array([[4 * u + 8 * x * x + 2, 4 * (x + y)], [4 * (x + y), 4 * v + 8 * y * y + 2]])


def ended(problem, points, diverged=None, move=None, path=None, steps=50):
    X = np.array(points, dtype=float)
    d = np.full(len(X), -1) if diverged is None else np.asarray(diverged)
    return classify(
        problem,
        X,
        d,
        None if move is None else np.asarray(move, dtype=float),
        None if path is None else np.asarray(path, dtype=float),
        steps,
    )


# -- the polish and the Hessian test, on hand-made end points --------------------------------


def test_himmelblau_stationary_points_are_what_the_tests_say():
    for point, sign in [*((s, "saddle") for s in SADDLES), (MAX, "maximum")]:
        lam = np.linalg.eigvalsh(himmelblau_hessian(*point))
        assert np.linalg.norm(HIMMELBLAU.grad(np.array([point]))) < 1e-3
        assert (lam.min() < 0 < lam.max()) if sign == "saddle" else (lam.max() < 0)


def test_closed_form_eigh_matches_lapack():
    from optcompare.experiments.stationary import eigh

    A = np.random.default_rng(0).standard_normal((500, 2, 2))
    H = A + np.swapaxes(A, 1, 2)
    H[:4] = [[[1, 0], [0, 1]], [[2, 0], [0, -3]], [[0, 0], [0, 0]], [[1e-12, 1], [1, 0]]]
    lam, V = eigh(H)
    np.testing.assert_allclose(lam, np.linalg.eigvalsh(H), atol=1e-14)
    np.testing.assert_allclose(np.einsum("nij,nj,nkj->nik", V, lam, V), H, atol=1e-14)
    np.testing.assert_allclose(
        np.einsum("nji,njk->nik", V, V), np.broadcast_to(np.eye(2), H.shape), atol=1e-15
    )


@pytest.mark.parametrize("offset", [(0.05, -0.03), (-0.1, 0.08)])
def test_polish_lands_on_the_nearby_stationary_point(offset):
    targets = np.array([*(m.x for m in HIMMELBLAU.minima()), *SADDLES, MAX])
    P = polish(HIMMELBLAU, targets + offset, max_step=0.34)
    assert np.all(np.linalg.norm(HIMMELBLAU.grad(P), axis=1) < 1e-12)
    np.testing.assert_allclose(P, targets, atol=2e-6)  # the targets have 6 decimals


def test_points_near_each_kind_of_stationary_point():
    near = np.array([*(m.x for m in HIMMELBLAU.minima()), *SADDLES, MAX]) + (0.04, -0.03)
    ends = ended(HIMMELBLAU, near)
    np.testing.assert_array_equal(
        ends.outcome, [0, 1, 2, 3, SADDLE, SADDLE, SADDLE, SADDLE, MAXIMUM]
    )
    np.testing.assert_allclose(ends.point[:4], [m.x for m in HIMMELBLAU.minima()], atol=1e-12)


def test_points_far_from_every_stationary_point_are_not_converged():
    ends = ended(HIMMELBLAU, FAR)
    assert np.all(ends.outcome == NOT_CONVERGED) and np.all(np.isnan(ends.point))


def test_a_minimum_the_problem_does_not_list_is_named_unlisted():
    himmelblau = problem_class("himmelblau")

    class TwoListed(himmelblau):  # type: ignore[valid-type,misc]
        known_minima = himmelblau.known_minima[:2]

    p = TwoListed()
    near = np.array([m.x for m in HIMMELBLAU.minima()]) - 0.05
    ends = ended(p, near)
    np.testing.assert_array_equal(ends.outcome, [0, 1, UNLISTED_MINIMUM, UNLISTED_MINIMUM])
    np.testing.assert_allclose(ends.point[2:], [m.x for m in HIMMELBLAU.minima()[2:]], atol=1e-12)


def test_diverged_stays_diverged():
    ends = ended(HIMMELBLAU, [HIMMELBLAU.minima()[0].x, (0.0, 5.0)], diverged=[7, 3])
    assert list(ends.outcome) == [DIVERGED, DIVERGED]


def test_degenerate_stationary_points_are_decided_by_f_around_them():
    """x^4 + y^4 has a zero Hessian at its minimum; the monkey saddle x^3 - 3xy^2 too."""
    quartic = make_problem("expr:x^4+y^4;minima=0,0")
    assert list(ended(quartic, [(0.01, -0.02)]).outcome) == [0]
    unlisted = make_problem("expr:x^4+y^4")
    assert list(ended(unlisted, [(0.01, -0.02)]).outcome) == [UNLISTED_MINIMUM]
    assert list(ended(make_problem("monkey-saddle"), [(1e-3, 2e-3)]).outcome) == [SADDLE]
    assert list(ended(make_problem("expr:-(x^4+y^4)"), [(0.01, 0.02)]).outcome) == [MAXIMUM]


def test_still_moving_is_net_displacement_against_path_length():
    """The rule's own example: rattling (path 1e-2 per step, net 1e-3) is not moving;
    a slow run (all of its path net) far from any stationary point is."""
    m = HIMMELBLAU.minima()[0].x
    rattling = (m[0] + 0.03, m[1])  # in the basin, 0.03 from the minimum
    far = FAR[0]
    ends = ended(
        HIMMELBLAU,
        [rattling, far, far, far],
        move=[1e-3, 5e-3, 5e-3, 4e-3],
        path=[0.5, 5e-3, 1.1e-2, 5e-3],
    )
    assert list(ends.outcome) == [0, STILL_MOVING, NOT_CONVERGED, STILL_MOVING]


def test_a_run_bouncing_about_has_not_ended_anywhere():
    """Plain GD at too large a lr bounces about with steps longer than the reach is wide:
    even if it stops within reach of a minimum, it has not settled there."""
    m = np.array(HIMMELBLAU.minima()[0].x)
    reach = 0.02 * np.hypot(12.0, 12.0)
    ends = ended(
        HIMMELBLAU, [m + 0.1, m + 0.1], move=[0.2, 0.2], path=[50 * 1.9 * reach, 50 * 2.1 * reach]
    )
    assert list(ends.outcome) == [0, NOT_CONVERGED]


def test_a_run_nearer_its_limit_than_it_moved_has_ended_there():
    """Plain GD converging along a line nets all of its path; when the minimum ahead is
    nearer than the tail's displacement, the run ended there.  When it is farther, the
    run is still moving."""
    m = np.array(HIMMELBLAU.minima()[0].x)
    ends = ended(HIMMELBLAU, [m + 1e-4, m + 0.05], move=[1e-3, 1e-3], path=[1e-3, 1e-3])
    assert list(ends.outcome) == [0, STILL_MOVING]


def test_the_six_hump_saddle_at_the_origin():
    p = make_problem("six-hump-camel")
    ends = ended(p, [(0.0, 0.0), (0.02, -0.01)])
    assert list(ends.outcome) == [SADDLE, SADDLE]
    np.testing.assert_allclose(ends.point, 0.0, atol=1e-14)


# -- the row helpers: numpy's results bit for bit, without its slow short-axis reductions ---


def awkward_rows(shape: tuple[int, ...]) -> np.ndarray:
    """Random rows with the values a shortcut gets wrong: signed zeros, NaN, infinities,
    tiny and huge magnitudes."""
    rng = np.random.default_rng(7)
    a = rng.normal(size=shape) * 10.0 ** rng.integers(-200, 200, size=shape)
    special = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, 1e300, -1e-300])
    flat = a.reshape(-1)
    flat[: 3 * len(special) : 3] = special
    return a


@pytest.mark.parametrize("shape", [(40, 2), (13, 3, 2), (25, 3), (30, 1)])
def test_row_helpers_are_numpy_bit_for_bit(shape):
    from optcompare.experiments.stationary import finite_rows, largest_abs, row_norms

    a = awkward_rows(shape)
    with np.errstate(all="ignore"):
        want = np.linalg.norm(a, axis=-1)
        got = row_norms(a)
    assert same_bits(got, want)
    if a.ndim == 2:
        assert np.array_equal(finite_rows(a), np.all(np.isfinite(a), axis=1))
        assert same_bits(largest_abs(a), np.abs(a).max(axis=1))


def same_bits(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal shapes and values, NaN where NaN, the same sign of every zero."""
    number = ~np.isnan(want)
    return (
        got.shape == want.shape
        and np.array_equal(got, want, equal_nan=True)
        and np.array_equal(np.signbit(got[number]), np.signbit(want[number]))
    )


def test_row_norms_of_two_columns_round_like_numpy():
    from optcompare.experiments.stationary import row_norms

    # squares that overflow, underflow and carry rounding in their sum
    a = np.array([[3e200, 4e200], [3e-200, 4e-200], [0.1, 0.2], [1.0, 1e-17], [-0.0, -0.0]])
    with np.errstate(all="ignore"):
        got, want = row_norms(a), np.linalg.norm(a, axis=1)
    assert same_bits(got, want)
    assert np.isinf(got[0]) and got[1] == 0.0 and not np.signbit(got[-1])
