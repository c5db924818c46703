"""The command line through click's CliRunner: files, JSON, exit codes, messages."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import optcompare
from optcompare.cli import main
from optcompare.optimizers import OPTIMIZERS
from optcompare.problem import make_problem


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def only_run_folder(root: Path) -> Path:
    (folder,) = [p for p in (root / "outputs").iterdir() if not p.name.startswith(".")]
    return folder


def test_the_first_command_a_user_types(cli, tmp_path):
    code, out, err = cli("run", "--opt", "rmsprop", "--problem", "rosenbrock", "--no-plot")
    assert code == 0, err
    folder = only_run_folder(tmp_path)
    assert folder.name.endswith("-rosenbrock-rmsprop")
    assert "rmsprop" in out and str(folder.relative_to(tmp_path)) in out.replace("\n", "")
    rows = read_csv(folder / "trajectory.csv")
    header = ["label", "optimizer", "seed", "step", "loss", "grad_norm", "passes", "x0", "x1"]
    assert list(rows[0]) == header
    assert [int(r["step"]) for r in rows] == list(range(1001))  # default: 1000 steps
    # rosenbrock is no finite sum: a gradient is one pass
    assert [float(r["passes"]) for r in rows] == list(range(1001))
    assert float(rows[0]["loss"]) == pytest.approx(24.2)
    doc = json.loads((folder / "summary.json").read_text())
    expected = optcompare.run("rmsprop", "rosenbrock").runs[0]
    assert doc["runs"][0]["final_loss"] == pytest.approx(expected.final_loss, rel=1e-15)
    assert float(rows[-1]["loss"]) == pytest.approx(expected.final_loss, rel=1e-15)


def test_several_optimizers_files_and_summary_contents(cli, tmp_path):
    code, out, err = cli(
        "run",
        "--opt",
        "sgd:lr=0.001,momentum=0.9",
        "--opt",
        "adam:lr=0.05",
        "--opt",
        "adam:lr=0.05",
        "--problem",
        "rosenbrock",
        "--steps",
        "40",
        "--start",
        "-1.5,2",
        "--seed",
        "3",
        "--tol",
        "0.5",
        "--out",
        "run1",
        "--no-plot",
        "--json",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["command"] == (
        "optcompare run --opt sgd:lr=0.001,momentum=0.9 --opt adam:lr=0.05"
        " --opt adam:lr=0.05 --problem rosenbrock --steps 40 --start -1.5,2"
        " --seed 3 --tol 0.5 --out run1 --no-plot --json"
    )
    assert doc["optcompare_version"] == optcompare.__version__
    assert doc["numpy_version"] == np.__version__
    assert doc["problem"]["spec"] == "rosenbrock"
    assert doc["problem"]["minima"] == [{"x": [1.0, 1.0], "f": 0.0, "kind": "global"}]
    labels = [r["label"] for r in doc["runs"]]
    assert labels == ["sgd lr=0.001 momentum=0.9", "adam lr=0.05", "adam lr=0.05 #2"]
    sgd = doc["runs"][0]
    assert sgd["hyperparameters"] == {
        "lr": 0.001,
        "momentum": 0.9,
        "dampening": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
    }
    assert sgd["seed"] == 3 and sgd["start"] == [-1.5, 2.0] and sgd["steps"] == 40
    for key in (
        "final_loss",
        "best_loss",
        "final_x",
        "distance_to_minimum",
        "steps_to_tol",
        "diverged",
        "wall_time",
    ):
        assert key in sgd
    assert sgd["distance_to_minimum"] == pytest.approx(
        np.hypot(sgd["final_x"][0] - 1, sgd["final_x"][1] - 1)
    )
    rows = read_csv(tmp_path / "run1" / "trajectory.csv")
    assert len(rows) == 3 * 41
    # steps_to_tol is the first step with loss - f* <= tol
    adam_rows = [r for r in rows if r["label"] == "adam lr=0.05"]
    first = next((int(r["step"]) for r in adam_rows if float(r["loss"]) <= 0.5), None)
    assert doc["runs"][1]["steps_to_tol"] == first
    assert json.loads((tmp_path / "run1" / "summary.json").read_text()) == doc


def test_diverged_run_rows_stop_and_summary_says_where(cli, tmp_path):
    code, out, err = cli(
        "run",
        "--opt",
        "sgd:lr=0.1",
        "--opt",
        "adam",
        "--problem",
        "rosenbrock",
        "--steps",
        "50",
        "--out",
        "d",
        "--no-plot",
        "--json",
    )
    assert code == 0, err
    doc = json.loads(out)
    k = doc["runs"][0]["diverged"]
    assert isinstance(k, int) and k > 0 and doc["runs"][1]["diverged"] is False
    rows = read_csv(tmp_path / "d" / "trajectory.csv")
    sgd_steps = [int(r["step"]) for r in rows if r["optimizer"] == "sgd"]
    assert sgd_steps == list(range(k))
    assert len([r for r in rows if r["optimizer"] == "adam"]) == 51


def test_opt_all_and_steps_zero(cli, tmp_path):
    code, out, err = cli(
        "run",
        "--opt",
        "all",
        "--problem",
        "himmelblau",
        "--steps",
        "0",
        "--out",
        "z",
        "--no-plot",
        "--quiet",
    )
    assert code == 0, err
    assert out.strip() == "z"
    rows = read_csv(tmp_path / "z" / "trajectory.csv")
    assert [r["optimizer"] for r in rows] == [
        "sgd",
        "adagrad",
        "adadelta",
        "rprop",
        "rmsprop",
        "adam",
    ]
    assert {r["step"] for r in rows} == {"0"}


def test_n_dimensional_problem_has_a_column_per_coordinate(cli, tmp_path):
    code, _, err = cli(
        "run",
        "--opt",
        "adam",
        "--problem",
        "rosenbrock:dim=5",
        "--steps",
        "3",
        "--out",
        "nd",
        "--no-plot",
        "-q",
    )
    assert code == 0, err
    rows = read_csv(tmp_path / "nd" / "trajectory.csv")
    assert list(rows[0])[-5:] == ["x0", "x1", "x2", "x3", "x4"]


def test_out_replaces_only_optcompares_own_files(cli, tmp_path):
    out = tmp_path / "mine"
    assert (
        cli(
            "run",
            "--opt",
            "adam",
            "--problem",
            "rosenbrock",
            "--steps",
            "5",
            "--out",
            "mine",
            "--no-plot",
            "-q",
        )[0]
        == 0
    )
    (out / "notes.txt").write_text("my notes")  # the user's, added to optcompare's folder
    first = (out / "summary.json").read_text()
    assert (
        cli(
            "run",
            "--opt",
            "sgd",
            "--problem",
            "rosenbrock",
            "--steps",
            "7",
            "--out",
            "mine",
            "--no-plot",
            "-q",
        )[0]
        == 0
    )
    assert (out / "notes.txt").read_text() == "my notes"
    assert (out / "summary.json").read_text() != first
    assert len(read_csv(out / "trajectory.csv")) == 8
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders


def test_default_folders_never_collide(cli, tmp_path):
    for _ in range(3):
        assert (
            cli("run", "--opt", "adam", "--problem", "sphere", "--steps", "1", "--no-plot", "-q")[0]
            == 0
        )
    assert len(list((tmp_path / "outputs").iterdir())) == 3


def test_list_shows_every_optimizer_and_problem(cli):
    code, out, _ = cli("list")
    assert code == 0
    for name in OPTIMIZERS.names():
        assert name in out
    assert "rosenbrock" in out and "himmelblau" in out and "beta2=0.999" in out.replace(" ", "")


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_explain_every_optimizer(cli, name):
    code, out, _ = cli("explain", name)
    assert code == 0
    opt = OPTIMIZERS.get(name)
    for p in opt.params:
        assert p.name in out
    assert "Paper" in out and "relates" in out


def test_explain_a_problem(cli):
    code, out, _ = cli("explain", "himmelblau")
    assert code == 0
    assert "minima" in out and "start" in out and "window" in out
    assert "3, 2" in out  # one of the four minima


def test_version_and_help(cli):
    code, out, _ = cli("--version")
    assert code == 0 and optcompare.__version__ in out
    for command in ([], ["run"], ["list"], ["explain"]):
        code, out, _ = cli(*command, "-h")
        assert code == 0 and "Usage" in out and "Example" in out


ERRORS = [
    (
        ["run", "--opt", "adm", "--problem", "rosenbrock"],
        "unknown optimizer 'adm'; did you mean adam",
    ),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrok"],
        "unknown problem 'rosenbrok'; did you mean rosenbrock",
    ),
    (
        ["run", "--opt", "adam:lrr=1", "--problem", "rosenbrock"],
        "unknown adam hyperparameter 'lrr'; did you mean lr",
    ),
    (["run", "--opt", "adam", "--problem", "rosenbrock:dimm=3"], "'dimm'; did you mean dim"),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--start", "1,2,3"],
        "--start has 3 coordinates but the problem has dimension 2",
    ),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--start", "a,b"],
        "--start 'a,b' is not a list of numbers",
    ),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--steps", "-1"],
        "'--steps': -1 is not in the range 0<=x<=1000000000",
    ),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--steps", "ten"],
        "'--steps': 'ten' is not a valid integer",
    ),
    (
        ["run", "--opt", "sgd:lr=-1", "--problem", "rosenbrock"],
        "sgd: lr=-1 is not allowed; lr must be a number >= 0",
    ),
    (
        ["run", "--opt", "adam:beta2=1.5", "--problem", "rosenbrock"],
        "beta2=1.5 is not allowed; beta2 must be a number in [0, 1)",
    ),
    (
        ["run", "--opt", "sgd:momentum=abc", "--problem", "rosenbrock"],
        "momentum=abc is not allowed; momentum must be a number >= 0",
    ),
    (
        ["run", "--opt", "sgd:nesterov=true", "--problem", "rosenbrock"],
        "nesterov=true needs momentum > 0",
    ),
    (["run", "--opt", "adam:lr", "--problem", "rosenbrock"], "'lr' is not key=value"),
    (["run", "--opt", ":lr=1", "--problem", "rosenbrock"], "has no name"),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--format", "jpg"],
        "'--format': 'jpg' is not one of 'png', 'svg', 'pdf'",
    ),
    (["run", "--opt", "adam", "--problem", "rosenbrock", "--tol", "0"], "'--tol'"),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--json", "--quiet"],
        "--json and --quiet cannot be combined",
    ),
    (["run", "--problem", "rosenbrock"], "Missing option '--opt'"),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--stpes", "3"],
        "No such option '--stpes'",
    ),
    (["explain", "adamm"], "unknown optimizer or problem 'adamm'; did you mean adam"),
    (["explain", "adam:lr=1"], "explain takes a bare optimizer name"),
    (["frobnicate"], "No such command 'frobnicate'"),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--problems-dir", "nowhere"],
        "problems folder 'nowhere' does not exist",
    ),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--seeds", "0"],
        "'--seeds': 0 is not in the range",
    ),
    (["run", "--opt", "adam", "--problem", "rosenbrock", "--jitter", "-1"], "'--jitter'"),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--objective", "mean"],
        "'--objective': 'mean' is not one of",
    ),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--lr-schedule", "cosin"],
        "unknown lr schedule 'cosin'; did you mean cosine",
    ),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--lr-schedule", "step:every=0"],
        "every must be a whole number >= 1",
    ),
    (
        ["run", "--opt", "adam", "--problem", "expr:x**2 + os"],
        "unknown name 'os' at column 8; did you mean cos",
    ),
    (["run", "--opt", "adam", "--problem", "expr:(x+y"], "unbalanced '(' at column 1"),
    (["run", "--opt", "adam", "--problem", "expr:x**2+y**2;start=1,2,3"], "start"),
    (["run", "--opt", "adam", "--problem", "expr:x.__class__"], "column 2"),
    (["sweep", "--opt", "sgd", "--problem", "rosenbrock"], "Missing option '--param'"),
    (
        ["sweep", "--opt", "sgd", "--problem", "rosenbrock", "--param", "lr=1:2"],
        "--param lr '1:2' is not a range; write lo:hi:count",
    ),
    (
        ["sweep", "--opt", "sgd", "--problem", "rosenbrock", "--param", "lr=0:1:5:log"],
        "a log range needs lo > 0",
    ),
    (
        ["sweep", "--opt", "sgd", "--problem", "rosenbrock", "--param", "1e-3:1:5"],
        "is not name=range",
    ),
    (
        ["sweep", "--opt", "sgd", "--problem", "rosenbrock", "--param", "beta2=0.9|0.99"],
        "unknown sgd hyperparameter 'beta2'",
    ),
    (
        [
            "sweep",
            "--opt",
            "sgd",
            "--problem",
            "rosenbrock",
            "--param",
            "lr=1|2",
            "--param",
            "lr=3|4",
        ],
        "--param lr is given twice",
    ),
    (["basins", "--opt", "sgd", "--problem", "saddle"], "basins needs known minima"),
    (["basins", "--opt", "sgd", "--problem", "rosenbrock:dim=3"], "basins needs a 2-D problem"),
    (
        ["basins", "--opt", "sgd", "--problem", "himmelblau", "--grid", "1"],
        "'--grid': 1 is not in the range",
    ),
    (
        ["basins", "--opt", "sgd", "--problem", "himmelblau", "--start", "1,1"],
        "No such option '--start'",
    ),
    (
        ["run", "--opt", "sgd:lr=0.1 momentum=0.9", "--problem", "rosenbrock"],
        "holds two settings; separate them with commas",
    ),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--steps", "10000000"],
        "this run would need 1e10 dimension-steps of work (1 runs x 1e7 steps",
    ),
    (["run", "--opt", "adam", "--problem", "rosenbrock", "--out", ""], "the folder name is empty"),
    (
        ["run", "--opt", "adam", "--problem", "rosenbrock", "--start", "1e308,1e308"],
        "the loss or its gradient is not finite there",
    ),
    (
        ["sweep", "--opt", "adam:lr=0.1", "--problem", "rosenbrock", "--param", "lr=1e-3|1e-2"],
        "--opt adam lr=0.1 sets lr, which the sweep varies",
    ),
    (
        ["sweep", "--opt", "adam", "--problem", "rosenbrock", "--param", "lr=-1:1:5"],
        "adam: lr=-1 (one of the per-run values) is not allowed",
    ),
    (
        ["animate", "--opt", "sgd", "--problem", "himmelblau", "--fps", "0"],
        "'--fps': 0 is not in the range",
    ),
]


@pytest.mark.parametrize(("args", "message"), ERRORS, ids=[" ".join(a[1:5]) for a, _ in ERRORS])
def test_user_mistakes_exit_2_with_one_line_and_leave_nothing(cli, tmp_path, args, message):
    code, out, err = cli(*args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert message in lines[0]
    assert not (tmp_path / "outputs").exists() or not any((tmp_path / "outputs").iterdir())


def test_an_unwritable_out_folder_is_a_runtime_error(cli, tmp_path):
    (tmp_path / "afile").write_text("x")
    code, out, err = cli(
        "run",
        "--opt",
        "adam",
        "--problem",
        "sphere",
        "--steps",
        "1",
        "--out",
        "afile/sub",
        "--no-plot",
    )
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "afile" in err


def test_help_does_not_import_numpy_or_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys; from optcompare.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'matplotlib', 'rich') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": ""},
        check=True,
    ).stderr
    assert "HEAVY=\n" in out


def test_problem_file_in_working_directory_problems_folder(cli, tmp_path):
    folder = tmp_path / "problems"
    folder.mkdir()
    (folder / "bowl.py").write_text(
        "import numpy as np\n"
        "from optcompare.problem import Minimum, Problem, register_problem\n\n"
        "@register_problem\n"
        "class Bowl(Problem):\n"
        "    name = 'my-bowl'\n"
        "    description = 'a test bowl'\n"
        "    default_start = (2.0, 2.0)\n"
        "    default_window = ((-3.0, 3.0), (-3.0, 3.0))\n"
        "    known_minima = (Minimum((1.0, 0.0), 0.0),)\n"
        "    def f(self, X):\n        return (X[:, 0] - 1) ** 2 + X[:, 1] ** 2\n"
        "    def grad(self, X):\n        return np.stack([2 * (X[:, 0] - 1), 2 * X[:, 1]], 1)\n"
    )
    code, out, err = cli(
        "run",
        "--opt",
        "sgd:lr=0.1",
        "--problem",
        "my-bowl",
        "--steps",
        "100",
        "--no-plot",
        "--json",
        "--problems-dir",  # Python problem files run only from a folder named here
        "problems",
    )
    assert code == 0, err
    assert json.loads(out)["runs"][0]["final_x"] == pytest.approx([1.0, 0.0], abs=1e-6)
    assert make_problem("my-bowl").f(np.array([[1.0, 0.0]]))[0] == 0.0


def test_explain_a_formula_shows_its_exact_gradient(cli):
    code, out, err = cli("explain", "expr:(1-x)**2 + 100*(y-x**2)**2;minima=1,1")
    assert code == 0, err
    assert "df/dx" in out and "df/dy" in out and "(1, 1)" in out


def test_run_with_report_writes_a_self_contained_page(cli, tmp_path):
    code, out, err = cli(
        "run",
        "--opt",
        "adam",
        "--problem",
        "sphere",
        "--steps",
        "5",
        "--out",
        "r",
        "--report",
        "-q",
    )
    assert code == 0, err
    html = (tmp_path / "r" / "report.html").read_text()
    assert "data:image/png;base64," in html and "http://" not in html and "https://" not in html


def test_one_dimensional_formula_gets_an_x_over_steps_figure(cli, tmp_path):
    code, out, err = cli(
        "run",
        "--opt",
        "adam:lr=0.1",
        "--problem",
        "expr:(x-1)**2;minima=1",
        "--steps",
        "50",
        "--out",
        "one",
        "-q",
    )
    assert code == 0, err
    assert (tmp_path / "one" / "path.png").stat().st_size > 10_000
    code, out, err = cli("animate", "--opt", "adam", "--problem", "expr:(x-1)**2")
    assert code == 2 and "one coordinate" in err


def test_animate_writes_a_gif_with_the_requested_frames(cli, tmp_path):
    from PIL import Image

    code, out, err = cli(
        "animate",
        "--opt",
        "sgd:lr=0.002,momentum=0.9",
        "--opt",
        "adam:lr=0.05",
        "--problem",
        "rosenbrock",
        "--steps",
        "60",
        "--frames",
        "12",
        "--fps",
        "6",
        "--out",
        "anim",
        "-q",
    )
    assert code == 0, err
    with Image.open(tmp_path / "anim" / "animation.gif") as gif:
        assert gif.n_frames == 12
    assert (tmp_path / "anim" / "trajectory.csv").exists()


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["run"],
        ["sweep"],
        ["basins"],
        ["animate"],
        ["lesson"],
        ["report"],
        ["list"],
        ["explain"],
    ],
)
def test_help_fits_80_columns(command):
    r = CliRunner().invoke(main, [*command, "-h"], terminal_width=80)
    assert r.exit_code == 0
    assert max(len(line) for line in r.stdout.splitlines()) <= 80


@pytest.mark.parametrize("env", [{}, {"NO_COLOR": "1"}])
def test_output_is_plain_text_off_a_terminal(cli, monkeypatch, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code, out, err = cli(
        "run",
        "--opt",
        "adam",
        "--opt",
        "sgd:lr=10",
        "--problem",
        "rosenbrock",
        "--steps",
        "20",
        "--no-plot",
    )
    assert code == 0
    assert "\x1b[" not in out and "\x1b[" not in err
    assert "adam" in out and "diverged" in out


def test_color_option_sets_an_optimizers_colour_in_both_figures(cli, saved_figures):
    from matplotlib.colors import to_hex

    drawn = saved_figures
    code, _, err = cli(
        "run",
        "--opt",
        "adam",
        "--opt",
        "sgd",
        "--problem",
        "rosenbrock",
        "--steps",
        "20",
        "--color",
        "adam=red",
        "--out",
        "c",
        "-q",
    )
    assert code == 0, err
    assert set(drawn) == {"loss.png", "path.png"}
    for fig in drawn.values():
        lines = {ln.get_label(): to_hex(ln.get_color()) for ln in fig.axes[0].get_lines()}
        adam = [c for label, c in lines.items() if label.startswith("adam")]
        sgd = [c for label, c in lines.items() if label.startswith("sgd")]
        assert adam and set(adam) == {"#ff0000"} and sgd and "#ff0000" not in sgd


@pytest.mark.parametrize("value", ["adam", "adam=notacolour", "=red", "adma=red"])
def test_color_option_refuses_a_bad_value_in_one_line(cli, value):
    code, _, err = cli(
        "run", "--opt", "adam", "--problem", "rosenbrock", "--steps", "2", "--color", value
    )
    assert code == 2 and err.count("\n") == 1 and "--color" in err
