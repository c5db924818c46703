"""Tests of the problem catalog, driven by the registry.

Every registered problem gets the generic checks (gradient against central
differences, minima, vectorization, start and window, noise), so a new problem
is covered without new test code.  Check values come from the reference notes
(shared/reference/test-functions.md, sections 28 and 1-25).
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optcompare.errors import SpecError
from optcompare.problem import Problem, make_problem, problem_class, problem_names

CATALOG = {
    "rosenbrock",
    "beale",
    "himmelblau",
    "booth",
    "matyas",
    "three-hump-camel",
    "six-hump-camel",
    "goldstein-price",
    "rastrigin",
    "ackley",
    "styblinski-tang",
    "levi13",
    "easom",
    "sphere",
    "mccormick",
    "branin",
    "quadratic",
    "saddle",
    "monkey-saddle",
    "noisy-quadratic",
    "least-squares",
}
NAMES = problem_names()
DIM_FAMILIES = [n for n in NAMES if any(p.name == "dim" for p in problem_class(n).params)]
SPECS = (
    NAMES
    + [f"{n}:dim=5" for n in DIM_FAMILIES]
    + [
        "quadratic:kappa=100,angle=30",
        "noisy-quadratic:kappa=100,batch=4",
        "least-squares:batch=10,corr=0.5,n=40",
        "least-squares:data_seed=3,n=7",
    ]
)
MAX_DIM = 5

# Points where a problem is not differentiable: the finite-difference test skips a
# neighbourhood of them (its own test checks what grad returns there).
KINKS = {"ackley": lambda x: float(np.linalg.norm(x)) < 1e-3}

FEW = settings(max_examples=30, deadline=None)


@functools.cache
def problem(spec: str) -> Problem:
    return make_problem(spec)


def point_in_window(p: Problem, u: list[float]) -> np.ndarray:
    """The point of the window whose relative position is u (each entry in [0, 1])."""
    lo, hi = np.array(p.window(), dtype=float).T
    return lo + np.resize(np.asarray(u), p.dim) * (hi - lo)


def random_points(p: Problem, count: int, seed: int = 0) -> np.ndarray:
    lo, hi = np.array(p.window(), dtype=float).T
    return np.random.default_rng(seed).uniform(lo, hi, size=(count, p.dim))


def central_differences(p: Problem, x: np.ndarray) -> tuple[np.ndarray, float]:
    """The central-difference gradient at x, and the largest |f| on the stencil."""
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    steps = np.diag(h)
    F = p.f(np.concatenate([x + steps, x - steps]))
    return (F[: p.dim] - F[p.dim :]) / (2.0 * h), float(np.max(np.abs(F)))


def on_the_boundary(p: Problem, x) -> bool:
    """Whether x touches the problem's box constraint (bounds()), if it has one."""
    box = p.bounds()
    x = np.asarray(x, dtype=float)
    return box is not None and bool(np.any((x <= box[0]) | (x >= box[1])))


unit_points = st.lists(st.floats(0.0, 1.0), min_size=MAX_DIM, max_size=MAX_DIM)


# -- the registry --------------------------------------------------------------


def test_catalog_is_registered():
    assert set(NAMES) >= CATALOG


@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    cls = problem_class(name)
    assert cls.name == name
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name)
    assert cls.description and len(cls.description) <= 60 and "\n" not in cls.description
    assert cls.formula and cls.reference
    for param in cls.params:
        assert param.help and not param.per_run  # one problem per batch of runs


# -- gradient ------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
@FEW
@given(u=unit_points)
def test_gradient_matches_central_differences(spec, u):
    p = problem(spec)
    x = point_in_window(p, u)
    if p.name in KINKS and KINKS[p.name](x):
        return
    g = p.grad(x[None, :])[0]
    g_fd, f_scale = central_differences(p, x)
    # truncation error is O(h^2 f'''), rounding error O(eps |f| / h) ~ 2e-10 |f|
    tol = 1e-6 * (1.0 + np.max(np.abs(g))) + 1e-8 * f_scale
    np.testing.assert_allclose(g, g_fd, rtol=1e-6, atol=tol)


