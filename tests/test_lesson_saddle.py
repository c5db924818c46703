"""Lesson saddle: adaptive steps leave the saddle early (the claim) and where they cannot.

Escape steps are recomputed from plain ``optcompare.run`` calls; plain gradient
descent's escape step is derived in closed form here: y_t = y_0 (1 + 2 lr)^t.
"""

from __future__ import annotations

import functools
import math

import numpy as np

import optcompare
from optcompare.lessons import saddle as L
from optcompare.lessons.base import LessonResult, fmt


@functools.cache
def ran() -> LessonResult:
    return L.LESSON.run("png")


def escapes(problem: str, start: tuple[float, float], seeds: int = 1) -> dict[str, list]:
    result = optcompare.run(L.OPTS, problem, steps=L.STEPS, start=np.array(start), seeds=seeds)
    out = {}
    for lab in result.labels:
        steps = []
        for run in result.runs_of(lab):
            k = np.flatnonzero(np.abs(run.x[:, 1]) > 0.5)
            steps.append(int(k[0]) if k.size else None)
        out[lab] = steps
    return out


def test_claim_adaptive_methods_escape_early_and_ignore_the_start():
    n = ran().numbers
    far, near = escapes("saddle", (-1.0, 1e-3)), escapes("saddle", (-1.0, 1e-6))
    gd = [math.ceil(math.log(0.5 / y0) / math.log(1 + 2 * 0.01)) for y0 in (1e-3, 1e-6)]
    sgd = "sgd lr=0.01"
    assert abs(far[sgd][0] - gd[0]) <= 1 and abs(near[sgd][0] - gd[1]) <= 1
    for lab in ("rmsprop lr=0.01", "adam lr=0.01", "rprop lr=0.01"):
        assert far[lab][0] < far[sgd][0] / 5  # "much sooner"
        assert near[lab][0] == far[lab][0]  # the closer start costs nothing
        assert n["optimizers"][lab]["escape_step"] == far[lab][0]
    text = ran().text
    assert f"Plain SGD escaped at step {far[sgd][0]}" in text
    assert "(tuned)" not in text and "RMSProp (step" in text


def test_first_y_steps_are_the_ones_derived():
    o = ran().numbers["optimizers"]
    assert math.isclose(o["sgd lr=0.01"]["first_y_step"], 2 * 0.01 * 1e-3, rel_tol=1e-9)
    # v_1 = (1 - alpha) g^2, so the first step is lr |g| / (sqrt(1 - alpha) |g| + eps)
    g = 2 * 1e-3
    assert math.isclose(
        o["rmsprop lr=0.01"]["first_y_step"],
        0.01 * g / (math.sqrt(1 - 0.99) * g + 1e-8),
        rel_tol=1e-9,
    )
    for lab in ("adam lr=0.01", "rprop lr=0.01", "adagrad lr=0.01"):
        assert math.isclose(o[lab]["first_y_step"], 0.01, rel_tol=1e-5)


def test_counter_case_on_the_ridge_nobody_escapes():
    n = ran().numbers
    ridge = optcompare.run(L.OPTS, "saddle", steps=L.STEPS, start=np.array([-1.0, 0.0]))
    for run in ridge.runs:
        assert np.all(run.x[:, 1] == 0)  # the y-gradient is exactly zero: nothing to rescale
        assert n["optimizers"][run.label]["ridge_escape_step"] is None
    # the runs converge into the saddle point, a stationary point that is not a minimum
    slid = [r.label for r in ridge.runs if abs(r.x[-1, 0]) < L.AT_SADDLE]
    assert len(slid) >= 4
    counter = ran().text.split("## Where the claim weakens")[1].split("## ")[0]
    assert "no optimizer escaped" in counter
    for lab in slid:
        assert fmt(abs(ridge.runs_of(lab)[0].x[-1, 0]), 2) in counter
    assert "Adagrad (|x| = " in counter  # still on its way: the page must not say it arrived


def test_counter_case_noise_lets_sgd_escape_from_the_ridge():
    n = ran().numbers
    noisy = escapes(f"saddle:noise={L.NOISE:g}", (-1.0, 0.0), seeds=L.NOISE_SEEDS)
    sgd = noisy["sgd lr=0.01"]
    assert None not in sgd
    median = float(np.median(sgd))
    assert n["optimizers"]["sgd lr=0.01"]["noisy_escape_median"] == median
    counter = ran().text.split("## Where the claim weakens")[1]
    assert f"at a median step {fmt(median)} (from {min(sgd)} to {max(sgd)})" in counter
    # sooner than from y = 1e-6 without noise: the noise, not the start, sets the time
    assert median < n["optimizers"]["sgd lr=0.01"]["escape_step_closer"]
    assert "the noise, not the start, sets the escape time" in counter


def test_claim_adagrad_is_no_faster_from_the_default_start_but_ignores_the_start():
    """The claim's exception: Adagrad scales its steps too, but they shrink; from y = 0.001
    it escapes no sooner than gradient descent, from y = 1e-6 sooner (the start costs it
    nothing)."""
    far, near = escapes("saddle", (-1.0, 1e-3)), escapes("saddle", (-1.0, 1e-6))
    ada, sgd = "adagrad lr=0.01", "sgd lr=0.01"
    assert far[ada][0] >= far[sgd][0]
    assert near[ada][0] == far[ada][0] < near[sgd][0]
    assert "from y = 0.001 it is no faster than gradient descent" in L.CLAIM
    assert f"Slower than SGD from this start: Adagrad (step {far[ada][0]})" in ran().text
    for setting in (f"lr {L.LR}", f"{L.STEPS} steps"):
        assert setting in L.CLAIM
