"""Lesson gradient-scale: invariance to a constant factor (the claim) and where eps ends it.

Path differences are recomputed from plain ``optcompare.run`` calls on the
scaled problem; the eps / c equivalence is derived here from the update rule
(sqrt(v) scales with c, so c * f with eps behaves as f with eps / c).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import optcompare
from optcompare.lessons import gradient_scale as L
from optcompare.lessons.base import LessonResult, fmt
from optcompare.problem import make_problem


@functools.cache
def ran() -> LessonResult:
    return L.LESSON.run("png")


@functools.cache
def paths(scale: float) -> list[np.ndarray]:
    base = make_problem(L.PROBLEM)
    problem = base if scale == 1 else L.Scaled(base, scale)
    return [r.x for r in optcompare.run(L.OPTS, problem, steps=L.STEPS).runs]


def difference(x: np.ndarray, ref: np.ndarray) -> float:
    if not np.all(np.isfinite(x)):
        return float("inf")
    length = np.sum(np.linalg.norm(np.diff(ref, axis=0), axis=1))
    return float(np.max(np.linalg.norm(x - ref, axis=1)) / length)


def test_claim_adaptive_paths_do_not_notice_a_factor_1000():
    n = ran().numbers
    ref = paths(1.0)
    for s in L.SCALES:
        got = [difference(x, r) for x, r in zip(paths(s), ref, strict=True)]
        sgd, rmsprop, adam, rprop = got
        assert sgd > 0.5  # SGD's path changes completely (or diverges)
        assert rmsprop < 1e-3 and adam < 1e-3  # nearly the same path
        assert rprop == 0.0  # signs only: bit for bit
        for k, lab in enumerate(n["optimizers"]):
            assert n["optimizers"][lab]["ratio"][L.scale_text(s)] == pytest.approx(
                got[k], rel=1e-12
            ) or (np.isinf(got[k]) and np.isinf(n["optimizers"][lab]["ratio"][L.scale_text(s)]))
    text = ran().text
    assert fmt(n["rmsprop_ratio_0.001"], 2) in text and fmt(n["adam_ratio_1000"], 2) in text


def test_counter_case_gradients_near_eps_change_the_path():
    n = ran().numbers
    ref = paths(1.0)
    tiny = [difference(x, r) for x, r in zip(paths(L.TINY), ref, strict=True)]
    assert tiny[1] > L.SMALL and tiny[2] > L.SMALL  # RMSProp and Adam: a visibly other path
    assert tiny[3] == 0.0  # Rprop has no eps
    counter = ran().text.split("## Where the claim weakens")[1].split("## ")[0]
    assert fmt(tiny[1], 2) in counter and fmt(tiny[2], 2) in counter
    for c in n["breaks_below"].values():
        assert c is not None and 1e-9 <= c <= 1e-6  # where c |g| approaches eps = 1e-8
        assert f"first exceeds {fmt(L.SMALL)} at scale {fmt(c)}" in counter


def test_scaling_f_by_c_equals_dividing_eps_by_c():
    base = make_problem(L.PROBLEM)
    c = 1e-6
    scaled = optcompare.run(["rmsprop:lr=0.01", "adam:lr=0.05"], L.Scaled(base, c), steps=L.STEPS)
    rescaled = optcompare.run(
        [f"rmsprop:lr=0.01,eps={1e-8 / c:g}", f"adam:lr=0.05,eps={1e-8 / c:g}"], base, steps=L.STEPS
    )
    for a, b in zip(scaled.runs, rescaled.runs, strict=True):
        np.testing.assert_allclose(a.x, b.x, rtol=0, atol=1e-12)
    assert max(ran().numbers["eps_equivalence"].values()) < 1e-12


def test_sweep_difference_grows_as_the_scale_shrinks():
    sweep = ran().numbers["sweep"]
    for lab, d in sweep["difference"].items():
        if lab.split()[0] in ("rmsprop", "adam"):
            below = [v for s, v in zip(sweep["scales"], d, strict=True) if s < 1]
            assert all(a <= b for a, b in zip(below, below[1:], strict=False))


def test_findings_state_each_result_once():
    """One sentence per optimizer; the eps explanation appears once, not per scale."""
    findings = ran().text.split("## What the numbers say", 1)[1].split("\n## ", 1)[0]
    assert findings.count("eps / ") == 0 and findings.count("comes from eps") == 1
    for lab in ran().numbers["optimizers"]:
        assert findings.count(f"- {lab}:") == 1
    assert "identical, bit for bit, at scales 0.001 and 1000" in findings


def test_sweep_sentence_reports_the_growth_factors():
    n = ran().numbers
    counter = ran().text.split("## Where the claim weakens")[1].split("## ")[0]
    sweep = n["sweep"]
    for lab in n["breaks_below"]:
        d = dict(zip(sweep["scales"], sweep["difference"][lab], strict=True))
        factor = d[1e-6] / d[1e-3]
        assert 500 < factor < 2000  # eps / c: a thousandfold smaller scale, ~1000x the gap
        assert f"(a factor {factor:,.0f})" in counter
    assert "grows like 1 / scale" in counter
