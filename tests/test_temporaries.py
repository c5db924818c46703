"""A file the user names is written whole or not at all: write_atomically and the live
window's --snapshot."""

from __future__ import annotations

import errno

import pytest
from click.testing import CliRunner

from optcompare.cli import main
from optcompare.errors import RunError
from optcompare.temporaries import write_atomically


def test_a_complete_write_replaces_the_file(tmp_path):
    target = tmp_path / "w.png"
    target.write_bytes(b"before")
    write_atomically(target, lambda p: p.write_bytes(b"after"))
    assert target.read_bytes() == b"after"
    assert [p.name for p in tmp_path.iterdir()] == ["w.png"]


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "w.png"
    target.write_bytes(b"before")

    def full_disk(p):
        p.write_bytes(b"half")  # some bytes reach the disk, then it is full
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(RunError, match=r"^cannot write .*w\.png: No space left on device$"):
        write_atomically(target, full_disk)
    assert target.read_bytes() == b"before"
    assert [p.name for p in tmp_path.iterdir()] == ["w.png"]


def test_a_folder_that_does_not_exist_is_one_line(tmp_path):
    with pytest.raises(RunError, match=r"^cannot write .*nowhere/w\.png: No such file"):
        write_atomically(tmp_path / "nowhere" / "w.png", lambda p: p.write_bytes(b"x"))


def test_snapshot_into_a_missing_folder_exits_1_in_one_line(tmp_path):
    out = tmp_path / "nowhere" / "w.png"
    res = CliRunner().invoke(
        main, ["live", "--opt", "sgd", "--problem", "rosenbrock", "--snapshot", str(out)]
    )
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [
        f"optcompare: error: cannot write {out}: No such file or directory"
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["animate", "--opt", "sgd", "--problem", "rosenbrock", "--steps", "20"],
        ["lesson", "ravine"],
    ],
)
def test_a_folder_that_cannot_be_made_is_one_line_with_no_warning(tmp_path, args):
    import os
    import subprocess
    import sys

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code = "import sys; from optcompare.cli import main; sys.argv[0] = 'optcompare'; main()"
    proc = subprocess.run(
        [sys.executable, "-c", code, *args, "--out", str(blocker / "out")],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=300,
        cwd=tmp_path,  # outside the checkout, whose source would shadow the installed package
    )
    assert proc.returncode == 1
    # one line: no "Animation was deleted without rendering anything" warning after it
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert str(blocker / "out") in proc.stderr
