"""Signals that stop optcompare: SIGINT, SIGTERM and SIGHUP, all handled alike.

Python turns SIGINT (Ctrl-C) into ``KeyboardInterrupt``, which unwinds the
stack and lets every ``finally`` remove what it was writing.  SIGTERM (sent by
``kill``, a job scheduler, or a closing IDE) and SIGHUP (the terminal went
away) kill the process outright by default, leaving a half-written temporary
folder behind.  :func:`stop_on_signals` makes them unwind like Ctrl-C, and
:func:`held` keeps all three out of the few milliseconds in which a folder's
files are moved into place.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: The signals that stop a run; each exists only where the platform has it (no SIGHUP on Windows).
STOP_SIGNALS = tuple(
    getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)
)


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like ``KeyboardInterrupt`` (not caught as an Exception)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process the signal ended."""
        return 128 + self.signum


def _in_main_thread() -> bool:
    # only the main thread may change handlers, and only it runs Python's signal handlers
    return threading.current_thread() is threading.main_thread()


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Stopped`; later ones are ignored.

    A second signal while the first is unwinding would interrupt the cleanup
    that the first one started, so only the first one counts.
    """
    if not _in_main_thread():
        yield
        return
    stopping: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        if not stopping:
            stopping.append(signum)
            raise Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS if s != signal.SIGINT}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)


@contextmanager
def held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block is done, then deliver them.

    Moving a folder's files into place takes milliseconds; a signal among the
    moves would leave some files new and the manifest old.  A signal that
    arrives is passed, once the block is done, to the handler that was in place.
    """
    if not _in_main_thread():
        yield
        return
    arrived: list[int] = []
    previous = {
        s: signal.signal(s, lambda signum, frame: arrived.append(signum)) for s in STOP_SIGNALS
    }
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        for s in dict.fromkeys(arrived):
            signal.raise_signal(s)


def process_alive(pid: int) -> bool:
    """Whether a process of this number exists (True when it cannot be told)."""
    if pid == os.getpid() or os.name != "posix":  # os.kill(pid, 0) would signal on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, and belongs to another user
        return True
    return True
