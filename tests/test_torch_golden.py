"""Iterates agree with torch.optim (2.13, CPU, float64) to 1e-9 relative.

The fixture was recorded once by tests/fixtures/record_torch_golden.py; torch is
not needed here.  "replay" cases feed a recorded gradient sequence (sign flips,
exact zeros, magnitudes 1e-3..1e2) to the update alone; "closed" cases run the
whole engine on our catalog's problem and compare every iterate.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from optcompare.engine import run_batch
from optcompare.optimizers import OPTIMIZERS, VARIANCE_REDUCED
from optcompare.optimizers.base import hyper
from optcompare.problem import make_problem

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "torch_golden.json").read_text())
CASES = FIXTURE["cases"]
REPLAY = [c for c in CASES if c["mode"] == "replay"]
CLOSED = [c for c in CASES if c["mode"] == "closed"]
RTOL, ATOL = 1e-9, 1e-12

# torch's state names -> ours (the names each optimizer's docstring uses)
STATE_NAMES = {
    "momentum_buffer": "b",
    "sum": "sum",
    "square_avg": "v",
    "acc_delta": "u",
    "step_size": "step_size",
    "prev": "prev",
    "grad_avg": "gm",
    "exp_avg": "m",
    "exp_avg_sq": "v",
    "max_exp_avg_sq": "v_max",
    "exp_inf": "u",
    "mu_product": "mu_product",
}
PROBLEMS = {"rosenbrock": "rosenbrock", "rotated_quadratic": "quadratic:kappa={k},angle=45"}


def test_fixture_covers_every_optimizer_in_both_modes():
    # torch.optim has no variance-reduced methods: those are checked against hand loops
    # written from their papers in test_variance_reduction.py
    assert {c["optimizer"] for c in REPLAY} == set(OPTIMIZERS.names()) - set(VARIANCE_REDUCED)
    assert {c["optimizer"] for c in CLOSED} >= {
        "sgd",
        "adagrad",
        "adadelta",
        "rprop",
        "rmsprop",
        "adam",
        "adamw",
        "nadam",
        "adamax",
    }


@pytest.mark.parametrize("case", REPLAY, ids=[c["name"] for c in REPLAY])
def test_replayed_gradients_give_torchs_iterates_and_state(case):
    opt = OPTIMIZERS.get(case["optimizer"])
    values = opt.resolve(case["hyperparameters"])
    h = hyper(values)
    x = np.array([case["x0"]])
    s = opt.init(x, h)
    lrs = case.get("lrs")
    for t, g in enumerate(case["grads"], start=1):
        if lrs is not None:
            h.lr = lrs[t - 1]
        x, s = opt.update(x, np.array([g]), s, h, None)
        np.testing.assert_allclose(
            x[0], case["iterates"][t], rtol=RTOL, atol=ATOL, err_msg=f"step {t}"
        )
    for torch_name, value in case["final_state"].items():
        if torch_name == "step":
            assert s.t == value
            continue
        ours = getattr(s, STATE_NAMES[torch_name])
        np.testing.assert_allclose(ours[0], value, rtol=RTOL, atol=ATOL, err_msg=torch_name)


@pytest.mark.parametrize("case", CLOSED, ids=[c["name"] for c in CLOSED])
def test_closed_loop_runs_give_torchs_iterates(case):
    spec = PROBLEMS[case["problem"]].format(**case.get("problem_params", {}))
    problem = make_problem(spec)
    opt = OPTIMIZERS.get(case["optimizer"])
    lrs = case.get("lrs")
    factors = None if lrs is None else np.asarray(lrs) / lrs[0]
    tr = run_batch(
        opt,
        opt.resolve(case["hyperparameters"]),
        problem,
        np.array([case["x0"]]),
        np.zeros(1),
        case["steps"],
        lr_factors=factors,
    )
    np.testing.assert_allclose(
        problem.f(np.array(case["iterates"])), case["losses"], rtol=1e-12, atol=1e-12
    )  # same objective as torch's
    np.testing.assert_allclose(tr.x[:, 0, :], case["iterates"], rtol=RTOL, atol=ATOL)
