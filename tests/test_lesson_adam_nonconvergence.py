"""Lesson ``adam-nonconvergence``: the claim (at beta2 = 0.99 Adam drifts to the worst point
x = +1 of Reddi et al.'s problem, AMSGrad heads for -1) and its counter-case (at PyTorch's
default beta2 = 0.999 Adam does not end at +1), and NAdam beside Adam with Adam's settings.

The batch the lesson runs is checked against plain ``optcompare.run`` calls, and the regret
is recomputed here from the iterates and the problem's definition.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import pytest

import optcompare
from optcompare.lessons import adam_nonconvergence as lesson_module
from optcompare.lessons import adam_nonconvergence_text as lesson_text
from optcompare.lessons import get_lesson
from optcompare.lessons.base import LessonResult, fmt

KEYS = (
    "adam",
    "amsgrad",
    "adam_beta2_0.999",
    "amsgrad_beta2_0.999",
    "nadam",
    "nadam_momentum_decay_0",
)


@functools.cache
def lesson() -> LessonResult:
    return get_lesson("adam-nonconvergence").run("png")


@functools.cache
def iterates() -> tuple[np.ndarray, np.ndarray]:
    """x (steps+1, 6) and R_t/t (steps, 6) from the lesson's CSV table."""
    header, rows = lesson().tables["iterates.csv"]
    k = len(KEYS)
    assert header[1 : k + 1] == [f"x_{key}" for key in KEYS]
    x = np.array([[float(v) for v in row[1 : k + 1]] for row in rows])
    R = np.array([[float(v) for v in row[k + 1 : 2 * k + 1]] for row in rows[1:]])  # from step 1
    return x, R


def regret_from_definition(x: np.ndarray) -> np.ndarray:
    """R_t / t for f_t(x) = 1010 x if t mod 101 = 1 else -10 x on [-1, 1], x_t played at t."""
    t = np.arange(1, len(x))
    coef = np.where(t % 101 == 1, 1010.0, -10.0)
    played = coef[:, None] * x[:-1]  # f_t(x_t), x_t being the point before step t
    best = -np.abs(np.cumsum(coef))  # min over x in [-1, 1] of sum_t f_t(x)
    return (np.cumsum(played, axis=0) - best[:, None]) / t[:, None]


def test_batch_equals_separate_runs_for_all_six():
    """Adam and AMSGrad at both beta2 run as one batch, NAdam as another; the iterates equal
    plain runs up to rounding: with beta2 a per-run column, beta2**t is an array power, which
    may differ from Python's float power in the last bit (over the lesson's 30,000 steps by
    at most 4e-16)."""
    specs = lesson_module.OPTS + lesson_module.COUNTER + lesson_module.NADAM
    sim = lesson_module.simulate(steps=400)
    result = optcompare.run(specs, "reddi", steps=400, lr_schedule="inv-sqrt")
    assert sim["labels"] == result.labels
    for j, run in enumerate(result.runs):
        np.testing.assert_allclose(sim["x"][:, j], run.x[:, 0], rtol=0, atol=1e-14)


def test_regret_matches_its_definition():
    x, R = iterates()
    np.testing.assert_allclose(R, regret_from_definition(x), rtol=1e-9, atol=1e-9)


# -- the claim ------------------------------------------------------------------------------


def test_adam_at_099_ends_at_the_worst_point_and_amsgrad_heads_for_the_best():
    x, _ = iterates()
    assert x[-1, 0] > 0.9
    assert x[-1, 1] < -0.9
    n = lesson().numbers
    assert n["adam_final_x"] == x[-1, 0] and n["amsgrad_final_x"] == x[-1, 1]
    assert n["adam_recent_regret_per_step"] > n["regret_at_plus_one"]
    assert n["amsgrad_recent_regret_per_step"] < n["adam_recent_regret_per_step"] / 2


# -- the counter-case -----------------------------------------------------------------------


def test_adam_at_pytorchs_default_beta2_does_not_end_at_plus_one():
    x, _ = iterates()
    assert x[-1, 2] < 0  # on the best side of the domain
    c = lesson().numbers["counter"]
    assert c["beta2"] == 0.999
    assert c["adam_final_x"] == x[-1, 2]
    counter = lesson().text.split("## Where the claim weakens", 1)[1].split("\n## ", 1)[0]
    assert f"Adam ended at x = {fmt(x[-1, 2])}" in counter
    assert "not at the worst point +1" in counter
    assert f"x = {fmt(x[-1, 0])} at beta2 = 0.99" in counter


