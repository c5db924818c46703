"""Every numeric option and spec value, fed extreme input: success or one line, never more.

The only outcomes allowed are success (exit 0), or exit 1 or 2 with exactly one line
on stderr: no traceback, no 'internal error', and no warning leaking (pytest turns
warnings into errors, so one raised inside a command becomes an internal error).
Options are found by asking click, so a numeric option added later is fuzzed too.
The options that are not fuzzed keep small fixed values (2 steps, a 3 x 3 grid).
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optcompare.cli import main
from optcompare.engine.schedules import SCHEDULES
from optcompare.optimizers import OPTIMIZERS
from optcompare.problem import PROBLEMS, load_catalog

#: Text a careless user or an attacker types where a number belongs.
EXTREMES = [
    "nan",
    "-nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    str(2**64),
    str(-(2**64)),
    str(2**63),
    str(2**63 - 1),
    str(2**32),
    str(10**23),
    "1e23",
    "1e308",
    "-1e308",
    "1e400",
    "1e-400",
    "-0",
    "-0.0",
    "",
    " ",
    "9" * 5000,
    "1_0",
    "0x10",
]

#: Each command with cheap settings for everything not being fuzzed (later options win);
#: not --quiet, so that the tables printed from extreme results are checked too.
BASE = {
    "run": ["--opt", "sgd", "--problem", "quadratic", "--steps", "2", "--no-plot"],
    "sweep": ["--opt", "sgd", "--problem", "quadratic", "--steps", "2", "--param", "lr=0.1|0.2"]
    + ["--no-plot"],
    "basins": ["--opt", "sgd", "--problem", "quadratic", "--steps", "2", "--grid", "3"]
    + ["--no-plot"],
    "animate": ["--opt", "sgd", "--problem", "quadratic", "--steps", "2", "--frames", "2"],
    # the window drawn once into a file: no screen needed
    "live": ["--opt", "sgd", "--problem", "quadratic", "--steps", "2", "--snapshot", "live.png"],
    "lesson": [],  # the list of lessons: running one takes seconds
    "list": [],
    "explain": ["sgd"],
    "report": [],  # takes no number
}

NUMERIC = (click.types.IntParamType, click.types.FloatParamType)


def numeric_options() -> list[tuple[str, str]]:
    """(command, flag) for every option of every command that takes a number."""
    return [
        (name, param.opts[0])
        for name, command in sorted(main.commands.items())
        for param in command.params
        if isinstance(param, click.Option) and isinstance(param.type, NUMERIC)
    ]


def spec_keys() -> list[tuple[str, str, str]]:
    """(flag, name, key) for every numeric parameter of every optimizer, problem, schedule."""
    load_catalog()  # problems register when the catalog is first needed
    out = []
    for flag, registry in (
        ("--opt", OPTIMIZERS),
        ("--problem", PROBLEMS),
        ("--lr-schedule", SCHEDULES),
    ):
        for name in registry.names():
            entry = registry.get(name)
            params = entry.all_params() if hasattr(entry, "all_params") else entry.params
            out.extend((flag, name, p.name) for p in params if p.kind in ("int", "float"))
    return out


@pytest.fixture
def frames_not_encoded(monkeypatch):
    """animate computes, draws its figure and steps through every frame, but neither
    renders nor encodes them (a GIF takes most of a second; see DRAWN for real ones)."""
    from matplotlib.animation import AbstractMovieWriter

    from optcompare import output

    class Discard(AbstractMovieWriter):
        def setup(self, fig, outfile, dpi=None):
            super().setup(fig, outfile, dpi)

        def grab_frame(self, **savefig_kwargs):
            pass

        def finish(self):
            Path(self.outfile).write_bytes(b"GIF89a")

    monkeypatch.setattr(output, "save_animation", lambda p, a, fps: a.save(p, writer=Discard()))


def assert_clean(args: tuple[str, ...], code: int, err: str) -> None:
    shown = " ".join(a if len(a) < 60 else a[:60] + "..." for a in args)
    assert "Traceback" not in err, shown
    assert "internal error" not in err, (shown, err)
    assert "Warning" not in err, (shown, err)
    assert code in (0, 1, 2), (shown, code, err)
    if code:
        lines = err.splitlines()
        assert len(lines) == 1, (shown, err)
        assert "error: " in lines[0], (shown, err)


FUZZ = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

#: Whole numbers are drawn small or huge: from 50 to 2**31, --steps, --seeds and --grid
#: take valid values whose work the budget admits but which take minutes, not extremes.
numbers = st.one_of(
    st.sampled_from(EXTREMES),
    st.integers(min_value=-50, max_value=50).map(str),
    st.integers(min_value=2**31, max_value=2**80).map(str),
    st.integers(min_value=-(2**80), max_value=-50).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def test_every_command_has_its_cheap_settings_and_the_numeric_options_are_found():
    assert set(BASE) == set(main.commands)
    found = set(numeric_options())
    # if discovery broke, the fuzz below would silently test nothing
    for expected in [
        ("run", "--steps"),
        ("run", "--seed"),
        ("run", "--seeds"),
        ("run", "--jitter"),
        ("run", "--tol"),
        ("sweep", "--seeds"),
        ("basins", "--grid"),
        ("animate", "--fps"),
        ("animate", "--frames"),
    ]:
        assert expected in found
    keys = spec_keys()
    for expected in [
        ("--opt", "adam", "lr"),
        ("--problem", "rosenbrock", "dim"),
        ("--lr-schedule", "step", "every"),
    ]:
        assert expected in keys


@pytest.mark.parametrize(("command", "flag"), numeric_options())
def test_every_extreme_value_in_each_numeric_option(cli, frames_not_encoded, command, flag):
    for value in EXTREMES:
        args = (command, *BASE[command], flag, value)
        code, _, err = cli(*args)
        assert_clean(args, code, err)


@pytest.mark.parametrize(("command", "flag"), numeric_options())
@FUZZ
@given(value=numbers)
def test_random_numbers_in_each_numeric_option(cli, frames_not_encoded, command, flag, value):
    args = (command, *BASE[command], flag, value)
    code, _, err = cli(*args)
    assert_clean(args, code, err)


#: The extremes every spec key is given in turn (the fuzz below draws the rest).
CORE = ["nan", "inf", "-inf", str(2**64), str(10**23), "1e308", "1e-400", "-0", "1e23"]


@pytest.mark.parametrize("flag", ["--opt", "--problem", "--lr-schedule"])
def test_every_spec_key_with_each_core_extreme(cli, flag):
    keys = [(name, param) for f, name, param in spec_keys() if f == flag]
    assert keys
    for name, param in keys:
        for value in CORE:
            args = ("run", *BASE["run"], flag, f"{name}:{param}={value}")
            code, _, err = cli(*args)
            assert_clean(args, code, err)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.sampled_from(spec_keys()), value=numbers, explain=st.booleans())
def test_spec_values_of_every_optimizer_problem_and_schedule(cli, key, value, explain):
    flag, name, param = key
    spec = f"{name}:{param}={value}"
    if explain and flag != "--lr-schedule":
        args: tuple[str, ...] = ("explain", spec)
    else:
        args = ("run", *BASE["run"], flag, spec)
    code, _, err = cli(*args)
    if "," in value or "=" in value:  # not a number: the spec's own grammar refuses it
        assert code == 2
    assert_clean(args, code, err)


@FUZZ
@given(lo=numbers, hi=numbers, count=numbers, log=st.booleans())
def test_sweep_ranges(cli, lo, hi, count, log):
    args = ("sweep", *BASE["sweep"], "--param", f"lr={lo}:{hi}:{count}" + (":log" if log else ""))
    code, _, err = cli(*args)
    assert_clean(args, code, err)


@FUZZ
@given(x=numbers, y=numbers)
def test_start_coordinates(cli, x, y):
    args = ("run", *BASE["run"], "--start", f"{x},{y}")
    code, _, err = cli(*args)
    assert_clean(args, code, err)


@FUZZ
@given(a=numbers, b=numbers, explain=st.booleans())
def test_numbers_inside_a_formula(cli, a, b, explain):
    spec = f"expr:{a}*x**2 + y**{b};start=0.5,0.5"
    args = ("explain", spec) if explain else ("run", *BASE["run"], "--problem", spec)
    code, _, err = cli(*args)
    assert_clean(args, code, err)


# The cases reported in the issue, each with the message that names the option.
NAMED = [
    (["run", *BASE["run"], "--tol", "nan"], "'--tol': 'nan' is not a finite number"),
    (["run", *BASE["run"], "--tol", "inf"], "'--tol': 'inf' is not a finite number"),
    (["run", *BASE["run"], "--seed", str(2**64)], "'--seed': 18446744073709551616 is not in"),
    (
        ["run", *BASE["run"], "--lr-schedule", "step:every=" + "1" + "0" * 22],
        "every=10000000000000000000000 is not allowed; every must be a whole number >= 1 "
        "and at most 1e+15",
    ),
    (["run", *BASE["run"], "--problem", "rosenbrock:dim=1e23"], "dim=1e23 is not allowed"),
    (["explain", "rosenbrock:dim=" + "9" * 23], "is not allowed; dim must be a whole number"),
    (
        ["run", *BASE["run"], "--lr-schedule", "exp:gamma=1e308"],
        r"gamma=1e308 is not allowed; gamma must be a number in (0, 1]",
    ),
    (
        ["sweep", *BASE["sweep"], "--param", "lr=1:inf:5"],
        "--param lr '1:inf:5' must contain finite numbers",
    ),
    (["run", *BASE["run"], "--opt", "adam:lr=nan"], "adam: lr=nan is not allowed"),
    (["run", *BASE["run"], "--out", "a" * 300], "'--out': the name 'aaaa"),
]


@pytest.mark.parametrize(("args", "message"), NAMED)
def test_reported_cases_are_refused_in_one_line_naming_the_option(cli, args, message):
    code, _, err = cli(*args)
    assert code == 2
    assert_clean(tuple(args), code, err)
    assert message in err


# Valid but extreme settings whose results are drawn: figures must not warn either.
DRAWN = [
    ["run", "--opt", "sgd:lr=1e308", "--opt", "adam:lr=1e-300", "--problem", "quadratic"],
    ["run", "--opt", "sgd", "--problem", "quadratic", "--jitter", "1e308", "--seeds", "3"],
    ["run", "--opt", "sgd", "--problem", "quadratic", "--start", "1e150,-1e150"],
    ["sweep", "--opt", "sgd", "--problem", "quadratic", "--param", "lr=1e-300:1e300:3:log"],
    ["sweep", "--opt", "sgd", "--problem", "quadratic", "--param", "lr=1e308|1e-308"],
    ["basins", "--opt", "sgd:lr=1e308", "--problem", "himmelblau", "--grid", "3"],
    # values near 1e308 over the window: matplotlib's contour levels overflowed
    ["run", "--opt", "sgd", "--problem", "expr:1e308*x**2 + y**2"],
    # one loss value of 2e20, where lo + 1 == lo: the loss axis had equal limits
    ["animate", "--opt", "sgd", "--problem", "expr:x**2+y**2;window=-1e10:1e10"]
    + ["--start", "1e10,1e10", "--steps", "0", "--frames", "2"],
]


@pytest.mark.parametrize("args", DRAWN, ids=lambda a: " ".join(a[:6]))
def test_extreme_results_are_drawn_without_a_warning(cli, args):
    full = (args[0], "--steps", "3", *args[1:])
    code, _, err = cli(*full)
    assert_clean(full, code, err)
