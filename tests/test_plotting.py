"""Figures: lines, markers, labels, scales and colours, checked through the Axes."""

from __future__ import annotations

import matplotlib
import matplotlib.image
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
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
    effective_step_figure,
    loss_figure,
    median_run,
    optimizer_color,
    path_animation,
    path_figure,
    plot_effective_step,
    plot_loss,
    plot_path,
    plot_sweep,
    plot_sweep_heatmap,
    result_inks,
    sweep_figure,
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
    return optcompare.run(["sgd:lr=1e-3", "adam:lr=0.05", "adam:lr=0.5"], "rosenbrock", steps=100)


@pytest.fixture(scope="module")
def diverged():
    return optcompare.run(["sgd:lr=0.1", "adam:lr=0.05"], "rosenbrock", steps=50)


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def point_markers(ax):
    """Offsets of every single-point scatter on the axes."""
    return [
        c.get_offsets()[0]
        for c in ax.collections
        if isinstance(c, PathCollection) and len(c.get_offsets()) == 1
    ]


def holds(ax, window):
    """The view holds ``window`` and matches it exactly on one axis (the other grew)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    (a0, a1), (b0, b1) = window
    assert x0 <= a0 and x1 >= a1 and y0 <= b0 and y1 >= b1
    assert (x0, x1) == pytest.approx((a0, a1)) or (y0, y1) == pytest.approx((b0, b1))


def line_of(ax, label):
    """The line whose legend label is ``label`` (figures draw in their own order)."""
    (line,) = [x for x in ax.get_lines() if x.get_label() == label]
    return line


def has_marker_at(ax, point):
    return any(np.allclose(p, point) for p in point_markers(ax))


# -- colours ---------------------------------------------------------------------


def test_same_label_same_colour_in_loss_and_path_figures(three):
    loss_ax = loss_figure(three).axes[0]
    path_ax = path_figure(three).axes[0]
    loss_colors = [to_rgba(line_of(loss_ax, label).get_color()) for label in three.labels]
    path_colors = [to_rgba(line_of(path_ax, label).get_color()) for label in three.labels]
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
    # the labels, then any note on curves lying under others
    assert legend_texts(ax)[:3] == [r.label for r in three.runs]
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
    assert legend_texts(ax) == [f"{bad.label}\n(diverged at step {bad.diverged_at})", good.label]
    bad_line, good_line = ax.get_lines()
    assert len(bad_line.get_xdata()) == bad.last_step + 1
    assert np.all(np.isfinite(bad_line.get_ydata()))
    # the x sits at the last valid step; the axis still shows the run that converged
    (end,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert end.get_offsets()[0][0] == bad.last_step
    bottom, top = ax.get_ylim()
    assert bottom <= good_line.get_ydata().min() and good_line.get_ydata().max() <= top


def test_several_seeds_share_one_legend_entry_and_colour():
    result = optcompare.run(
        ["sgd:lr=0.02", "adam:lr=0.05"], "rosenbrock", steps=20, seeds=3, jitter=0.3
    )
    n_bad = sum(r.diverged_at is not None for r in result.runs_of("sgd lr=0.02"))
    assert n_bad > 0
    # the loss shows one median line (and band) per label, the path every seed: the
    # median run as a line, the other two as one faint collection in the same colour
    loss_ax, path_ax = plot_loss(result), plot_path(result, grid=GRID)
    assert len(loss_ax.get_lines()) == 2
    faint = [c for c in path_ax.collections if isinstance(c, LineCollection)]
    assert [len(c.get_segments()) for c in faint] == [2, 2]
    for label, c in zip(result.labels, faint, strict=True):
        (line,) = [x for x in path_ax.get_lines() if x.get_label().split("\n")[0] == label]
        assert to_rgba(c.get_edgecolor()[0], 1.0) == to_rgba(line.get_color())
    for ax in (loss_ax, path_ax):
        lines = ax.get_lines()
        assert len(lines) == 2
        assert to_rgba(lines[0].get_color()) != to_rgba(lines[1].get_color())
        texts = legend_texts(ax)
        assert [t.split("\n")[0] for t in texts[:2]] == ["sgd lr=0.02", "adam lr=0.05"]
        assert f"\n({n_bad} of 3 runs diverged)" in texts[0]
    assert legend_texts(loss_ax)[1] == "adam lr=0.05\nmedian of 3, 25-75% band"


def test_long_labels_wrap_in_the_legend():
    result = optcompare.run(
        ["sgd:lr=0.001,momentum=0.9,nesterov=true,dampening=0"], "rosenbrock", steps=5
    )
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
    for run in three.runs:
        line = line_of(ax, run.label)
        np.testing.assert_array_equal(line.get_xdata(), run.x[:, 0])
        np.testing.assert_array_equal(line.get_ydata(), run.x[:, 1])
        assert has_marker_at(ax, run.x[0, :2])
        assert has_marker_at(ax, run.x[-1, :2])
    (minimum,) = [c for c in ax.collections if c.get_label() == "minimum"]
    np.testing.assert_allclose(minimum.get_offsets(), [[1.0, 1.0]])
    window = problem.window()
    holds(ax, window[:2])
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
    holds(ax, ((-1.5, 1.5), (-1.0, 1.0)))


def test_path_of_a_diverged_run(diverged):
    bad = diverged.runs[0]
    ax = plot_path(diverged, grid=GRID)
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), bad.x[: bad.last_step + 1, 0])
    assert has_marker_at(ax, bad.x[bad.last_step, :2])
    assert legend_texts(ax)[0].endswith(f"(diverged at step {bad.diverged_at})")
    holds(ax, diverged.problem.window())


def test_path_coords_view_draws_the_first_two_of_more_dimensions():
    result = optcompare.run(
        ["adam:lr=0.05", "rprop"], "rosenbrock:dim=5", steps=30, path_view="coords"
    )
    ax = plot_path(result)
    assert not any(isinstance(c, ContourSet) for c in ax.collections)
    assert ax.get_xlabel() == "x0 (first coordinate)"
    assert ax.get_ylabel() == "x1 (second coordinate)"
    assert "first two of 5 coordinates (projection)" in ax.get_title()
    for line, run in ((line_of(ax, r.label), r) for r in result.runs):
        np.testing.assert_array_equal(line.get_xdata(), run.x[:, 0])
        np.testing.assert_array_equal(line.get_ydata(), run.x[:, 1])
    (minimum,) = [c for c in ax.collections if c.get_label() == "minimum"]
    np.testing.assert_allclose(minimum.get_offsets(), [[1.0, 1.0]])
    window = result.problem.window()
    holds(ax, window[:2])


def test_path_with_zero_steps():
    result = optcompare.run(["adam"], "rosenbrock", steps=0)
    ax = plot_path(result, grid=GRID)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [-1.2])
    assert has_marker_at(ax, [-1.2, 1.0])


# -- figures ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "figsize"), [(loss_figure, LOSS_FIGSIZE), (path_figure, PATH_FIGSIZE)]
)
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


# -- seed bands and the median run ----------------------------------------------------


def hand_run(label, loss, diverged_at=None):
    """A Run with the given loss per step, NaN from ``diverged_at`` on (as the engine records)."""
    from optcompare.experiments.records import Run

    loss = np.array(loss, dtype=float)
    x = np.column_stack([np.linspace(-1.0, 0.5, len(loss)), np.linspace(1.0, 0.2, len(loss))])
    if diverged_at is not None:
        loss[diverged_at:] = np.nan
        x[diverged_at:] = np.nan
    last = len(loss) - 1 if diverged_at is None else diverged_at - 1
    return Run(
        label=label,
        optimizer=label,
        hyperparameters={},
        seed=0,
        start=x[0],
        x=x,
        loss=loss,
        grad_norm=np.ones_like(loss),
        diverged_at=diverged_at,
        steps_to_tol=None,
        final_x=x[last],
        final_loss=float(loss[last]),
        best_loss=float(np.nanmin(loss)),
        distance_to_min=None,
        wall_time=0.0,
    )


def hand_result(runs):
    from optcompare.experiments.records import Result
    from optcompare.problem import make_problem

    return Result(
        problem=make_problem("rosenbrock"),
        steps=len(runs[0].loss) - 1,
        tol=1e-6,
        runs=runs,
        seeds=len(runs),
    )


def percentile_with_inf(Y, q):
    """np.percentile where +inf takes part: via a huge stand-in, mapped back to inf."""
    v = np.percentile(np.where(np.isinf(Y), 1e300, Y), q, axis=0)
    return np.where(v > 1e299, np.inf, v)


def band_edges(coll, steps):
    """Lower and upper edge of a fill_between band at each step (NaN where no band)."""
    verts = np.concatenate([p.vertices for p in coll.get_paths()])
    lo, hi = np.full(len(steps), np.nan), np.full(len(steps), np.nan)
    for i, s in enumerate(steps):
        ys = verts[np.isclose(verts[:, 0], s), 1]
        if ys.size:
            lo[i], hi[i] = ys.min(), ys.max()
    return lo, hi


def test_loss_band_is_the_25_75_percentile_of_the_runs():
    runs = [
        hand_run("a", [100, 50, 20, 10, 5, 2]),
        hand_run("a", [100, 60, 30, 15, 8, 4]),
        hand_run("a", [100, 40, 25, 12, 6, 3], diverged_at=4),
        hand_run("a", [100, 80, 90, 1e3, 1e4, 1e5], diverged_at=3),
        hand_run("b", [100, 30, 9, 3, 1, 0.5]),
    ]
    result = hand_result(runs)
    ax = plot_loss(result)
    # a diverged run counts as +inf from its divergence step on
    Y = np.array([r.loss for r in runs[:4]])
    Y[np.isnan(Y)] = np.inf
    q25, med, q75 = (percentile_with_inf(Y, q) for q in (25, 50, 75))
    assert np.isfinite(med[3]) and np.isinf(med[4])  # half of the runs gone from step 4
    assert np.isinf(q75[3]) and np.isfinite(q25[5])

    median_line, single = ax.get_lines()
    np.testing.assert_allclose(median_line.get_ydata(), np.where(np.isfinite(med), med, np.nan))
    np.testing.assert_allclose(single.get_ydata(), runs[4].loss)
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    lo, hi = band_edges(band, np.arange(6))
    top = ax.get_ylim()[1]
    np.testing.assert_allclose(lo, q25)
    np.testing.assert_allclose(hi, np.minimum(q75, top))  # +inf drawn up to the top edge
    assert top < 1e3  # the diverged runs' huge values do not stretch the axis
    # the median ends in an x where it becomes +inf
    assert has_marker_at(ax, [3, med[3]])
    assert legend_texts(ax) == ["a\nmedian of 4, 25-75% band\n(2 of 4 runs diverged)", "b"]


def test_median_run_takes_the_median_final_loss():
    runs = [
        hand_run("a", [9, 3]),
        hand_run("a", [9, 1]),
        hand_run("a", [9, 2]),
        hand_run("a", [9, 0.5, 9], diverged_at=2),
    ]
    assert median_run(runs) is runs[2]  # 1, 2, 3, inf: the lower middle one
    same = [hand_run("a", [9, 1]), hand_run("a", [9, 1]), hand_run("a", [9, 1])]
    assert median_run(same).final_loss == 1  # ties: any of them is the median run


def test_path_of_seeds_draws_the_median_run_strongly():
    result = optcompare.run(["adam:lr=0.05"], "rosenbrock", steps=30, seeds=5, jitter=0.2)
    finals = [r.final_loss for r in result.runs]
    middle = result.runs[int(np.argsort(finals)[2])]
    assert median_run(result.runs) is middle
    ax = plot_path(result, grid=GRID)
    (line,) = ax.get_lines()  # the median run; the other seeds are one faint collection
    np.testing.assert_array_equal(line.get_xydata(), middle.x[:, :2])
    assert line.get_alpha() in (None, 1.0) and line.get_linewidth() >= 1.5
    others = [r for r in result.runs if r is not middle]
    (faint,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    segments = faint.get_segments()
    assert len(segments) == len(others)
    for seg, run in zip(segments, others, strict=True):
        np.testing.assert_array_equal(seg, run.x[:, :2])
    assert faint.get_alpha() == pytest.approx(0.25) and faint.get_linewidth()[0] < 1.0
    assert has_marker_at(ax, middle.x[0]) and has_marker_at(ax, middle.x[-1])
    assert not any(has_marker_at(ax, r.x[-1]) for r in others)
    texts = set(legend_texts(ax))
    assert {"median run (middle final loss)", "other 4 seeds, faint (opacity 0.25 each)"} <= texts


def test_many_seeds_are_one_faint_collection_per_label_and_fainter():
    opts = ["adam:lr=0.05", "sgd:lr=0.001,momentum=0.9"]
    result = optcompare.run(opts, "rosenbrock", steps=20, seeds=50, jitter=0.3)
    ax = plot_path(result, grid=GRID)
    assert len(ax.get_lines()) == 2  # one median run per label
    faint = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(faint) == 2
    for label, c in zip(result.labels, faint, strict=True):
        runs = result.runs_of(label)
        assert len(c.get_segments()) == len(runs) - 1
        assert to_rgba(c.get_edgecolor()[0], 1.0) == to_rgba(result_inks(result)[label].color)
        # 49 overlapping paths at 0.25 would be one blot: 10 paths' worth of ink, 2.5 / 49
        assert c.get_alpha() == pytest.approx(2.5 / 49)
    assert "other 49 seeds, faint (opacity 0.051 each)" in legend_texts(ax)


# -- sweeps -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def lr_sweep():
    from optcompare.experiments.sweep import sweep

    return sweep(["sgd", "adam"], "rosenbrock", ["lr=1e-4:1:9:log"], seeds=3, steps=100, jitter=0.2)


@pytest.fixture(scope="module")
def grid_sweep():
    from optcompare.experiments.sweep import sweep

    return sweep(
        ["sgd", "sgd:dampening=0.5"],
        "rosenbrock",
        ["lr=1e-3:1e-1:4:log", "momentum=0:0.9:3"],
        seeds=3,
        steps=100,
        jitter=0.1,
    )


def test_sweep_line_is_the_median_over_seeds(lr_sweep):
    ax = plot_sweep(lr_sweep)
    lrs = lr_sweep.axes[0][1]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "lr" and ax.get_ylabel() == "final loss - f*"
    assert ax.get_title() == ("rosenbrock: final vs lr (median of 3 seeds, 25-75% band)")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["sgd", "adam"]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    for line, band, outcome in zip(lines, bands, lr_sweep.outcomes, strict=True):
        table = lr_sweep.table(outcome)
        med = np.median(table, axis=-1)
        np.testing.assert_array_equal(line.get_xdata(), lrs)
        np.testing.assert_allclose(line.get_ydata(), np.where(np.isfinite(med), med, np.nan))
        ok = np.all(np.isfinite(table), axis=-1)  # where every seed converged
        lo, hi = band_edges(band, lrs)
        np.testing.assert_allclose(lo[ok], np.percentile(table[ok], 25, axis=-1))
        np.testing.assert_allclose(hi[ok], np.percentile(table[ok], 75, axis=-1))


def test_sweep_shows_diverged_medians_as_markers_on_the_top_edge(lr_sweep):
    ax = plot_sweep(lr_sweep)
    lrs = lr_sweep.axes[0][1]
    sgd = np.median(lr_sweep.table(lr_sweep.outcomes[0]), axis=-1)
    assert np.isinf(sgd).sum() >= 3 and np.isfinite(sgd).sum() >= 3  # large lrs diverge
    markers = [c for c in ax.collections if c.get_gid() == "diverged"]
    assert len(markers) >= 1
    offsets = markers[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], lrs[np.isinf(sgd)])
    assert np.all((offsets[:, 1] > 0.8) & (offsets[:, 1] <= 1.0))  # axes fraction: the top
    assert to_rgba(markers[0].get_facecolor()[0]) == to_rgba(optimizer_color("sgd"))
    # nothing is plotted as a huge number: the axis spans only the finite medians
    finite = _finite_values(lr_sweep)
    assert ax.get_ylim()[1] < finite.max() * 1e3
    assert legend_texts(ax).count("diverged (median)") == 1


def _finite_values(sweep):
    values = np.concatenate([sweep.table(o).ravel() for o in sweep.outcomes])
    return values[np.isfinite(values)]


def test_sweep_auc_is_linear_and_linear_ranges_are_linear():
    from optcompare.experiments.sweep import sweep

    s = sweep(["adam"], "rosenbrock", ["beta1=0:0.9:4"], seeds=2, steps=30, objective="auc")
    ax = plot_sweep(s)
    assert ax.get_xscale() == "linear" and ax.get_yscale() == "linear"
    assert ax.get_ylabel() == "mean log10(loss - f*)"
    assert "diverged (median)" not in legend_texts(ax)


def test_sweep_heatmap_of_two_parameters(grid_sweep, tmp_path):
    outcome = grid_sweep.outcomes[0]
    med = np.median(grid_sweep.table(outcome), axis=-1)  # (4 lrs, 3 momenta)
    assert np.isinf(med).any() and np.isfinite(med).any()
    ax = plot_sweep_heatmap(grid_sweep, 0)
    (image,) = ax.images
    data = image.get_array()
    assert data.shape == (3, 4)  # rows: momentum, columns: lr
    np.testing.assert_array_equal(np.ma.getmaskarray(data), ~np.isfinite(med.T))
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(data.compressed(), np.log10(med.T[np.isfinite(med.T)]))
    assert len([p for p in ax.patches if p.get_gid() == "diverged"]) == np.isinf(med).sum()
    assert legend_texts(ax) == ["diverged"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("lr", "momentum")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1e-3", "4.6e-3", "0.022", "0.1"]
    assert len(ax.figure.axes) == 2  # and its colorbar
    ax.figure.savefig(tmp_path / "heatmap.png")
    with pytest.raises(ValueError, match="two parameters"):
        plot_sweep_heatmap(
            grid_sweep.__class__(**{**grid_sweep.__dict__, "axes": grid_sweep.axes[:1]}), 0
        )


def test_sweep_figures(lr_sweep, grid_sweep, tmp_path):
    fig = sweep_figure(lr_sweep)
    assert len(fig.axes) == 1 and fig.axes[0].get_lines()
    fig.savefig(tmp_path / "sweep.png")
    fig = sweep_figure(grid_sweep)
    panels = [a for a in fig.axes if a.images]
    assert [a.get_title() for a in panels] == ["sgd", "sgd dampening=0.5"]
    assert len({a.images[0].get_clim() for a in panels}) == 1  # one colour scale
    assert len(fig.axes) == 3  # two panels, one colorbar
    fig.savefig(tmp_path / "grid.png")
    with pytest.raises(ValueError, match="one parameter"):
        plot_sweep(grid_sweep)


# -- basins: tests/test_basins.py ---------------------------------------------------


# -- animation --------------------------------------------------------------------


@pytest.mark.parametrize(("steps", "frames"), [(30, 12), (5, 60)])
def test_path_animation_frames_and_gif(tmp_path, steps, frames):
    from matplotlib.animation import PillowWriter
    from PIL import Image

    result = optcompare.run(["sgd:lr=1e-3", "adam:lr=0.05"], "rosenbrock", steps=steps)
    fig, anim = path_animation(result, frames=frames)
    assert isinstance(fig, Figure)
    path = tmp_path / "paths.gif"
    anim.save(path, writer=PillowWriter(fps=15))
    with Image.open(path) as gif:
        assert gif.n_frames == min(frames, steps + 1)
        assert gif.size == (900, 468)
    ax_path, ax_loss = fig.axes[:2]
    assert any(isinstance(c, ContourSet) for c in ax_path.collections)  # built once
    # after the last frame every run is drawn in full
    lines = [line for line in ax_path.get_lines() if len(line.get_xdata()) > 1]
    for line, run in zip(lines, result.runs, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), run.x[:, 0])
    assert ax_loss.get_xlabel() == "step"


def test_path_animation_of_zero_steps(tmp_path):
    from matplotlib.animation import PillowWriter
    from PIL import Image

    result = optcompare.run(["adam"], "rosenbrock", steps=0)
    _, anim = path_animation(result)
    anim.save(tmp_path / "one.gif", writer=PillowWriter(fps=15))
    with Image.open(tmp_path / "one.gif") as gif:
        assert gif.n_frames == 1


# -- effective step ---------------------------------------------------------------


def test_effective_step_per_coordinate(tmp_path):
    result = optcompare.run(["rmsprop", "sgd:lr=1e-3"], "rosenbrock", steps=40, record_state=True)
    ax = plot_effective_step(result)
    assert ax.get_yscale() == "log"
    lines = ax.get_lines()
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-", "--"]
    assert [to_rgba(line.get_color()) for line in lines] == [
        to_rgba(optimizer_color(run.optimizer)) for run in result.runs for _ in range(2)
    ]
    assert legend_texts(ax) == ["rmsprop, x", "rmsprop, y", "sgd lr=1e-3, x", "sgd lr=1e-3, y"]
    for line, (run, j) in zip(lines, [(r, j) for r in result.runs for j in range(2)], strict=True):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 41))
        e = run.effective_step[:, j]
        np.testing.assert_allclose(line.get_ydata(), np.where(e > 0, e, np.nan))
    np.testing.assert_allclose(lines[2].get_ydata(), 1e-3, rtol=1e-6)  # SGD: just the lr
    effective_step_figure(result).savefig(tmp_path / "effective.png")

    named = plot_effective_step(result, coordinate_names=["x", "y"])
    assert legend_texts(named)[:2] == ["rmsprop, x", "rmsprop, y"]
    with pytest.raises(ValueError, match="record_state=True"):
        plot_effective_step(optcompare.run(["adam"], "rosenbrock", steps=3))


def test_a_loss_below_the_floor_is_drawn_there_with_a_note():
    # gradient descent with lr 0.5 on x^2 + y^2 lands exactly on the minimum in one step
    result = optcompare.run("sgd:lr=0.5", "sphere", steps=3)
    assert result.runs[0].final_loss == 0.0
    ax = plot_loss(result)
    assert min(ax.get_lines()[0].get_ydata()) == 1e-16
    texts = [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()]
    assert "loss - f* below 1e-16 is drawn at 1e-16 (the lowest is 0)" in texts
    assert not any(
        "below" in t
        for t in (
            x.get_text()
            for x in plot_loss(optcompare.run("sgd", "sphere", steps=3)).get_legend().get_texts()
        )
    )
