"""Lessons: each registered lesson runs, draws its figures, and writes its page from its numbers.

Every lesson is run once (cached) and shared by the tests below.  Figures are
checked for axes, lines and labels, not pixels.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from optcompare.cli import main
from optcompare.errors import SpecError
from optcompare.lessons import (
    LESSONS,
    adam_nonconvergence,
    get_lesson,
    gradient_scale,
    lesson_names,
    ravine,
)
from optcompare.lessons.base import LessonResult, fmt, plain

NAMES = lesson_names()
ISSUE = {
    "ravine",
    "adagrad-decay",
    "rprop-minibatch",
    "adam-nonconvergence",
    "noisy-gradients",
    "saddle",
    "gradient-scale",
}


@functools.cache
def ran(name: str) -> LessonResult:
    return get_lesson(name).run("png")


# Strings each lesson's page must contain: its key numbers as they are printed.
def _key_numbers(name: str, n: dict) -> list[str]:
    if name == "ravine":
        return [
            str(n["zigzags_sgd"]),
            str(n["zigzags_momentum"]),
            str(n["zigzags_momentum_common"]),
            fmt(n["effective_step_ratio_rmsprop"]),
            fmt(n["effective_step_ratio_adam"]),
        ]
    if name == "adagrad-decay":
        return [
            *(fmt(v["final_gap"]) for v in n["optimizers"].values()),
            *(fmt(v["effective_step_ratio_x"]) for v in n["optimizers"].values()),
            fmt(n["adadelta_lr_spread"]["ratio"], 2),
        ]
    if name == "rprop-minibatch":
        return [fmt(n[k]) for k in ("rprop_full_gap", "rprop_mini_gap", "rmsprop_mini_gap")]
    if name == "adam-nonconvergence":
        return [
            *(
                fmt(n[k])
                for k in (
                    "adam_final_x",
                    "amsgrad_final_x",
                    "adam_avg_regret",
                    "amsgrad_avg_regret",
                )
            ),
            fmt(n["counter"]["adam_final_x"]),
        ]
    if name == "noisy-gradients":
        return [
            s for v in n["optimizers"].values() for s in (fmt(v["lr"]), fmt(v["final_gap_median"]))
        ]
    if name == "saddle":
        return [str(v["escape_step"]) for v in n["optimizers"].values()]
    if name == "gradient-scale":
        return [fmt(n[f"{k}_ratio_0.001"]) for k in ("sgd", "rmsprop", "adam")]
    if name == "rmsprop-variants":
        return [fmt(v["first_step"]) for v in n["variants"].values()]
    if name == "variance-reduction":
        return [fmt(v["gap_final"]) for v in n["optimizers"].values()]
    if name == "feature-scaling":
        return [
            "below 1e-15" if v["gap_final"] < 1e-15 else fmt(v["gap_final"])
            for scale in n["scales"].values()
            for v in scale["optimizers"].values()
        ]
    if name == "small-network":
        from optcompare.lessons.small_network_text import steps_text

        return [
            s
            for v in n["optimizers"].values()
            for s in (steps_text(v["leave"], n["steps"]), fmt(v["train_final"]["median"]))
        ]
    if name == "exploding-gradients":
        return [
            *(fmt(v["final_median"]) for v in n["methods"].values()),
            *(fmt(v["largest_max"]) for v in n["methods"].values()),
        ]
    if name == "non-stationary":
        return [fmt(v) for o in n["optimizers"].values() for v in o["periods"]]
    raise AssertionError(f"no key numbers listed for lesson {name}; add them here")


def test_the_issues_lessons_are_registered():
    assert set(NAMES) >= ISSUE
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in NAMES)


def test_unknown_lesson_suggests_the_closest():
    with pytest.raises(SpecError, match=r"^unknown lesson 'ravin'; did you mean ravine\?$"):
        get_lesson("ravin")


@pytest.mark.parametrize("name", NAMES)
def test_lesson_runs_and_draws_its_figures(name):
    lesson = LESSONS.get(name)
    res = ran(name)
    assert lesson.name == name and lesson.title and lesson.claim
    assert res.figures
    for fig_name, fig in res.figures.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", fig_name)
        axes = [ax for ax in fig.get_axes() if ax.get_visible()]
        assert axes, fig_name
        titled = bool(fig._suptitle and fig._suptitle.get_text())
        for ax in axes:
            assert ax.get_title() or titled, (fig_name, "untitled axes")
            assert ax.get_xlabel() or ax.get_ylabel() or ax.get_xticklabels(), fig_name
            drawn = ax.get_lines() or ax.collections or ax.patches
            assert drawn, (fig_name, ax.get_title())
        assert fig.get_layout_engine() is not None  # constrained layout: slide-ready
        fig.draw_without_rendering()  # lays out and draws without warnings (errors here)


@pytest.mark.parametrize("name", NAMES)
def test_lesson_page_is_written_from_its_numbers(name):
    lesson, res = LESSONS.get(name), ran(name)
    text = res.text
    assert text.startswith(f"# {lesson.title}\n")
    assert lesson.claim in text
    for section in (
        "## What was run",
        "## Key numbers",
        "## What the numbers say",
        "## What to look at",
    ):
        assert section in text
    for fig_name in res.figures:
        assert f"`{fig_name}.png`" in text  # every figure is explained
    for s in _key_numbers(name, res.numbers):
        assert s in text, (name, s)
    json.dumps(plain(res.numbers), allow_nan=False)  # the numbers are JSON-ready


def test_page_names_figures_with_the_chosen_format():
    res = get_lesson("saddle").run("svg")
    assert "`path.svg`" in res.text and "path.png" not in res.text


# -- the issue's key numbers -------------------------------------------------------------


def test_ravine_momentum_damps_and_rmsprop_rescales():
    n = ran("ravine").numbers
    assert n["zigzags_sgd"] >= 5 and n["zigzags_momentum"] < n["zigzags_sgd"]
    assert n["effective_step_ratio_sgd"] == pytest.approx(1.0, rel=1e-9)
    assert n["effective_step_ratio_rmsprop"] > 3
    assert n["effective_step_ratio_adam"] > 3


def test_adagrad_effective_step_shrinks():
    o = ran("adagrad-decay").numbers["optimizers"]
    assert o["adagrad lr=0.05"]["effective_step_ratio_max"] < 1 / 5
    assert o["rmsprop lr=0.05"]["effective_step_ratio_max"] > 1  # RMSProp's does not shrink
    assert o["adagrad lr=0.05"]["final_gap"] > 10 * o["rmsprop lr=0.005"]["final_gap"]


def test_rprop_fails_with_mini_batches_rmsprop_does_not():
    n = ran("rprop-minibatch").numbers
    assert n["rprop_full_gap"] < 1e-8
    assert n["rprop_mini_gap"] > 1000 * n["rprop_full_gap"]
    assert n["rprop_mini_gap"] > 0.05
    assert n["rmsprop_mini_gap"] < n["rprop_mini_gap"] / 10


def test_adam_goes_to_the_worst_point_and_amsgrad_to_the_best():
    n = ran("adam-nonconvergence").numbers
    assert n["adam_final_x"] > 0.9
    assert n["amsgrad_final_x"] < -0.9
    assert n["adam_recent_regret_per_step"] > n["regret_at_plus_one"]  # R_t/t stays up
    assert n["amsgrad_recent_regret_per_step"] < n["adam_recent_regret_per_step"] / 2


def test_adam_lesson_batch_equals_separate_runs():
    """Adam's runs as one batch and NAdam's as another; the iterates equal plain
    optcompare.run calls."""
    import optcompare

    sim = adam_nonconvergence.simulate(steps=400)
    result = optcompare.run(
        adam_nonconvergence.OPTS + adam_nonconvergence.COUNTER + adam_nonconvergence.NADAM,
        "reddi",
        steps=400,
        lr_schedule="inv-sqrt",
    )
    assert sim["labels"] == result.labels
    for j, run in enumerate(result.runs):  # beta2**t as an array power: rounding only
        np.testing.assert_allclose(sim["x"][:, j], run.x[:, 0], rtol=0, atol=1e-14)


def test_noisy_gradients_tunes_and_summarises_every_optimizer():
    from optcompare.experiments.tuning import TUNE_GRID

    res = ran("noisy-gradients")
    n = res.numbers
    assert len(n["optimizers"]) == 4 and n["seeds"] == 20
    assert len(res.results["noisy-gradients"].runs) == 4 * 20
    for v in n["optimizers"].values():
        assert np.any(np.isclose(TUNE_GRID, v["lr"], rtol=1e-12))
        assert v["final_gap_q25"] <= v["final_gap_median"] <= v["final_gap_q75"]
    assert n["ranking"][0] == n["best"]


def test_saddle_escape_steps():
    n = ran("saddle").numbers
    o = n["optimizers"]
    sgd, rmsprop = o["sgd lr=0.01"], o["rmsprop lr=0.01"]
    assert abs(sgd["escape_step"] - n["gd_theory"]) <= 1
    assert sgd["escape_step_closer"] - sgd["escape_step"] == pytest.approx(
        n["gd_theory_closer"] - n["gd_theory"], abs=1
    )
    for lab in ("rmsprop lr=0.01", "adam lr=0.01", "rprop lr=0.01"):
        assert o[lab]["escape_step"] < sgd["escape_step"] / 5
        assert o[lab]["escape_step_closer"] == o[lab]["escape_step"]
    assert rmsprop["escape_step"] < 20


def test_gradient_scale_only_sgd_notices():
    n = ran("gradient-scale").numbers
    for key in ("rmsprop", "adam", "rprop"):
        for s in ("0.001", "1000"):
            assert n[f"{key}_ratio_{s}"] < 0.05, (key, s)
    assert n["rprop_ratio_0.001"] == 0.0 == n["rprop_ratio_1000"]  # signs only: exact
    for s in ("0.001", "1000"):
        assert n[f"sgd_ratio_{s}"] > 0.5
    assert math.isinf(n["sgd_ratio_1000"])  # the same lr diverges at 1000 times the gradient


def test_scaled_problem_scales_values_and_gradients_only():
    from optcompare.problem import make_problem

    base = make_problem("quadratic:kappa=10")
    p = gradient_scale.Scaled(base, 1e3)
    X = np.array([[1.0, 2.0], [-3.0, 0.5]])
    np.testing.assert_array_equal(p.f(X), 1e3 * base.f(X))
    np.testing.assert_array_equal(p.grad(X), 1e3 * base.grad(X))
    np.testing.assert_array_equal(p.start(), base.start())
    assert p.window() == base.window() and p.f_star == 0.0
    assert p.minima()[0].x == base.minima()[0].x
    assert p.spec == "1000 * quadratic"  # kappa=10 is the default


# -- the text follows the numbers, also when a claim fails ---------------------------------


def test_ravine_text_says_when_momentum_does_not_help():
    n = copy.deepcopy(ran("ravine").numbers)
    label = dict(zip(("sgd", "momentum", "rmsprop", "adam"), n["optimizers"], strict=True))
    n["zigzags_momentum"] = n["zigzags_sgd"] + 10
    n["effective_step_ratio_rmsprop"] = 1.1
    text = " ".join(ravine.findings(n, label, 0.02, ravine.LR, ravine.KAPPA))
    assert "momentum made the zig-zag worse" in text
    assert "barely rescaled" in text and "damped" not in text


def test_adam_text_says_when_the_claim_does_not_hold():
    n = copy.deepcopy(ran("adam-nonconvergence").numbers)
    n["adam_final_x"], n["amsgrad_final_x"] = -0.5, 0.2
    n["adam_recent_regret_per_step"] = 0.01
    n["amsgrad_recent_regret_per_step"] = 0.3
    text = " ".join(
        adam_nonconvergence.findings(n, [300, 3000, 30000], adam_nonconvergence.RECENT_PERIODS)
    )
    assert "did not drift to the worst point" in text
    assert "did not reach the best side" in text
    assert "does not show clearly" in text and "not clearly less" in text


def test_gradient_scale_text_grades_the_differences():
    n = copy.deepcopy(ran("gradient-scale").numbers)
    labels = list(n["optimizers"])
    adam = next(lab for lab in labels if lab.startswith("adam"))
    n["optimizers"][adam]["ratio"]["0.001"] = 0.02
    n["optimizers"][adam]["ratio"]["1000"] = 0.3
    text = " ".join(gradient_scale._findings(n, labels))
    assert "small, but not nothing" in text and "clearly different" in text


# -- the command line ------------------------------------------------------------------


def test_cli_lists_every_lesson(cli):
    code, out, err = cli("lesson")
    assert code == 0, err
    for name in NAMES:
        assert name in out
    code, out, _ = cli("lesson", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [item["name"] for item in listed] == NAMES
    assert all(item["claim"] == LESSONS.get(item["name"]).claim for item in listed)


def test_cli_runs_a_lesson_into_a_folder(cli, tmp_path):
    code, out, err = cli("lesson", "ravine", "--out", "demo", "-q")
    assert code == 0, err
    folder = tmp_path / "demo"
    assert out.strip() == "demo"
    res = ran("ravine")
    trajectories = (
        {"trajectory.csv"}
        if len(res.results) == 1
        else {f"trajectory-{key}.csv" for key in res.results}
    )
    assert trajectories == {"trajectory-ravine.csv", "trajectory-momentum.csv"}
    expected = {
        "lesson.md",
        "summary.json",
        *trajectories,
        *(f"{name}.png" for name in res.figures),
    }
    assert expected <= {p.name for p in folder.iterdir()}
    assert (folder / "lesson.md").read_text() == res.text  # the same page as the library's
    doc = json.loads((folder / "summary.json").read_text())
    assert doc["lesson"] == "ravine" and doc["command"] == "optcompare lesson ravine --out demo -q"
    assert doc["numbers"]["zigzags_sgd"] == res.numbers["zigzags_sgd"]
    assert (folder / "path.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    from optcompare.lessons.folder import ANIMATION_FRAMES

    with Image.open(folder / "animation.gif") as gif:  # the paths growing, for the slides
        assert gif.n_frames == ANIMATION_FRAMES


def test_cli_prints_the_lesson_text(cli, tmp_path):
    code, out, err = cli("lesson", "saddle", "--format", "svg")
    assert code == 0, err
    (folder,) = [p for p in (tmp_path / "outputs").iterdir() if not p.name.startswith(".")]
    assert folder.name.endswith("-lesson-saddle")
    assert {"path.svg", "escape.svg", "lesson.md"} <= {p.name for p in folder.iterdir()}
    flat = " ".join(out.split())
    assert "Escaping a saddle" in flat and "What the numbers say" in flat
    assert "Plain SGD escaped at step" in flat and f"wrote {folder.relative_to(tmp_path)}" in flat


def test_cli_json_prints_the_summary(cli):
    code, out, err = cli("lesson", "gradient-scale", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["lesson"] == "gradient-scale"
    assert doc["numbers"]["sgd_ratio_1000"] is None  # inf (diverged) is null in JSON
    assert set(doc["experiments"]) == {"scale-1", "scale-0.001", "scale-1000", "scale-1e-08"}


ERRORS = [
    (("lesson", "ravin"), "unknown lesson 'ravin'; did you mean ravine?"),
    (("lesson", "--out", "x"), "--out needs a lesson name; run 'optcompare lesson' to list them"),
    (("lesson", "ravine", "--json", "-q"), "--json and --quiet cannot be combined; choose one"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS)
def test_cli_errors(cli, tmp_path, args, message):
    code, out, err = cli(*args)
    assert code == 2
    assert err == f"optcompare: error: {message}\n"
    assert out == ""
    assert not Path(tmp_path / "outputs").exists()  # nothing written


def test_lesson_with_report_writes_the_page(tmp_path, monkeypatch):

    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(
        main, ["lesson", "saddle", "--out", "s", "--report", "-q"], catch_exceptions=False
    )
    assert r.exit_code == 0, r.stderr
    html = (tmp_path / "s" / "report.html").read_text()
    assert "lesson" in html.lower() and html.count("data:image/png;base64,") >= 1
