"""Nothing lost, nothing half-written, no traceback: faults and random input."""

from __future__ import annotations

import string

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optcompare
from optcompare import output
from optcompare.cli import main
from optcompare.errors import OptcompareError, RunError, SpecError
from optcompare.specs import parse_spec

FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def run(files):
    return output.Contents("run", files)


def invoke(*args):
    r = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_a_crash_while_writing_leaves_no_folder_and_keeps_the_earlier_one(tmp_path):
    earlier = output.write_folder(
        None, tmp_path / "run", run({"a.txt": lambda p: p.write_text("1")})
    )

    def boom(path):
        raise OSError(28, "No space left on device")

    with pytest.raises(RunError, match="No space left on device"):
        output.write_folder(
            None, tmp_path / "run", run({"a.txt": lambda p: p.write_text("2"), "b.png": boom})
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert (earlier / "a.txt").read_text() == "1"


def test_an_interrupt_while_writing_into_out_keeps_the_old_files(tmp_path):
    out = tmp_path / "demo"
    output.write_folder(
        out, tmp_path / "unused", run({"summary.json": lambda p: p.write_text("old")})
    )

    def interrupted(path):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        output.write_folder(
            out,
            tmp_path / "unused",
            run({"summary.json": lambda p: p.write_text("new"), "loss.png": interrupted}),
        )
    assert (out / "summary.json").read_text() == "old"
    assert not (out / "loss.png").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]


def test_out_removes_only_its_own_stale_files(tmp_path):
    out = tmp_path / "o"
    output.write_folder(
        out,
        tmp_path,
        run({"path.png": lambda p: p.write_text("x"), "loss.png": lambda p: p.write_text("x")}),
    )
    (out / "mine.png").write_text("keep")
    output.write_folder(out, tmp_path, run({"loss.png": lambda p: p.write_text("y")}))
    assert sorted(p.name for p in out.iterdir()) == [".optcompare-files", "loss.png", "mine.png"]


def test_a_plotting_crash_in_the_cli_leaves_no_run_folder(tmp_path, monkeypatch):
    from optcompare import plotting

    monkeypatch.chdir(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("plotting failed")

    # figures are drawn while the folder is written: the crash comes mid-write
    monkeypatch.setattr(plotting, "comparison_figure", broken)
    code, out, err = invoke("run", "--opt", "adam", "--problem", "sphere", "--steps", "3")
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").iterdir())


def test_numerical_faults_stay_in_their_run_and_print_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke(
        "run",
        "--opt",
        "sgd:lr=10",
        "--opt",
        "adam",
        "--problem",
        "rosenbrock",
        "--steps",
        "50",
        "--no-plot",
        "--json",
    )
    assert code == 0 and err == ""
    import json

    runs = json.loads(out)["runs"]
    assert runs[0]["diverged"] >= 1 and runs[1]["diverged"] is False


# -- random input ---------------------------------------------------------------
words = st.text(alphabet=string.ascii_letters + string.digits + ":=,.-+_| ", max_size=30)


@FAST
@given(words)
def test_random_specs_give_a_spec_or_a_clean_error(text):
    try:
        spec = parse_spec(text)
    except SpecError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert spec.name == spec.name.strip().lower()


@FAST
@given(opt=words, problem=words)
def test_random_specs_through_the_api_give_results_or_clean_errors(opt, problem):
    try:
        result = optcompare.run([opt], problem, steps=3)
    except OptcompareError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert all(len(r.loss) == 4 for r in result.runs)


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.text(max_size=6),
)


@FAST
@given(lr=numbers, momentum=numbers, steps=st.integers(-3, 30), start=st.text(max_size=12))
def test_random_values_on_the_command_line_exit_0_1_or_2_without_traceback(
    tmp_path, lr, momentum, steps, start
):
    args = [
        "run",
        "--opt",
        f"sgd:lr={lr},momentum={momentum}",
        "--problem",
        "rosenbrock",
        "--steps",
        str(steps),
        "--no-plot",
        "--out",
        str(tmp_path / "o"),
        "-q",
    ]
    if start:
        args += ["--start", start]
    code, out, err = invoke(*args)
    assert code in (0, 2)
    assert "Traceback" not in err
    if code == 2:
        assert len(err.strip().splitlines()) == 1


@FAST
@given(rng=st.text(alphabet="0123456789.e-:|log", max_size=16))
def test_random_ranges_give_values_or_clean_errors(rng):
    from optcompare.experiments.sweep import parse_range

    try:
        values = parse_range(rng)
    except SpecError as err:
        assert "\n" not in str(err)
        return
    assert values.size >= 1 and np.all(np.isfinite(values))