def test_page_does_not_call_099_usual():
    text = lesson().text
    assert "usual" not in text
    assert "the paper's setting for this experiment" in text
    assert "PyTorch's default beta2 = 0.999" in text


def test_captions_carry_the_numbers():
    x, _ = iterates()
    line = next(s for s in lesson().text.splitlines() if s.startswith("- `beta2"))
    for j in (0, 2, 3):
        assert fmt(x[-1, j]) in line


@pytest.mark.parametrize(
    ("final_x", "phrase"),
    [
        (0.95, "the failure holds at this beta2 too"),
        (0.3, "on the wrong side, but not at the worst point +1"),
        (-0.5, "on the best side, not at the worst point +1"),
    ],
)
def test_counter_text_follows_the_numbers(final_x, phrase):
    n = copy.deepcopy(lesson().numbers)
    n["counter"]["adam_final_x"] = final_x
    counter = lesson_text.counter_case(
        n, n["adam_final_x"], lesson_module.BETA2, lesson_module.RECENT_PERIODS
    )
    assert phrase in " ".join(counter)


def test_findings_say_when_the_claim_does_not_hold():
    n = copy.deepcopy(lesson().numbers)
    n["adam_final_x"], n["amsgrad_final_x"] = -0.5, 0.2
    n["adam_recent_regret_per_step"] = 0.01
    n["amsgrad_recent_regret_per_step"] = 0.3
    text = " ".join(lesson_text.findings(n, [300, 3000, 30000], lesson_module.RECENT_PERIODS))
    assert "did not drift to the worst point" in text
    assert "did not reach the best side" in text
    assert "does not show clearly" in text and "not clearly less" in text


def test_adams_regret_rate_is_compared_with_standing_at_plus_one_as_measured():
    """Over the last 10 periods Adam's regret grows faster than standing at +1 costs (its x
    dips after each big gradient); the page says 'times what', never 'as much as'."""
    x, R = iterates()
    k = lesson_module.RECENT_PERIODS * 101
    T = len(R)
    rate = (R[T - 1, 0] * T - R[T - 1 - k, 0] * (T - k)) / k  # regret added per step
    worst = 2 * 10 / 101
    assert rate > 1.1 * worst
    findings = lesson().text.split("## What the numbers say", 1)[1].split("\n## ", 1)[0]
    assert f"{fmt(rate / worst, 2)} times what standing at x = +1 costs" in findings
    assert "x dips below +1" in findings


@pytest.mark.parametrize(
    ("rate", "phrase", "dips"),
    [
        (0.21, "about as much as standing", False),
        (0.15, "0.75 of what standing", False),
        (0.4, "2 times what standing", True),
    ],
)
def test_regret_comparison_follows_the_numbers(rate, phrase, dips):
    n = copy.deepcopy(lesson().numbers)
    n["adam_recent_regret_per_step"] = rate
    n["regret_at_plus_one"] = 0.2
    text = " ".join(lesson_text.findings(n, [300, 3000, 30000], lesson_module.RECENT_PERIODS))
    assert phrase in text and ("x dips" in text) == dips


def test_variant_figures_say_colours_mark_labels():
    for name in ("iterates", "beta2", "regret"):
        legends = [ax.get_legend() for ax in lesson().figures[name].axes if ax.get_legend()]
        assert legends, name
        assert all("per label" in lg.get_title().get_text() for lg in legends), name


def test_colours_mark_the_algorithm_and_dashes_pytorchs_default_beta2():
    """The four runs are all Adam: Adam takes one end of the ordered ramp, AMSGrad the
    other (in every panel), and the runs at PyTorch's default beta2 = 0.999 are dashed."""
    from matplotlib.colors import to_hex

    from optcompare.plotting.colors import sequence

    adam, amsgrad = sequence(2)
    assert adam != amsgrad
    runs = []
    for name in ("iterates", "beta2", "regret"):
        for ax in lesson().figures[name].axes:
            runs += [line for line in ax.get_lines() if str(line.get_label()).startswith("adam ")]
    # iterates: 2 + one per zoom panel; beta2: 3; regret: 2 per panel
    assert len(runs) == 4 + 3 + 4
    for line in runs:
        label = str(line.get_label())
        assert to_hex(line.get_color()) == (amsgrad if "amsgrad=true" in label else adam), label
        assert line.get_linestyle() == ("--" if "beta2=0.999" in label else "-"), label
    (beta2_ax,) = lesson().figures["beta2"].axes
    drawn = {str(line.get_label()) for line in beta2_ax.get_lines()}
    assert {"adam lr=0.5 beta1=0.9 beta2=0.999", "adam lr=0.5 beta1=0.9 beta2=0.99"} <= drawn


