"""Progress measured in work actually done: run-steps (runs x steps) of the engine.

An experiment knows all the batches it will run before it starts (tuning grids
included), so it plans the total once and every engine batch advances the same
tally.  A progress callback is called as ``report(done, total)`` with run-steps;
``done`` reaches ``total`` only after the last batch's last step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: What a caller passes as ``progress``: called with (run-steps done, run-steps planned).
Report = Callable[[int, int], None]


class Tally:
    """Run-steps done against the run-steps an experiment planned.

    Args:
        report: the caller's callback, or None (then nothing is tracked).
        total: run-steps planned; must be known before the first batch.
    """

    def __init__(self, report: Report | None, total: int) -> None:
        self.report, self.total, self.done = report, int(total), 0

    def batch(self, runs: int) -> Callable[[int], None] | None:
        """The engine's per-step callback for one batch of ``runs`` runs."""
        if self.report is None:
            return None
        base, report, total = self.done, self.report, self.total

        def advance(t: int) -> None:
            self.done = base + t * runs
            report(self.done, total)

        return advance


_AMBIENT: ContextVar[Tally | None] = ContextVar("optcompare_progress", default=None)


@contextmanager
def ambient(report: Report) -> Iterator[Tally]:
    """Count every experiment run inside the block that was given no ``progress`` of its own.

    For work made of experiments that are planned one at a time (a lesson), the
    total grows as each one starts, so ``report(done, total)`` gets the run-steps
    planned *so far*; a display should show the count, not a percentage.
    """
    outer = Tally(report, 0)
    token = _AMBIENT.set(outer)
    try:
        yield outer
    finally:
        _AMBIENT.reset(token)


def plan(report: Report | None, total: int) -> Tally:
    """The tally for one experiment: its own ``report``, else the ambient one, else none."""
    outer = _AMBIENT.get()
    if report is not None or outer is None:
        return Tally(report, total)
    outer.total += int(total)
    return _Nested(outer, total)


class _Nested(Tally):
    """An experiment's tally inside an ambient one: advances the outer count."""

    def __init__(self, outer: Tally, total: int) -> None:
        super().__init__(outer.report, total)
        self.outer = outer

    def batch(self, runs: int) -> Callable[[int], None] | None:
        if self.report is None:
            return None
        outer, base = self.outer, self.outer.done
        report = self.report

        def advance(t: int) -> None:
            outer.done = base + t * runs
            report(outer.done, outer.total)

        return advance
