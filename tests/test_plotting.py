"""Figures: lines, markers, labels, scales and colours, checked through the Axes."""

from __future__ import annotations

import matplotlib
import matplotlib.image
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure

import optcompare
from optcompare.plotting import (
    DPI,
    LOSS_FIGSIZE,
    LOSS_FLOOR,
    PATH_FIGSIZE,
    comparison_figure,
    comparison_figures,
    label_colors,
    loss_figure,
    path_figure,
    plot_loss,
    plot_path,
)
from optcompare.problem import Problem, problem_names

matplotlib.use("Agg")

GRID = 40  # contour resolution: enough to test, quick to draw


class Saddle(Problem):
    """x^2 - y^2 on a non-square window: negative loss, no minimum (a local test double)."""

    name = "test-saddle"
    default_start = (-1.0, 1e-3)
    default_window = ((-1.5, 1.5), (-1.0, 1.0))

    def f(self, X):
        return X[:, 0] ** 2 - X[:, 1] ** 2

    def grad(self, X):
        return np.stack([2.0 * X[:, 0], -2.0 * X[:, 1]], axis=1)


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """Plotting builds Figures directly; pyplot must never hold one."""
    import matplotlib.pyplot as plt

    yield
    assert plt.get_fignums() == []
    plt.close("all")


@pytest.fixture(scope="module")
def three():
    return optcompare.run(["sgd:lr=1e-3", "adam:lr=0.05", "adam:lr=0.5"], "rosenbrock",
                          steps=100)


@pytest.fixture(scope="module")
def diverged():
    return optcompare.run(["sgd:lr=0.1", "adam:lr=0.05"], "rosenbrock", steps=50)


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def point_markers(ax):
    """Offsets of every single-point scatter on the axes."""
    return [c.get_offsets()[0] for c in ax.collections
            if isinstance(c, PathCollection) and len(c.get_offsets()) == 1]


def has_marker_at(ax, point):
    return any(np.allclose(p, point) for p in point_markers(ax))


# -- colours ---------------------------------------------------------------------


def test_label_colors_are_stable_and_distinct():
    labels = ["sgd", "adam lr=0.05", "sgd", "adam lr=0.5", "rprop"]
    colors = label_colors(labels)
    assert list(colors) == ["sgd", "adam lr=0.05", "adam lr=0.5", "rprop"]
    assert len({to_rgba(c) for c in colors.values()}) == 4
    assert label_colors(labels) == colors
    # a label keeps its colour when later labels are added
    assert label_colors([*labels, "adamw"])["rprop"] == colors["rprop"]


def test_many_labels_get_distinct_colours():
    colors = label_colors(f"run {i}" for i in range(18))
    assert len({to_rgba(c) for c in colors.values()}) == 18


def test_same_label_same_colour_in_loss_and_path_figures(three):
    loss_ax = loss_figure(three).axes[0]
    path_ax = path_figure(three).axes[0]
    loss_colors = [to_rgba(line.get_color()) for line in loss_ax.get_lines()]
    path_colors = [to_rgba(line.get_color()) for line in path_ax.get_lines()]
    assert loss_colors == path_colors
    assert len(set(loss_colors)) == 3  # adam twice, with different lr: different colours


def test_colors_argument_overrides(three):
    ax = plot_loss(three, colors={"adam lr=0.5": "#123456"})
    assert to_rgba(ax.get_lines()[2].get_color()) == to_rgba("#123456")


# -- loss curves -----------------------------------------------------------------


def test_loss_plots_loss_minus_f_star_per_run(three):
    ax = plot_loss(three)
    lines = ax.get_lines()
    assert len(lines) == len(three.runs)
    f_star = three.problem.f_star
    for line, run in zip(lines, three.runs, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(101))
        np.testing.assert_allclose(line.get_ydata(), np.maximum(run.loss - f_star, LOSS_FLOOR))
    assert legend_texts(ax) == [r.label for r in three.runs]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "step"
    assert ax.get_ylabel() == "loss - f*"
    assert "rosenbrock" in ax.get_title()


def test_loss_draws_on_the_given_axes(three):
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_loss(three, ax=ax) is ax
    assert fig.axes == [ax]


def test_loss_without_f_star_is_raw_and_linear_when_negative():
    result = optcompare.run(["sgd:lr=0.1", "adam:lr=0.1"], Saddle(), steps=40)
    assert min(r.final_loss for r in result.runs) < 0
    ax = plot_loss(result)
    for line, run in zip(ax.get_lines(), result.runs, strict=True):
        np.testing.assert_allclose(line.get_ydata(), run.loss)
    assert ax.get_yscale() == "linear"
    assert ax.get_ylabel() == "loss"


