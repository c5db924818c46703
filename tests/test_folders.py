"""Nothing lost: what may go into an output folder, signals while writing, full devices."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from itertools import permutations
from pathlib import Path

import pytest

from optcompare import interrupts, manifest, output
from optcompare.errors import RunError, SpecError

#: A quick command of each kind that writes a folder, and the kind it records.
COMMANDS = {
    "run": ("run", "--opt", "adam", "--problem", "sphere", "--steps", "3"),
    "sweep": (
        "sweep",
        *("--opt", "adam", "--problem", "sphere", "--param", "lr=0.01:0.1:2", "--steps", "3"),
    ),
    "basins": ("basins", "--opt", "adam", "--problem", "himmelblau", "--grid", "2", "--steps", "3"),
    "animate": ("animate", "--opt", "adam", "--problem", "himmelblau", "--steps", "3"),
    "lesson:ravine": ("lesson", "ravine"),
}
KINDS = [*COMMANDS, "lesson:saddle"]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder, hidden ones too, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".tmp-" in p.name]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def never(path: Path) -> None:
    raise AssertionError(f"{path} should not have been written")


def contents(kind: str, **texts: str) -> output.Contents:
    return output.Contents(kind, {n.replace("_", "."): _text(t) for n, t in texts.items()})


def _text(text: str) -> output.Writer:
    return lambda p: p.write_text(text)


# -- kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in COMMANDS if k != "run"])
def test_another_command_into_a_run_folder_is_refused_and_changes_nothing(cli, tmp_path, kind):
    code, _, err = cli(*COMMANDS["run"], "--out", "d", "-q")
    assert code == 0, err
    before = snapshot(tmp_path / "d")
    code, out, err = cli(*COMMANDS[kind], "--out", "d")
    assert code == 2 and out == ""
    line = one_line(err)
    assert "'optcompare run'" in line and "choose another --out, or delete 'd' first" in line
    assert snapshot(tmp_path / "d") == before
    assert temporaries(tmp_path) == []


@pytest.mark.parametrize(("earlier", "later"), list(permutations(KINDS, 2)))
def test_a_folder_of_one_kind_refuses_every_other_kind_when_written(tmp_path, earlier, later):
    out = tmp_path / "d"
    output.write_folder(out, out, contents(earlier, summary_json="{}"))
    before = snapshot(out)
    with pytest.raises(SpecError, match="choose another --out"):
        output.write_folder(out, out, output.Contents(later, {"summary.json": never}))
    assert snapshot(out) == before


def test_the_same_command_again_replaces_its_own_files(cli, tmp_path):
    assert cli(*COMMANDS["run"], "--out", "d", "-q")[0] == 0
    first = snapshot(tmp_path / "d")
    code, _, err = cli("run", "--opt", "sgd", "--problem", "sphere", "--steps", "7", "--out", "d")
    assert code == 0, err
    folder = tmp_path / "d"
    now = snapshot(folder)
    assert now["summary.json"] != first["summary.json"]
    assert len((folder / "trajectory.csv").read_text().splitlines()) == 1 + 8  # header, steps 0-7
    doc = json.loads(now[manifest.MANIFEST])
    assert doc["kind"] == "run"
    assert set(doc["files"]) == set(now) - {manifest.MANIFEST}
    for name, entry in doc["files"].items():
        assert entry["size"] == len(now[name])
        assert entry["sha256"] == hashlib.sha256(now[name]).hexdigest()


def test_a_file_the_user_edited_is_kept_and_the_rerun_refused(cli, tmp_path, monkeypatch):
    from optcompare.experiments import run

    assert cli(*COMMANDS["run"], "--out", "d", "-q")[0] == 0
    folder = tmp_path / "d"
    with (folder / "loss.png").open("ab") as fh:
        fh.write(b"my annotation")
    before = snapshot(folder)
    # refused before any work: running at all would be an internal error (exit 1)
    monkeypatch.setattr(run, "run", never)
    code, _, err = cli(*COMMANDS["run"], "--out", "d", "-q")
    assert code == 2
    line = one_line(err)
    assert "loss.png in 'd' was changed after optcompare wrote it" in line
    assert "move it away" in line
    assert snapshot(folder) == before


def test_a_listed_file_the_new_run_would_delete_is_kept_when_it_is_the_users(cli, tmp_path):
    # the first run writes path.png; the second (--no-plot) does not, so would delete it
    assert cli(*COMMANDS["run"], "--out", "d", "-q")[0] == 0
    folder = tmp_path / "d"
    (folder / "path.png").write_bytes(b"my own picture under the same name")
    before = snapshot(folder)
    code, _, err = cli(*COMMANDS["run"], "--no-plot", "--out", "d", "-q")
    assert code == 2 and "path.png" in one_line(err)
    assert snapshot(folder) == before


def test_a_file_of_the_same_name_that_optcompare_never_listed_is_kept(tmp_path):
    out = tmp_path / "d"
    output.write_folder(out, out, contents("run", summary_json="{}"))
    (out / "loss.png").write_text("mine")
    before = snapshot(out)
    with pytest.raises(SpecError, match="already holds loss.png, which optcompare did not write"):
        output.write_folder(out, out, contents("run", summary_json="{}", loss_png="x"))
    assert snapshot(out) == before


# -- report -----------------------------------------------------------------------------


def test_report_adds_report_html_to_a_sweep_folder_and_keeps_its_kind(cli, tmp_path):
    assert cli(*COMMANDS["sweep"], "--out", "s", "-q")[0] == 0
    folder = tmp_path / "s"
    before = snapshot(folder)
    code, _, err = cli("report", "s", "-q")
    assert code == 0, err
    now = snapshot(folder)
    assert set(now) == set(before) | {"report.html"}
    assert {n: b for n, b in now.items() if n not in ("report.html", manifest.MANIFEST)} == {
        n: b for n, b in before.items() if n != manifest.MANIFEST
    }
    ledger = manifest.read_manifest(folder)
    assert ledger is not None and ledger.kind == "sweep"
    assert manifest.verified(folder, "report.html", ledger)
    # the same kind may come back, and replace its report too
    code, _, err = cli(*COMMANDS["sweep"], "--out", "s", "--report", "-q")
    assert code == 0, err
    assert (folder / "report.html").read_bytes() != now["report.html"]


def test_report_keeps_a_report_html_the_user_edited(cli, tmp_path):
    assert cli(*COMMANDS["run"], "--no-plot", "--out", "d", "--report", "-q")[0] == 0
    folder = tmp_path / "d"
    (folder / "report.html").write_text("<p>my notes</p>")
    before = snapshot(folder)
    code, _, err = cli("report", "d")
    assert code == 2 and "report.html' was not written by optcompare" in one_line(err)
    assert snapshot(folder) == before


# -- folders optcompare did not make ----------------------------------------------------


def test_out_root_is_refused_before_anything_is_written():
    # the writer fails the test if called: nothing may even be drawn for '/'
    with pytest.raises(SpecError, match="'/' already holds files that optcompare did not write"):
        output.write_folder(Path("/"), Path("/"), output.Contents("run", {"summary.json": never}))
    with pytest.raises(SpecError, match="did not write"):
        output.check_target(Path("/"), "run")


def test_a_folder_holding_other_files_is_refused_and_an_empty_one_accepted(cli, tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "notes.md").write_text("week 1")
    code, out, err = cli(*COMMANDS["run"], "--out", "course")
    assert code == 2 and out == ""
    assert "choose another --out (a new or empty folder)" in one_line(err)
    assert snapshot(tmp_path / "course") == {"notes.md": b"week 1"}
    (tmp_path / "empty").mkdir()
    code, _, err = cli(*COMMANDS["run"], "--no-plot", "--out", "empty", "-q")
    assert code == 0, err
    assert {"summary.json", "trajectory.csv", manifest.MANIFEST} == set(
        snapshot(tmp_path / "empty")
    )
    assert temporaries(tmp_path) == []


def test_an_older_list_manifest_is_read_but_nothing_it_lists_is_replaced(tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    (out / manifest.MANIFEST).write_text("summary.json\nloss.png\n")
    (out / "summary.json").write_text("{}")
    before = snapshot(out)
    assert output.own_files(out) == ["summary.json", "loss.png"]
    with pytest.raises(SpecError, match="older optcompare"):
        output.write_folder(out, out, output.Contents("run", {"summary.json": never}))
    with pytest.raises(SpecError, match="summary.json' was not written by optcompare"):
        output.add_file(out, "summary.json", never)
    assert snapshot(out) == before
    # adding a file that is not there loses nothing, and keeps the older names listed
    output.add_file(out, "report.html", lambda p: p.write_text("page"))
    ledger = manifest.read_manifest(out)
    assert ledger is not None and ledger.kind is None
    assert list(ledger.files) == ["summary.json", "loss.png", "report.html"]
    assert not manifest.verified(out, "summary.json", ledger)
    assert manifest.verified(out, "report.html", ledger)


# -- temporary folders and signals ------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporary_folders_are_removed_on_the_next_write(tmp_path):
    hour = 3600
    dead = tmp_path / f".d.tmp-{dead_pid()}-abcdefgh"
    old = tmp_path / ".other.tmp-k2j4h5g6"  # older versions recorded no process
    fresh = tmp_path / ".third.tmp-q1w2e3r4"
    running = tmp_path / f".d.tmp-{os.getpid()}-zxcvbnm1"
    lookalike = tmp_path / ".d.tmp-notours"
    for folder in (dead, old, fresh, running, lookalike):
        folder.mkdir()
        (folder / "half.csv").write_text("x")
    os.utime(old, (time.time() - 2 * hour, time.time() - 2 * hour))
    os.utime(lookalike, (time.time() - 2 * hour, time.time() - 2 * hour))
    output.write_folder(tmp_path / "d", tmp_path / "d", contents("run", summary_json="{}"))
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["d", fresh.name, running.name, lookalike.name])


def test_signals_held_while_files_move_arrive_after(tmp_path):
    got: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: got.append(signum))
    try:
        with interrupts.held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            assert got == []
        assert got == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


CLI = [sys.executable, "-c", "from optcompare.cli import main; main()"]


def start(args, cwd, **kwargs):
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": ""}
    return subprocess.Popen([*CLI, *args], cwd=cwd, env=env, text=True, **kwargs)


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM and SIGHUP are POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)])
def test_a_signal_while_writing_leaves_no_temporary_folder_and_the_earlier_one(tmp_path, signum):
    base = ["run", "--opt", "adam", "--problem", "rosenbrock", "--no-plot", "-q", "--out", "d"]
    done = subprocess.run([*CLI, *base, "--steps", "3"], cwd=tmp_path, capture_output=True)
    assert done.returncode == 0, done.stderr
    before = snapshot(tmp_path / "d")
    # writing 200 seeds x 2000 steps of trajectory.csv takes about a second; catch it there
    for seeds in (200, 400, 800):
        proc = start(
            [*base, "--steps", "2000", "--seeds", str(seeds)],
            tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        while proc.poll() is None and not temporaries(tmp_path):
            time.sleep(0.005)
        if proc.poll() is None:
            time.sleep(0.1)  # well inside the write
            proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            break
        before = snapshot(tmp_path / "d")  # finished before the signal: try a bigger one
    assert proc.returncode == 128 + signum
    name = signal.Signals(signum).name
    assert one_line(err) == f"optcompare: stopped by {name}; no half-written files were left"
    assert temporaries(tmp_path) == []
    assert snapshot(tmp_path / "d") == before


# -- full devices -----------------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["explain", "adam"],
        ["--help"],
        ["run", "--opt", "adam", "--problem", "sphere", "--steps", "3", "--json", "--out", "j"],
    ],
)
def test_stdout_on_a_full_device_is_one_line_and_exit_1(tmp_path, args):
    with open("/dev/full", "w") as full:
        proc = start(args, tmp_path, stdout=full, stderr=subprocess.PIPE)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert one_line(err) == (
        "optcompare: error: cannot write to standard output: No space left on device"
    )


def test_a_closed_pipe_ends_quietly(tmp_path):
    proc = start(["list"], tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader has gone, like `| head` after its lines
    with proc.stderr:
        err = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 1 and err == ""


@pytest.mark.skipif(sys.platform != "linux", reason="uses RLIMIT_FSIZE as a full disk")
def test_a_disk_that_refuses_the_files_is_one_line_and_keeps_the_earlier_folder(tmp_path):
    import resource

    base = ["run", "--opt", "adam", "--problem", "rosenbrock", "--no-plot", "-q", "--out", "d"]
    assert subprocess.run([*CLI, *base, "--steps", "3"], cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path / "d")

    def small_disk() -> None:
        # files may not grow past 64 kB: writes fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))

    proc = start(
        [*base, "--steps", "5000"],
        tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=small_disk,
    )
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert one_line(err) == "optcompare: error: could not write the run folder 'd': File too large"
    assert snapshot(tmp_path / "d") == before
    assert temporaries(tmp_path) == []


def test_add_file_into_a_missing_folder_is_a_run_error(tmp_path):
    with pytest.raises(RunError, match="cannot write into the folder"):
        output.add_file(tmp_path / "nowhere", "report.html", never)
    assert not (tmp_path / "nowhere").exists()