# -- NAdam ----------------------------------------------------------------------------------


def test_nadam_runs_with_adams_settings_and_pytorchs_default_momentum_decay():
    """The NAdam runs use the claim's lr, betas and schedule; the first keeps PyTorch's
    momentum_decay (4e-3, torch.optim.NAdam's default), the second sets it to 0."""
    from optcompare.experiments.choices import make_optimizers

    a, n, n0 = make_optimizers([lesson_module.ADAM, *lesson_module.NADAM])
    assert n.optimizer.name == n0.optimizer.name == "nadam"
    for key in ("lr", "beta1", "beta2"):
        assert n.values[key] == n0.values[key] == a.values[key], key
    assert (n.values["beta1"], n.values["beta2"]) == (0.9, 0.99)
    assert n.values["momentum_decay"] == 4e-3 and n0.values["momentum_decay"] == 0


@functools.cache
def nadam_final_x() -> list[float]:
    """NAdam's final x at both momentum_decay, from plain runs of the lesson's settings."""
    result = optcompare.run(
        [f"nadam:lr=0.5,beta1=0.9,beta2=0.99{md}" for md in ("", ",momentum_decay=0")],
        "reddi",
        steps=30_000,
        lr_schedule="inv-sqrt",
    )
    return [float(run.x[-1, 0]) for run in result.runs]


def test_nadam_final_x_is_that_of_a_plain_run_and_the_page_says_it():
    xn, x0 = nadam_final_x()
    x, _ = iterates()
    np.testing.assert_allclose(x[-1, 4:], [xn, x0], rtol=0, atol=1e-12)
    assert lesson().numbers["nadam"]["final_x"] == [x[-1, 4], x[-1, 5]]
    findings = lesson().text.split("## What the numbers say", 1)[1].split("\n## ", 1)[0]
    assert f"momentum_decay = 0.004) ended at x = {fmt(xn)}" in findings
    assert f"NAdam ended at x = {fmt(x0)}" in findings
    # at the paper's beta2 NAdam ends within 0.1 of the worst point, as Adam does
    assert xn > 0.9 and "it fails like Adam" in findings
    assert f"{fmt(abs(xn - x0), 2)} from x = {fmt(xn)}" in findings


@pytest.mark.parametrize(
    ("final_x", "flat_x", "phrases"),
    [
        (0.95, 0.94, ("it fails like Adam", "hardly matters here")),
        (0.3, 0.95, ("on the wrong side, but not at the worst point", "schedule matters here")),
        (-0.4, -0.41, ("does not fail like Adam", "hardly matters here")),
    ],
)
def test_nadam_text_follows_the_numbers(final_x, flat_x, phrases):
    n = copy.deepcopy(lesson().numbers)
    n["nadam"]["final_x"] = [final_x, flat_x]
    text = " ".join(lesson_text.nadam_case(n, lesson_module.RECENT_PERIODS))
    assert all(p in text for p in phrases), text
    assert f"ended at x = {fmt(final_x)}" in text


def test_nadam_is_drawn_in_its_own_colour():
    from matplotlib.colors import to_hex

    from optcompare.plotting.colors import optimizer_color, sequence

    assert optimizer_color("nadam") not in {c.lower() for c in sequence(2)}
    lines = [
        line
        for name in ("iterates", "regret")
        for ax in lesson().figures[name].axes
        for line in ax.get_lines()
        if str(line.get_label()).startswith("nadam ")
    ]
    assert len(lines) == 2 + 2  # iterates: the whole run and its zoom panel; regret: 2
    assert {to_hex(line.get_color()) for line in lines} == {optimizer_color("nadam").lower()}
