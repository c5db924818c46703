"""Lesson ``ravine``: the claim (momentum 0.5 damps SGD's zig-zag; RMSProp and Adam rescale
the coordinates) and its counter-case (momentum 0.9 at the same lr zig-zags more).

The crossings are recounted here from fresh runs and from an independent heavy-ball
simulation, not read back from the lesson.
"""

from __future__ import annotations

import copy
import functools
import math

import numpy as np
import pytest

import optcompare
from optcompare.lessons import get_lesson, ravine, ravine_text
from optcompare.lessons.base import LessonResult, fmt

CURVATURES = (1.0, 25.0)  # f = (x^2 + 25 y^2) / 2
START = (-5.0, -2.0)
THRESHOLD = 0.02  # 1% of |y0| = 2


@functools.cache
def lesson() -> LessonResult:
    return get_lesson("ravine").run("png")


def crossings(y: np.ndarray, threshold: float = THRESHOLD) -> int:
    """Sign changes of y from one step to the next while the earlier |y| > threshold."""
    count = 0
    for a, b in zip(y[:-1], y[1:], strict=True):
        if abs(a) > threshold and a * b < 0:
            count += 1
    return count


def heavy_ball(lr: float, beta: float, steps: int = ravine.STEPS) -> np.ndarray:
    """PyTorch's SGD with momentum on the ravine, written out: b_1 = g_1,
    b_t = beta b_t-1 + g_t, x_t = x_t-1 - lr b_t.  Returns the iterates (steps+1, 2)."""
    h = np.array(CURVATURES)
    x = np.array(START)
    out = [x.copy()]
    b = None
    for _ in range(steps):
        g = h * x
        b = g if b is None else beta * b + g
        x = x - lr * b
        out.append(x.copy())
    return np.array(out)


# -- the claim, in the lesson's setting ---------------------------------------------------


def test_sgd_zigzags_and_momentum_half_damps_it_in_fresh_runs():
    result = optcompare.run([ravine.SGD, ravine.MOMENTUM], ravine.PROBLEM, steps=ravine.STEPS)
    z_sgd, z_mom = (crossings(r.x[:, 1]) for r in result.runs)
    assert z_sgd >= 10
    assert z_mom < 0.75 * z_sgd
    n = lesson().numbers
    assert (n["zigzags_sgd"], n["zigzags_momentum"]) == (z_sgd, z_mom)


def test_rmsprop_and_adam_give_the_flat_coordinate_the_longer_step():
    n = lesson().numbers
    assert n["effective_step_ratio_sgd"] == pytest.approx(1.0, rel=1e-9)
    assert n["effective_step_ratio_rmsprop"] > 3
    assert n["effective_step_ratio_adam"] > 3


def test_curvatures_and_step_limits():
    n = lesson().numbers
    assert (n["curvatures"]["mu"], n["curvatures"]["L"]) == CURVATURES
    text = lesson().text
    # lr 0.07 sits between 1/L and 2/L, and the page says so with L, not kappa
    assert f"1/L = {fmt(1 / 25)}" in text and f"2/L = {fmt(2 / 25)}" in text
    assert "1/kappa" not in text and "2/kappa" not in text


# -- the counter-case: more momentum at the same lr ----------------------------------------


@pytest.mark.parametrize("beta", ravine.BETAS)
def test_sweep_counts_match_an_independent_heavy_ball(beta):
    x = heavy_ball(ravine.LR, beta)
    m = lesson().numbers["momentum_sweep"][str(beta)]
    assert m["zigzags"] == crossings(x[:, 1])


def test_momentum_09_zigzags_more_than_plain_sgd():
    z0 = crossings(heavy_ball(ravine.LR, 0.0)[:, 1])
    z9 = crossings(heavy_ball(ravine.LR, 0.9)[:, 1])
    assert z9 > 1.5 * z0
    assert lesson().numbers["zigzags_momentum_common"] == z9


