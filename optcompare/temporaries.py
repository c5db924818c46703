"""optcompare's own temporary folders and files: made beside their destination, renamed
into place when complete, and cleared when a write that made them was interrupted.

A write never leaves a half-written file under its real name: everything is written under
a hidden temporary name first (``.NAME.tmp-PID-XXXXXXXX``), then renamed, which is atomic
on one file system.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from optcompare import interrupts
from optcompare.errors import RunError

__all__ = ["STALE_AFTER", "remove_stale_temporaries", "temporary_folder", "write_atomically"]

#: A temporary folder of a process that is gone, or of unknown owner and older than
#: this many seconds, is left over from an interrupted write and removed on the next one.
STALE_AFTER = 3600.0
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.tmp-(?:(?P<pid>\d+)-)?[a-z0-9_]{8}")


def temporary_folder(parent: Path, name: str) -> Path:
    """A new hidden folder ``.NAME.tmp-PID-XXXXXXXX`` in ``parent``, after removing stale ones."""
    remove_stale_temporaries(parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-{os.getpid()}-", dir=parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp's 0700 would hide runs on shared machines
    return tmp


def remove_stale_temporaries(parent: Path, now: float | None = None) -> list[Path]:
    """Remove optcompare's own temporary folders in ``parent`` that no write will finish.

    A temporary folder is named ``.NAME.tmp-PID-XXXXXXXX`` (PID: the writing
    process; older versions wrote ``.NAME.tmp-XXXXXXXX``).  It is removed when
    that process no longer exists (killed with SIGKILL, or the machine went
    down), or, when the name records no process, once it is older than
    :data:`STALE_AFTER` seconds.  A folder of a running process is kept.

    Returns:
        The folders removed.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.fullmatch(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False):
            continue
        pid = match["pid"]
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if (not interrupts.process_alive(int(pid))) if pid else age > STALE_AFTER:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write`` on a hidden temporary file beside ``path``, then rename it to ``path``:
    ``path`` is either left as it was or replaced whole, never half-written.

    Raises:
        RunError: the folder cannot be written (missing, read-only, full), in one line.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-{os.getpid()}-", dir=parent)
    except OSError as exc:
        raise RunError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 is for secrets
        os.replace(tmp, path)
    except OSError as exc:
        raise RunError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path