@pytest.mark.parametrize("spec", SPECS)
def test_gradient_is_finite_on_a_grid(spec):
    p = problem(spec)
    G = p.grad(random_points(p, 200))
    assert np.all(np.isfinite(G))


# -- minima --------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_minima_have_their_value_and_zero_gradient(spec):
    p = problem(spec)
    for m in p.minima():
        X = np.array([m.x])
        assert len(m.x) == p.dim
        assert p.f(X)[0] == pytest.approx(m.f, abs=1e-9, rel=1e-12)
        if on_the_boundary(p, m.x):
            continue  # a minimum on the box's boundary need not be stationary
        assert np.linalg.norm(p.grad(X)[0]) < 1e-8 * max(1.0, abs(m.f))


@pytest.mark.parametrize("spec", SPECS)
def test_minima_are_roots_of_the_gradient_to_full_precision(spec):
    """Newton's method (Hessian by differences of grad) does not move a listed minimum."""
    p = problem(spec)
    if any(on_the_boundary(p, m.x) for m in p.minima()):
        pytest.skip("a minimum on the box constraint's boundary is not a root of the gradient")
    for m in p.minima():
        x = np.array(m.x)
        for _ in range(3):
            h = 1e-5 * np.maximum(1.0, np.abs(x))
            E = np.diag(h)
            H = (p.grad(x + E) - p.grad(x - E)) / (2.0 * h[:, None])
            x = x - np.linalg.solve(0.5 * (H + H.T), p.grad(x[None, :])[0])
        assert np.all(np.abs(x - m.x) <= 1e-13 * (1.0 + np.abs(x))), (x - m.x, m)


def hessian_by_differences(p: Problem, x: np.ndarray) -> np.ndarray:
    h = 1e-5 * np.maximum(1.0, np.abs(x))
    E = np.diag(h)
    H = (p.grad(x + E) - p.grad(x - E)) / (2.0 * h[:, None])
    return 0.5 * (H + H.T)


LISTED_MINIMA = [
    pytest.param(spec, k, id=f"{spec}-{k}")
    for spec in SPECS
    for k in range(len(problem(spec).minima()))
]


@pytest.mark.parametrize(("spec", "k"), LISTED_MINIMA)
def test_each_listed_minimum_is_a_minimum_of_its_kind(spec, k):
    """Every listed minimum, global or local, is a strict minimum (positive definite
    Hessian) where it is smooth; a global one has the value f*, a local one more."""
    p = problem(spec)
    m = p.minima()[k]
    assert m.kind in ("global", "local")
    assert p.f(np.array([m.x]))[0] == pytest.approx(m.f, abs=1e-9, rel=1e-12)
    assert p.f_star is not None
    if m.kind == "global":
        assert m.f == pytest.approx(p.f_star, abs=1e-12)
    else:
        assert m.f > p.f_star + 1e-6
    if on_the_boundary(p, m.x) or (spec in KINKS and KINKS[spec](np.array(m.x))):
        return  # not stationary, or no Hessian there
    eigenvalues = np.linalg.eigvalsh(hessian_by_differences(p, np.array(m.x, dtype=float)))
    assert eigenvalues.min() > 1e-6 * max(1.0, eigenvalues.max()), eigenvalues


def test_camel_minima_from_the_notes():
    """Six-hump camel: six minima (two global); three-hump camel: three (one global)."""
    six, three = make_problem("six-hump-camel"), make_problem("three-hump-camel")
    assert [m.kind for m in six.minima()].count("global") == 2 and len(six.minima()) == 6
    notes = {
        (1.7036, -0.7961): -0.21546,
        (-1.7036, 0.7961): -0.21546,
        (1.6071, 0.5687): 2.1043,
        (-1.6071, -0.5687): 2.1043,
    }
    local = [m for m in six.minima() if m.kind == "local"]
    for (x, y), f in notes.items():
        (m,) = [m for m in local if abs(m.x[0] - x) < 1e-4 and abs(m.x[1] - y) < 1e-4]
        assert m.f == pytest.approx(f, abs=1e-4)
    assert [m.kind for m in three.minima()] == ["global", "local", "local"]
    assert three.minima()[0].x == (0.0, 0.0) and three.f_star == 0.0
    # closed form: y = -x/2 with x^2 = 2.1 + sqrt(0.91)
    x = math.sqrt(2.1 + math.sqrt(0.91))
    np.testing.assert_allclose(
        sorted(m.x for m in three.minima()[1:]), [(-x, x / 2), (x, -x / 2)], rtol=1e-15
    )
    assert three.minima()[1].f == pytest.approx(0.298638, abs=1e-6)


