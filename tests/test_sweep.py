"""Sweeps and tuning: range parsing, grids as one batch, arg-best, fresh evaluation seeds."""

from __future__ import annotations

import numpy as np
import pytest

import optcompare
from optcompare.errors import SpecError
from optcompare.experiments.choices import make_optimizers
from optcompare.experiments.grid import make_grid, run_grid
from optcompare.experiments.sweep import parse_param, parse_range, sweep
from optcompare.experiments.tuning import TUNE_SEED_OFFSET, tune_lr
from optcompare.problem import make_problem
from optcompare.stats import median_and_band
from optcompare.summary.documents import aggregate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1:3:3", [1.0, 2.0, 3.0]),
        ("0:0.99:12", np.linspace(0, 0.99, 12)),
        ("1e-4:10:6:log", [1e-4, 1e-3, 1e-2, 1e-1, 1, 10]),
        ("0.1|0.5|2", [0.1, 0.5, 2.0]),
        ("0.3", [0.3]),
    ],
)
def test_ranges(text, expected):
    np.testing.assert_allclose(parse_range(text), expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1:2", "not a range"),
        ("1:2:3:lin", "not a range"),
        ("a:b:3", "not a range of numbers"),
        ("1:2:0", "count must be a whole number"),
        ("1:2:2.5", "count must be a whole number"),
        ("0:1:5:log", "a log range needs lo > 0"),
        ("1|x", "not a range of numbers"),
        ("1|inf", "finite numbers"),
        ("", "not a range of numbers"),
    ],
)
def test_range_errors_say_what_is_allowed(text, message):
    with pytest.raises(SpecError, match=message) as err:
        parse_range(text, "--param lr")
    assert (
        "lo:hi:count" in str(err.value) or "count" in str(err.value) or "lo > 0" in str(err.value)
    )


def test_param_needs_a_name():
    with pytest.raises(SpecError, match="is not name=range"):
        parse_param("1e-3:1:3")
    assert parse_param("lr=1|2")[0] == "lr"


def test_grid_is_every_combination_with_seed_fastest():
    g = make_grid(
        [("lr", np.array([0.1, 0.2])), ("momentum", np.array([0.0, 0.5, 0.9]))], np.array([7, 8])
    )
    assert len(g.seeds) == 12
    assert list(g.seeds[:4]) == [7, 8, 7, 8]
    assert list(g.values["lr"][:6]) == [0.1] * 6
    assert list(g.values["momentum"][:6]) == [0.0, 0.0, 0.5, 0.5, 0.9, 0.9]


def test_a_sweep_row_equals_the_single_run_with_the_same_settings_and_seed():
    s = sweep(
        ["sgd:momentum=0.5", "adam"],
        "rosenbrock:noise=3",
        ["lr=1e-3:1e-1:5:log"],
        seeds=3,
        seed=10,
        steps=120,
    )
    rows = s.rows()
    assert len(rows) == 2 * 5 * 3
    for row in (rows[4], rows[17], rows[29]):
        spec = f"{row['optimizer']}:lr={row['lr']!r}"
        if row["optimizer"] == "sgd":
            spec += ",momentum=0.5"
        single = optcompare.run([spec], "rosenbrock:noise=3", steps=120, seed=row["seed"]).runs[0]
        if row["diverged"] is False:
            assert single.final_loss == row["final_loss"]
            assert single.best_loss == row["best_loss"]
        else:
            assert single.diverged_at == row["diverged"]


def test_sweep_marks_divergence_and_never_drops_points():
    s = sweep(["sgd"], "rosenbrock", ["lr=1e-4:1:9:log"], steps=100)
    rows = s.rows()
    assert len(rows) == 9
    assert rows[0]["diverged"] is False and isinstance(rows[-1]["diverged"], int)
    assert np.isinf(s.outcomes[0].scores[-1])
    best = s.best()[0]
    assert best["lr"] < 1 and 0 < best["diverged_fraction"] < 1


def test_two_parameter_sweep_table_shape():
    s = sweep(["sgd"], "quadratic", ["lr=1e-3:1e-1:4:log", "momentum=0:0.9:3"], seeds=2, steps=30)
    assert s.table(s.outcomes[0]).shape == (4, 3, 2)


def test_sweep_errors():
    with pytest.raises(SpecError, match="unknown adam hyperparameter 'momentum'"):
        sweep(["adam"], "rosenbrock", ["momentum=0:0.9:3"], steps=5)
    with pytest.raises(SpecError, match="one or two"):
        sweep(["adam"], "rosenbrock", ["lr=1|2", "beta1=0|0.5", "beta2=0.9|0.99"], steps=5)
    with pytest.raises(SpecError, match="lr must be a number >= 0"):
        sweep(["adam"], "rosenbrock", ["lr=-1|1"], steps=5)


