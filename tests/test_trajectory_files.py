"""trajectory.csv keeps every step up to a row limit and every k-th step beyond it, with the
whole record then in trajectory.npz; numbers read back exactly; no matplotlib without figures."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import optcompare
from optcompare import manifest
from optcompare.summary import trajectories

# sgd at lr 0.1 diverges on Rosenbrock within a few steps: runs of unequal length
OPTS = ["adam:lr=0.05", "sgd:lr=0.1"]
STEPS, SEEDS, JITTER = 120, 4, 0.3


def command(out: str, *extra: str) -> list[str]:
    args = ["run", "--problem", "rosenbrock", "--no-plot", "-q", "--out", out]
    for spec in OPTS:
        args += ["--opt", spec]
    return [*args, "--steps", str(STEPS), "--seeds", str(SEEDS), "--jitter", str(JITTER), *extra]


@pytest.fixture(scope="module")
def result():
    return optcompare.run(OPTS, "rosenbrock", steps=STEPS, seeds=SEEDS, jitter=JITTER)


def read_rows(path):
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def expected_steps(last: int, k: int) -> list[int]:
    """Every k-th step of 0..last, and last itself: written out here, not taken from the code."""
    return sorted({s for s in range(last + 1) if s % k == 0} | ({last} if last >= 0 else set()))


def smallest_stride(result, limit: int) -> int:
    total = sum(r.last_step + 1 for r in result.runs)
    if total <= limit:
        return 1
    for k in range(2, STEPS + 2):
        if sum(len(expected_steps(r.last_step, k)) for r in result.runs) <= limit:
            return k
    raise AssertionError("no stride fits")


def check_rows(rows, result, k):
    """Each run's rows are its steps 0, k, 2k, ... and its last valid step, values exact."""
    assert len(rows) == sum(len(expected_steps(r.last_step, k)) for r in result.runs)
    at = 0
    for run in result.runs:
        steps = expected_steps(run.last_step, k)
        mine = rows[at : at + len(steps)]
        at += len(steps)
        assert [int(row["step"]) for row in mine] == steps
        for row in mine:
            s = int(row["step"])
            assert (row["label"], row["optimizer"], int(row["seed"])) == (
                run.label,
                run.optimizer,
                run.seed,
            )
            # the text is Python's repr of the float64, so it reads back bit for bit
            assert row["loss"] == repr(float(run.loss[s])) and float(row["loss"]) == run.loss[s]
            assert float(row["grad_norm"]) == run.grad_norm[s]
            assert [float(row[f"x{i}"]) for i in range(2)] == run.x[s].tolist()


def test_the_limit_case_really_has_runs_of_unequal_length(result):
    lasts = {r.last_step for r in result.runs}
    assert STEPS in lasts and min(lasts) < STEPS // 2


@pytest.mark.parametrize("limit", [100, 250, 400])
def test_beyond_the_limit_every_kth_step_and_the_whole_record_in_npz(
    cli, tmp_path, monkeypatch, result, limit
):
    monkeypatch.setattr(trajectories, "CSV_ROW_LIMIT", limit)
    full = sum(r.last_step + 1 for r in result.runs)
    assert full > limit
    code, _, err = cli(*command("d"))
    assert code == 0, err
    preview = limit // 4  # a record beyond the limit gets a CSV preview of a quarter of it
    k = smallest_stride(result, preview)
    assert k > 1
    rows = read_rows(tmp_path / "d" / "trajectory.csv")
    assert len(rows) <= preview
    check_rows(rows, result, k)
    doc = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert doc["trajectory_csv"] == {
        "rows": len(rows),
        "every": k,
        "row_limit": preview,
        "npz": True,
    }

    with np.load(tmp_path / "d" / "trajectory.npz") as npz:  # no pickles: allow_pickle stays off
        got = {name: npz[name] for name in npz.files}
    runs = result.runs
    assert got["x"].shape == (len(runs), STEPS + 1, 2)
    for i, run in enumerate(runs):
        np.testing.assert_array_equal(got["x"][i], run.x)  # NaN after divergence in both
        np.testing.assert_array_equal(got["loss"][i], run.loss)
        np.testing.assert_array_equal(got["grad_norm"][i], run.grad_norm)
        assert got["seed"][i] == run.seed and got["label"][i] == run.label
        assert got["optimizer"][i] == run.optimizer
        assert got["diverged_at"][i] == (-1 if run.diverged_at is None else run.diverged_at)
    np.testing.assert_array_equal(got["step"], np.arange(STEPS + 1))
    # written like every other file: listed in the manifest with its digest
    ledger = manifest.read_manifest(tmp_path / "d")
    assert ledger is not None
    assert ledger.files["trajectory.npz"] == manifest.digest(tmp_path / "d" / "trajectory.npz")


