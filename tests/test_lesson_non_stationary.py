"""Lesson non-stationary: on the noisy drifting target Adagrad's step shrinks like 1/sqrt(t) and
its tracking error grows period after period, RMSProp's and constant-lr SGD's stay flat (the
claim); Adagrad tuned for the whole stream, and the same target without noise, weaken it (the
counter-cases).

The runs are replayed here by a hand loop of PyTorch's update rules on the drift target written
out again (c_t = sin(2 pi t / P)), the tuning redone by that loop, and the tracking errors,
effective lrs and medians recomputed from their definitions, not taken from the lesson's helpers.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import pytest
from matplotlib.colors import same_color

from optcompare import noise
from optcompare.experiments.tuning import TUNE_GRID, TUNE_SEED_OFFSET
from optcompare.lessons import get_lesson
from optcompare.lessons import non_stationary as L
from optcompare.lessons import non_stationary_text as T
from optcompare.lessons.base import LessonResult, fmt
from optcompare.lessons.folder import lesson_files
from optcompare.plotting.colors import optimizer_color, shade

P, STEPS, SEEDS = 1000, 4000, 100


@functools.cache
def ran() -> LessonResult:
    return L.LESSON.run("png")


def hand(method: str, lr: np.ndarray, seeds: np.ndarray, steps: int, sigma: float = 1.0):
    """torch.optim's SGD, Adagrad and RMSProp (defaults but lr) on f_t = (x - c_t)^2 / 2 from
    x = 0, the gradient at x_{t-1} against c_t plus sigma times each seed's normal stream:
    the iterates (steps+1, runs) and the lr each step applied (steps, runs)."""
    x = np.zeros(len(seeds))
    s = np.zeros(len(seeds))
    X, eff = [x], []
    with np.errstate(all="ignore"):  # the tuning grid's largest lrs run away
        for t in range(1, steps + 1):
            c = np.sin(2 * np.pi * t / P)
            g = x - c
            if sigma:
                g = g + sigma * noise.normal(seeds, t, 1, stream=1)[:, 0]
            if method == "sgd":
                step = lr * np.ones_like(x)
            elif method == "adagrad":
                s = s + g * g
                step = lr / (np.sqrt(s) + 1e-10)
            else:
                s = 0.99 * s + 0.01 * g * g
                step = lr / (np.sqrt(s) + 1e-8)
            x = x - step * g
            X.append(x)
            eff.append(step)
    return np.array(X), np.array(eff)


def tracking(X: np.ndarray) -> np.ndarray:
    """Each run's mean of (x_t - c_t)^2 over every period, (periods, runs)."""
    c = np.sin(2 * np.pi * np.arange(len(X)) / P)
    e = (X - c[:, None]) ** 2
    return np.array([e[k * P + 1 : (k + 1) * P + 1].mean(axis=0) for k in range(len(X) // P)])


def tuned_by_hand(method: str, steps: int) -> float:
    """The grid lr with the lowest median (over 10 tuning seeds) mean loss over steps 0..steps."""
    seeds = TUNE_SEED_OFFSET + np.arange(L.TUNE_SEEDS)
    lr = np.repeat(TUNE_GRID, len(seeds))
    X, _ = hand(method, lr, np.tile(seeds, len(TUNE_GRID)), steps)
    c = np.sin(2 * np.pi * np.arange(steps + 1) / P)
    with np.errstate(all="ignore"):
        mean_loss = np.mean(0.5 * (X - c[:, None]) ** 2, axis=0)
    mean_loss[~np.isfinite(mean_loss)] = np.inf
    return float(TUNE_GRID[np.argmin(np.median(mean_loss.reshape(len(TUNE_GRID), -1), axis=1))])


@functools.cache
def replayed() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every main run and the whole-stream Adagrad, by the hand loop at the lesson's lrs."""
    n = ran().numbers
    seeds = np.arange(SEEDS)
    out = {}
    for m, lab in n["labels"].items():
        out[lab] = hand(m, np.full(SEEDS, n["optimizers"][lab]["lr"]), seeds, STEPS)
    out[n["horizon"]["label"]] = hand("adagrad", np.full(SEEDS, n["horizon"]["lr"]), seeds, STEPS)
    return out


def test_setup_is_the_claimed_one():
    n = ran().numbers
    assert (n["dim"], n["period"], n["noise"], n["amplitude"]) == (1, P, 1.0, 1.0)
    assert (n["steps"], n["periods"], n["seeds"]) == (STEPS, 4, SEEDS)
    assert get_lesson("non-stationary") is L.LESSON
    assert f"c_t = sin(2 pi t / {P})" in L.CLAIM
    for m, lr in n["tuned"].items():
        assert np.any(np.isclose(TUNE_GRID, lr, rtol=1e-12)), m
        assert n["optimizers"][n["labels"][m]]["lr"] == pytest.approx(lr, rel=5e-3)


@pytest.mark.parametrize("method", ["adagrad", "rmsprop", "sgd"])
def test_tuning_on_the_first_period_recomputed(method):
    assert ran().numbers["tuned"][method] == tuned_by_hand(method, P)


def test_whole_stream_tuning_recomputed():
    n = ran().numbers
    assert n["horizon"]["lr"] == tuned_by_hand("adagrad", STEPS)
    assert n["horizon"]["lr"] > n["tuned"]["adagrad"]  # a longer stream wants a larger lr


def test_runs_are_torch_s_updates_on_the_drifting_target():
    res, n = ran(), ran().numbers
    drawn = res.results["median-runs"]
    for lab in n["labels"].values():
        (run,) = drawn.runs_of(lab)
        assert run.seed == n["optimizers"][lab]["median_seed"]
        X, _ = replayed()[lab]
        np.testing.assert_allclose(run.x[:, 0], X[:, run.seed], rtol=0, atol=1e-10)


def test_tracking_errors_and_effective_lrs_recomputed():
    n = ran().numbers
    blocks = {**n["optimizers"], n["horizon"]["label"]: n["horizon"]}
    for lab, o in blocks.items():
        X, eff = replayed()[lab]
        per = tracking(X)
        np.testing.assert_allclose(o["periods"], np.median(per, axis=1), rtol=1e-8)
        np.testing.assert_allclose(o["q25"], np.percentile(per, 25, axis=1), rtol=1e-8)
        np.testing.assert_allclose(o["q75"], np.percentile(per, 75, axis=1), rtol=1e-8)
        lr_per = eff.reshape(4, P, SEEDS).mean(axis=1)
        # the lesson divides the step by the replayed gradient: rounding apart
        np.testing.assert_allclose(o["eff_lr_periods"], np.median(lr_per, axis=1), rtol=1e-6)
        below = np.median(eff, axis=1) < n["ref_lr"]
        if o["below_ref_from"] is not None:
            assert below[o["below_ref_from"] - 1 :].all() and not below[o["below_ref_from"] - 2]
        # the median run is the one in the middle of the last period's errors
        assert abs(np.sum(per[-1] < per[-1, o["median_seed"]]) - SEEDS / 2) <= 1


def test_claim_adagrad_grows_rmsprop_and_sgd_stay_flat():
    n = ran().numbers
    o, lab = n["optimizers"], n["labels"]
    ada, rms, sgd = o[lab["adagrad"]], o[lab["rmsprop"]], o[lab["sgd"]]
    assert ada["growth"] > T.GROWS and ada["periods"][-1] == max(ada["periods"])
    assert ada["q25"][-1] > max(rms["q75"][-1], sgd["q75"][-1])
    for other in (rms, sgd):
        assert 1 / T.FLAT < other["growth"] < T.FLAT
        assert max(other["periods"]) < min(ada["periods"][2:])
    assert 1 / T.FLAT < sgd["periods"][-1] / rms["periods"][-1] < T.FLAT
    # Adagrad's sum grows like t: its mean applied lr per period falls like the mean of
    # 1/sqrt(t) (3.65 times from period 1 to 4); RMSProp's does not fall
    t = np.arange(1, STEPS + 1)
    inv = (1 / np.sqrt(t)).reshape(4, P).mean(axis=1)
    assert n["inv_sqrt_ratio"] == pytest.approx(inv[0] / inv[-1], rel=1e-12)
    e = ada["eff_lr_periods"]
    assert e[0] / e[-1] == pytest.approx(inv[0] / inv[-1], rel=0.05)
    assert rms["eff_lr_periods"][-1] > 0.8 * rms["eff_lr_periods"][0]
    assert ada["below_ref_from"] is not None and ada["below_ref_from"] < 2 * P
    text = " ".join(T.findings(n))
    assert f"its error grew {fmt(ada['growth'], 3)} times" in text
    assert "SGD at lr 0.0316 tracked as well as RMSProp" in text
    assert "not RMSProp over everything" in text
    assert "lay above the 75th percentile of RMSProp" in text


def test_counter_cases_whole_stream_tuning_and_no_noise():
    n = ran().numbers
    o, lab = n["optimizers"], n["labels"]
    rms = o[lab["rmsprop"]]
    h = n["horizon"]
    assert h["periods"][0] > 1.5 * rms["periods"][0]  # noisy start at the larger lr
    assert h["periods"][-1] < o[lab["adagrad"]]["periods"][-1]
    still = n["noiseless"]
    for m, label in lab.items():
        X, _ = hand(m, np.array([o[label]["lr"]]), np.array([0]), STEPS, sigma=0.0)
        np.testing.assert_allclose(still[label]["periods"], tracking(X)[:, 0], rtol=1e-6)
    assert still[lab["adagrad"]]["periods"][-1] < 1e-6 < still[lab["rmsprop"]]["periods"][-1]
    counter = ran().text.split("## Where the claim weakens")[1].split("## ")[0]
    assert f"Adagrad picked lr {fmt(h['lr'])} (against 1)" in counter
    assert "the effect is gone" in counter and "Here Adagrad tracked best of the three" in counter
    assert "held for all of it" in counter and "what fills Adagrad's sum" in counter


# -- the text follows the numbers -------------------------------------------------------


def test_findings_flip_with_the_numbers():
    n = copy.deepcopy(ran().numbers)
    o, lab = n["optimizers"], n["labels"]
    ada, rms, sgd = o[lab["adagrad"]], o[lab["rmsprop"]], o[lab["sgd"]]
    ada["periods"] = list(rms["periods"])
    ada["growth"], ada["rises_from_lowest"] = 1.0, False
    ada["q25"][-1] = rms["q75"][-1] / 2
    ada["below_ref_from"] = None
    sgd["periods"][-1] = 1.5 * rms["periods"][-1]
    text = " ".join(T.findings(n))
    assert "its error stayed flat (1 times its first)" in text and "grew" not in text
    assert "rising in every period" not in text and "too small a step" not in text
    assert "tracked worse than RMSProp" in text
    assert "The bands overlap" in text and "not a few unlucky seeds" not in text
    sgd["periods"][-1] = 0.5 * rms["periods"][-1]
    assert "tracked better than RMSProp" in " ".join(T.findings(n))


def test_counter_case_flips_with_the_numbers():
    n = copy.deepcopy(ran().numbers)
    lab = n["labels"]
    n["horizon"]["below_ref_from"] = None
    still = n["noiseless"]
    still[lab["adagrad"]]["periods"][-1] = 1.0
    still[lab["adagrad"]]["eff_lr_periods"][-1] = 1e-3
    text = " ".join(T.counter_case(n))
    assert "was still above 0.0316 at the end" in text
    assert "Here RMSProp at lr 0.0316 tracked best of the three" in text
    assert "grows far more slowly" not in text and "what fills" not in text
    n["optimizers"][lab["sgd"]]["growth"] = 1.5
    assert "held for all of it" not in " ".join(T.counter_case(n))


# -- figures and files -------------------------------------------------------------------


def test_tracking_figure_draws_each_median_run_against_the_target():
    res, n = ran(), ran().numbers
    axes = res.figures["tracking"].get_axes()
    assert len(axes) == 3
    c = np.sin(2 * np.pi * np.arange(STEPS + 1) / P)
    for ax, (m, lab) in zip(axes, n["labels"].items(), strict=True):
        x_line, c_line = ax.get_lines()[:2]
        assert same_color(x_line.get_color(), optimizer_color(m))
        seed = n["optimizers"][lab]["median_seed"]
        assert f"seed {seed}" in x_line.get_label() and lab in ax.get_title()
        np.testing.assert_allclose(x_line.get_ydata(), replayed()[lab][0][:, seed], atol=1e-10)
        np.testing.assert_allclose(c_line.get_ydata(), c, atol=1e-12)


def test_periods_and_steps_figures_carry_the_numbers():
    res, n = ran(), ran().numbers
    left, right = res.figures["periods"].get_axes()
    drawn = {ln.get_label().split("\n")[0]: ln for ln in left.get_lines()}
    blocks = {**n["optimizers"], n["horizon"]["label"]: n["horizon"]}
    for lab, o in blocks.items():
        np.testing.assert_allclose(drawn[lab].get_ydata(), o["periods"], rtol=1e-12)
    for m, lab in n["labels"].items():
        assert same_color(drawn[lab].get_color(), optimizer_color(m))
    whole = drawn[n["horizon"]["label"]]
    assert same_color(whole.get_color(), shade(optimizer_color("adagrad"), 1))
    assert whole.get_linestyle() == "--"
    assert right.get_yscale() == "log" and "noise 0" in right.get_title()
    quiet = {ln.get_label(): ln for ln in right.get_lines()}
    for lab, o in n["noiseless"].items():
        np.testing.assert_allclose(quiet[lab].get_ydata(), o["periods"], rtol=1e-12)
    (ax,) = res.figures["steps"].get_axes()
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    marks = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    ada = n["optimizers"][n["labels"]["adagrad"]]["below_ref_from"]
    assert ada in marks


def test_lesson_folder_holds_the_page_figures_and_per_run_table():
    res = ran()
    _, contents = lesson_files(L.LESSON, res, "optcompare lesson non-stationary")
    names = set(contents.files)
    expected = {"lesson.md", "summary.json", "periods.csv", "tracking.png", "periods.png"}
    assert expected | {"steps.png", "trajectory-median-runs.csv"} <= names
    header, rows = res.tables["periods.csv"]
    assert header == ["label", "seed", "period", "tracking_error"]
    assert len(rows) == 4 * SEEDS * 4  # three methods and the whole-stream Adagrad
    n = res.numbers
    lab = n["labels"]["adagrad"]
    last = [r[3] for r in rows if r[0] == lab and r[2] == 4]
    assert np.median(last) == pytest.approx(n["optimizers"][lab]["periods"][-1], rel=1e-12)