@pytest.mark.parametrize("spec", SPECS)
def test_no_point_is_below_the_listed_minimum(spec):
    p = problem(spec)
    if p.f_star is None:
        pytest.skip("no known minimum value (unbounded below, or unknown)")
    if p.bounds() is not None:
        pytest.skip("box-constrained: points outside bounds() are infeasible (own test file)")
    rng = np.random.default_rng(1)
    near = [
        np.array(m.x) + scale * rng.standard_normal((50, p.dim))
        for m in p.minima()
        for scale in (1e-4, 1e-2, 0.3)
    ]
    X = np.concatenate([random_points(p, 2000), *near])
    assert p.f_star is not None
    assert np.min(p.f(X)) >= p.f_star - 1e-9


@pytest.mark.parametrize("spec", SPECS)
def test_minima_lie_in_the_window(spec):
    p = problem(spec)
    for m in p.minima():
        assert all(lo <= x <= hi for (lo, hi), x in zip(p.window(), m.x, strict=True))


def test_problems_without_minimum():
    for name in ("saddle", "monkey-saddle"):
        p = make_problem(name)
        assert p.minima() == () and p.f_star is None
        assert np.array_equal(p.grad(np.zeros((1, 2))), np.zeros((1, 2)))
        far = np.array([[0.0, 1e3]]) if name == "saddle" else np.array([[-1e3, 0.0]])
        assert p.f(far)[0] < -1e5  # unbounded below
        assert np.all(np.isnan(p.nearest_minimum_distance(np.zeros((2, 2)))))


# -- vectorization, start and window ---------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_f_and_grad_are_vectorized(spec):
    p = problem(spec)
    X = random_points(p, 7, seed=2)
    X_before = X.copy()
    F, G = p.f(X), p.grad(X)
    assert F.shape == (7,) and G.shape == (7, p.dim)
    assert F.dtype == np.float64 and G.dtype == np.float64
    np.testing.assert_array_equal(X, X_before)  # inputs are not modified
    # bit for bit: a run's values do not depend on the batch it is evaluated in
    for i in range(7):
        row = X[i : i + 1]
        np.testing.assert_array_equal(p.f(row), F[i : i + 1])
        np.testing.assert_array_equal(p.grad(row), G[i : i + 1])


@pytest.mark.parametrize("spec", SPECS)
def test_start_lies_in_the_window(spec):
    p = problem(spec)
    if p.dim < 2:
        pytest.skip("1-D problem: no 2-D window for paths (checked in its own test file)")
    window = p.window()
    start = p.start()
    assert start.shape == (p.dim,)
    assert len(window) == p.dim >= 2
    for (lo, hi), s in zip(window, start, strict=True):
        assert isinstance(lo, float) and isinstance(hi, float)
        assert lo < hi and lo <= s <= hi
    assert np.all(np.isfinite(p.f(start[None, :])))
    if type(p).value_and_grad_at is Problem.value_and_grad_at:  # a moving target may start on it
        assert np.linalg.norm(p.grad(start[None, :])) > 1e-6  # not a stationary point


@pytest.mark.parametrize("name", DIM_FAMILIES)
def test_dim_key_is_honoured(name):
    p = make_problem(f"{name}:dim=5")
    assert p.dim == 5 and p.spec == f"{name}:dim=5"
    assert p.f(np.zeros((3, 5))).shape == (3,)
    assert p.grad(np.zeros((3, 5))).shape == (3, 5)
    assert all(len(m.x) == 5 for m in p.minima())


