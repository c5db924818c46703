"""The budget: every request's needs checked before any work starts, refused in one line.

Refusals are tested through the command line (message, exit code 2, no traceback, and
no engine batch started); the README's commands, the help examples and the sizes the
budget was designed for are checked to be admitted without being run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

import optcompare
from optcompare import budget
from optcompare.errors import SpecError
from optcompare.lessons import get_lesson, lesson_names
from optcompare.problem import make_problem, problem_class, problem_names

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("budget_needs", ROOT / "scripts/budget_needs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["budget_needs"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def default_budget(monkeypatch):
    monkeypatch.delenv(budget.ENV, raising=False)


@pytest.fixture
def no_engine(monkeypatch):
    """Any engine batch started fails the test: a refusal must come before the work."""

    def started(*args, **kwargs):
        raise AssertionError("an engine batch started before the budget refused")

    from optcompare.experiments import basins, grid, run

    for module in (basins, grid, run):
        monkeypatch.setattr(module, "run_batch", started)


# -- the arithmetic ---------------------------------------------------------------------


def test_needs_follow_the_documented_formulas():
    r = budget.Request(
        "this run",
        runs=30,
        steps=100,
        dim=3,
        cost=5,
        batch_runs=10,
        recorded_runs=4,
        recorded_width=7,
        kept_width=2,
        rows=50,
        columns=9,
    )
    n = budget.needs(r)
    # the arithmetic, and a fixed cost per step of each of the 3 batches
    assert n.work == 30 * 100 * 5 + 3 * 100 * budget.STEP_OVERHEAD
    # the batch's width is the larger of dim and cost; 12 working arrays; 8 bytes a value
    assert n.memory == (10 * 5 * 12 + 4 * 101 * 7 + 30 * 2) * 8
    assert n.written == 50 * 9 * 20


@pytest.mark.parametrize(
    ("quantity", "given", "more"),
    [
        ("work", {}, {"steps": 2}),
        ("memory", {"kept_width": 1, "steps": 0}, {"kept_width": 2}),
        ("written", {"rows": 1, "columns": 1, "steps": 0}, {"rows": 2}),
    ],
)
def test_admitted_at_the_limit_refused_above_it(quantity, given, more):
    base = budget.Request("this run", runs=1, steps=1, dim=1, cost=1, batch_runs=0)
    request = replace(base, **given)
    need = getattr(budget.needs(request), quantity)
    with budget.scaled(need / getattr(budget.DEFAULTS, quantity)):  # limit == need
        budget.check(request)
        with pytest.raises(SpecError, match=f"this run would need .* {quantity}|of {quantity}"):
            budget.check(replace(request, **more))


@pytest.mark.parametrize(
    ("ratio", "shown"), [(66.0, "66"), (3.2e3, "3200"), (2.01, "2.1"), (1.6016e-4, "0.00017")]
)
def test_the_suggested_scale_is_rounded_up(ratio, shown):
    assert budget._round_up(ratio) == shown
    assert float(shown) >= ratio


# -- refusals through the command line ---------------------------------------------------

SWEEP_HUGE = [
    "sweep",
    "--opt",
    "sgd",
    "--problem",
    "rosenbrock",
    "--param",
    "lr=1e-4:10:1000:log",
    "--param",
    "momentum=0:0.99:1000",
    "--seeds",
    "100",
]

REFUSALS = [
    (
        SWEEP_HUGE,
        r"this sweep would need 2e11 dimension-steps of work \(1e8 runs x 1,000 steps x "
        r"dimension 2, and 1,000 per step of each batch; the budget allows 1e10\) and [\d.]+ GB of memory \(1e8 runs of "
        r"dimension 2; the budget allows 2 GB\); raise it with --budget-scale (\d+) or "
        r"OPTCOMPARE_BUDGET=\1, or use fewer --seeds, shorter ranges or fewer --steps",
    ),
    (
        ["basins", "--opt", "sgd", "--problem", "himmelblau", "--grid", "401"]
        + ["--steps", "100000000"],
        r"these basins would need 3.2e13 dimension-steps of work \(160,801 runs x 1e8 steps x "
        r"dimension 2, and 1,000 per step of each batch; the budget allows 1e10\); raise it with --budget-scale 3300 or "
        r"OPTCOMPARE_BUDGET=3300, or use fewer --steps, a smaller --grid or fewer --opt",
    ),
    (
        ["sweep", "--opt", "adam", "--problem", "rosenbrock", "--param", "lr=1e-3:1:25:log"]
        + ["--steps", "1000000000"],
        # 5e10 of arithmetic, and 1e12 for a billion steps of one small batch
        r"this sweep would need 1e12 dimension-steps of work \(25 runs x 1e9 steps x "
        r"dimension 2, and 1,000 per step of each batch",
    ),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock:dim=100000", "--steps", "1000"],
        r"this run would need 2 GB written to trajectory.csv \(1,001 rows x 100,007 columns; "
        r"the budget allows 1 GB\); raise it with --budget-scale 2.1 or OPTCOMPARE_BUDGET=2.1, "
        r"or use fewer --steps, fewer --seeds or a smaller dim",
    ),
    (
        ["animate", "--opt", "adam", "--problem", "sphere:dim=100000", "--steps", "1000"],
        r"this run would need 2 GB written to trajectory.csv",
    ),
    (
        ["run", "--opt", "sgd", "--problem", "rosenbrock", "--seeds", "10000"]
        + ["--steps", "20000"],
        r"this run would need 6.4 GB of memory \(10,000 runs of dimension 2, 10,000 of them "
        # 2e8 run-steps: the CSV keeps a million rows, trajectory.npz takes 2e8 x 5 x 8 bytes
        # (x0, x1, loss, grad_norm, passes)
        r"recorded at 20,001 steps; the budget allows 2 GB\) and 8 GB written to "
        r"trajectory.npz \(2e8 rows x 5 columns.*--budget-scale 8.1 ",
    ),
    (
        ["run", "--opt", "sgd", "--opt", "adam", "--problem", "rosenbrock", "--tune"]
        + ["--seeds", "10000", "--steps", "30000"],
        r"this run would need .*or no --tune",
    ),
    (
        ["sweep", "--opt", "sgd", "--problem", "least-squares:n=1000,dim=100"]
        + ["--param", "lr=1e-3:1:100:log", "--seeds", "100"],
        r"this sweep would need 1e12 dimension-steps of work \(10,000 runs x 1,000 steps x "
        r"100,000 per evaluation, and 1,000 per step of each batch; the budget allows 1e10\)",
    ),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock:dim=1000000000"],
        r"problem rosenbrock: dim=1000000000 is not allowed; dim must be a whole number in "
        r"\[2, 100000\]",
    ),
    (
        ["explain", "rosenbrock:dim=100000000"],
        r"dim=100000000 is not allowed; dim must be a whole number in \[2, 100000\]",
    ),
    (
        ["run", "--opt", "sgd", "--problem", "least-squares:dim=100,n=20000"],
        r"n=20000 with dim=100 is not allowed; n x dim must be at most 1,000,000 data values",
    ),
    (["lesson", "ravine", "--budget-scale", "1e-9"], r"would need .* dimension-steps of work"),
]


@pytest.mark.parametrize(("args", "message"), REFUSALS)
def test_refused_in_one_line_before_any_work(cli, no_engine, args, message):
    t0 = time.perf_counter()
    code, out, err = cli(*args)
    elapsed = time.perf_counter() - t0
    assert code == 2, err
    assert err.startswith("optcompare: error: ") and err.count("\n") == 1
    assert re.search(message, err), err
    assert elapsed < 5.0  # instant: nothing was allocated for the request
    assert not Path("outputs").exists()


def test_the_suggested_scale_admits_the_request(cli, monkeypatch):
    args = ["run", "--opt", "sgd", "--problem", "rosenbrock", "--no-plot", "-q"]
    code, _, err = cli(*args, "--budget-scale", "1e-7")
    assert code == 2
    # written bytes decide: 1,001 rows x 9 columns x 20 bytes = 180,180 > 1e9 x scale
    k = re.search(r"--budget-scale ([\d.]+) or OPTCOMPARE_BUDGET=([\d.]+)", err)
    assert k and k.group(1) == k.group(2) == "0.00019"
    assert cli(*args, "--budget-scale", "0.00018")[0] == 2
    assert cli(*args, "--budget-scale", k.group(1))[0] == 0
    monkeypatch.setenv(budget.ENV, k.group(1))
    assert cli(*args)[0] == 0
    monkeypatch.setenv(budget.ENV, "0.00018")
    assert cli(*args)[0] == 2


def test_scale_ends_with_its_command(cli):
    assert cli("run", "--opt", "sgd", "--problem", "rosenbrock", "--budget-scale", "1e-9")[0] == 2
    assert budget.scale() == 1.0
    assert cli("run", "--opt", "sgd", "--problem", "sphere", "--steps", "3", "--no-plot")[0] == 0
    assert budget.scale() == 1.0


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e13", "abc"])
def test_a_bad_scale_is_refused_in_one_line(cli, monkeypatch, value):
    code, _, err = cli("run", "--opt", "sgd", "--problem", "sphere", "--budget-scale", value)
    assert code == 2 and err.count("\n") == 1 and "--budget-scale" in err
    monkeypatch.setenv(budget.ENV, value)
    code, _, err = cli("run", "--opt", "sgd", "--problem", "sphere", "--steps", "1")
    assert code == 2 and err.count("\n") == 1 and f"{budget.ENV} {value} is not allowed" in err


def test_python_refusal_and_scaled_limits():
    with pytest.raises(SpecError, match=r"this run would need 3.2 GB of memory"):
        optcompare.run("sgd", "rosenbrock", steps=10_000, seeds=10_000)
    with pytest.raises(SpecError, match=r"this sweep would need"):
        optcompare.sweep(
            "sgd", "rosenbrock", ["lr=1e-4:1:1000:log", "momentum=0:0.9:1000"], seeds=100
        )
    with budget.scaled(3):
        assert budget.limits() == budget.DEFAULTS.scaled(3)
    assert budget.limits() == budget.DEFAULTS


# -- parse-time bounds -------------------------------------------------------------------

DIM_FAMILIES = [n for n in problem_names() if any(p.name == "dim" for p in problem_class(n).params)]


@pytest.mark.parametrize("name", DIM_FAMILIES)
def test_every_dimension_has_an_upper_bound_at_parse_time(name):
    (dim,) = [p for p in problem_class(name).params if p.name == "dim"]
    assert dim.high is not None and dim.high <= budget.MAX_DIM
    with pytest.raises(SpecError, match=f"dim={budget.MAX_DIM + 1} is not allowed"):
        make_problem(f"{name}:dim={budget.MAX_DIM + 1}")


def test_explain_of_the_largest_dimension_is_prompt_and_short(cli):
    t0 = time.perf_counter()
    code, out, _ = cli("explain", f"rosenbrock:dim={budget.MAX_DIM}")
    assert code == 0 and time.perf_counter() - t0 < 5.0
    assert "100,000 coordinates" in out and len(out) < 5000


# -- problem files -----------------------------------------------------------------------


def _big_problem_file(folder: Path, name: str, size: int) -> Path:
    folder.mkdir(exist_ok=True)
    text = json.dumps({"name": name, "formula": "x**2 + y**2"})
    path = folder / f"{name}.json"
    path.write_text(text[:-1] + " " * (size - len(text)) + "}")
    return path


def test_a_problem_file_over_the_limit_is_skipped_unread(cli, tmp_path, monkeypatch):
    size = int(budget.DEFAULTS.input * 2)
    _big_problem_file(tmp_path / "problems", "big-skipped", size)
    read = []
    real_open = Path.open

    def opened(self, *args, **kwargs):
        read.append(self.name)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", opened)
    code, out, err = cli("list")
    assert code == 0 and "big-skipped" not in out
    assert re.search(
        r"skipped ./problems: problems/big-skipped.json: the file is 200 kB; a problem file may "
        r"hold at most 100 kB \(raise it with --budget-scale 2.0 or OPTCOMPARE_BUDGET=2.0",
        err,
    ), err
    assert "big-skipped.json" not in read


def test_a_sparse_gigabyte_problem_file_is_refused_at_once(cli, tmp_path):
    (tmp_path / "huge").mkdir()
    with open(tmp_path / "huge" / "huge.json", "wb") as fh:
        fh.truncate(10**9)  # sparse: no disk used, but read_bytes would read a gigabyte
    t0 = time.perf_counter()
    code, _, err = cli("list", "--problems-dir", "huge")
    assert code == 2 and time.perf_counter() - t0 < 5.0
    assert "huge.json: the file is 1 GB; a problem file may hold at most 100 kB" in err


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_larger_budget_admits_a_larger_problem_file(cli, tmp_path, monkeypatch, how):
    name = f"big-{how}"
    _big_problem_file(tmp_path / "problems", name, int(budget.DEFAULTS.input * 2))
    if how == "option":
        code, out, err = cli("list", "--budget-scale", "2.5")
    else:
        monkeypatch.setenv(budget.ENV, "2.5")
        code, out, err = cli("list")
    assert code == 0 and name in out and "skipped" not in err


# -- what the defaults admit -------------------------------------------------------------

NEEDS = _script()
USER_PROBLEMS = re.compile(r"banana|my-bowl")  # registered per folder: tested by the script


@pytest.mark.parametrize(
    "command", [c for c in NEEDS.readme_commands() if not USER_PROBLEMS.search(c)]
)
def test_readme_and_help_commands_need_a_tenth_of_the_budget(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(budget.ENV, "0.1")
    measured = NEEDS.command_needs(command)
    assert measured.refused is None and len(measured.needs) == 1


@pytest.mark.parametrize("command", NEEDS.SCALE_COMMANDS)
def test_the_sizes_the_budget_was_designed_for_are_admitted(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    measured = NEEDS.command_needs(command)
    assert measured.refused is None and len(measured.needs) == 1


def test_the_readme_commands_are_found():
    commands = NEEDS.readme_commands()
    assert any(c.startswith("optcompare sweep") for c in commands)
    assert any(c.startswith("optcompare basins") for c in commands)
    assert not any("SPEC" in c for c in commands)


@pytest.mark.parametrize("name", lesson_names())
def test_each_lesson_s_first_experiment_needs_a_tenth_of_the_budget(monkeypatch, name):
    # the whole lesson runs, under the default budget, in its own tests; here its first
    # experiment is checked at a tenth of the budget without running
    class Checked(Exception):
        pass

    real = budget.check
    seen = []

    def first(request):
        seen.append(real(request))
        raise Checked

    def engine(*args, **kwargs):  # a lesson that runs the engine itself stops there
        raise Checked

    monkeypatch.setattr(budget, "check", first)
    monkeypatch.setattr(optcompare.engine, "run_batch", engine)
    monkeypatch.setenv(budget.ENV, "0.1")
    with contextlib.suppress(Checked):
        get_lesson(name).run("png")
    assert len(seen) <= 1  # admitted (a refusal raises SpecError), or no check at all


# -- the cost of one evaluation ------------------------------------------------------------


@pytest.mark.parametrize("name", problem_names())
def test_an_evaluation_costs_at_least_the_dimension(name):
    p = make_problem(name)
    assert p.evaluation_cost() >= p.dim


def test_data_and_formula_problems_cost_more_than_their_dimension(cli, no_engine):
    assert make_problem("least-squares:n=300,dim=4").evaluation_cost() == 1200
    formula = "expr:(1-x)**2 + 100*(y-x**2)**2"
    cost = make_problem(formula).evaluation_cost()
    assert cost > 2 * make_problem(formula).dim  # every operation counts, not just x and y
    code, _, err = cli(
        "sweep",
        "--opt",
        "sgd",
        "--problem",
        formula,
        "--param",
        "lr=1e-4:1e-2:1000:log",
        "--seeds",
        "1000",
    )
    assert code == 2 and f"(1e6 runs x 1,000 steps x {cost} per evaluation," in err


def test_a_long_run_of_one_small_batch_is_work_too(cli, no_engine):
    # 2e9 dimension-steps of arithmetic, but a billion engine steps take hours
    code, _, err = cli(
        "sweep",
        "--opt",
        "sgd",
        "--problem",
        "rosenbrock",
        "--param",
        "lr=0.1",
        "--steps",
        "1000000000",
    )
    assert code == 2 and err.count("\n") == 1 and "1,000 per step of each batch" in err


def test_a_request_beyond_any_scale_says_so():
    huge = budget.Request("this run", runs=10**14, steps=10**9, dim=2, cost=2, batch_runs=10**14)
    with pytest.raises(SpecError, match=r"beyond any --budget-scale \(at most 1e\+12\)"):
        budget.check(huge)


def test_a_table_of_sample_gradients_counts_in_memory():
    """SAG keeps n sample gradients per run: n (dim + 1) values per run of the batch."""
    from optcompare.experiments.choices import make_optimizers, state_width
    from optcompare.problem import make_problem

    prob = make_problem("least-squares:n=500,dim=3")
    assert state_width(make_optimizers(["sag"]), prob) == 500 * 4
    assert state_width(make_optimizers(["svrg", "adam"]), prob) == 0
    plain = budget.Request(what="x", runs=10, steps=5, dim=3, cost=3, batch_runs=10)
    held = plain.holding(2000)
    assert budget.needs(held).memory - budget.needs(plain).memory == 10 * 2000 * 8