def test_tuned_lr_is_the_arg_best_of_the_grid_on_the_tuning_seeds():
    prob = make_problem("rosenbrock:noise=1")
    (choice,) = make_optimizers(["adam"])
    grid = np.logspace(-3, 0, 7)
    seeds = np.array([100, 101, 102])
    tuned = tune_lr(choice, prob, prob.start(), 150, seeds, grid=grid)
    # recompute every grid point by hand from single runs
    medians = []
    for lr in grid:
        finals = []
        for s in seeds:
            r = optcompare.run([f"adam:lr={float(lr)!r}"], prob, steps=150, seed=int(s)).runs[0]
            finals.append(np.inf if r.diverged_at is not None else r.final_loss)
        medians.append(np.median(finals))
    assert tuned["lr"] == grid[int(np.argmin(medians))]
    np.testing.assert_allclose(tuned["median_objective"], medians, rtol=1e-12)


def test_tuning_uses_other_seeds_than_evaluation_and_the_same_budget_for_all():
    result = optcompare.run(
        ["sgd", "adam"], "rosenbrock:noise=1", steps=100, seed=5, seeds=4, tune=True, tune_seeds=3
    )
    eval_seeds = {r.seed for r in result.runs}
    assert eval_seeds == {5, 6, 7, 8}
    for label, t in result.tuning.items():
        assert set(t["tuning_seeds"]).isdisjoint(eval_seeds)
        assert t["tuning_seeds"][0] == 5 + TUNE_SEED_OFFSET
        assert all(r.hyperparameters["lr"] == t["lr"] for r in result.runs_of(label))
    a, b = result.tuning.values()
    assert a["grid"] == b["grid"] and a["tuning_seeds"] == b["tuning_seeds"]


def test_seeds_and_jitter_give_distinct_starts_and_noise():
    result = optcompare.run(["adam:lr=0.05"], "rosenbrock", steps=20, seeds=5, jitter=0.1)
    starts = np.array([r.start for r in result.runs])
    assert len({tuple(s) for s in starts}) == 5
    assert np.all(np.abs(starts - make_problem("rosenbrock").start()) < 1.0)
    same = optcompare.run(["adam:lr=0.05"], "rosenbrock", steps=20, seeds=5, jitter=0.1)
    for r, q in zip(result.runs, same.runs, strict=True):
        np.testing.assert_array_equal(r.x, q.x)


def test_median_and_band_on_a_hand_made_set():
    assert median_and_band(np.array([5.0, 1.0, 3.0, 2.0, 4.0])) == (2.0, 3.0, 4.0)
    # position 0.5 lies between 1 and inf: touched, so inf by rule
    assert median_and_band(np.array([1.0, np.inf, np.inf])) == (np.inf, np.inf, np.inf)
    result = optcompare.run(
        ["sgd:lr=0.1", "sgd:lr=0.001"], "rosenbrock", steps=50, seeds=3, jitter=0.05
    )
    agg = {a["label"]: a for a in aggregate(result)}
    assert agg["sgd lr=0.1"]["diverged"] == 3 and agg["sgd lr=0.1"]["final_loss_median"] is None
    finals = sorted(r.final_loss for r in result.runs_of("sgd lr=0.001"))
    assert agg["sgd lr=0.001"]["final_loss_median"] == finals[1]


def test_run_grid_keeps_only_summaries():
    prob = make_problem("rosenbrock")
    (choice,) = make_optimizers(["adam"])
    g = make_grid([("lr", np.array([0.01, 0.1]))], np.arange(3))
    out = run_grid(choice, prob, g, prob.start(), 50)
    assert out.trajectory.x is None and out.trajectory.final_loss.shape == (6,)


def test_a_parameter_one_optimizer_lacks_is_refused_before_any_run(monkeypatch):
    import optcompare.experiments.sweep as sweep_module

    ran = []
    monkeypatch.setattr(sweep_module, "run_grid", lambda *a, **k: ran.append(a) or 1 / 0)
    with pytest.raises(SpecError, match="unknown adagrad hyperparameter 'momentum'"):
        sweep(["sgd", "adagrad"], "rosenbrock", ["lr=0.01|0.1", "momentum=0|0.9"], steps=5)
    assert ran == []  # sgd, which has momentum, was not swept first
