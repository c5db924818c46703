"""Path plots keep true geometry: equal aspect, a full box, the minimum on top, marker spacing.

The animation's path panel keeps the same geometry.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.contour import ContourSet

import optcompare
from optcompare.plotting import path_animation, path_figure, plot_path
from optcompare.plotting.paths import view
from optcompare.problem import make_problem, problem_names

matplotlib.use("Agg")

GRID = 30
# every 2-D problem of the catalog, whatever its window's shape
PLANE = [n for n in problem_names() if make_problem(n).dim == 2]


def drawn(fig):
    fig.draw_without_rendering()
    return fig.axes[0]


@pytest.mark.parametrize("name", PLANE)
def test_path_axes_have_equal_aspect_and_fill_their_box(name):
    result = optcompare.run(["adam:lr=0.05"], name, steps=10)
    ax = drawn(path_figure(result, grid=GRID))
    assert ax.get_aspect() == 1.0
    # one data unit as long on x as on y: the box has the shape of the view
    box = ax.get_window_extent()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert (y1 - y0) / (x1 - x0) == pytest.approx(box.height / box.width, rel=0.02)
    # the view holds the whole window
    (a0, a1), (b0, b1) = result.problem.window()[:2]
    assert x0 <= a0 + 1e-9 and x1 >= a1 - 1e-9 and y0 <= b0 + 1e-9 and y1 >= b1 - 1e-9


def test_a_wide_window_gets_a_wide_figure_not_a_shrunken_plot():
    result = optcompare.run(["sgd:lr=0.05"], "quadratic:kappa=10", steps=20)
    (a0, a1), (b0, b1) = result.problem.window()[:2]
    assert (b1 - b0) / (a1 - a0) < 0.6  # the ravine's window is wide
    fig = path_figure(result, grid=GRID)
    ax = drawn(fig)
    # the axes box takes most of the figure's height, and the view is not much
    # taller than the window
    assert ax.get_position().height > 0.6
    (y0, y1) = ax.get_ylim()
    assert (y1 - y0) <= 1.3 * (b1 - b0)


def test_projection_has_equal_aspect_too():
    result = optcompare.run(["adam:lr=0.05"], "rosenbrock:dim=4", steps=10)
    assert drawn(path_figure(result)).get_aspect() == 1.0


def test_the_minimum_is_drawn_above_every_end_marker():
    # SGD with momentum ends on Rosenbrock's minimum (1, 1)
    result = optcompare.run(["sgd:lr=0.002,momentum=0.9", "rprop"], "rosenbrock")
    assert np.allclose(result.runs[0].final_x, [1.0, 1.0], atol=1e-3)
    ax = plot_path(result, grid=GRID)
    (star,) = [c for c in ax.collections if c.get_label() == "minimum"]
    markers = [c for c in ax.collections if isinstance(c, PathCollection) and c is not star]
    ends = [
        c
        for c in markers
        if any(np.allclose(c.get_offsets()[0], r.final_x, atol=0) for r in result.runs)
    ]
    assert len(ends) == 2
    assert all(star.get_zorder() > c.get_zorder() for c in markers)


@pytest.mark.parametrize("steps", [10, 30, 300, 1000])
def test_legend_says_how_far_apart_the_path_markers_are(steps):
    result = optcompare.run(["adam:lr=0.05", "rprop"], "rosenbrock", steps=steps)
    ax = plot_path(result, grid=GRID)
    k = max(1, (steps + 1) // 30)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    want = "path marker: every step" if k == 1 else f"path markers: every {k} steps"
    assert want in texts
    for label in result.labels:
        (line,) = [x for x in ax.get_lines() if x.get_label() == label]
        assert line.get_markevery() == k


# -- the animation's path panel ---------------------------------------------------------


def animated_path_axes(result):
    fig, _anim = path_animation(result, frames=2)
    fig.draw_without_rendering()
    return fig.axes[0]


def assert_true_geometry(ax, window):
    """Equal aspect, limits shaped like the box, ``window`` inside the limits, and only
    its shorter side grown (the other side is the window's)."""
    assert ax.get_aspect() == 1.0
    box = ax.get_window_extent()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert (y1 - y0) / (x1 - x0) == pytest.approx(box.height / box.width, rel=0.02)
    (a0, a1), (b0, b1) = window
    assert x0 <= a0 + 1e-9 and x1 >= a1 - 1e-9 and y0 <= b0 + 1e-9 and y1 >= b1 - 1e-9
    assert (x0, x1) == pytest.approx((a0, a1)) or (y0, y1) == pytest.approx((b0, b1))


@pytest.mark.parametrize("name", PLANE)
def test_animation_path_panel_has_equal_aspect_and_fills_its_box(name):
    result = optcompare.run(["adam:lr=0.05"], name, steps=10)
    ax = animated_path_axes(result)
    # the problem's window, and the static path plot's view (the window widened to
    # hold every start) grown to fill the panel
    assert_true_geometry(ax, view(result))
    (a0, a1), (b0, b1) = result.problem.window()[:2]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 <= a0 + 1e-9 and x1 >= a1 - 1e-9 and y0 <= b0 + 1e-9 and y1 >= b1 - 1e-9


def test_animation_view_holds_a_start_outside_the_window_and_contours_fill_it():
    start = (-4.0, 5.0)  # left of and above Rosenbrock's window (-2, 2) x (-1, 3)
    result = optcompare.run(["adam:lr=0.05"], "rosenbrock", steps=10, start=start)
    ax = animated_path_axes(result)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < start[0] < x1 and y0 < start[1] < y1
    assert_true_geometry(ax, view(result))
    # the contours are drawn over the final view, not the window before it grew
    (filled,) = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    xy = np.concatenate([p.vertices for p in filled.get_paths() if len(p.vertices)])
    assert xy[:, 0].min() == pytest.approx(x0) and xy[:, 0].max() == pytest.approx(x1)
    assert xy[:, 1].min() == pytest.approx(y0) and xy[:, 1].max() == pytest.approx(y1)


def test_a_long_formula_spec_gives_a_title_that_fits():
    from optcompare.plotting import path_figure

    spec = "expr:(1-x)**2 + 100*(y-x**2)**2;start=-1.5,2;window=-2:2,-1:3;minima=1,1"
    result = optcompare.run("adam:lr=0.05", spec, steps=20)
    fig = path_figure(result)
    fig.canvas.draw()
    title = fig.axes[0].title
    assert title.get_text().startswith("expr:(1-x)**2 + 100*(y-x**2)**2: ")
    # drawn inside the figure: not clipped at either side
    box = title.get_window_extent()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
    named = optcompare.run("adam", spec + ";name=banana", steps=2)
    assert path_figure(named).axes[0].get_title().startswith("banana: ")
