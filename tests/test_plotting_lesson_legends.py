"""The adam-nonconvergence lesson's regret figure: its legend covers none of the curves,
checked on the drawn figure (display coordinates), in the paper look and the talk look."""

from __future__ import annotations

import numpy as np
import pytest

from optcompare.lessons import get_lesson
from optcompare.plotting.restyle import apply_style


@pytest.fixture(scope="module")
def regret_figure():
    return get_lesson("adam-nonconvergence").run("png").figures["regret"]


def drawn_points(ax) -> np.ndarray:
    """Every finite data point of the axes' lines, in display pixels, that lies inside
    the axes (what is clipped away is not drawn)."""
    box = ax.get_window_extent()
    parts = []
    for line in ax.get_lines():
        xy = np.asarray(line.get_xydata(), dtype=float)
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if len(xy) == 0:
            continue
        px = ax.transData.transform(xy)
        keep = (px[:, 0] >= box.x0) & (px[:, 0] <= box.x1)
        keep &= (px[:, 1] >= box.y0) & (px[:, 1] <= box.y1)
        parts.append(px[keep])
    return np.concatenate(parts) if parts else np.empty((0, 2))


def covered_points(fig) -> int:
    """How many drawn points of the figure's curves lie under its one legend."""
    fig.draw_without_rendering()
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert len(legends) == 1  # the two panels show the same runs: one legend serves both
    box = legends[0].get_window_extent()
    covered = 0
    for ax in fig.axes:
        points = drawn_points(ax)
        assert len(points) > 100  # the curves are there to be covered
        inside = (
            (points[:, 0] >= box.x0)
            & (points[:, 0] <= box.x1)
            & (points[:, 1] >= box.y0)
            & (points[:, 1] <= box.y1)
        )
        covered += int(inside.sum())
    return covered


def test_the_regret_legend_covers_no_curve_on_paper_or_on_a_slide(regret_figure):
    fig = regret_figure
    assert covered_points(fig) == 0
    # the talk style's larger type grows the legend: it must still cover nothing
    assert covered_points(apply_style(fig, "talk")) == 0
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    # and it still names every run drawn
    labels = {t.get_text().replace("\n", " ") for t in legends[0].get_texts()}
    drawn = {str(line.get_label()) for line in fig.axes[0].get_lines()}
    assert {d for d in drawn if not d.startswith("_")} <= labels
