"""Lesson feature-scaling: on standardised breast-cancer features every tuned method
reaches f*, on raw features the per-coordinate methods beat tuned SGD yet stay far from
the standardised result (the claim); tuned SGD on standardised features and momentum on
raw ones weaken it (the counter-cases).

The tuning curves of SGD, momentum SGD and Adam are recomputed here with hand-written
loops over the whole grid, the condition numbers from an independent Newton solve, and
the text is checked to follow the numbers when they change.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import pytest
from matplotlib.colors import same_color

import optcompare
from optcompare.data import uci
from optcompare.experiments.tuning import TUNE_GRID
from optcompare.lessons import feature_scaling as L
from optcompare.lessons import feature_scaling_text as T
from optcompare.lessons.base import LessonResult, fmt
from optcompare.lessons.folder import lesson_files
from optcompare.plotting.colors import optimizer_color
from optcompare.problem import make_problem

STEPS = 300
PC = ["adagrad", "rmsprop", "adam", "rprop"]


@functools.cache
def ran() -> LessonResult:
    return L.LESSON.run("png")


@functools.cache
def problem(scale: str):
    return make_problem(f"logistic:scale={scale}")


def hand_curve(scale: str, kind: str) -> np.ndarray:
    """Final loss - f* after STEPS full-batch steps from zero at every grid lr, one row
    per lr, with PyTorch's update written out (SGD, SGD with momentum 0.9, Adam)."""
    p = problem(scale)
    lr = np.array(L.GRID)[:, None]
    x = np.zeros((len(L.GRID), p.dim))
    buf = m = v = np.zeros_like(x)
    with np.errstate(all="ignore"):
        for t in range(1, STEPS + 1):
            g = p.grad(x)
            if kind == "sgd":
                x = x - lr * g
            elif kind == "momentum":
                buf = g if t == 1 else 0.9 * buf + g  # torch: the first buffer is g
                x = x - lr * buf
            else:  # adam, torch's order of operations
                m = m + (1 - 0.9) * (g - m)
                v = 0.999 * v + (1 - 0.999) * g * g
                denom = np.sqrt(v) / np.sqrt(1 - 0.999**t) + 1e-8
                x = x - (lr / (1 - 0.9**t)) * (m / denom)
        return p.f(x) - p.f_star


