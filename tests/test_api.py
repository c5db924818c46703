"""optcompare.run: every optimizer on every deterministic 2-D problem, labels, errors."""

from __future__ import annotations

import numpy as np
import pytest

import optcompare
from optcompare.errors import SpecError
from optcompare.optimizers import OPTIMIZERS, VARIANCE_REDUCED
from optcompare.optimizers.finite_sum import is_finite_sum
from optcompare.problem import make_problem, problem_names

DETERMINISTIC_2D = [
    n for n in problem_names() if make_problem(n).dim == 2 and not make_problem(n).stochastic
]


@pytest.mark.parametrize("problem", DETERMINISTIC_2D)
def test_every_optimizer_finishes_with_finite_numbers_or_is_marked_diverged(problem):
    # the variance-reduced methods run where there is a finite sum (they refuse elsewhere)
    finite_sum = is_finite_sum(make_problem(problem))
    names = [n for n in OPTIMIZERS.names() if finite_sum or n not in VARIANCE_REDUCED]
    result = optcompare.run(names, problem, steps=200)
    assert len(result.runs) == len(names)
    for r in result.runs:
        if r.diverged_at is None:
            assert np.all(np.isfinite(r.x)) and np.all(np.isfinite(r.loss))
        else:
            assert np.all(np.isfinite(r.x[: r.diverged_at]))
            assert np.all(np.isnan(r.loss[r.diverged_at :]))
        assert np.isfinite(r.final_loss) and np.all(np.isfinite(r.final_x))


def test_run_returns_arrays_labels_and_summary():
    result = optcompare.run(
        ["sgd:lr=0.001,momentum=0.9", "adam:lr=0.05", "adam:lr=0.05"],
        "rosenbrock",
        steps=50,
        start="-1.5,2",
    )
    labels = [r.label for r in result.runs]
    assert labels == ["sgd lr=0.001 momentum=0.9", "adam lr=0.05", "adam lr=0.05 #2"]
    r = result.runs[1]
    assert r.x.shape == (51, 2) and r.loss.shape == (51,)
    np.testing.assert_array_equal(r.x[0], [-1.5, 2.0])
    row = result.summary()[0]
    assert row["hyperparameters"] == {
        "lr": 0.001,
        "momentum": 0.9,
        "dampening": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
    }
    assert row["steps"] == 50 and row["diverged"] is False


def test_all_means_the_six_classics():
    result = optcompare.run("all", "sphere", steps=5)
    assert [r.optimizer for r in result.runs] == [
        "sgd",
        "adagrad",
        "adadelta",
        "rprop",
        "rmsprop",
        "adam",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"optimizers": "adam", "problem": "rosenbrock", "steps": -1},
            "steps must be a whole number",
        ),
        ({"optimizers": "adam", "problem": "rosenbrock", "start": "1,2,3"}, "dimension 2"),
        ({"optimizers": "adam", "problem": "rosenbrock", "start": "1,x"}, "not a list of numbers"),
        ({"optimizers": [], "problem": "rosenbrock"}, "no optimizer given"),
        ({"optimizers": "all:lr=1", "problem": "rosenbrock"}, "'all' takes no settings"),
        ({"optimizers": "adam:lr", "problem": "rosenbrock"}, "'lr' is not key=value"),
        ({"optimizers": "adam", "problem": "rosenbrok"}, "did you mean rosenbrock"),
    ],
)
def test_bad_arguments_raise_spec_errors(kwargs, message):
    with pytest.raises(SpecError, match=message):
        optcompare.run(**kwargs)


@pytest.mark.parametrize(
    ("opt", "problem", "reason"),
    [
        ("sgd:lr=0.1", "rosenbrock", "the iterate ran away"),
        ("sgd:lr=0.5", "expr:log(x) + y**2;start=1,1", "log of a non-positive number"),
        ("sgd:lr=0.5", "expr:sqrt(x) + y**2;start=1,1", "sqrt of a negative number"),
    ],
)
def test_a_diverged_run_says_why(opt, problem, reason):
    (run,) = optcompare.run([opt], problem, steps=30).runs
    assert run.diverged_at is not None
    assert reason in run.diverged_reason
    assert optcompare.run(["adam"], "rosenbrock", steps=5).runs[0].diverged_reason is None


def test_library_errors_name_the_parameter_and_the_cli_names_the_flag(cli):
    # the same mistake: the Python caller reads its parameter, the shell user the flag
    with pytest.raises(SpecError, match=r"^seeds 0 is not allowed; seeds must be"):
        optcompare.sweep(["sgd"], "rosenbrock", ["lr=0.1"], seeds=0)
    with pytest.raises(SpecError, match=r"^start '1,x' is not a list of numbers"):
        optcompare.run("sgd", "rosenbrock", start="1,x")
    code, _, err = cli("run", "--opt", "sgd", "--problem", "rosenbrock", "--start", "1,x")
    assert code == 2 and "--start '1,x' is not a list of numbers" in err
    code, _, err = cli("sweep", "--opt", "sgd", "--problem", "rosenbrock", "--param", "lr")
    assert code == 2 and err.count("\n") == 1 and "--param 'lr' is not name=range" in err


def test_a_tuned_label_names_the_tuned_lr_only():
    result = optcompare.run(
        ["sgd:lr=0.01,momentum=0.9"], "rosenbrock", steps=20, tune=True, tune_seeds=1
    )
    (label,) = result.labels
    assert label.count("lr=") == 1 and label.startswith("sgd momentum=0.9 lr=")
    assert label.endswith("(tuned)")
