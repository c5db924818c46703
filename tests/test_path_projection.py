"""Paths in any dimension: the plane of the paths' first two principal components.

The known-plane problem is a quadratic in 5-D whose Hessian has two eigenvectors q1, q2;
gradient descent (with or without momentum) started in their span never leaves it, so
the principal plane must be that span, whatever rotation the SVD picks inside it.
"""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.contour import ContourSet

import optcompare
from optcompare.cli import main
from optcompare.errors import SpecError
from optcompare.plotting import path_animation, path_figure, plot_path
from optcompare.plotting.projection import CHUNK_WORK, make_view, principal_plane, share
from optcompare.problem import Minimum, Problem

matplotlib.use("Agg")

DIM = 5
Q = np.linalg.qr(np.random.default_rng(7).normal(size=(DIM, DIM)))[0]
EIGEN = np.array([1.0, 4.0, 2.0, 3.0, 5.0])
H = Q @ np.diag(EIGEN) @ Q.T
PLANE = Q[:, :2].T  # q1 and q2, the known plane through the minimum at 0


class _TiltedBowl(Problem):
    """f(x) = 1/2 x^T H x in 5-D, started at 2 q1 + 3 q2 (an invariant plane of H)."""

    name = "tilted-bowl-test"
    dim = DIM

    def f(self, X):
        return 0.5 * np.einsum("ni,ij,nj->n", X, H, X)

    def grad(self, X):
        return np.einsum("ij,nj->ni", H, X)

    def start(self):
        return 2.0 * Q[:, 0] + 3.0 * Q[:, 1]

    def window(self):
        return ((-4.0, 4.0),) * DIM

    def minima(self):
        return (Minimum((0.0,) * DIM, 0.0),)


class _FarMinimum(_TiltedBowl):
    """The bowl with a listed local minimum 5 away from the plane along q3."""

    name = "far-minimum-test"

    def minima(self):
        return (*super().minima(), Minimum(tuple(5.0 * Q[:, 2]), 1.0, kind="local"))


def _bowl_result(problem=None):
    return optcompare.run(
        ["sgd:lr=0.1", "sgd:lr=0.05,momentum=0.9"], problem or _TiltedBowl(), steps=40
    )


def _iterates(result):
    return np.concatenate([r.x for r in result.runs])


def test_the_principal_plane_of_paths_in_a_known_plane_is_that_plane():
    result = _bowl_result()
    # the runs really stayed in the plane (else the test would prove nothing)
    X = _iterates(result)
    np.testing.assert_allclose(X - X @ PLANE.T @ PLANE, 0, atol=1e-12)
    view = make_view(result)
    assert view.kind == "pca" and result.path_view == "pca"
    B = view.plane.basis
    np.testing.assert_allclose(B @ B.T, np.eye(2), atol=1e-12)  # orthonormal
    # the same plane up to sign and rotation: equal orthogonal projectors
    np.testing.assert_allclose(B.T @ B, PLANE.T @ PLANE, atol=1e-10)
    assert view.plane.variance.sum() == pytest.approx(1.0, abs=1e-12)
    # the variance shares against numpy's SVD of the centred iterates
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    np.testing.assert_allclose(view.plane.variance, s[:2] ** 2 / np.sum(s**2), rtol=1e-9)
    # centred at the best point found: the iterate of lowest loss of any run
    losses = np.concatenate([r.loss for r in result.runs])
    np.testing.assert_array_equal(view.plane.origin, X[np.argmin(losses)])
    # in-plane points come back from their coordinates exactly (up to rounding)
    xy = view.xy(X)
    np.testing.assert_allclose(view.plane.points(xy[:, 0], xy[:, 1]), X, atol=1e-12)


def test_a_direction_that_holds_more_variance_comes_first():
    rng = np.random.default_rng(3)
    u, v = np.linalg.qr(rng.normal(size=(4, 2)))[0].T
    t = rng.normal(size=(500, 2)) * [3.0, 0.5]  # three times the spread along u
    plane = principal_plane(
        [t[:250, :1] * u + t[:250, 1:] * v, t[250:, :1] * u + t[250:, 1:] * v], np.zeros(4)
    )
    assert abs(plane.basis[0] @ u) == pytest.approx(1.0, abs=1e-2)
    assert abs(plane.basis[1] @ v) == pytest.approx(1.0, abs=1e-2)
    assert plane.variance[0] > 0.9 and plane.variance.sum() == pytest.approx(1.0)


