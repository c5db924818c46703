"""The passes axis: work counted in passes over the data, a budget in passes instead of
steps, curves read on one common grid, and figures on steps, passes or time.

A method whose cost varies per step is written here as a test optimizer built on the
oracle (a full gradient every tenth step, two component gradients otherwise), so the
budget's cut is checked against costs added up by hand.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import numpy as np
import pytest

import optcompare
from optcompare.engine import run_batch
from optcompare.engine.record import score
from optcompare.errors import SpecError
from optcompare.experiments.passes import cut, steps_for
from optcompare.experiments.tuning import TUNE_SEED_OFFSET
from optcompare.optimizers import OPTIMIZERS
from optcompare.plotting import plot_loss
from optcompare.plotting.loss import median_bands
from optcompare.problem import make_problem
from optcompare.stats import on_common_grid
from optcompare.summary.trajectories import csv_chunks, npz_arrays

SGD = OPTIMIZERS.get("sgd")


def _outer_inner(x, state, oracle, h, t):
    """A full gradient at steps 1, 11, 21, ...; two sampled components at the others."""
    if t % 10 == 1:
        loss, g = oracle.full(x)
        return loss, g, state
    return None, oracle.component(x, oracle.sample(t, 2)), state


VARYING = dataclasses.replace(SGD, name="outer-inner-test", direction=_outer_inner)


def hand_costs(steps: int, n: int) -> np.ndarray:
    """Passes after each step of :data:`VARYING`, added up step by step."""
    spent, out = 0.0, [0.0]
    for t in range(1, steps + 1):
        spent += 1.0 if t % 10 == 1 else 2.0 / n
        out.append(spent)
    return np.array(out)


# -- the common grid ----------------------------------------------------------------------


def test_each_run_holds_the_value_of_its_last_step_at_or_before_a_grid_point():
    grid, values = on_common_grid(
        [np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 2.5, 5.0])],
        [np.array([4.0, 3.0, 2.0, 1.0]), np.array([8.0, 4.0, 2.0])],
        points=7,
    )
    # the grid ends where the shorter run ends (3), in steps of 0.5
    np.testing.assert_array_equal(grid, [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    np.testing.assert_array_equal(values[0], [4, 4, 3, 3, 2, 2, 1])
    np.testing.assert_array_equal(values[1], [8, 8, 8, 8, 8, 4, 4])


def test_a_diverged_run_is_inf_beyond_its_last_valid_point_and_a_budget_holds_the_last():
    grid, values = on_common_grid(
        [np.array([0.0, 1.0, 2.0, np.nan]), np.array([0.0, 1.5])],
        [np.array([5.0, 4.0, np.nan, np.nan]), np.array([6.0, 3.0])],
        end=3.0,
        points=4,
    )
    np.testing.assert_array_equal(grid, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(values[0], [5.0, 4.0, np.inf, np.inf])
    np.testing.assert_array_equal(values[1], [6.0, 6.0, 3.0, 3.0])  # held up to the budget


def test_the_grid_refuses_runs_without_a_first_point():
    with pytest.raises(ValueError, match="valid first point"):
        on_common_grid([np.array([0.0, 1.0])], [np.array([np.nan, 1.0])])
    with pytest.raises(ValueError, match="one x and one y"):
        on_common_grid([], [])


# -- what a budget buys -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "passes", "steps"),
    [
        ("least-squares:n=40,batch=5", 3.0, 24),  # 5/40 a step
        ("least-squares:n=10,batch=1", 0.3, 3),  # 0.3 / 0.1 rounds below 3 in floats
        ("least-squares:n=40", 7.5, 7),  # a full batch: one pass a step
        ("rosenbrock", 5.0, 5),  # no finite sum: a gradient is a pass
    ],
)
def test_a_fixed_cost_per_step_buys_floor_of_budget_over_cost_steps(problem, passes, steps):
    assert steps_for(SGD, make_problem(problem), passes) == steps


def test_a_mini_batch_run_within_a_budget_spends_exactly_it_and_writes_the_passes_column():
    result = optcompare.run(["sgd:lr=0.05"], "least-squares:n=40,batch=5", passes=3, seeds=2)
    assert result.passes == 3.0 and result.x_axis == "passes" and result.steps == 24
    for r in result.runs:
        np.testing.assert_allclose(r.passes, np.arange(25) * 5 / 40, rtol=1e-15)
        assert r.steps_run is None  # every step run counts
    rows = list(csv.DictReader(io.StringIO("".join(csv_chunks(result)))))
    assert list(rows[0])[:7] == [
        "label",
        "optimizer",
        "seed",
        "step",
        "loss",
        "grad_norm",
        "passes",
    ]
    assert [float(row["passes"]) for row in rows[:25]] == [t * 0.125 for t in range(25)]


def test_steps_and_passes_together_are_refused():
    with pytest.raises(SpecError, match="steps or passes"):
        optcompare.run("sgd", "rosenbrock", steps=10, passes=3)


def test_a_varying_cost_is_cut_at_the_last_step_within_the_budget():
    n, budget = 10, 3.0
    prob = make_problem(f"least-squares:n={n}")
    x0 = np.array([[-2.0, -2.0], [1.0, 3.0], [0.5, -1.0]])
    steps = steps_for(VARYING, prob, budget)
    assert steps == 30  # K n: one component a step at the least
    tr = run_batch(VARYING, SGD.resolve({"lr": 0.05}), prob, x0, np.arange(3), steps)
    spent = hand_costs(steps, n)
    np.testing.assert_allclose(tr.passes[:, 0], spent, rtol=1e-14)
    # by hand: 1 + 9 x 0.2 = 2.8 after step 10; step 11 is a full pass (3.8)
    expected_last = int(np.flatnonzero(spent <= budget + 1e-12)[-1])
    assert expected_last == 10
    kept, last = cut(tr, budget, prob.f_star, 1e-6)
    np.testing.assert_array_equal(last, [10, 10, 10])
    np.testing.assert_array_equal(kept.final_loss, tr.loss[10])
    np.testing.assert_array_equal(kept.best_loss, tr.loss[:11].min(axis=0))
    # the area: the mean score on 1001 points of [0, 3], each holding its last step's loss
    grid = np.linspace(0.0, budget, 1001)
    for i in range(3):
        held = [tr.loss[max(t for t in range(11) if spent[t] <= g), i] for g in grid]
        assert kept.auc[i] == pytest.approx(np.mean(score(np.array(held), prob.f_star)), rel=1e-12)


def test_a_run_that_diverges_within_the_budget_counts_as_diverged():
    prob = make_problem("least-squares:n=10")
    vals = SGD.resolve({"lr": np.array([0.05, 1e3])})  # the second blows up
    tr = run_batch(VARYING, vals, prob, np.zeros((2, 2)), np.arange(2), 30)
    d = int(tr.diverged_at[1])
    assert 0 < d < 11
    kept, last = cut(tr, 3.0, prob.f_star, 1e-6)
    assert kept.diverged_at[0] == -1 and kept.diverged_at[1] == d
    assert last[1] == d - 1 and np.isfinite(kept.auc[1])  # over the grid before it diverged


@pytest.mark.skipif("svrg" not in OPTIMIZERS.names(), reason="needs the svrg optimizer")
def test_svrg_runs_are_cut_at_the_budget_and_the_figure_defaults_to_passes():
    result = optcompare.run(["svrg", "sgd:lr=0.02"], "least-squares:n=20,batch=1", passes=6)
    assert result.x_axis == "passes"
    svrg, sgd = result.runs
    assert svrg.passes[-1] <= 6.0 + 1e-9 and svrg.steps_run > len(svrg.loss) - 1
    assert len(sgd.loss) == 6 * 20 + 1 and sgd.passes[-1] == pytest.approx(6.0, rel=1e-15)
    assert optcompare.run(["svrg"], "least-squares:n=20,batch=1", steps=5).x_axis == "passes"


def test_the_default_axis_is_steps_without_a_budget_or_a_variance_reduced_method():
    assert optcompare.run("sgd", "least-squares:n=20", steps=3).x_axis == "steps"
    assert optcompare.run("sgd", "rosenbrock", steps=3, x_axis="time").x_axis == "time"
    with pytest.raises(SpecError, match="steps, passes, time"):
        optcompare.run("sgd", "rosenbrock", steps=3, x_axis="epochs")


def test_tuning_within_a_budget_scores_each_lr_after_the_steps_it_buys():
    result = optcompare.run(
        ["sgd"], "least-squares:n=40,batch=5", passes=2, tune=True, tune_seeds=2
    )
    ((label, tuned),) = result.tuning.items()
    assert tuned["passes"] == 2.0
    best = tuned["grid"].index(tuned["lr"])
    again = optcompare.run(
        [f"sgd:lr={tuned['lr']!r}"],
        "least-squares:n=40,batch=5",
        steps=16,  # 2 passes at 5/40 a step
        seed=TUNE_SEED_OFFSET,
        seeds=2,
    )
    gaps = [r.final_loss - result.problem.f_star for r in again.runs]
    assert tuned["median_objective"][best] == pytest.approx(np.median(gaps), rel=1e-12)


# -- files ---------------------------------------------------------------------------------


def test_summary_json_and_the_npz_record_passes_per_run(cli, tmp_path):
    code, out, err = cli(
        "run", "--opt", "sgd:lr=0.05", "--problem", "least-squares:n=40,batch=5",
        "--passes", "2", "--no-plot", "--out", "o", "-q",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert doc["passes"] == 2.0 and doc["x_axis"] == "passes" and doc["steps"] == 16
    assert [r["passes"] for r in doc["runs"]] == [2.0]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "o" / "trajectory.csv").read_text())))
    assert float(rows[-1]["passes"]) == 2.0 and int(rows[-1]["step"]) == 16


def test_the_npz_pads_runs_of_different_lengths_with_nan():
    prob = make_problem("least-squares:n=10")
    tr = run_batch(VARYING, SGD.resolve({"lr": 0.05}), prob, np.zeros((1, 2)), [0], 30)
    kept, last = cut(tr, 3.0, prob.f_star, 1e-6)
    from optcompare.experiments.records import OptimizerChoice
    from optcompare.experiments.run import _runs_from

    choice = OptimizerChoice(VARYING, SGD.resolve({"lr": 0.05}), "varying")
    short = _runs_from(choice, prob, kept, np.array([0]), np.zeros((1, 2)), 0.0, last)
    plain = optcompare.run("sgd:lr=0.05", prob, steps=30)
    mixed = dataclasses.replace(plain, runs=[*short, *plain.runs])
    arrays = npz_arrays(mixed)
    np.testing.assert_array_equal(arrays["last_step"], [10, 30])
    assert np.isnan(arrays["passes"][0, 11:]).all()
    np.testing.assert_array_equal(arrays["passes"][0, :11], tr.passes[:11, 0])
    np.testing.assert_array_equal(arrays["loss"][1], plain.runs[0].loss)


@pytest.mark.parametrize("command", ["run", "sweep", "animate"])
def test_steps_and_passes_on_the_command_line_exit_2_with_one_line(cli, command):
    extra = ["--param", "lr=0.01|0.1"] if command == "sweep" else []
    code, out, err = cli(
        command, "--opt", "sgd", "--problem", "rosenbrock", "--steps", "5", "--passes", "2",
        *extra,
    )  # fmt: skip
    assert code == 2
    assert "--steps and --passes" in err and len(err.strip().splitlines()) == 1


def test_sweep_and_basins_files_count_clipping_per_run(cli, tmp_path):
    code, _, err = cli(
        "sweep", "--opt", "sgd", "--problem", "rosenbrock", "--param", "lr=1e-4|1e-3",
        "--steps", "20", "--clip-norm", "1", "--seeds", "2", "--no-plot", "--out", "s", "-q",
    )  # fmt: skip
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "s" / "sweep.csv").read_text())))
    # from (-1.2, 1) Rosenbrock's gradient has norm about 232: clipped at every step
    assert [int(r["clipped_steps"]) for r in rows] == [20, 20, 20, 20]
    code, _, err = cli(
        "basins", "--opt", "sgd:lr=1e-3", "--problem", "himmelblau", "--grid", "5",
        "--steps", "1", "--clip-value", "50", "--no-plot", "--out", "b", "-q",
    )  # fmt: skip
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "b" / "basins.csv").read_text())))
    assert list(rows[0])[-1] == "clipped_steps"

    def steepest(x, y):  # Himmelblau's gradient, its largest coordinate
        u, v = x * x + y - 11, x + y * y - 7
        return max(abs(4 * x * u + 2 * v), abs(2 * u + 4 * y * v))

    # one step: clipped exactly where a coordinate of the start's gradient exceeds 50
    expected = [int(steepest(float(r["x0"]), float(r["y0"])) > 50) for r in rows]
    assert [int(r["clipped_steps"]) for r in rows] == expected
    assert 0 < sum(expected) < len(expected)


def test_without_clipping_the_csv_files_keep_their_columns(cli, tmp_path):
    code, _, err = cli(
        "sweep", "--opt", "sgd", "--problem", "rosenbrock", "--param", "lr=1e-4|1e-3",
        "--steps", "5", "--no-plot", "--out", "s", "-q",
    )  # fmt: skip
    assert code == 0, err
    header = (tmp_path / "s" / "sweep.csv").read_text().splitlines()[0]
    assert header == "label,optimizer,lr,seed,final_loss,best_loss,auc,diverged"


# -- figures -------------------------------------------------------------------------------


def test_the_loss_figure_draws_each_run_at_its_passes_or_seconds():
    result = optcompare.run(["sgd:lr=0.05"], "least-squares:n=40,batch=5", passes=2)
    ax = plot_loss(result)
    (line,) = [x for x in ax.get_lines() if x.get_label().startswith("sgd")]
    np.testing.assert_array_equal(line.get_xdata(), result.runs[0].passes)
    assert ax.get_xlabel() == "passes over the data"
    ax = plot_loss(result, x_axis="time")
    (line,) = [x for x in ax.get_lines() if x.get_label().startswith("sgd")]
    np.testing.assert_array_equal(line.get_xdata(), result.runs[0].seconds)
    assert ax.get_xlabel().startswith("seconds")
    ax = plot_loss(result, x_axis="steps")
    (line,) = [x for x in ax.get_lines() if x.get_label().startswith("sgd")]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(17))


def test_median_bands_on_the_passes_axis_are_taken_on_the_common_grid():
    prob = make_problem("least-squares:n=40,batch=1")
    result = optcompare.run(["sgd:lr=0.05"], prob, passes=1, seeds=3)
    ((x, q25, med, q75),) = median_bands(result, "passes").values()
    np.testing.assert_array_equal(x, np.linspace(0.0, 1.0, 1001))
    # at 0.5 passes each run holds its loss after step 20 (20/40 passes)
    at_half = sorted(r.loss[20] - prob.f_star for r in result.runs)
    assert med[500] == pytest.approx(at_half[1], rel=1e-12)
    assert q25[500] == pytest.approx((at_half[0] + at_half[1]) / 2, rel=1e-12)
    assert q75[500] == pytest.approx((at_half[1] + at_half[2]) / 2, rel=1e-12)