def test_contraction_factors_from_the_closed_form():
    """beta = 0: |1 - lr h|; complex roots (beta > (1 - sqrt(lr h))^2): sqrt(beta)."""
    m = lesson().numbers["momentum_sweep"]
    lr = ravine.LR
    assert m["0.0"]["contraction_steep"] == pytest.approx(abs(1 - lr * 25))
    assert m["0.0"]["contraction_flat"] == pytest.approx(abs(1 - lr * 1))
    for beta in (0.25, 0.5, 0.75, 0.9):
        assert m[str(beta)]["contraction_steep"] == pytest.approx(math.sqrt(beta))
    # the observed decay of |y| at beta = 0.9 matches sqrt(0.9): envelope over 200 steps
    y = np.abs(heavy_ball(lr, 0.9, steps=400)[:, 1])
    peaks = [y[t - 5 : t + 5].max() for t in (100, 300)]
    assert (peaks[1] / peaks[0]) ** (1 / 200) == pytest.approx(math.sqrt(0.9), rel=0.01)


# -- the page says what the numbers show -------------------------------------------------


def test_page_reports_the_counter_case_with_its_numbers():
    res = lesson()
    m = res.numbers["momentum_sweep"]
    z0, z9 = m["0.0"]["zigzags"], m["0.9"]["zigzags"]
    counter = res.text.split("## Where the claim weakens", 1)[1].split("##", 1)[0]
    assert f"crossed the valley floor {z9} times" in counter
    assert f"against {z0} for plain SGD" in counter
    assert "momentum 0.9 made the zig-zag worse" in counter
    assert "lr 0.07" in counter


def test_captions_carry_the_counts_not_fixed_phrases():
    res = lesson()
    o = res.numbers["optimizers"]
    animation = next(line for line in res.text.splitlines() if line.startswith("- `animation"))
    for label, v in o.items():
        assert f"{label}: {v['zigzags']}" in animation
    assert "bounce while the others slide" not in res.text
    title = res.figures["momentum"].axes[0].get_title()
    m = res.numbers["momentum_sweep"]
    for beta in ravine.SHOWN_BETAS:
        assert f"{fmt(beta)}: {m[str(beta)]['zigzags']}" in title


def test_no_speed_ranking_at_untuned_lrs():
    text = lesson().text
    assert "First to loss" not in text
    assert "not tuned" in text
    for spec in ravine.OPTS:
        assert f"`{spec}`" in text  # every lr used is named


def test_counter_text_follows_the_numbers():
    n = copy.deepcopy(lesson().numbers)
    n["momentum_sweep"]["0.9"]["zigzags"] = 3  # as if momentum 0.9 had damped it
    text = " ".join(
        ravine_text.counter_case(n, THRESHOLD, ravine.LR, ravine.BETAS, ravine.COMMON_BETA)
    )
    assert "momentum 0.9 damped the zig-zag here too" in text
    assert "made the zig-zag worse" not in text


def test_findings_say_when_momentum_does_not_help():
    n = copy.deepcopy(lesson().numbers)
    label = dict(zip(("sgd", "momentum", "rmsprop", "adam"), n["optimizers"], strict=True))
    n["zigzags_momentum"] = n["zigzags_sgd"] + 10
    text = " ".join(ravine_text.findings(n, label, THRESHOLD, ravine.LR, ravine.KAPPA))
    assert "momentum made the zig-zag worse at this lr" in text and "damped" not in text


def test_momentum_figure_tells_the_variants_apart():
    """The momentum figure draws each label as every figure of the lesson does (SGD's
    shades, see test_lesson_colours), so two of its lines may share a colour only if
    their line styles differ; none the same as another in both."""
    from optcompare.plotting.colors import DISTINCT
    from optcompare.plotting.delta_e import delta_e

    ax = lesson().figures["momentum"].axes[0]
    lines = [line for line in ax.get_lines() if "momentum=" in str(line.get_label())]
    assert len(lines) == len(ravine.SHOWN_BETAS)
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            apart = delta_e(a.get_color(), b.get_color()) >= DISTINCT
            assert apart or a.get_linestyle() != b.get_linestyle()
    assert not ax.get_legend().get_title().get_text()  # colours do not mark labels here
