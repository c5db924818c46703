"""One budget, checked before any work starts, so that no request runs for hours,
exhausts memory or fills the disk by accident (a stray zero in ``--steps``, a sweep
whose ranges multiply to a hundred million runs).

An experiment describes what it is about to do as a :class:`Request`; :func:`needs`
turns that into four quantities and :func:`check` compares them with the
:class:`Limits`, refusing with one line that names the quantity, the limit and how
to reduce the request or raise the budget:

- work: run-steps x the problem's cost of one evaluation (its dimension for test
  functions; samples x parameters for data problems), in "dimension-steps";
- memory: bytes held at once: recorded trajectories (runs x recorded steps x
  values per step x 8) plus the arrays of the largest batch and the per-run
  summaries kept after it;
- written: bytes of the largest data file (rows x columns x about 20 bytes);
- input: the size of a problem file, checked before it is read.

The defaults (:data:`DEFAULTS`) admit every README command and every lesson with
a margin (``scripts/budget_needs.py`` prints what each needs); a larger budget is
asked for deliberately, by ``--budget-scale X`` on the command line or the
``OPTCOMPARE_BUDGET`` environment variable (both multiply every limit), or by
``with budget.scaled(X):`` in Python.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace

from optcompare.errors import SpecError

#: The environment variable that multiplies every limit (like ``--budget-scale``).
ENV = "OPTCOMPARE_BUDGET"

#: The largest dimension a problem family accepts (``rosenbrock:dim=...``): far
#: beyond any classroom use, and small enough that building the problem, its window
#: and its start (and ``explain``) stays instant.  Not scaled: it is a parse-time bound.
MAX_DIM = 100_000

#: Bytes of one value in an array (float64).
VALUE_BYTES = 8
#: Bytes of one value written to a CSV file: ``repr`` of a float64 is up to 24
#: characters and a comma; labels and small integers are shorter.
CSV_VALUE_BYTES = 20
#: Arrays of shape (runs, width) that a batch holds while it steps: the iterate, the
#: gradient seen and the true one, up to four optimizer state arrays (AMSGrad's m, v,
#: v_max; Rprop's previous gradient and step sizes), the update and numpy temporaries.
WORKING_COPIES = 12
#: Values a recorded run keeps per step beside its iterate: loss and gradient norm.
RECORDED_EXTRAS = 2
#: Extra (runs, dim) arrays per step that ``record_state`` keeps: up to four state
#: arrays and the effective step.
STATE_COPIES = 5


@dataclass(frozen=True)
class Limits:
    """The most a single request may need (see the module docstring for each).

    Attributes:
        work: dimension-steps (run-steps x cost of one evaluation).
        memory: bytes held at once.
        written: bytes of the largest data file written.
        input: bytes of a problem file read.
    """

    work: float
    memory: float
    written: float
    input: float

    def scaled(self, factor: float) -> Limits:
        return Limits(*(getattr(self, f.name) * factor for f in fields(self)))


#: The default limits, measured against every README command, every lesson and the
#: test suite (``scripts/budget_needs.py``); the largest of them needs, in work,
#: memory and written bytes, at most a fifth of these (README, "Safety").
#: What one engine step costs beyond its arithmetic, in dimension-steps: a step of
#: one small batch takes about 90 us, as long as ~1,300 run-dimensions' arithmetic
#: (measured with adam on rosenbrock), so a million-step run is work even with one run.
STEP_OVERHEAD = 1_000
#: The largest --budget-scale (and OPTCOMPARE_BUDGET) accepted.
MAX_SCALE = 1e12

DEFAULTS = Limits(work=1e10, memory=2e9, written=1e9, input=1e5)

_scale: ContextVar[float | None] = ContextVar("optcompare_budget_scale", default=None)


def parse_scale(value: object, source: str) -> float:
    """A budget scale: a finite number > 0 (``source`` names where it came from).

    Raises:
        SpecError: naming ``source`` and what is allowed.
    """
    try:
        factor = float(str(value).strip())
    except ValueError:
        factor = math.nan
    if not math.isfinite(factor) or factor <= 0 or factor > MAX_SCALE:
        raise SpecError(
            f"{source} {value!s} is not allowed; it must be a number > 0 and at most 1e12 "
            "(it multiplies every limit of the budget: 10 allows ten times as much)"
        )
    return factor


def scale() -> float:
    """The factor applied to :data:`DEFAULTS`: the innermost :func:`scaled` (which the
    command line's ``--budget-scale`` sets), else ``OPTCOMPARE_BUDGET``, else 1."""
    factor = _scale.get()
    if factor is not None:
        return factor
    raw = os.environ.get(ENV, "").strip()
    return parse_scale(raw, ENV) if raw else 1.0


def limits() -> Limits:
    """The limits in force: :data:`DEFAULTS` times :func:`scale`."""
    return DEFAULTS.scaled(scale())


@contextmanager
def scaled(factor: float) -> Iterator[float]:
    """Within the block, every limit is ``factor`` times its default."""
    token = _scale.set(parse_scale(factor, "budget scale"))
    try:
        yield factor
    finally:
        _scale.reset(token)


def set_scale(factor: float | None) -> object:
    """Set the scale until :func:`reset_scale` is called with what this returns
    (for a command line option, whose command runs after its callback returns)."""
    return _scale.set(None if factor is None else parse_scale(factor, "--budget-scale"))


def reset_scale(token: object) -> None:
    _scale.reset(token)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Request:
    """What an experiment is about to do, in the numbers its needs follow from.

    Attributes:
        what: how the refusal names it ("this run", "this sweep").
        runs: runs advanced in all, over every batch (tuning runs included).
        steps: optimizer steps per run.
        dim: the problem's dimension.
        cost: the work of one evaluation at one point (``Problem.evaluation_cost``).
        batch_runs: the most runs advanced at once (one batch).
        recorded_runs: runs whose every step is kept in memory.
        recorded_width: values kept per recorded run and step.
        kept_width: values kept per run once its batch is done (summaries).
        file, rows, columns: the largest data file written, its size (0: none).
        value_bytes: bytes of one value in that file (CSV text by default).
        state_width: optimizer state per run beyond the working copies (SAG's table).
        reduce: what to use less of, e.g. "fewer --seeds or fewer --steps".
    """

    what: str
    runs: int
    steps: int
    dim: int
    cost: int
    batch_runs: int
    recorded_runs: int = 0
    recorded_width: int = 0
    kept_width: int = 0
    rows: int = 0
    columns: int = 0
    reduce: str = "fewer --steps"
    file: str = ""
    value_bytes: int = CSV_VALUE_BYTES
    state_width: int = 0

    def holding(self, state_width: int) -> Request:
        """The same request whose optimizer keeps ``state_width`` more values per run."""
        return replace(self, state_width=state_width)

    def writing(
        self, file: str, rows: int, columns: int, value_bytes: int = CSV_VALUE_BYTES
    ) -> Request:
        """The same request that also writes ``file`` of ``rows`` x ``columns`` values of
        ``value_bytes`` each (default: CSV text; 8 for a binary array file)."""
        return replace(self, file=file, rows=rows, columns=columns, value_bytes=value_bytes)


@dataclass(frozen=True)
class Needs:
    """What a request needs: dimension-steps of work, bytes of memory and written."""

    work: float
    memory: float
    written: float


def needs(request: Request) -> Needs:
    """The work, memory and written bytes of ``request`` (floats: no overflow)."""
    r = request
    # the batch's own width is at least the cost of one evaluation (a data problem
    # holds residuals per sample and mini-batch rows per run while it steps)
    working = float(r.batch_runs) * (max(r.dim, r.cost) * WORKING_COPIES + r.state_width)
    recorded = float(r.recorded_runs) * (r.steps + 1) * r.recorded_width
    kept = float(r.runs) * r.kept_width
    batches = math.ceil(r.runs / max(r.batch_runs, 1))
    return Needs(
        work=float(r.runs) * r.steps * r.cost + float(batches) * r.steps * STEP_OVERHEAD,
        memory=(working + recorded + kept) * VALUE_BYTES,
        written=float(r.rows) * r.columns * r.value_bytes,
    )


def _count(x: float) -> str:
    """1,000 below a million, 2.4e11 above: exact where it is short, readable where not."""
    if x < 1e6:
        return f"{x:,.0f}"
    mantissa, exponent = f"{x:.2g}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _bytes(x: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if x >= size:
            return f"{x / size:.3g} {unit}"
    return f"{x:.0f} bytes"


def _round_up(x: float) -> str:
    """The smallest number of two significant digits that is at least ``x``, written
    plainly (3300, 2.1, 0.00025)."""
    e = math.floor(math.log10(x))
    digits = math.ceil(x / 10.0 ** (e - 1) - 1e-9)
    return f"{digits * 10.0 ** (e - 1):.{max(0, 1 - e)}f}"


def _raise_hint(ratio: float) -> str:
    if ratio > MAX_SCALE:
        return f"beyond any --budget-scale (at most {MAX_SCALE:g})"
    k = _round_up(ratio)
    return f"raise it with --budget-scale {k} or {ENV}={k}"


def compare(need: Needs, limit: Limits, request: Request) -> list[tuple[float, str]]:
    """Each quantity of ``need`` above ``limit``, as (need / limit, phrase naming the
    need, what it comes from and the limit)."""
    r = request
    out = []
    if need.work > limit.work:
        per = (
            f"dimension {_count(r.dim)}" if r.cost == r.dim else f"{_count(r.cost)} per evaluation"
        )
        out.append(
            (
                need.work / limit.work,
                f"{_count(need.work)} dimension-steps of work ({_count(r.runs)} runs x "
                f"{_count(r.steps)} steps x {per}, and {_count(STEP_OVERHEAD)} per step of "
                f"each batch; the budget allows {_count(limit.work)})",
            )
        )
    if need.memory > limit.memory:
        recorded = (
            f", {_count(r.recorded_runs)} of them recorded at {_count(r.steps + 1)} steps"
            if r.recorded_runs
            else ""
        )
        out.append(
            (
                need.memory / limit.memory,
                f"{_bytes(need.memory)} of memory ({_count(r.runs)} runs of dimension "
                f"{_count(r.dim)}{recorded}; the budget allows {_bytes(limit.memory)})",
            )
        )
    if need.written > limit.written:
        out.append(
            (
                need.written / limit.written,
                f"{_bytes(need.written)} written to {r.file} ({_count(r.rows)} rows x "
                f"{_count(r.columns)} columns; the budget allows {_bytes(limit.written)})",
            )
        )
    return out


def check(request: Request) -> Needs:
    """Refuse ``request`` if it needs more than :func:`limits` allows; else its needs.

    Raises:
        SpecError: one line naming each quantity over its limit and the limit, the
            scale that would admit them all, and what to use less of.
    """
    need = needs(request)
    over = compare(need, limits(), request)
    if over:
        ratio = max(r for r, _ in over) * scale()  # the scale that admits it, from 1
        raise SpecError(
            f"{request.what} would need "
            + " and ".join(phrase for _, phrase in over)
            + f"; {_raise_hint(ratio)}, or use {request.reduce}"
        )
    return need


def check_file(size: int) -> int:
    """Refuse a problem file of ``size`` bytes if larger than the input limit (the
    caller names the file); else the most bytes to read, so a file that grows
    between this check and the read is still read no further than the limit.

    Raises:
        SpecError: saying the file's size and the limit.
    """
    limit = limits().input
    if size > limit:
        raise SpecError(
            f"the file is {_bytes(size)}; a problem file may hold at most {_bytes(limit)} "
            f"({_raise_hint(size / limit * scale())}, or move the file out of the folder)"
        )
    return int(limit)
