"""The decision-region figure: its image is the model's prediction over the data window."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_hex

import optcompare
from optcompare import output
from optcompare.plotting import comparison_kinds, plot_regions, regions_figure, result_colors
from optcompare.plotting.regions import data_window
from optcompare.plotting.style import root_figure


@pytest.fixture(scope="module")
def result():
    return optcompare.run(
        ["adam:lr=0.05", "sgd:lr=0.5,momentum=0.9"], "mlp:hidden=6", steps=60, seeds=3
    )


def test_the_view_holds_the_data_window_and_the_image_covers_the_view(result):
    ax = plot_regions(result, "adam lr=0.05")
    points = result.problem.plane_data()[0]
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.1 * (hi - lo)  # the documented 10% of the span on every side
    want = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    np.testing.assert_allclose(data_window(points), want, rtol=1e-12)
    root_figure(ax).draw_without_rendering()
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    # the window, its shorter side grown to the box's shape: the same centre, equal
    # scales, no empty strips beside the panel
    assert (x_lo, x_hi) == pytest.approx(want[:2]) or (y_lo, y_hi) == pytest.approx(want[2:])
    assert x_lo <= want[0] and x_hi >= want[1] and y_lo <= want[2] and y_hi >= want[3]
    assert (x_lo + x_hi) / 2 == pytest.approx((want[0] + want[1]) / 2)
    assert (y_lo + y_hi) / 2 == pytest.approx((want[2] + want[3]) / 2)
    box = ax.get_window_extent()
    assert (x_hi - x_lo) / box.width == pytest.approx((y_hi - y_lo) / box.height, rel=1e-3)
    (image,) = ax.images
    e_lo_x, e_hi_x, e_lo_y, e_hi_y = image.get_extent()
    assert e_lo_x <= x_lo and e_hi_x >= x_hi and e_lo_y <= y_lo and e_hi_y >= y_hi


def test_each_pixel_shows_the_class_the_model_predicts_there(result):
    label = "sgd lr=0.5 momentum=0.9"
    ax = plot_regions(result, label, resolution=50)
    (image,) = ax.images
    index = np.asarray(image.get_array())
    x_lo, x_hi, y_lo, y_hi = image.get_extent()
    # 50 pixels along each side of the data window, whatever the image covers beyond it
    w_lo, w_hi = data_window(result.problem.plane_data()[0])[:2]
    n = index.shape[1]
    assert index.shape[0] == n and (x_hi - x_lo) / n == pytest.approx((w_hi - w_lo) / 50)
    runs = result.runs_of(label)
    finals = sorted(r.final_loss for r in runs)
    (median,) = [r for r in runs if r.final_loss == finals[1]]  # the middle of three
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, n, 300), rng.integers(0, n, 300)
    # origin="lower": row 0 is the bottom of the window
    centres = np.column_stack(
        [x_lo + (cols + 0.5) * (x_hi - x_lo) / n, y_lo + (rows + 0.5) * (y_hi - y_lo) / n]
    )
    z = result.problem.scores(median.final_x[None, :], centres)[0]
    shown = np.array([-1.0, 1.0])[index[rows, cols]]  # the sorted labels
    np.testing.assert_array_equal(shown, np.where(z > 0, 1.0, -1.0))
    assert len(np.unique(index)) == 2  # both classes appear: the check can fail


def test_train_and_test_points_are_drawn_apart_and_counted(result):
    ax = plot_regions(result)
    points, labels, held = result.problem.plane_data()
    drawn = {c.get_label(): c.get_offsets() for c in ax.collections}
    for cls in (-1, 1):
        train = points[(labels == cls) & ~held]
        test = points[(labels == cls) & held]
        np.testing.assert_array_equal(drawn[f"class {cls:+d}, train ({len(train)})"], train)
        np.testing.assert_array_equal(drawn[f"class {cls:+d}, test ({len(test)})"], test)


def test_the_frame_has_the_optimizer_colour_and_the_title_its_accuracies(result):
    colours = result_colors(result)
    problem = result.problem
    points, labels, held = problem.plane_data()
    for label in result.labels:
        ax = plot_regions(result, label)
        assert to_hex(ax.spines["left"].get_edgecolor()) == to_hex(colours[label])
        runs = result.runs_of(label)
        finals = sorted(r.final_loss for r in runs)
        (median,) = [r for r in runs if r.final_loss == finals[1]]
        z = problem.scores(median.final_x[None, :], points)[0]
        right = np.where(z > 0, 1.0, -1.0) == labels
        title = ax.get_title()
        # the training loss and accuracy on the second line, then the test accuracy
        line = title.split("\n")[1]
        assert line.startswith("train loss ")
        assert line.endswith(
            f", acc. {100 * right[~held].mean():.1f}%, test {100 * right[held].mean():.1f}%"
        )
        assert f"median of 3: seed {median.seed}" in title


def test_the_figure_has_a_panel_per_optimizer(result):
    fig = regions_figure(result)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title().split(" (")[0] for ax in panels] == result.labels
    assert "after 60 steps" in fig.get_suptitle()


def test_run_writes_regions_only_for_classifiers_of_the_plane(result):
    assert comparison_kinds(result) == ("loss", "path", "regions")
    _, contents = output.run_files(result, "optcompare run")
    assert "regions.png" in contents.files
    plain = optcompare.run("adam", "rosenbrock", steps=3)
    assert comparison_kinds(plain) == ("loss", "path")
    assert "regions.png" not in output.run_files(plain, "optcompare run")[1].files
    with pytest.raises(ValueError, match="does not classify points of the plane"):
        plot_regions(plain)