def newton(A: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """The minimiser of mean log(1 + exp(-y (A w + b))) + l2/2 |w|^2, from zero."""
    A1 = np.hstack([A, np.ones((len(A), 1))])
    pen = l2 * np.diag([1.0] * A.shape[1] + [0.0])
    x = np.zeros(A1.shape[1])
    for _ in range(100):
        z = y * (A1 @ x)
        s = 1 / (1 + np.exp(z))  # sigma(-z)
        grad = -(A1.T @ (y * s)) / len(A) + pen @ x
        H = (A1.T * (s * (1 - s))) @ A1 / len(A) + pen
        step = np.linalg.solve(H, grad)
        x = x - step
        if np.max(np.abs(step)) < 1e-13 * max(1.0, np.max(np.abs(x))):
            break
    return x


def hessian_at_minimum(scale: str) -> tuple[np.ndarray, np.ndarray]:
    p = problem(scale)
    y = np.where(p.t == 0, 1.0, -1.0)  # class 0 (malignant) is y = +1
    x = newton(p.A, y, p.l2)
    A1 = np.hstack([p.A, np.ones((p.n, 1))])
    s = 1 / (1 + np.exp(-(A1 @ x)))
    H = sum(w * np.outer(a, a) for w, a in zip(s * (1 - s), A1, strict=True)) / p.n
    H[: p.p, : p.p] += p.l2 * np.eye(p.p)
    return x, H


def kappa(H: np.ndarray) -> float:
    ev = np.linalg.eigvalsh(H)
    return ev[-1] / ev[0]


def jacobi(H: np.ndarray) -> np.ndarray:
    D = np.diag(1 / np.sqrt(np.diag(H)))
    return D @ H @ D


# -- the setting -----------------------------------------------------------------------


def test_setting_is_the_claimed_one():
    n = ran().numbers
    assert (n["n_train"], n["n_test"], n["dim"], n["l2"], n["steps"]) == (455, 114, 31, 0.01, STEPS)
    assert len(n["grid"]) == 22 and n["grid"][0] == 1e-6 and n["grid"][-1] == 10.0
    assert np.allclose(np.diff(np.log10(n["grid"][::3])), 1.0)  # 1, 2, 5 per decade
    assert {1e-4, 10.0} <= set(n["grid"])  # --tune's default grid's ends are on it
    assert n["default_grid"] == [TUNE_GRID.min(), TUNE_GRID.max()]
    for scale in L.SCALES:
        result = ran().results[scale]
        assert result.problem.scale == scale and result.steps == STEPS
        assert [len(result.runs_of(lab)) for lab in result.labels] == [1] * 6


def test_full_batch_runs_from_zero_do_not_depend_on_the_seed():
    """The page runs one seed per setting because nothing is random: two seeds repeat
    each other bit for bit."""
    r = optcompare.run(["adam:lr=0.02", "sgd:lr=2e-5"], "logistic:scale=raw", steps=40, seeds=2)
    for lab in r.labels:
        a, b = r.runs_of(lab)
        assert (a.seed, b.seed) == (0, 1)
        np.testing.assert_array_equal(a.x, b.x)


@pytest.mark.parametrize("scale", ["standard", "raw"])
def test_conditioning_from_an_independent_newton_solve(scale):
    c = ran().numbers["scales"][scale]
    p = problem(scale)
    x, H = hessian_at_minimum(scale)
    assert c["f_star"] == pytest.approx(p.f(x[None, :])[0], rel=1e-12)
    assert c["kappa"] == pytest.approx(kappa(H), rel=1e-6)
    assert c["kappa_jacobi"] == pytest.approx(kappa(jacobi(H)), rel=1e-6)
    assert c["lambda_max"] == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-9)
    # centring is the change of variables b = b' - mean . w: H' = M^T H M
    M = np.eye(p.dim)
    M[-1, :-1] = -p.A.mean(axis=0)
    assert c["kappa_jacobi_centred"] == pytest.approx(kappa(jacobi(M.T @ H @ M)), rel=1e-6)
    assert c["gap_start"] == pytest.approx(np.log(2) - c["f_star"], rel=1e-12)


def test_feature_spreads_from_the_shipped_data():
    f = ran().numbers["features"]
    p = problem("raw")
    d = uci.load("breast-cancer")
    std = d.features[p.train_idx].std(axis=0)
    np.testing.assert_allclose(f["std"], std, rtol=1e-12)
    assert f["std_max_name"] == d.feature_names[int(np.argmax(std))] == "area (worst)"
    assert f["std_max"] / f["std_min"] > 1e5


# -- the tuning, recomputed --------------------------------------------------------------


@pytest.mark.parametrize("scale", ["standard", "raw"])
@pytest.mark.parametrize("key", ["sgd", "momentum", "adam"])
def test_tuning_curve_and_tuned_lr_by_hand(scale, key):
    e = ran().numbers["scales"][scale]["optimizers"][key]
    hand = hand_curve(scale, key)
    curve = np.array([np.inf if g is None else g for g in e["curve"]])
    assert np.all(np.isfinite(hand) == np.isfinite(curve))
    # Adam at lr 2 and above wanders chaotically, where any two correct implementations
    # part ways at the last digit and then visibly (measured: 9.6 against 5.8 at lr 2 on
    # raw features, 0.066 against 0.099 at lr 10 on standardised ones)
    ok = np.isfinite(hand) & ((np.array(L.GRID) <= 1) | (key != "adam"))
    np.testing.assert_allclose(curve[ok], hand[ok], rtol=1e-6, atol=1e-15)
    assert e["lr"] == L.GRID[int(np.argmin(np.where(np.abs(hand) < 1e-15, 0, hand)))] or (
        abs(hand[L.GRID.index(e["lr"])]) < 1e-15  # a tie at the float floor
    )
    assert e["gap_final"] == pytest.approx(hand[L.GRID.index(e["lr"])], rel=1e-6, abs=1e-15)