# -- check values from the notes -----------------------------------------------

ANCHORS = [
    ("rosenbrock", (-1.2, 1.0), 24.2, (-215.6, -88.0)),
    ("rosenbrock", (-1.5, 2.0), 12.5, (-155.0, -50.0)),
    ("beale", (1.0, 1.0), 14.203125, (0.0, 27.75)),
    ("beale", (1.0, 1.5), 41.25, (34.5, 92.5)),
    ("beale", (3.0, 0.5), 0.0, (0.0, 0.0)),
    ("himmelblau", (0.0, 0.0), 170.0, (-14.0, -22.0)),
    ("booth", (0.0, 0.0), 74.0, (-34.0, -38.0)),
    ("matyas", (1.0, 1.0), 0.04, (0.04, 0.04)),
    ("three-hump-camel", (1.0, 1.0), 3.1166667, (1.8, 3.0)),
    ("six-hump-camel", (1.0, 1.0), 3.2333333, (2.6, 9.0)),
    ("goldstein-price", (0.0, 0.0), 600.0, (720.0, 720.0)),
    ("goldstein-price", (0.0, -1.0), 3.0, (0.0, 0.0)),
    ("rastrigin", (0.5, 0.5), 40.5, (1.0, 1.0)),
    ("ackley", (1.0, 1.0), 3.6253849, (1.6374615, 1.6374615)),
    ("styblinski-tang", (0.0, 0.0), 0.0, (2.5, 2.5)),
    ("styblinski-tang", (5.0, -5.0), 225.0, (172.5, -167.5)),
    ("levi13", (0.0, 0.0), 2.0, (-2.0, -2.0)),
    ("mccormick", (0.0, 0.0), 1.0, (-0.5, 3.5)),
    ("branin", (0.0, 0.0), 55.602113, (-19.098593, -12.0)),
    ("sphere", (1.0, 1.0), 2.0, (2.0, 2.0)),
    ("quadratic", (1.0, 1.0), 5.5, (1.0, 10.0)),
    ("quadratic:angle=45", (1.0, 1.0), 1.0, (1.0, 1.0)),
    ("quadratic:kappa=20", (-5.0, -2.0), 52.5, (-5.0, -40.0)),
    ("saddle", (1.0, 2.0), -3.0, (2.0, -4.0)),
    ("monkey-saddle", (1.0, 1.0), -2.0, (0.0, -6.0)),
    ("easom", (math.pi, math.pi), -1.0, (0.0, 0.0)),
    ("noisy-quadratic", (2.0, 2.0), 2.2, (2.0, 0.2)),
]


@pytest.mark.parametrize(("spec", "x", "f", "g"), ANCHORS)
def test_check_values(spec, x, f, g):
    p = make_problem(spec)
    X = np.array([x])
    assert p.f(X)[0] == pytest.approx(f, rel=1e-7, abs=1e-12)
    np.testing.assert_allclose(p.grad(X)[0], g, rtol=1e-7, atol=1e-12)


def test_beale_is_constant_on_the_lines_x0_and_y1():
    p = make_problem("beale")
    t = np.linspace(-4.5, 4.5, 19)
    on_y1 = np.stack([t, np.ones_like(t)], axis=1)
    on_x0 = np.stack([np.zeros_like(t), t], axis=1)
    np.testing.assert_allclose(p.f(on_y1), 14.203125, rtol=1e-14)
    np.testing.assert_allclose(p.f(on_x0), 14.203125, rtol=1e-14)
    np.testing.assert_allclose(p.grad(np.array([[0.0, 1.0]])), 0.0, atol=1e-14)  # the saddle