def test_within_the_limit_every_step_and_no_npz(cli, tmp_path, result):
    code, _, err = cli(*command("d"))
    assert code == 0, err
    rows = read_rows(tmp_path / "d" / "trajectory.csv")
    check_rows(rows, result, 1)
    assert not (tmp_path / "d" / "trajectory.npz").exists()
    doc = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert doc["trajectory_csv"] == {
        "rows": len(rows),
        "every": 1,
        "row_limit": trajectories.CSV_ROW_LIMIT,
        "npz": False,
    }


def test_a_later_run_within_the_limit_removes_the_earlier_npz(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(trajectories, "CSV_ROW_LIMIT", 300)
    assert cli(*command("d"))[0] == 0
    assert (tmp_path / "d" / "trajectory.npz").exists()
    monkeypatch.setattr(trajectories, "CSV_ROW_LIMIT", 10**6)
    assert cli(*command("d"))[0] == 0
    # an npz of the earlier run would describe the wrong runs
    assert not (tmp_path / "d" / "trajectory.npz").exists()


def test_a_limit_below_two_rows_per_run_keeps_the_first_and_last_step(result):
    plan = trajectories.csv_plan(result, limit=1)
    assert plan.every >= STEPS  # no stride can do better than first and last
    text = "".join(trajectories.csv_chunks(result, plan.every))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert plan.rows == len(rows)
    check_rows(rows, result, plan.every)
    for run in result.runs:
        steps = [
            int(r["step"]) for r in rows if int(r["seed"]) == run.seed and r["label"] == run.label
        ]
        assert steps == ([0] if run.last_step == 0 else [0, run.last_step])


def test_labels_are_quoted_as_csv_and_a_percent_sign_stays(result):
    odd = 'adam "fast", 5% lr'
    run = dataclasses.replace(result.runs[0], label=odd)
    one = dataclasses.replace(result, runs=[run])
    text = "".join(trajectories.csv_chunks(one))
    assert text.endswith("\r\n")  # csv.writer's line end, as before
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["label"] for r in rows} == {odd}
    assert [int(r["step"]) for r in rows] == list(range(STEPS + 1))


def test_step_counts_and_strides_agree_for_many_lengths():
    # the number of rows a stride leaves, counted by hand over lengths and strides
    for last in range(0, 40):
        for k in range(1, 45):
            assert trajectories.kept_steps(last, k).tolist() == expected_steps(last, k)


COMMANDS = [
    ["run", "--opt", "adam", "--problem", "rosenbrock", "--steps", "5", "--no-plot", "--out", "r"],
    ["run", "--opt", "adam", "--problem", "rosenbrock", "--steps", "5", "--no-plot", "--json"],
    ["list"],
    ["explain", "adam"],
    ["explain", "rosenbrock"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_commands_without_figures_do_not_import_matplotlib(tmp_path, args):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from optcompare.cli import main\n"
        f"result = CliRunner().invoke(main, {args!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "print('LOADED=' + ','.join(sorted(m for m in sys.modules if m.startswith('matplotlib'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "", "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stderr
    assert "LOADED=\n" in done.stdout


def test_a_run_with_figures_does_import_matplotlib(tmp_path):
    # the check above can fail: drawing a figure loads matplotlib in the same way
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from optcompare.cli import main\n"
        "args = ['run', '--opt', 'adam', '--problem', 'rosenbrock', '--steps', '5', '-q']\n"
        "result = CliRunner().invoke(main, args)\n"
        "assert result.exit_code == 0, result.output\n"
        "print('LOADED=' + str('matplotlib' in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "", "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stderr
    assert "LOADED=True" in done.stdout