def test_claim_standardised_every_method_reaches_f_star():
    so = ran().numbers["scales"]["standard"]["optimizers"]
    for key in ["sgd", *PC]:
        assert so[key]["gap_final"] < 1e-6, key
    assert len({so[k]["test_accuracy"] for k in so}) == 1
    text = " ".join(T.findings(ran().numbers))
    assert "every method reached loss - f* <= 1e-06 within 300 steps" in text


def test_claim_raw_per_coordinate_methods_beat_sgd_but_not_standardising():
    n = ran().numbers
    ro, so = n["scales"]["raw"]["optimizers"], n["scales"]["standard"]["optimizers"]
    sgd = hand_curve("raw", "sgd").min()
    assert ro["sgd"]["gap_final"] == pytest.approx(sgd, rel=1e-9)
    for key in PC:
        assert ro[key]["gap_final"] < sgd, key
        assert ro[key]["gap_final"] > 1e6 * max(so[key]["gap_final"], 1e-16), key
    assert sgd / ro["adam"]["gap_final"] > 2 and sgd / ro["rprop"]["gap_final"] > 2
    text = " ".join(T.findings(n))
    assert "Adam and Rprop won clearly" in text
    assert f"SGD ended at loss - f* {fmt(sgd)}" in text


def test_default_grid_fails_sgd_on_raw_features():
    n = ran().numbers
    hand = hand_curve("raw", "sgd")
    inside = np.array([TUNE_GRID.min() <= lr <= TUNE_GRID.max() for lr in L.GRID])
    best = hand[inside].min()
    e = n["scales"]["raw"]["optimizers"]["sgd"]
    assert e["default_grid_gap"] == pytest.approx(best, rel=1e-9)
    assert best > n["scales"]["raw"]["gap_start"]  # worse than not moving at all
    assert "would have failed SGD on raw features" in " ".join(T.findings(n))


def test_counter_cases_standardised_sgd_and_momentum_on_raw():
    n = ran().numbers
    so, ro = n["scales"]["standard"]["optimizers"], n["scales"]["raw"]["optimizers"]
    assert so["sgd"]["gap_final"] <= min(so[k]["gap_final"] for k in PC) + 1e-15
    mom = hand_curve("raw", "momentum").min()
    assert mom < ro["sgd"]["gap_final"]
    counter = ran().text.split("## Where the claim weakens")[1].split("## ")[0]
    assert "a per-coordinate method buys nothing here" in counter
    assert f"ended at {fmt(mom)}, {fmt(ro['sgd']['gap_final'] / mom, 2)} times below" in counter


# -- the text follows the numbers -------------------------------------------------------


def test_text_flips_when_the_comparisons_flip():
    n = copy.deepcopy(ran().numbers)
    ro, so = n["scales"]["raw"]["optimizers"], n["scales"]["standard"]["optimizers"]
    ro["adam"]["gap_final"] = ro["sgd"]["gap_final"] * 1.5
    ro["rprop"]["gap_final"] = ro["sgd"]["gap_final"] / 1.5
    for k in ["sgd", *PC]:  # no result left that looks like luck
        ro[k]["neighbours"] = [[1.0, ro[k]["gap_final"]]]
    so["rmsprop"]["gap_final"] = 1e-3
    so["adam"]["test_accuracy"] = 0.5
    n["scales"]["raw"]["kappa_jacobi_centred"] = n["scales"]["raw"]["kappa_jacobi"]
    text = " ".join(T.findings(n))
    assert "Adam did no better than SGD" in text
    assert "Rprop won by less than a factor 2" in text
    assert "won clearly" not in text
    assert "RMSProp had not reached loss - f* <= 1e-06 (RMSProp 0.001)" in text
    assert "test accuracy SGD 0.982" in text and "Adam 0.5" in text
    assert "partly the luck of the grid" not in text
    assert "offsets" not in text


