"""Security: no code runs from a folder the user did not name, text from files reaches the
terminal escaped, and report.html embeds only regular files of the run folder."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# A problem file a student's submission might hold: it leaves a mark and ends the process
# with success, so a command that ran it would exit 0 having done nothing.
EVIL = (
    "import pathlib, sys\n"
    "pathlib.Path(__file__).resolve().parent.parent.joinpath('MARKER').write_text('ran')\n"
    "sys.exit(0)\n"
)
BANANA = {"formula": "(1 - x)**2 + 100*(y - x**2)**2", "minima": [[1, 1]]}


def optcompare(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in its own process, as a user types it (a sys.exit there ends it)."""
    script = Path(sys.executable).with_name("optcompare")
    command = (
        [str(script)]
        if script.is_file()
        else [sys.executable, "-I", "-c", "from optcompare.cli import main; main()"]
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "OPTCOMPARE_DEBUG")}
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A downloaded course folder: ./problems holds evil.py beside a data file."""
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "evil.py").write_text(EVIL)
    (tmp_path / "problems" / "banana.json").write_text(json.dumps(BANANA))
    return tmp_path


RUN = ["run", "--opt", "adam", "--steps", "3", "--no-plot", "--out", "r", "--problem"]
UNASKED = {
    "list": ["list"],
    "explain a built-in": ["explain", "rosenbrock"],
    "explain a data file's problem": ["explain", "banana"],
    "run a built-in": [*RUN, "sphere"],
    "run a data file's problem": [*RUN, "banana"],
    "sweep a built-in": [
        "sweep",
        "--opt",
        "sgd",
        "--problem",
        "sphere",
        "--steps",
        "3",
        "--param",
        "lr=0.01:0.1:2",
        "--no-plot",
        "--out",
        "r",
    ],  # fmt: skip
}


@pytest.mark.parametrize("args", UNASKED.values(), ids=UNASKED.keys())
def test_python_files_found_in_problems_are_not_run(course, args):
    done = optcompare(course, *args)
    assert not (course / "MARKER").exists(), "problems/evil.py ran without being named"
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    if args[0] in ("run", "sweep"):
        assert (course / "r" / "summary.json").is_file()  # the command did its work
    if args[0] == "explain":
        assert args[1] in done.stdout
    if args[0] != "list":  # the note is for where it matters, not every command
        assert "evil.py" not in done.stderr


def test_list_says_once_which_python_files_were_not_run(course):
    done = optcompare(course, "list")
    assert "banana" in done.stdout  # data files are still read from ./problems
    notes = [line for line in done.stderr.splitlines() if "evil.py" in line]
    assert len(notes) == 1 and len(done.stderr.strip().splitlines()) == 1
    assert "./problems/evil.py" in notes[0] and "--problems-dir problems" in notes[0]


@pytest.mark.parametrize("command", [[*RUN, "my-bowl"], ["explain", "my-bowl"]])
def test_an_unknown_problem_names_the_python_files_not_run(course, command):
    done = optcompare(course, *command)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown" in lines[0]
    assert "./problems/evil.py was not run" in lines[0] and "--problems-dir problems" in lines[0]
    assert not (course / "MARKER").exists()


def test_a_named_folder_runs_its_python_files(course):
    done = optcompare(course, *RUN, "sphere", "--problems-dir", "problems")
    assert (course / "MARKER").read_text() == "ran"
    # its sys.exit(0) does not pass for success: the command stops with one line
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "problems/evil.py" in lines[0] and "sys.exit(0)" in lines[0]
    assert not (course / "r").exists()


def test_a_named_folder_registers_its_python_problems(course):
    (course / "problems" / "evil.py").unlink()
    (course / "problems" / "bowl.py").write_text(
        "from optcompare.problem import Minimum, Problem, register_problem\n\n"
        "@register_problem\n"
        "class Bowl(Problem):\n"
        "    name = 'my-bowl'\n"
        "    description = 'a test bowl'\n"
        "    default_start = (2.0, 2.0)\n"
        "    default_window = ((-3.0, 3.0), (-3.0, 3.0))\n"
        "    known_minima = (Minimum((1.0, 0.0), 0.0),)\n"
        "    def f(self, X):\n        return (X[:, 0] - 1) ** 2 + X[:, 1] ** 2\n"
        "    def grad(self, X):\n        return 2 * (X - [1.0, 0.0])\n"
    )
    assert optcompare(course, *RUN, "my-bowl").returncode == 2  # not named: not there
    done = optcompare(course, *RUN, "my-bowl", "--problems-dir", "problems")
    assert done.returncode == 0, done.stderr
    assert json.loads((course / "r" / "summary.json").read_text())["problem"]["spec"] == "my-bowl"


def test_a_named_folder_leaves_no_note_about_another(cli, tmp_path, monkeypatch):
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "evil.py").write_text(EVIL)
    assert "evil.py" in cli("list")[2]  # found and not run: noted
    (tmp_path / "mine").mkdir()
    code, out, err = cli("explain", "no-such-problem", "--problems-dir", "mine")
    assert code == 2 and "unknown" in err and "evil.py" not in err
    assert not (tmp_path / "MARKER").exists()


@pytest.mark.parametrize("command", [["list"], [*RUN, "sphere"]])
def test_an_empty_problems_dir_is_refused(course, command):
    (course / "evil.py").write_text(EVIL)  # "" used to mean "." and run every *.py there
    done = optcompare(course, *command, "--problems-dir", "")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--problems-dir" in lines[0] and "empty" in lines[0]
    assert not (course / "MARKER").exists() and not (course / "r").exists()


# --- text from files reaches the terminal escaped ------------------------------------------

HOSTILE = "red \x1b[31mALERT\x1b[0m bell\x07 title\x1b]0;pwned\x07 [bold]markup[/bold]"


@pytest.fixture
def hostile_file(tmp_path: Path) -> Path:
    folder = tmp_path / "problems"
    folder.mkdir()
    data = {**BANANA, "name": "hostile", "description": HOSTILE, "reference": "ref\x1b[2J"}
    (folder / "hostile.json").write_text(json.dumps(data))
    # a file name is text from the folder too: it is the reference when none is given
    (folder / "name\x1b[5m.json").write_text(json.dumps({**BANANA, "name": "plain-name"}))
    return folder


def assert_escaped(text: str, *shown: str) -> None:
    for control in ("\x1b", "\x07"):
        assert control not in text, f"a raw {control!r} reached the terminal"
    for piece in shown:
        assert piece in text, piece


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["list"], [r"\x1b[31mALERT\x1b[0m", r"bell\x07", "[bold]markup[/bold]"]),
        (["explain", "hostile"], [r"red \x1b[31mALERT", r"\x1b]0;pwned\x07", r"ref\x1b[2J"]),
        (["explain", "plain-name"], [r"problems/name\x1b[5m.json"]),
    ],
    ids=["list", "explain", "explain-file-name"],
)
def test_text_from_problem_files_is_shown_escaped(cli, hostile_file, args, shown):
    code, out, err = cli(*args)
    assert code == 0, err
    assert_escaped(out + err, *shown)


def test_a_bad_file_name_is_escaped_in_the_warning(cli, tmp_path):
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "x\x1b[31m.json").write_text("{not json")
    code, out, err = cli("explain", "rosenbrock")
    assert code == 0
    assert_escaped(err, r"x\x1b[31m.json")
    assert len(err.strip().splitlines()) == 1


def test_the_library_refuses_an_empty_folder_name(tmp_path, monkeypatch):
    from optcompare.errors import SpecError
    from optcompare.problem import load_problem_dir

    monkeypatch.chdir(tmp_path)
    (tmp_path / "evil.py").write_text(EVIL)
    with pytest.raises(SpecError, match="empty"):
        load_problem_dir("")
    assert not (tmp_path / "MARKER").exists()


# --- report.html embeds only regular files of the run folder, checked by content -----------


@pytest.fixture
def run_folder(cli, tmp_path: Path) -> Path:
    code, out, err = cli(
        "run", "--opt", "adam", "--problem", "sphere", "--steps", "5", "--out", "r"
    )
    assert code == 0, err
    return tmp_path / "r"


def report_of(cli, folder: Path) -> str:
    code, out, err = cli("report", str(folder))
    assert code == 0, err
    return (folder / "report.html").read_text()


def embedded(data: bytes, html: str) -> bool:
    return base64.b64encode(data).decode("ascii") in html


def test_a_real_png_is_embedded(cli, run_folder):
    html = report_of(cli, run_folder)
    for name in ("loss.png", "path.png"):
        assert embedded((run_folder / name).read_bytes(), html)
    assert "Left out" not in html


@pytest.mark.parametrize("inside", [False, True], ids=["outside", "inside"])
def test_a_symlinked_png_is_not_embedded(cli, run_folder, tmp_path, inside):
    # the target is a genuine PNG, so only the link itself can keep it out
    secret = (run_folder / "path.png").read_bytes() + b"secret-bytes-outside"
    target = (run_folder if inside else tmp_path) / "other.png.bak"
    target.write_bytes(secret)
    (run_folder / "loss.png").unlink()
    (run_folder / "loss.png").symlink_to(target)
    html = report_of(cli, run_folder)
    assert not embedded(secret, html)
    assert embedded((run_folder / "path.png").read_bytes(), html)  # the regular one still is
    notes = [line for line in html.splitlines() if "Left out" in line]
    assert len(notes) == 1 and "loss.png" in notes[0] and "symbolic link" in notes[0]


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("loss.png", b"just text, named like a figure\n", "not a PNG image"),
        ("extra.gif", b"GIF90a not really", "not a GIF image"),
        ("extra.svg", b"<html><script>alert(1)</script></html>", "not an SVG image"),
        ("extra.pdf", b"plain text", "not a PDF document"),
    ],
)
def test_a_file_whose_content_is_not_its_type_is_left_out(cli, run_folder, name, content, why):
    (run_folder / name).write_bytes(content)
    html = report_of(cli, run_folder)
    assert not embedded(content, html)
    notes = [line for line in html.splitlines() if "Left out" in line]
    assert len(notes) == 1 and name in notes[0] and why in notes[0]


def test_a_symlinked_lesson_text_is_not_shown(cli, run_folder, tmp_path):
    (tmp_path / "private.md").write_text("# Private\n\nTOP-SECRET-LINE\n")
    (run_folder / "lesson.md").symlink_to(tmp_path / "private.md")
    html = report_of(cli, run_folder)
    assert "TOP-SECRET-LINE" not in html
    assert any("lesson.md" in line and "symbolic link" in line for line in html.splitlines())


def test_a_symlinked_summary_is_refused(cli, run_folder, tmp_path):
    (tmp_path / "elsewhere.json").write_bytes((run_folder / "summary.json").read_bytes())
    (run_folder / "summary.json").unlink()
    (run_folder / "summary.json").symlink_to(tmp_path / "elsewhere.json")
    code, out, err = cli("report", str(run_folder))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "symbolic link" in err
    assert not (run_folder / "report.html").exists()


SVG_DECLARED = b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE svg>\n<svg xmlns="x"></svg>'


@pytest.mark.parametrize(
    ("suffix", "content", "accepted"),
    [
        (".png", b"\x89PNG\r\n\x1a\n\x00\x00", True),
        (".png", b"\x89PNG\r\n", False),  # a cut signature
        (".gif", b"GIF87a....", True),
        (".gif", b"GIF89a....", True),
        (".svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", True),
        (".svg", SVG_DECLARED, True),
        (".svg", b'<?xml version="1.0"?><html/>', False),
        (".SVG", b"\xef\xbb\xbf  <svg/>", True),  # a byte-order mark and spaces first
        (".pdf", b"%PDF-1.4\n", True),
        (".pdf", b"%!PS-Adobe", False),
    ],
)
def test_figure_types_are_checked_by_content(suffix, content, accepted):
    from optcompare.report.folder import content_problem

    assert (content_problem(suffix, content) is None) is accepted


# --- a folder optcompare did not make receives none of its files ----------------------------

OUT_COMMANDS = {
    "run": ["run", "--opt", "adam", "--problem", "sphere", "--steps", "3"],
    "animate": ["animate", "--opt", "adam", "--problem", "sphere", "--steps", "3"],
    "sweep": ["sweep", "--opt", "sgd", "--problem", "sphere", "--steps", "3"]
    + ["--param", "lr=0.01:0.1:2"],
    "basins": ["basins", "--opt", "sgd", "--problem", "himmelblau", "--steps", "3"],
    "lesson": ["lesson", "ravine"],
}


@pytest.mark.parametrize("args", OUT_COMMANDS.values(), ids=OUT_COMMANDS.keys())
def test_a_users_folder_receives_nothing(cli, tmp_path, args):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("my own notes")
    code, out, err = cli(*args, "--out", str(folder))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "did not write" in lines[0]
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert (folder / "notes.txt").read_text() == "my own notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no temporary twin either


def test_out_root_is_refused_without_writing(cli):
    before = sorted(os.listdir("/"))
    code, out, err = cli(*OUT_COMMANDS["run"], "--out", "/")
    new = sorted(set(os.listdir("/")) - set(before))
    assert new == [], f"optcompare wrote {new} into /"
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "'/'" in lines[0] and "did not write" in lines[0]


def test_a_matplotlibrc_in_the_folder_does_not_restyle_or_run_latex(tmp_path: Path):
    # LaTeX would be started to draw any text; the linewidth would restyle every figure
    (tmp_path / "matplotlibrc").write_text("text.usetex: True\nlines.linewidth: 17\n")
    done = optcompare(
        tmp_path, "run", "--opt", "adam", "--problem", "sphere", "--steps", "3", "--out", "r", "-q"
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r" / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    probe = (
        "import matplotlib, sys; from optcompare.cli.group import "
        "ignore_folder_matplotlibrc as f; f(); "
        "sys.exit(matplotlib.rcParams['text.usetex'] or "
        "matplotlib.rcParams['lines.linewidth'] == 17)"
    )
    checked = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, timeout=60)
    assert checked.returncode == 0