def test_himmelblau_minima_are_exact():
    """Newton from the published 6-digit minima lands on the stored 16-digit ones."""
    p = make_problem("himmelblau")
    published = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    assert len(p.minima()) == 4
    for m, x0 in zip(p.minima(), published, strict=True):
        x = np.array(x0)
        for _ in range(8):
            u, v = x[0] ** 2 + x[1] - 11.0, x[0] + x[1] ** 2 - 7.0
            H = np.array(
                [
                    [4 * u + 8 * x[0] ** 2 + 2, 4 * (x[0] + x[1])],
                    [4 * (x[0] + x[1]), 4 * v + 8 * x[1] ** 2 + 2],
                ]
            )
            x = x - np.linalg.solve(H, p.grad(x[None, :])[0])
        np.testing.assert_allclose(m.x, x, rtol=4e-16, atol=0)
        assert m.f == 0.0 and p.f(np.array([m.x]))[0] < 1e-25


def test_minimum_values_from_the_notes():
    assert make_problem("six-hump-camel").f_star == pytest.approx(-1.031628453489877, abs=1e-15)
    assert make_problem("six-hump-camel").f_star == pytest.approx(-1.0316285, abs=1e-7)
    assert {m.x for m in make_problem("six-hump-camel").global_minima()} == {
        (0.08984201310031806, -0.7126564030207396),
        (-0.08984201310031806, 0.7126564030207396),
    }
    branin = make_problem("branin")
    assert branin.f_star == pytest.approx(5.0 / (4.0 * math.pi), rel=1e-15)
    assert branin.f_star == pytest.approx(0.3978873577, abs=1e-10)
    np.testing.assert_allclose(
        [m.x for m in branin.minima()],
        [(-math.pi, 12.275), (math.pi, 2.275), (3 * math.pi, 2.475)],
        rtol=1e-14,
    )
    for d in (2, 3, 5):
        f_star = make_problem(f"styblinski-tang:dim={d}").f_star
        assert f_star == pytest.approx(-39.16616570377142 * d, rel=1e-14)
    mcc = make_problem("mccormick")
    assert mcc.f_star == pytest.approx(-1.913222954981037, abs=1e-14)
    assert mcc.minima()[0].x == pytest.approx((-0.5471975512, -1.5471975512), abs=1e-10)
    assert make_problem("goldstein-price").f_star == 3.0
    assert make_problem("easom").f_star == -1.0


def test_goldstein_price_critical_points():
    """The nine critical points are s = x + y in {-1, 1, 2} times t = 2x - 3y in {0, 1, 3}."""
    p = make_problem("goldstein-price")
    s, t = np.meshgrid([-1.0, 1.0, 2.0], [0.0, 1.0, 3.0])
    X = np.stack([(3 * s.ravel() + t.ravel()) / 5, (2 * s.ravel() - t.ravel()) / 5], axis=1)
    np.testing.assert_allclose(p.grad(X), 0.0, atol=1e-9)
    local = {(-0.6, -0.4): 30.0, (1.8, 0.2): 84.0, (1.2, 0.8): 840.0, (0.8, 0.2): 1155.0}
    for x, f in local.items():
        assert p.f(np.array([x]))[0] == pytest.approx(f, rel=1e-12)


def test_ackley_gradient_at_its_kink():
    for d in (2, 5):
        p = make_problem(f"ackley:dim={d}")
        zero = np.zeros((1, d))
        assert p.f(zero)[0] == 0.0
        assert np.array_equal(p.grad(zero), zero)  # 0 by convention, not NaN
        # just off 0 the cone's gradient has norm a b / sqrt(d), whatever the direction
        x = 1e-9 * np.random.default_rng(0).standard_normal((4, d))
        np.testing.assert_allclose(np.linalg.norm(p.grad(x), axis=1), 4.0 / math.sqrt(d), rtol=1e-6)


def test_quadratic_rotation():
    for angle in (0.0, 30.0, 45.0, 90.0, -120.0):
        p = make_problem(f"quadratic:kappa=100,angle={angle}")
        H = p.grad(np.eye(2))  # rows are H e_i
        np.testing.assert_allclose(np.linalg.eigvalsh(H), [1.0, 100.0], rtol=1e-12)
        # the start is d2l's (-5, -2) in the turned coordinates, so f(start) does not change
        assert p.f(p.start()[None, :])[0] == pytest.approx(0.5 * (25 + 100 * 4), rel=1e-12)
    turned = make_problem("quadratic:angle=90")
    np.testing.assert_allclose(turned.grad(np.array([[1.0, 1.0]])), [[10.0, 1.0]], atol=1e-12)