def test_loss_marks_divergence(diverged):
    bad, good = diverged.runs
    assert bad.diverged_at is not None and good.diverged_at is None
    ax = plot_loss(diverged)
    assert legend_texts(ax) == [f"{bad.label}\n(diverged at step {bad.diverged_at})",
                                good.label]
    bad_line, good_line = ax.get_lines()
    assert len(bad_line.get_xdata()) == bad.last_step + 1
    assert np.all(np.isfinite(bad_line.get_ydata()))
    # the x sits at the last valid step; the axis still shows the run that converged
    (end,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert end.get_offsets()[0][0] == bad.last_step
    bottom, top = ax.get_ylim()
    assert bottom <= good_line.get_ydata().min() and good_line.get_ydata().max() <= top


def test_several_seeds_share_one_legend_entry_and_colour():
    result = optcompare.run(["sgd:lr=0.02", "adam:lr=0.05"], "rosenbrock", steps=20, seeds=3,
                            jitter=0.3)
    n_bad = sum(r.diverged_at is not None for r in result.runs_of("sgd lr=0.02"))
    assert n_bad > 0
    # the loss shows one median line (and band) per label, the path every seed
    loss_ax, path_ax = plot_loss(result), plot_path(result, grid=GRID)
    assert len(loss_ax.get_lines()) == 2
    assert len(path_ax.get_lines()) == 6
    for ax, per_label in ((loss_ax, 1), (path_ax, 3)):
        lines = ax.get_lines()
        assert len({to_rgba(line.get_color()) for line in lines[:per_label]}) == 1
        assert to_rgba(lines[0].get_color()) != to_rgba(lines[per_label].get_color())
        texts = legend_texts(ax)
        assert [t.split("\n")[0] for t in texts[:2]] == ["sgd lr=0.02", "adam lr=0.05"]
        assert texts[0].endswith(f"({n_bad} of 3 runs diverged)")
    assert legend_texts(loss_ax)[1] == "adam lr=0.05\nmedian of 3, 25-75% band"


def test_long_labels_wrap_in_the_legend():
    result = optcompare.run(["sgd:lr=0.001,momentum=0.9,nesterov=true,dampening=0"],
                            "rosenbrock", steps=5)
    (text,) = legend_texts(plot_loss(result))
    assert "\n" in text and text.replace("\n", " ") == result.runs[0].label


def test_loss_with_zero_steps():
    result = optcompare.run(["adam"], "rosenbrock", steps=0)
    ax = plot_loss(result)
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), result.runs[0].loss)
    assert line.get_marker() == "o"  # a single point must be visible
    assert ax.get_yscale() == "linear"
    assert list(ax.get_xticks()) == [0]


def test_loss_in_more_dimensions():
    result = optcompare.run(["adam:lr=0.05"], "rosenbrock:dim=5", steps=30)
    ax = plot_loss(result)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), result.runs[0].loss)
    assert "rosenbrock:dim=5" in ax.get_title()


# -- paths -----------------------------------------------------------------------


def test_path_on_a_2d_problem(three):
    ax = plot_path(three, grid=GRID)
    problem = three.problem
    assert any(isinstance(c, ContourSet) for c in ax.collections)
    lines = ax.get_lines()
    assert len(lines) == len(three.runs)
    for line, run in zip(lines, three.runs, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), run.x[:, 0])
        np.testing.assert_array_equal(line.get_ydata(), run.x[:, 1])
        assert has_marker_at(ax, run.x[0, :2])
        assert has_marker_at(ax, run.x[-1, :2])
    (minimum,) = [c for c in ax.collections if c.get_label() == "minimum"]
    np.testing.assert_allclose(minimum.get_offsets(), [[1.0, 1.0]])
    window = problem.window()
    assert ax.get_xlim() == window[0] and ax.get_ylim() == window[1]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    assert ax.get_title()
    texts = legend_texts(ax)
    assert texts[:3] == [r.label for r in three.runs]
    assert texts.count("minimum") == 1


def test_path_contours_log_spaced_for_a_valley_linear_for_a_saddle(three):
    def levels(ax):
        (cs,) = {c for c in ax.collections if isinstance(c, ContourSet) and c.filled}
        return np.asarray(cs.levels)

    valley = levels(plot_path(three, grid=GRID))
    ratios = np.diff(np.log(valley[1:] - valley[0]))
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-6)

    result = optcompare.run(["adam:lr=0.1"], Saddle(), steps=20)
    saddle = levels(plot_path(result, grid=GRID))
    np.testing.assert_allclose(np.diff(saddle), np.diff(saddle)[0], rtol=1e-6)


