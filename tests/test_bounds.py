"""Every number is checked where it is parsed: finite, in range, and named in the error."""

from __future__ import annotations

import json

import numpy as np
import pytest

import optcompare
from optcompare.errors import SpecError
from optcompare.experiments.sweep import parse_range
from optcompare.params import Param, check_number
from optcompare.problem.files import MAX_DEPTH, problem_class_from_file
from optcompare.specs import INT_LIMIT, SEED_MAX

EVERY = Param("every", 100, "steps between decays", kind="int", low=1, per_run=False)
LR = Param("lr", 0.1, "learning rate", low=0.0)


@pytest.mark.parametrize(
    "value",
    ["1e23", "1" + "0" * 22, str(2**64), 10**23, 10**400, "9" * 5000, INT_LIMIT + 1, [1, 1e20]],
)
def test_a_whole_number_beyond_the_limit_is_refused_and_the_limit_named(value):
    with pytest.raises(SpecError, match=r"every must be a whole number >= 1 and at most 1e\+15"):
        EVERY.convert(value, "lr schedule step")


def test_the_largest_whole_number_is_accepted_exactly():
    assert EVERY.convert(str(INT_LIMIT), "x") == INT_LIMIT
    per_run = Param("n", 1, "a count", kind="int", low=1)
    assert per_run.convert([1, INT_LIMIT], "x").tolist() == [1, INT_LIMIT]
    with pytest.raises(SpecError, match="at most 1e"):
        per_run.convert([1, INT_LIMIT + 1], "x")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", float("nan"), 10**400])
def test_a_float_parameter_refuses_what_is_not_finite(value):
    with pytest.raises(SpecError, match="lr must be a number >= 0"):
        LR.convert(value, "sgd")


@pytest.mark.parametrize(
    ("value", "kind", "bounds", "message"),
    [
        (float("nan"), "float", {"low": 0, "low_open": True}, "tol nan is not allowed"),
        (float("inf"), "float", {"low": 0, "low_open": True}, "tol must be a number > 0"),
        (2**64, "int", {"low": 0, "high": SEED_MAX}, "in [0, 4294967295]"),
        (-1, "int", {"low": 0, "high": SEED_MAX}, "tol -1 is not allowed"),
        (2.5, "int", {"low": 0}, "must be a whole number >= 0 and at most 1e+15"),
        (np.array([1.0]), "float", {}, "is not allowed"),
    ],
)
def test_check_number_names_the_parameter_for_the_cli(value, kind, bounds, message):
    with pytest.raises(SpecError) as caught:
        check_number(value, "tol", kind, **bounds)
    assert caught.value.param == "tol" and message in str(caught.value)
    assert "--tol" in caught.value.naming("--tol")


def test_check_number_returns_the_converted_value():
    assert check_number("3", "seeds", "int", low=1) == 3
    assert check_number(-0.0, "jitter", low=0) == 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: optcompare.run("sgd", "quadratic", steps=2, tol=float("nan")), "tol nan"),
        (lambda: optcompare.run("sgd", "quadratic", steps=2, tol=float("inf")), "tol inf"),
        (lambda: optcompare.run("sgd", "quadratic", steps=2, seed=2**64), "seed 1844"),
        (lambda: optcompare.run("sgd", "quadratic", steps=float("nan")), "steps nan"),
        (
            lambda: optcompare.sweep(["sgd"], "quadratic", ["lr=0.1"], steps=2, seed=-1),
            "seed -1",
        ),
        (lambda: optcompare.sweep(["sgd"], "quadratic", ["lr=0.1"], steps=0.5), "steps 0.5"),
        (
            lambda: optcompare.sweep(["sgd"], "quadratic", ["lr=0.1"], jitter=float("inf")),
            "jitter inf is not allowed; jitter must be a number >= 0",
        ),
        (lambda: optcompare.basins("sgd", "himmelblau", grid=float("nan")), r"grid nan"),
        (lambda: optcompare.basins("sgd", "himmelblau", grid=10**30), r"in \[2, 401\]"),
        (lambda: optcompare.basins("sgd", "himmelblau", steps=-1), "steps -1 is not"),
    ],
)
def test_the_library_checks_what_the_cli_checks(call, message):
    with pytest.raises(SpecError, match=message):
        call()


