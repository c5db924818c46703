"""The synthetic classroom shapes: sizes, balance, seeds, and points on their curves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optcompare.data.shapes import SHAPES, make_shape


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("n", [200, 7, 2])
def test_size_labels_and_balance(name, n):
    points, labels = make_shape(name, n=n)
    assert points.shape == (n, 2) and labels.shape == (n,)
    assert np.all(np.isfinite(points))
    assert set(np.unique(labels)) == {-1.0, 1.0}
    # half each, the odd row to +1
    assert np.sum(labels > 0) == (n + 1) // 2 and np.sum(labels < 0) == n // 2


def test_default_size_is_200_points():
    assert all(len(make_shape(name)[0]) == 200 for name in SHAPES)


@pytest.mark.parametrize("name", SHAPES)
def test_the_seed_fixes_the_data(name):
    a, la = make_shape(name, data_seed=3)
    b, lb = make_shape(name, data_seed=3)
    c, lc = make_shape(name, data_seed=4)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    assert not np.allclose(a, c)
    assert not np.array_equal(la, lc)  # the order is shuffled by the seed too


@pytest.mark.parametrize("name", SHAPES)
def test_every_noise_level_shares_the_points_beneath_it(name):
    clean, labels = make_shape(name, noise=0.0, data_seed=1)
    a, la = make_shape(name, noise=0.1, data_seed=1)
    b, lb = make_shape(name, noise=0.2, data_seed=1)
    np.testing.assert_array_equal(la, labels)
    np.testing.assert_array_equal(lb, labels)
    np.testing.assert_allclose(b - clean, 2.0 * (a - clean), rtol=1e-12, atol=1e-15)
    spread = (a - clean).std()
    assert spread == pytest.approx(0.1, rel=0.15)  # Gaussian noise of std 0.1 per coordinate


def _on_curve(name: str, p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance of each point from the curve of its class, by the shapes' definitions."""
    x0, x1 = p[:, 0], p[:, 1]
    if name == "moons":
        # upper moon: radius 1 about (-0.5, -0.25), above its centre; lower: about (0.5, 0.25)
        cx, cy, side = np.where(y > 0, -0.5, 0.5), np.where(y > 0, -0.25, 0.25), y
        off = np.abs(np.hypot(x0 - cx, x1 - cy) - 1.0)
        return np.where(side * (x1 - cy) >= -1e-12, off, np.inf)
    if name == "circles":
        return np.abs(np.hypot(x0, x1) - np.where(y > 0, 0.5, 1.0))
    if name == "xor":
        inside = (np.minimum(np.abs(x0), np.abs(x1)) >= 0.1) & (np.maximum(abs(x0), abs(x1)) <= 1)
        return np.where(inside & (np.sign(x0 * x1) == y), 0.0, np.inf)
    if name == "spirals":
        # r = 2u, angle = 3.5 pi u = 1.75 pi r, the second arm half a turn on
        r = np.hypot(x0, x1)
        want = 1.75 * math.pi * r + np.where(y > 0, 0.0, math.pi)
        turn = np.angle(np.exp(1j * (np.arctan2(x1, x0) - want)))  # difference in (-pi, pi]
        return np.where(r <= 2.0 + 1e-12, np.abs(turn) * r, np.inf)
    raise AssertionError(name)


@pytest.mark.parametrize("name", SHAPES)
def test_noise_zero_puts_every_point_on_its_curve(name):
    points, labels = make_shape(name, noise=0.0, data_seed=5)
    assert np.max(_on_curve(name, points, labels)) < 1e-12
    noisy, _ = make_shape(name, noise=0.1, data_seed=5)
    assert np.mean(_on_curve(name, noisy, labels) > 1e-6) > 0.05  # the check can fail


def test_moons_fill_their_half_circles_and_interleave():
    points, labels = make_shape("moons", n=2000, noise=0.0)
    upper = points[labels > 0]
    assert upper[:, 0].min() < -1.45 and upper[:, 0].max() > 0.45  # end to end
    # the lower moon reaches into the upper one's hollow: above its lowest points
    assert points[labels < 0][:, 1].max() > upper[:, 1].min() + 0.4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "square"}, "unknown shape 'square'; choose moons, circles, xor, spirals"),
        ({"name": "moons", "n": 1}, "n >= 2"),
        ({"name": "moons", "noise": -0.1}, "noise must be >= 0"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_shape(**kwargs)
