"""Lesson ``adagrad-decay``: the claim (Adagrad's step only shrinks and at lr 0.05 it stalls,
against RMSProp at the same lr and at the same first step) and its counter-cases (at lr 0.5
Adagrad converges; Adadelta's lr matters).

First steps are derived from the update rules; losses and effective steps are recomputed
here from fresh runs, from positions and the known gradient, not from recorded state.
"""

from __future__ import annotations

import copy
import functools
import itertools
import re

import numpy as np
import pytest

import optcompare
from optcompare.lessons import adagrad_decay as lesson_module
from optcompare.lessons import adagrad_decay_text, get_lesson
from optcompare.lessons.base import LessonResult, fmt
from optcompare.optimizers.adadelta import OPTIMIZER as ADADELTA

H = np.array([1.0, 10.0])  # quadratic:kappa=10: f = (x^2 + 10 y^2) / 2, f* = 0


@functools.cache
def lesson() -> LessonResult:
    return get_lesson("adagrad-decay").run("png")


@functools.cache
def fresh(spec: str):
    (r,) = optcompare.run([spec], lesson_module.PROBLEM, steps=lesson_module.STEPS).runs
    return r


def effective_steps(x: np.ndarray) -> np.ndarray:
    """-(x_t - x_t-1) / g(x_t-1) per coordinate, with the quadratic's gradient H x."""
    g = H * x[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(x[1:] - x[:-1]) / g


def entry(spec: str) -> dict:
    n = lesson().numbers
    label = dict(zip(lesson_module.OPTS, n["optimizers"], strict=True))
    return n["optimizers"][label[spec]]


# -- first steps: Adagrad's is lr, RMSProp's (alpha = 0.99) is lr / sqrt(0.01) = 10 lr -----


@pytest.mark.parametrize(
    ("spec", "first"),
    [
        ("adagrad:lr=0.05", 0.05),
        ("rmsprop:lr=0.005", 0.05),
        ("adagrad:lr=0.5", 0.5),
        ("rmsprop:lr=0.05", 0.5),
    ],
)
def test_first_steps_are_as_derived(spec, first):
    x = fresh(spec).x
    np.testing.assert_allclose(np.abs(x[1] - x[0]), first, rtol=1e-6)
    assert entry(spec)["first_step"] == pytest.approx(first, rel=1e-6)


# -- the claim ------------------------------------------------------------------------------


def test_adagrads_effective_step_never_grows():
    for spec in (lesson_module.ADAGRAD, lesson_module.ADAGRAD_BIG):
        e = effective_steps(fresh(spec).x)
        for j in range(2):
            ej = e[np.isfinite(e[:, j]), j]
            assert np.all(ej[1:] <= ej[:-1] * (1 + 1e-9)), spec  # rounding is not growth
        assert not entry(spec)["effective_step_ever_grew"]


def test_adagrad_at_lr_005_stalls_against_rmsprop_at_the_same_lr_and_first_step():
    ada = fresh(lesson_module.ADAGRAD)
    assert ada.final_loss > 0.1  # still far off after 3000 steps
    assert ada.loss[1500] / ada.final_loss < 10  # the second half gains little
    for spec in (lesson_module.RMSPROP, lesson_module.RMSPROP_SMALL):
        assert fresh(spec).best_loss < 1e-10, spec
    assert entry(lesson_module.ADAGRAD)["final_gap"] == ada.final_loss


def test_shrink_factor_on_the_page_is_computed():
    e = effective_steps(fresh(lesson_module.ADAGRAD).x)
    ratios = [np.median(e[-10:, j]) / e[0, j] for j in range(2)]
    text = lesson().text
    assert f"{fmt(1 / max(ratios), 3)}- to {fmt(1 / min(ratios), 3)}-fold shrink" in text
    assert "at least 11-fold" not in text


def test_adadelta_rise_is_reported():
    r = fresh("adadelta")
    best = int(np.argmin(r.loss))
    assert r.final_loss > 2 * r.loss[best]  # it rises
    text = lesson().text
    assert re.search(
        rf"Adadelta at lr 1 does not stay down: its loss - f\* reached "
        rf"{re.escape(fmt(r.loss[best]))} at step {best} and rose to "
        rf"{re.escape(fmt(r.final_loss))}",
        text,
    )


# -- the counter-cases ----------------------------------------------------------------------


def test_adagrad_at_equal_first_steps_of_05_does_not_stall():
    ada, rms = fresh(lesson_module.ADAGRAD_BIG), fresh(lesson_module.RMSPROP)
    assert ada.final_loss < 1e-30
    assert ada.final_loss < rms.final_loss
    counter = lesson().text.split("## Where the claim weakens", 1)[1].split("\n## ", 1)[0]
    assert "Adagrad (lr 0.5) did not stall" in counter
    assert fmt(ada.final_loss) in counter


def test_adadelta_lr_sweep_spread():
    finals = {lr: fresh(f"adadelta:lr={lr}").final_loss for lr in lesson_module.ADADELTA_LRS}
    spread = max(finals.values()) / min(finals.values())
    assert spread > 100  # the lr matters
    n = lesson().numbers
    assert n["adadelta_lr_spread"]["ratio"] == pytest.approx(spread)
    assert f"a {fmt(spread, 2)}-fold spread" in lesson().text


def test_page_does_not_say_adadelta_needs_no_lr():
    text = lesson().text.lower()
    assert "needs no lr" not in text and "needs no learning rate" not in text
    assert "zeiler" in text and "lr (default 1" in text


def test_adadelta_texts_name_pytorchs_lr():
    assert "no lr needed" not in ADADELTA.summary
    assert "lr" in ADADELTA.summary
    assert "default 1.0" in ADADELTA.related and "paper has no learning rate" in ADADELTA.related


def test_stall_sentence_follows_the_numbers():
    n = copy.deepcopy(lesson().numbers)
    label = dict(zip(lesson_module.OPTS, n["optimizers"], strict=True))
    ada = n["optimizers"][label[lesson_module.ADAGRAD]]
    ada["final_gap"], ada["gap_at_half"] = 1e-20, 1e-10  # as if it had converged
    text = adagrad_decay_text.stall(
        n, label[lesson_module.ADAGRAD], label[lesson_module.RMSPROP], "the same lr 0.05", 1500
    )
    assert "did not stall" in text and "stalls" not in text


def test_adadelta_lr_figure_tells_each_lr_apart_in_the_folders_inks():
    """Five lrs of one optimizer, each drawn as the whole folder draws it (Adadelta's
    shades, see test_lesson_colours), and no two alike (colours at least DISTINCT apart
    unless their line styles differ)."""
    from optcompare.plotting.colors import DISTINCT
    from optcompare.plotting.delta_e import delta_e

    ax = lesson().figures["adadelta-lr"].axes[0]
    lines = {
        " ".join(str(line.get_label()).split()): line
        for line in ax.get_lines()
        if str(line.get_label()).startswith("adadelta")
    }
    assert len(lines) == len(lesson_module.ADADELTA_LRS)
    for a, b in itertools.combinations(lines.values(), 2):
        apart = delta_e(a.get_color(), b.get_color()) >= DISTINCT
        assert apart or a.get_linestyle() != b.get_linestyle()
    assert fmt(lesson().numbers["adadelta_lr_spread"]["ratio"], 2) in ax.get_title()


def test_pages_say_each_rise_once():
    """The RMSProp runs that rise share one sentence; the explanation is not repeated."""
    findings = lesson().text.split("## What the numbers say", 1)[1].split("\n## ", 1)[0]
    assert findings.count("does not stay down") == 2  # RMSProp once, Adadelta once
    assert findings.count("forgets") == 1
    assert "compared three ways" not in lesson().text