@FEW
@given(kappa=st.floats(1.0, 1e4), angle=st.floats(-360.0, 360.0))
def test_quadratic_window_holds_its_start(kappa, angle):
    p = make_problem(f"quadratic:kappa={kappa!r},angle={angle!r}")
    for (lo, hi), s in zip(p.window(), p.start(), strict=True):
        assert lo < s < hi


# What the docstrings promise about the demo starts, with plain gradient descent:
# (spec, lr, steps, where GD ends).
DEMOS = [
    ("himmelblau", 0.01, 2000, (3.0, 2.0)),
    ("beale", 0.01, 20000, (3.0, 0.5)),
    ("three-hump-camel", 0.01, 2000, (1.747552, -0.873776)),  # a local minimum
    ("six-hump-camel", 0.01, 2000, (1.607105, 0.568651)),  # a local minimum, f = 2.1043
    ("goldstein-price", 1e-5, 5000, (1.2, 0.8)),  # the f = 840 local minimum
    ("styblinski-tang", 0.005, 2000, (2.746803, -2.903534)),  # a local minimum
    ("mccormick", 0.05, 2000, (0.5 - math.pi / 3, -0.5 - math.pi / 3)),
    ("easom", 0.1, 500, (math.pi, math.pi)),
    ("easom", 0.01, 500, (1.851087, 2.082793)),  # still on the plateau
    ("quadratic", 0.18, 400, (0.0, 0.0)),
    ("least-squares", 0.1, 2000, None),  # None: the listed minimum
]


@pytest.mark.parametrize(("spec", "lr", "steps", "end"), DEMOS)
def test_demo_starts(spec, lr, steps, end):
    p = make_problem(spec)
    x = p.start()[None, :]
    for _ in range(steps):
        x = x - lr * p.grad(x)
    expected = p.minima()[0].x if end is None else end
    np.testing.assert_allclose(x[0], expected, atol=1e-5)


def test_quadratic_ravine_zig_zags():
    """With 1/kappa < lr < 2/kappa GD crosses the ravine's floor at every step."""
    for angle in (0.0, 30.0):
        p = make_problem(f"quadratic:angle={angle}")
        H = p.grad(np.eye(2))  # rows are H e_i; the eigenvector for kappa is the steep axis
        steep = np.linalg.eigh(H)[1][:, 1]
        x = p.start()[None, :]
        across = []
        for _ in range(8):
            x = x - 0.18 * p.grad(x)
            across.append(float(x[0] @ steep))
        assert all(a * b < 0 for a, b in zip(across, across[1:], strict=False))


def test_saddle_starts_escape():
    saddle = make_problem("saddle")
    x = saddle.start()[None, :]
    for _ in range(40):
        x = x - 0.1 * saddle.grad(x)
    assert abs(x[0, 0]) < 1e-3 and abs(x[0, 1]) > 1  # x has converged, y has left
    monkey = make_problem("monkey-saddle")
    x = monkey.start()[None, :]
    for _ in range(157):
        x = x - 0.01 * monkey.grad(x)
    # after creeping toward 0 the run leaves down the valley at 60 degrees
    assert np.degrees(np.arctan2(x[0, 1], x[0, 0])) == pytest.approx(60.0, abs=1.0)
    assert monkey.f(x)[0] < -3


# -- noise -----------------------------------------------------------------------

SIGMA = 0.5