def test_counter_case_text_flips_with_the_numbers():
    n = copy.deepcopy(ran().numbers)
    ro, so = n["scales"]["raw"]["optimizers"], n["scales"]["standard"]["optimizers"]
    ro["momentum"]["gap_final"] = ro["sgd"]["gap_final"] * 2
    so["sgd"]["gap_final"] = 1e-9
    text = " ".join(T.counter_case(n))
    assert "momentum does not help here" in text
    assert "above Adagrad" in text.split("momentum does not help")[0]  # 1e-9 vs the floor


def test_luck_sentence_names_the_plateau():
    n = ran().numbers
    e = n["scales"]["raw"]["optimizers"]["rprop"]
    curve = np.array(e["curve"])
    assert e["gap_final"] == curve.min()
    k = L.GRID.index(e["lr"])
    neighbours = curve[[i for i in (k - 1, k + 1) if 0 <= i < len(curve)]]
    lucky = neighbours.min() >= T.LUCK * e["gap_final"]
    assert ("Rprop's tuned result on raw features is partly the luck" in ran().text) == lucky
    lo, hi, med = e["plateau"]
    inside = curve[L.GRID.index(lo) : L.GRID.index(hi) + 1]
    assert np.all(inside <= 3 * curve.min()) and med == pytest.approx(np.median(inside))


# -- figures and files -------------------------------------------------------------------


def test_loss_figure_draws_each_tuned_run_in_its_colour():
    res, n = ran(), ran().numbers
    axes = res.figures["loss"].get_axes()
    assert len(axes) == 2
    for ax, scale in zip(axes, L.SCALES, strict=True):
        assert ax.get_yscale() == "log" and f"scale={scale}" in ax.get_title()
        lines = {ln.get_label(): ln for ln in ax.get_lines()}
        for key, e in n["scales"][scale]["optimizers"].items():
            line = lines[e["label"]]
            if key not in ("sgd", "momentum"):  # the two SGDs share blue in two shades
                assert same_color(line.get_color(), optimizer_color(key))
            y = line.get_ydata()
            assert len(y) == STEPS + 1
            assert y[-1] == pytest.approx(max(e["gap_final"], 1e-16), rel=1e-9)


def test_tuning_figure_marks_the_tuned_lrs():
    res, n = ran(), ran().numbers
    axes = [ax for ax in res.figures["tuning"].get_axes() if ax.get_lines()]
    assert len(axes) == 2
    for ax, scale in zip(axes, L.SCALES, strict=True):
        assert ax.get_xscale() == "log"
        stars = sorted(
            (float(ln.get_xdata()[0]), float(ln.get_ydata()[0]))
            for ln in ax.get_lines()
            if ln.get_gid() == "tuned"
        )
        expected = sorted(
            (e["lr"], max(e["gap_final"], 1e-16)) for e in n["scales"][scale]["optimizers"].values()
        )
        np.testing.assert_allclose(stars, expected, rtol=1e-9)
        (span,) = [p for p in ax.patches if p.get_gid() == "default-grid"]


def test_features_figure_and_folder_files():
    res, n = ran(), ran().numbers
    (ax,) = res.figures["features"].get_axes()
    heights = [b.get_height() for b in ax.patches]
    np.testing.assert_allclose(heights, n["features"]["std"], rtol=1e-12)
    assert ax.get_yscale() == "log"
    _, contents = lesson_files(L.LESSON, res, "optcompare lesson feature-scaling")
    assert {"trajectory-standard.csv", "trajectory-raw.csv", "tuning.csv"} <= set(contents.files)
    assert {"loss.png", "tuning.png", "features.png", "lesson.md"} <= set(contents.files)
    header, rows = res.tables["tuning.csv"]
    assert len(rows) == 2 * 6 * 22 and header[-1] == "final_loss_minus_f_star"