def test_the_path_figure_draws_the_projection_over_f_on_the_plane():
    result = _bowl_result()
    view = make_view(result)
    ax = plot_path(result, grid=25)
    assert any(isinstance(c, ContourSet) for c in ax.collections)
    v = view.plane.variance
    assert ax.get_xlabel() == f"PC1 ({share(v[0])} of variance)"
    assert ax.get_ylabel() == f"PC2 ({share(v[1])} of variance)"
    assert "principal plane (100% of variance)" in ax.get_title()
    for run in result.runs:
        (line,) = [ln for ln in ax.get_lines() if ln.get_label() == run.label]
        coords = (run.x - view.plane.origin) @ view.plane.basis.T  # the projection by hand
        np.testing.assert_allclose(line.get_xdata(), coords[:, 0], atol=1e-12)
        np.testing.assert_allclose(line.get_ydata(), coords[:, 1], atol=1e-12)
    # the minimum lies in the plane: drawn where it projects
    (minimum,) = [c for c in ax.collections if c.get_label() == "minimum"]
    np.testing.assert_allclose(minimum.get_offsets(), view.xy(np.zeros((1, DIM))), atol=1e-12)


def test_contours_on_the_plane_are_f_at_the_planes_points():
    result = _bowl_result()
    view = make_view(result)
    gx, gy = np.linspace(-3, 1, 7), np.linspace(-2, 2, 5)
    Z = view.values(result.problem, gx, gy)
    u, w = view.plane.basis
    for i, b in enumerate(gy):
        for j, a in enumerate(gx):
            x = view.plane.origin + a * u + b * w
            assert Z[i, j] == pytest.approx(0.5 * x @ H @ x, rel=1e-12, abs=1e-14)


def test_contours_of_a_costly_problem_are_evaluated_in_chunks_with_the_same_values():
    class _Costly(_TiltedBowl):
        def evaluation_cost(self):
            return CHUNK_WORK // 3  # three points at a time

    result = _bowl_result()
    view = make_view(result)
    gx, gy = np.linspace(-1, 1, 4), np.linspace(-1, 1, 5)
    np.testing.assert_array_equal(
        view.values(_Costly(), gx, gy), view.values(result.problem, gx, gy)
    )


def test_a_minimum_off_the_plane_is_named_not_drawn():
    result = _bowl_result(_FarMinimum())
    ax = plot_path(result, grid=20)
    assert not [c for c in ax.collections if c.get_label() == "local minimum"]
    texts = [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()]
    assert "local minimum 5 off this plane (not drawn)" in texts
    assert any(t.startswith("(0, 0): the best point found") for t in texts)


def test_the_coords_view_draws_the_first_two_coordinates_without_contours():
    result = optcompare.run(["sgd:lr=0.1"], _TiltedBowl(), steps=20, path_view="coords")
    ax = plot_path(result)
    assert not any(isinstance(c, ContourSet) for c in ax.collections)
    assert ax.get_xlabel() == "x0 (first coordinate)"
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), result.runs[0].x[:, 0])
    # a PCA result drawn in the coords view on request
    pca = _bowl_result()
    assert plot_path(pca, path_view="coords").get_ylabel() == "x1 (second coordinate)"


def test_a_two_dimensional_problem_keeps_its_coordinates():
    result = optcompare.run(["adam:lr=0.05"], "rosenbrock", steps=20)
    assert result.path_view == "coords"
    assert make_view(result, "pca").kind == "coords"  # nothing to project
    ax = plot_path(result, grid=20)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), result.runs[0].x[:, 1])
    with pytest.raises(SpecError, match="path_view 'pca' projects paths of more than two"):
        optcompare.run(["adam"], "rosenbrock", steps=2, path_view="pca")
    with pytest.raises(SpecError, match="path_view 'flat' is not allowed"):
        optcompare.run(["adam"], "rosenbrock:dim=3", steps=2, path_view="flat")


def test_the_figure_and_the_animation_use_the_plane():
    result = _bowl_result()
    fig = path_figure(result, grid=20)
    assert fig.axes[0].get_xlabel().startswith("PC1")
    fig, _anim = path_animation(result, frames=2)
    fig.draw_without_rendering()  # a drawn animation is not "deleted without rendering"
    panel = fig.axes[0]
    assert panel.get_xlabel().startswith("PC1") and panel.get_ylabel().startswith("PC2")
    assert any(isinstance(c, ContourSet) for c in panel.collections)


@pytest.mark.parametrize(("flags", "view"), [((), "pca"), (("--path-view", "coords"), "coords")])
def test_the_command_line_chooses_the_path_view(tmp_path, flags, view):
    out = tmp_path / "run"
    res = CliRunner().invoke(
        main,
        [
            "run",
            "--opt",
            "adam:lr=0.05",
            "--problem",
            "rosenbrock:dim=4",
            "--steps",
            "20",
            "--out",
            str(out),
            "-q",
            *flags,
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text())["path_view"] == view
    assert (out / "path.png").stat().st_size > 0


def test_the_command_line_refuses_pca_in_the_plane(tmp_path):
    res = CliRunner().invoke(
        main,
        [
            "run",
            "--opt",
            "adam",
            "--problem",
            "rosenbrock",
            "--steps",
            "2",
            "--path-view",
            "pca",
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert res.exit_code == 2
    assert "--path-view 'pca' projects paths of more than two coordinates" in res.output