@pytest.mark.parametrize("name", NAMES)
def test_gradient_noise_is_reproducible_and_unbiased(name):
    p = make_problem(f"{name}:noise={SIGMA}")
    if getattr(p, "online", False):
        pytest.skip(
            "online problem: step t's gradient is f_t's, not that of the average f "
            "(checked in its own test file)"
        )
    runs = 4000
    X = np.repeat(p.start()[None, :], runs, axis=0)
    seeds = np.arange(runs)
    loss, g = p.observe(X, seeds, step=3)
    loss2, g2 = p.observe(X, seeds, step=3)
    np.testing.assert_array_equal(g, g2)
    np.testing.assert_array_equal(loss, loss2)
    assert not np.allclose(g[0], g[1])  # different seeds
    assert not np.allclose(p.observe(X, seeds, step=4)[1], g)  # different steps
    # a run's noise depends on its own seed only, not on the batch it runs in
    np.testing.assert_array_equal(p.observe(X[5:6], seeds[5:6], step=3)[1], g[5:6])
    true_g = p.grad(X[:1])[0]
    spread = np.std(g, axis=0)
    np.testing.assert_array_less(np.abs(g.mean(axis=0) - true_g), 5 * spread / math.sqrt(runs))
    if not p.stochastic:
        np.testing.assert_allclose(spread, SIGMA, rtol=0.05)
        np.testing.assert_array_equal(loss, p.f(X))  # the loss itself is not noisy


@pytest.mark.parametrize("name", NAMES)
def test_no_noise_by_default(name):
    p = make_problem(name)
    if p.stochastic:
        pytest.skip("stochastic by design")
    X = random_points(p, 5, seed=3)
    loss, g = p.observe(X, np.arange(5), step=1)
    np.testing.assert_array_equal(loss, p.f(X))
    np.testing.assert_array_equal(g, p.grad(X))


@pytest.mark.parametrize("spec", ["noisy-quadratic", "noisy-quadratic:dim=4,kappa=100,batch=8"])
def test_noisy_quadratic_noise_has_covariance_h_over_batch(spec):
    p = make_problem(spec)
    assert p.stochastic
    h = p.grad(np.ones((1, p.dim)))[0]  # the diagonal curvatures
    assert h[0] == 1.0 and h[-1] == pytest.approx(1.0 / p.kappa)
    np.testing.assert_allclose(np.diff(np.log(h)), -math.log(p.kappa) / (p.dim - 1))
    runs = 20000
    X = np.repeat(p.start()[None, :], runs, axis=0)
    loss, g = p.observe(X, np.arange(runs), step=7)
    np.testing.assert_array_equal(loss, p.f(X))  # the loss is the noise-free one
    noise = g - p.grad(X)
    np.testing.assert_allclose(noise.var(axis=0), h / p.batch, rtol=0.05)
    np.testing.assert_array_less(np.abs(noise.mean(axis=0)), 5 * np.sqrt(h / p.batch / runs))
    corr = np.corrcoef(noise.T)[0, 1]
    assert abs(corr) < 0.05  # independent coordinates: diagonal covariance
    np.testing.assert_array_equal(p.observe(X[:9], np.arange(9), step=7)[1], g[:9])


def test_least_squares_minimum_is_the_lstsq_solution():
    p = make_problem("least-squares")
    w, res, *_ = np.linalg.lstsq(p.A, p.b, rcond=None)
    (m,) = p.minima()
    np.testing.assert_allclose(m.x, w, rtol=1e-14)
    assert m.f == pytest.approx(res[0] / (2 * p.n), rel=1e-12)
    assert p.A.shape == (100, 2) and p.batch == 100 and not p.stochastic
    # the data depend on data_seed only
    np.testing.assert_array_equal(make_problem("least-squares").A, p.A)
    assert make_problem("least-squares:data_seed=1").minima()[0].x != m.x
    # correlated features make a valley: condition number about (1 + corr) / (1 - corr) = 9
    H = p.A.T @ p.A / p.n
    assert 5 < np.linalg.cond(H) < 15


def test_least_squares_full_batch_is_exact():
    p = make_problem("least-squares:n=50,batch=50")
    assert not p.stochastic
    X = random_points(p, 6)
    loss, g = p.observe(X, np.arange(6), step=1)
    np.testing.assert_array_equal(loss, p.f(X))
    np.testing.assert_array_equal(g, p.grad(X))