@pytest.mark.parametrize("text", ["1:inf:5", "-inf:1:3", "-1e308:1e308:5", "1:nan:3", "nan|1"])
def test_a_range_with_infinite_ends_or_width_is_refused_without_a_warning(text):
    # pytest turns warnings into errors: numpy's RuntimeWarning would fail this test
    with pytest.raises(SpecError, match="must contain finite numbers"):
        parse_range(text, "{p} lr", "params")


@pytest.mark.parametrize("count", ["nan", "inf", "1e300", "0", "2.5"])
def test_a_range_count_that_is_not_a_small_whole_number_is_refused(count):
    with pytest.raises(SpecError, match="count must be a whole number from 1 to 100000"):
        parse_range(f"0.1:1:{count}")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("exp:gamma=1e308", r"gamma must be a number in \(0, 1\]"),
        ("step:gamma=2", r"gamma must be a number in \(0, 1\]"),
        ("step:every=" + "9" * 23, r"and at most 1e\+15"),
    ],
)
def test_schedules_refuse_growth_and_huge_periods(spec, message):
    with pytest.raises(SpecError, match=message):
        optcompare.run("sgd", "quadratic", steps=3, lr_schedule=spec)


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


# 30,000 levels: past Python's recursion limit, under the budget's 100 kB per file
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 30_000])
@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_a_problem_file_nested_too_deep_is_refused_in_one_line(
    tmp_path, monkeypatch, depth, suffix
):
    monkeypatch.chdir(tmp_path)  # the message names the file as the user would write it
    nested = "[" * depth + "]" * depth
    text = (
        f'{{"formula": "x**2 + y**2", "start": {nested}}}'
        if suffix == ".json"
        else f'formula = "x**2 + y**2"\nstart = {nested}\n'
    )
    with pytest.raises(SpecError, match=f"nested more than {MAX_DEPTH} levels deep") as caught:
        problem_class_from_file(_file(tmp_path, "deep" + suffix, text))
    assert "\n" not in str(caught.value) and str(caught.value).startswith("deep" + suffix)


def test_a_problem_file_at_the_usual_depth_is_read(tmp_path):
    text = json.dumps({"formula": "x**2 + y**2", "window": [[-2, 2], [-1, 3]], "start": [1, 1]})
    cls = problem_class_from_file(_file(tmp_path, "fine.json", text))
    assert cls().window() == ((-2.0, 2.0), (-1.0, 3.0))


def test_a_5000_digit_number_in_a_json_problem_file_is_refused_as_not_finite(tmp_path):
    text = '{"formula": "x**2 + y**2", "start": [1, ' + "9" * 5000 + "]}"
    with pytest.raises(SpecError, match="big.json: start must be finite numbers"):
        problem_class_from_file(_file(tmp_path, "big.json", text))


def test_a_5000_digit_number_in_a_toml_problem_file_is_refused_in_one_line(tmp_path):
    text = 'formula = "x**2 + y**2"\nstart = [1, ' + "9" * 5000 + "]\n"
    with pytest.raises(SpecError, match="big.toml: a whole number in it has thousands of digits"):
        problem_class_from_file(_file(tmp_path, "big.toml", text))


def test_whole_numbers_in_a_json_problem_file_still_work(tmp_path):
    text = '{"formula": "(x - 3)**2 + (y + 1)**2", "start": [0, 0], "minima": [3, -1]}'
    cls = problem_class_from_file(_file(tmp_path, "ints.json", text))
    assert list(cls().minima()[0].x) == [3.0, -1.0]


def test_a_window_whose_width_overflows_is_refused():
    with pytest.raises(SpecError, match="whose difference is finite"):
        optcompare.run("sgd", "expr:x**2 + y**2;window=-1e308:1e308", steps=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "9e153,9e153"}, "--start 9e+153,9e+153 is not allowed: it is beyond"),
        ({"jitter": 1e100, "seeds": 3}, "--jitter 1e+100 is not allowed: it moves the start"),
    ],
)
def test_starts_beyond_where_runs_count_as_diverged_are_refused(kwargs, message):
    with pytest.raises(SpecError) as caught:
        optcompare.run("sgd", "sphere", steps=1, **kwargs)
    assert message in caught.value.naming("--" + caught.value.param)


def test_a_jitter_the_size_of_the_window_is_accepted():
    result = optcompare.run("sgd", "sphere", steps=1, seeds=3, jitter=2.0)
    assert len({tuple(r.start) for r in result.runs}) == 3