def test_path_marks_every_minimum():
    if "himmelblau" not in problem_names():
        pytest.skip("himmelblau is not in the catalog yet")
    result = optcompare.run(["adam:lr=0.1"], "himmelblau", steps=20)
    ax = plot_path(result, grid=GRID)
    (minimum,) = [c for c in ax.collections if c.get_label() == "minimum"]
    np.testing.assert_allclose(minimum.get_offsets(), [m.x for m in result.problem.minima()])
    assert legend_texts(ax).count("minimum") == 1


def test_path_without_minima():
    result = optcompare.run(["sgd:lr=0.1", "rprop"], Saddle(), steps=30)
    ax = plot_path(result, grid=GRID)
    assert "minimum" not in legend_texts(ax)
    assert ax.get_xlim() == (-1.5, 1.5) and ax.get_ylim() == (-1.0, 1.0)


def test_path_of_a_diverged_run(diverged):
    bad = diverged.runs[0]
    ax = plot_path(diverged, grid=GRID)
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), bad.x[: bad.last_step + 1, 0])
    assert has_marker_at(ax, bad.x[bad.last_step, :2])
    assert legend_texts(ax)[0].endswith(f"(diverged at step {bad.diverged_at})")
    assert ax.get_xlim() == diverged.problem.window()[0]


def test_path_projects_more_dimensions():
    result = optcompare.run(["adam:lr=0.05", "rprop"], "rosenbrock:dim=5", steps=30)
    ax = plot_path(result)
    assert not any(isinstance(c, ContourSet) for c in ax.collections)
    assert ax.get_xlabel() == "x0 (first coordinate)"
    assert ax.get_ylabel() == "x1 (second coordinate)"
    assert "first two of 5 coordinates (projection)" in ax.get_title()
    for line, run in zip(ax.get_lines(), result.runs, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), run.x[:, 0])
        np.testing.assert_array_equal(line.get_ydata(), run.x[:, 1])
    (minimum,) = [c for c in ax.collections if c.get_label() == "minimum"]
    np.testing.assert_allclose(minimum.get_offsets(), [[1.0, 1.0]])
    window = result.problem.window()
    assert ax.get_xlim() == window[0] and ax.get_ylim() == window[1]


def test_path_with_zero_steps():
    result = optcompare.run(["adam"], "rosenbrock", steps=0)
    ax = plot_path(result, grid=GRID)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [-1.2])
    assert has_marker_at(ax, [-1.2, 1.0])


# -- figures ---------------------------------------------------------------------


@pytest.mark.parametrize(("make", "figsize"), [(loss_figure, LOSS_FIGSIZE),
                                               (path_figure, PATH_FIGSIZE)])
def test_figures_save_as_png_svg_pdf(tmp_path, diverged, make, figsize):
    fig = make(diverged)
    assert isinstance(fig, Figure)
    for ext in ("png", "svg", "pdf"):
        fig.savefig(tmp_path / f"figure.{ext}")
    png = tmp_path / "figure.png"
    assert png.stat().st_size > 0
    height, width = matplotlib.image.imread(png).shape[:2]
    assert (width, height) == (round(figsize[0] * DPI), round(figsize[1] * DPI))
    assert (tmp_path / "figure.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "figure.pdf").read_bytes().startswith(b"%PDF")


def test_figures_with_zero_steps_save(tmp_path):
    result = optcompare.run(["adam"], "rosenbrock", steps=0)
    loss_figure(result).savefig(tmp_path / "loss.png")
    path_figure(result).savefig(tmp_path / "path.png")


def test_comparison_figure_dispatches(three):
    assert comparison_figure(three, "loss").axes[0].get_ylabel() == "loss - f*"
    assert comparison_figure(three, "path").axes[0].get_xlabel() == "x"
    with pytest.raises(ValueError, match="'loss' or 'path'"):
        comparison_figure(three, "surface")
    figures = comparison_figures(three)  # what the CLI saves, as loss.<fmt> and path.<fmt>
    assert list(figures) == ["loss", "path"]
    assert all(isinstance(f, Figure) for f in figures.values())


def test_result_methods_use_this_module(three):
    assert three.plot_loss().get_ylabel() == "loss - f*"
    assert three.plot_path().get_xlabel() == "x"