def test_least_squares_mini_batches_are_real_and_unbiased():
    p = make_problem("least-squares:batch=10")
    assert p.stochastic
    runs = 20000
    X = np.repeat(p.start()[None, :], runs, axis=0)
    seeds = np.arange(runs)
    loss, g = p.observe(X, seeds, step=2)
    same_loss, same_g = p.observe(X, seeds, step=2)
    np.testing.assert_array_equal(g, same_g)
    np.testing.assert_array_equal(loss, same_loss)
    assert not np.array_equal(p.observe(X, seeds, step=3)[1], g)
    np.testing.assert_array_equal(p.observe(X[4:6], seeds[4:6], step=2)[1], g[4:6])
    spread = np.std(g, axis=0)
    np.testing.assert_array_less(
        np.abs(g.mean(axis=0) - p.grad(X[:1])[0]), 5 * spread / math.sqrt(runs)
    )
    assert abs(loss.mean() - p.f(X[:1])[0]) < 5 * loss.std() / math.sqrt(runs)


def test_least_squares_batch_of_one_is_one_sample():
    p = make_problem("least-squares:n=20,batch=1")
    X = random_points(p, 50)
    loss, g = p.observe(X, np.arange(50), step=1)
    r = X @ p.A.T - p.b  # (runs, n): every sample's residual
    per_sample = r[:, :, None] * p.A[None, :, :]
    hits = np.all(np.isclose(per_sample, g[:, None, :], rtol=1e-12, atol=1e-14), axis=2)
    assert np.all(hits.sum(axis=1) >= 1)
    np.testing.assert_allclose(loss, 0.5 * r[np.arange(50), hits.argmax(axis=1)] ** 2)


def test_least_squares_batch_samples_are_distinct():
    """With batch = n - 1 the mini-batch loss must leave out exactly one sample."""
    p = make_problem("least-squares:n=12,batch=11")
    X = random_points(p, 40)
    loss, _ = p.observe(X, np.arange(40), step=5)
    sq = 0.5 * (X @ p.A.T - p.b) ** 2
    leave_one_out = (sq.sum(axis=1, keepdims=True) - sq) / 11
    assert np.all(np.isclose(leave_one_out, loss[:, None], rtol=1e-12).any(axis=1))


# -- spec errors -----------------------------------------------------------------

SPEC_ERRORS = [
    ("rosenbrock:foo=1", r"unknown .*rosenbrock.*key 'foo'; choose from dim, noise"),
    ("beale:dim=3", r"unknown .*beale.*key 'dim'; choose from noise"),
    ("quadratic:kapa=3", r"unknown .*key 'kapa'; did you mean kappa"),
    ("sphere:dim=1", r"dim=1 is not allowed; dim must be a whole number in \[2, 100000\]"),
    ("rastrigin:dim=2.5", r"dim=2.5 is not allowed; dim must be a whole number in \[2, "),
    ("rosenbrock:dim=x", r"dim=x is not allowed"),
    ("quadratic:kappa=0.5", r"kappa=0.5 is not allowed; kappa must be a number >= 1"),
    ("noisy-quadratic:kappa=0", r"kappa=0 is not allowed; kappa must be a number >= 1"),
    ("noisy-quadratic:batch=0", r"batch=0 is not allowed; batch must be a whole number >= 1"),
    (
        "least-squares:batch=101",
        r"batch=101 is not allowed; batch must be a whole number "
        r"in \[1, 100\]",
    ),
    ("least-squares:n=30,batch=31", r"batch=31 is not allowed; .*in \[1, 30\]"),
    ("least-squares:n=1", r"n=1 is not allowed; n must be a whole number in \[2, 1e\+06\]"),
    ("least-squares:dim=5,n=4", r"n=4 is not allowed; n must be a whole number >= dim \(5\)"),
    ("least-squares:corr=1", r"corr=1 is not allowed; corr must be a number in \[0, 1\)"),
    ("least-squares:data_seed=-1", r"data_seed=-1 is not allowed; .* >= 0"),
    ("branin:noise=-1", r"noise=-1 is not allowed; noise must be a number >= 0"),
]


@pytest.mark.parametrize(("spec", "message"), SPEC_ERRORS)
def test_spec_errors(spec, message):
    with pytest.raises(SpecError, match=message):
        make_problem(spec)
