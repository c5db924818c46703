"""Gradient clipping: the rule (torch's clip_grad_norm_ / clip_grad_value_), where it
sits in a step, what summary.json and trajectory.csv record, and the CLI's checks."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

import optcompare
from optcompare.errors import SpecError

QUADRATIC = "expr:x**2 + 3*y**2"  # gradient (2x, 6y)


def _grad(x: float, y: float) -> tuple[float, float]:
    return 2 * x, 6 * y


def test_sgd_two_steps_with_norm_clipping_by_hand():
    lr, c = 0.1, 1.0
    r = optcompare.run(["sgd:lr=0.1"], QUADRATIC, steps=2, start=[3.0, 4.0], clip_norm=c)
    x, y = 3.0, 4.0
    expected = [(x, y)]
    for _ in range(2):
        gx, gy = _grad(x, y)
        scale = min(1.0, c / (math.sqrt(gx * gx + gy * gy) + 1e-6))
        x, y = x - lr * gx * scale, y - lr * gy * scale
        expected.append((x, y))
    np.testing.assert_allclose(r.runs[0].x, np.array(expected), rtol=1e-14, atol=0)
    # the first step is lr long (the gradient had norm sqrt(612) > 1)
    assert math.hypot(3.0 - expected[1][0], 4.0 - expected[1][1]) == pytest.approx(0.1, rel=1e-6)
    assert r.runs[0].clipped_steps == 2
    # grad_norm stays the unclipped, noise-free norm
    assert r.runs[0].grad_norm[0] == pytest.approx(math.sqrt(612), rel=1e-15)
    assert r.runs[0].grad_norm[1] == pytest.approx(math.hypot(*_grad(*expected[1])), rel=1e-14)


def test_value_clipping_clamps_each_coordinate():
    # g = (6, 0.6): only the first coordinate exceeds V = 1
    r = optcompare.run(["sgd:lr=0.1"], QUADRATIC, steps=1, start=[3.0, 0.1], clip_value=1.0)
    np.testing.assert_allclose(r.runs[0].x[1], [3.0 - 0.1 * 1.0, 0.1 - 0.1 * 0.6], rtol=1e-15)
    assert r.runs[0].clipped_steps == 1


def test_value_clipping_that_does_not_act_is_not_counted():
    r = optcompare.run(["sgd:lr=0.1"], QUADRATIC, steps=3, start=[0.1, 0.1], clip_value=1.0)
    plain = optcompare.run(["sgd:lr=0.1"], QUADRATIC, steps=3, start=[0.1, 0.1])
    assert r.runs[0].clipped_steps == 0
    np.testing.assert_array_equal(r.runs[0].x, plain.runs[0].x)
    assert plain.runs[0].clipped_steps is None


@pytest.mark.parametrize("clip", [{"clip_norm": 0.01}, {"clip_value": 0.01}])
@pytest.mark.parametrize("variant", ["irprop-", "rprop+"])
@pytest.mark.parametrize("problem", ["rosenbrock", "himmelblau", QUADRATIC])
def test_clipping_leaves_rprop_unchanged(problem, variant, clip):
    # Rprop uses only the signs of the gradient, and both clips keep every sign
    spec = f"rprop:variant={variant}"
    plain = optcompare.run([spec], problem, steps=200)
    clipped = optcompare.run([spec], problem, steps=200, **clip)
    np.testing.assert_array_equal(clipped.runs[0].x, plain.runs[0].x)
    assert clipped.runs[0].clipped_steps > 0  # it did act on the gradient


def test_norm_clipping_changes_adam_little_while_it_acts_on_every_step():
    # far out on a quadratic the clip acts on all 50 steps with a slowly changing factor:
    # Adam's path moves about 5 and changes by under 1% of that; SGD's changes entirely
    kw = {"start": [100.0, 100.0], "steps": 50}
    adam = optcompare.run(["adam:lr=0.1"], QUADRATIC, **kw).runs[0]
    adam_c = optcompare.run(["adam:lr=0.1"], QUADRATIC, clip_norm=1.0, **kw).runs[0]
    sgd = optcompare.run(["sgd:lr=0.01"], QUADRATIC, **kw).runs[0]
    sgd_c = optcompare.run(["sgd:lr=0.01"], QUADRATIC, clip_norm=1.0, **kw).runs[0]
    assert adam_c.clipped_steps == 50
    moved = np.abs(adam.x[-1] - adam.x[0]).max()
    assert 0 < np.abs(adam_c.x - adam.x).max() < 0.01 * moved
    assert np.abs(sgd_c.x - sgd.x).max() > 10


def test_norm_clipping_can_change_adam_a_lot_where_it_acts_on_some_steps():
    # in Rosenbrock's valley the clip acts on some steps only, reweighting Adam's averages
    plain = optcompare.run(["adam:lr=0.01"], "rosenbrock", steps=300).runs[0]
    clipped = optcompare.run(["adam:lr=0.01"], "rosenbrock", steps=300, clip_norm=1.0).runs[0]
    assert 0 < clipped.clipped_steps < 300
    assert np.abs(clipped.x - plain.x).max() > 0.5


def test_norm_clipping_changes_sgd():
    plain = optcompare.run(["sgd:lr=0.001"], "rosenbrock", steps=50)
    clipped = optcompare.run(["sgd:lr=0.001"], "rosenbrock", steps=50, clip_norm=0.01)
    assert not np.array_equal(clipped.runs[0].x, plain.runs[0].x)


def test_weight_decay_is_added_after_clipping():
    # torch's SGD adds weight_decay * x inside its step, to the already clipped gradient
    lr, wd, c = 0.1, 0.5, 1.0
    r = optcompare.run(
        [f"sgd:lr={lr},weight_decay={wd}"], QUADRATIC, steps=1, start=[3.0, 4.0], clip_norm=c
    )
    gx, gy = _grad(3.0, 4.0)
    scale = c / (math.hypot(gx, gy) + 1e-6)
    expected = [3.0 - lr * (gx * scale + wd * 3.0), 4.0 - lr * (gy * scale + wd * 4.0)]
    np.testing.assert_allclose(r.runs[0].x[1], expected, rtol=1e-14)


def _clipped_steps_by_hand(x: float, lr: float, c: float, steps: int) -> int:
    """SGD on f = x**2 with norm clipping, counting the steps where |g| > c."""
    count = 0
    for _ in range(steps):
        g = 2 * x
        if c / (abs(g) + 1e-6) < 1:
            count += 1
            g *= c / (abs(g) + 1e-6)
        x -= lr * g
    return count


def test_summary_json_records_settings_and_count(cli, tmp_path):
    code, out, _ = cli(
        "run",
        "--opt",
        "sgd:lr=0.1",
        "--problem",
        "expr:x**2",
        "--start",
        "10.05",
        "--steps",
        "200",
        "--clip-norm",
        "1",
        "--no-plot",
        "--out",
        "res",
        "--quiet",
    )
    assert code == 0
    doc = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert doc["clipping"] == {"clip_norm": 1.0, "clip_value": None}
    # steps of 0.1 from 10.05 while 2x > 1: x = 10.05, 9.95, ..., 0.55 (96 steps), then
    # plain SGD (x <- 0.8 x) never meets the clip again
    assert _clipped_steps_by_hand(10.05, 0.1, 1.0, 200) == 96
    assert doc["runs"][0]["clipped_steps"] == 96
    with open(tmp_path / "res" / "trajectory.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    # the unclipped norm at the start: |2 x0| = 20.1, not the clip's 1
    assert float(rows[0]["grad_norm"]) == pytest.approx(20.1, rel=1e-15)
    assert float(rows[1]["grad_norm"]) == pytest.approx(2 * float(rows[1]["x0"]), rel=1e-15)


def test_summary_json_without_clipping(cli, tmp_path):
    code, _, _ = cli(
        "run", "--opt", "sgd", "--problem", "rosenbrock", "--steps", "5", "--no-plot",
        "--out", "res", "--quiet",
    )  # fmt: skip
    assert code == 0
    doc = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert doc["clipping"] == {"clip_norm": None, "clip_value": None}
    assert doc["runs"][0]["clipped_steps"] is None


def test_non_finite_gradient_norm_marks_the_run_diverged():
    # sqrt|x| from 0.25 with lr 0.25: x1 = 0.25 - 0.25 * 1 = 0, where the slope is infinite
    r = optcompare.run(["sgd:lr=0.25"], "expr:sqrt(abs(x))", start=[0.25], steps=3, clip_norm=10)
    run = r.runs[0]
    assert run.diverged_at == 2
    assert run.x[1, 0] == 0.0
    assert "gradient" in run.diverged_reason and "not finite" in run.diverged_reason
    assert run.clipped_steps == 0  # the slope at 0.25 is 1, below the clip


def test_tuning_and_sweep_and_basins_pass_clipping_through():
    from optcompare.experiments.basins import basins
    from optcompare.experiments.sweep import sweep
    from optcompare.problem import make_problem
    from optcompare.summary.documents import basins_document, sweep_document

    s = sweep(["sgd"], "rosenbrock", ["lr=1e-3|1e-2"], steps=20, clip_norm=0.5)
    assert sweep_document(s, "x")["clipping"] == {"clip_norm": 0.5, "clip_value": None}
    plain = sweep(["sgd"], "rosenbrock", ["lr=1e-3|1e-2"], steps=20)
    assert not np.array_equal(
        s.outcomes[0].trajectory.final_x, plain.outcomes[0].trajectory.final_x
    )
    b = basins(["sgd:lr=0.01"], "himmelblau", grid=3, steps=5, clip_value=0.5)
    doc = basins_document(b, make_problem("himmelblau"), "x")
    assert doc["clipping"] == {"clip_norm": None, "clip_value": 0.5}
    assert b[0].clipping is not None and b[0].clipping.value == 0.5
    tuned = optcompare.run(["sgd"], "rosenbrock", steps=30, tune=True, clip_norm=1.0)
    untuned = optcompare.run(["sgd"], "rosenbrock", steps=30, tune=True)
    assert tuned.tuning != untuned.tuning  # the tuning runs were clipped too


@pytest.mark.parametrize("name", ["clip_norm", "clip_value"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0.0, -1.0])
def test_api_refuses_bad_values(name, bad):
    with pytest.raises(SpecError, match=name):
        optcompare.run(["sgd"], "rosenbrock", steps=1, **{name: bad})


def test_api_refuses_both():
    with pytest.raises(SpecError, match="clip_norm cannot be combined"):
        optcompare.run(["sgd"], "rosenbrock", steps=1, clip_norm=1, clip_value=1)


COMMANDS = {
    "run": ["run", "--opt", "sgd", "--problem", "rosenbrock", "--steps", "1"],
    "animate": ["animate", "--opt", "sgd", "--problem", "rosenbrock", "--steps", "1"],
    "sweep": ["sweep", "--opt", "sgd", "--problem", "rosenbrock", "--param", "lr=1e-3|1e-2"],
    "basins": ["basins", "--opt", "sgd", "--problem", "himmelblau", "--grid", "2"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("option", ["--clip-norm", "--clip-value"])
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "0", "-1"])
def test_cli_refuses_bad_values_in_one_line(cli, command, option, bad):
    code, out, err = cli(*COMMANDS[command], f"{option}={bad}")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and option in lines[0]
    assert "Traceback" not in err


def test_cli_refuses_both_in_one_line(cli):
    code, _, err = cli(*COMMANDS["run"], "--clip-norm", "1", "--clip-value", "1")
    assert code == 2
    assert err.strip().splitlines() == [
        "optcompare: error: --clip-norm cannot be combined with value clipping; choose one"
    ]
