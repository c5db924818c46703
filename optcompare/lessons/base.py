"""What a lesson is, what it returns, and the pieces every lesson page is built from.

A lesson states a claim, runs a small experiment on the engine with fixed seeds,
computes the numbers that test the claim, and writes its page (``lesson.md``)
from those numbers: when a claim holds only in part, the page says so.  This
module does no I/O and no terminal output; the CLI writes the files and prints.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# The figure look is the plotting package's, so lesson slides match the others.
from optcompare.plotting.style import (
    DPI,
    LABEL,
    LEGEND,
    TICKS,
    TITLE,
    new_figure,
    retitle,
    style_axes,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from optcompare.experiments.records import Result
    from optcompare.plotting.colors import Ink

__all__ = [
    "DPI",
    "LABEL",
    "LEGEND",
    "TICKS",
    "TITLE",
    "Lesson",
    "LessonResult",
    "command",
    "fmt",
    "fmt_gap",
    "new_figure",
    "page",
    "plain",
    "retitle",
    "style",
    "table",
]


@dataclass(frozen=True)
class LessonResult:
    """What running a lesson produced.

    Attributes:
        figures: name (no extension) -> Figure, each ready to save.
        text: the lesson page in markdown: claim, what was run, numbers, findings.
        numbers: the key numbers, JSON-ready (plain floats, ints, strings, lists, dicts).
        results: the comparisons behind the figures, by a short name; written as
            ``trajectory.csv`` (one) or ``trajectory-<name>.csv`` (several).
        tables: extra CSV files, name -> (header, rows), e.g. a long 1-D trajectory.
        animations: keys of ``results`` to animate as ``animation.gif`` (or
            ``animation-<key>.gif`` when there are several).
        inks: the book the figures were drawn with (``with same_result_inks(...) as
            book``), label -> ink, which the folder's animation and report.html follow
            (recorded in summary.json); None (default): ``same_result_inks`` over
            ``results`` in order, by optimizer.
    """

    figures: dict[str, Figure]
    text: str
    numbers: dict[str, Any]
    results: dict[str, Result] = field(default_factory=dict)
    tables: dict[str, tuple[list[str], list[list[Any]]]] = field(default_factory=dict)
    animations: tuple[str, ...] = ()
    inks: Mapping[str, Ink] | None = None

    @property
    def result(self) -> Result | None:
        """The comparison behind the lesson when there is exactly one, else None."""
        return next(iter(self.results.values())) if len(self.results) == 1 else None


@dataclass(frozen=True)
class Lesson:
    """A ready classroom experiment.

    Attributes:
        name: kebab-case registry name (``optcompare lesson NAME``).
        title: a short headline.
        claim: what the lesson sets out to show, in one or two sentences.
        run: ``run(fmt) -> LessonResult``; ``fmt`` ("png", "svg", "pdf") is the
            extension the page uses when it names the figure files.
    """

    name: str
    title: str
    claim: str
    run: Callable[[str], LessonResult]


# -- numbers as text -----------------------------------------------------------------


def fmt(v: Any, digits: int = 3) -> str:
    """A number for a sentence: 3 significant digits, 'inf' or 'n/a' when not finite."""
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    v = float(v)
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    return f"{v:.{digits}g}"


def fmt_gap(v: float) -> str:
    """loss - f* for a sentence: values at the float floor read 'below 1e-15'."""
    return "below 1e-15" if v < 1e-15 else fmt(v)


def plain(v: Any) -> Any:
    """A JSON-ready copy: numpy values to Python, inf and NaN to None, tuples to lists."""
    import numpy as np

    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.tolist()]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    return v


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A markdown table; numbers are formatted with :func:`fmt`.

    Raises:
        ValueError: a header or cell holds '|', which would break the table.
    """
    cells = [*header, *(c for row in rows for c in row if isinstance(c, str))]
    if any("|" in c for c in cells):
        raise ValueError("a markdown table cell may not contain '|'")
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(c if isinstance(c, str) else fmt(c) for c in row) + " |")
    return "\n".join(lines)


def command(opts: Sequence[str], problem: str, **options: Any) -> str:
    """The ``optcompare run`` command equivalent to a comparison.

    Keyword options become flags: ``steps=100`` -> ``--steps 100``, ``tune=True``
    -> ``--tune``; None and False are left out.
    """
    words = ["optcompare", "run"]
    for o in opts:
        words += ["--opt", o]
    words += ["--problem", problem]
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        words += [flag] if value is True else [flag, str(value)]
    return shlex.join(words)


def page(
    title: str,
    claim: str,
    setup: str,
    commands: Sequence[str],
    numbers: str,
    findings: Sequence[str],
    figures: Sequence[tuple[str, str]],
    notes: str = "",
    counter: Sequence[str] = (),
) -> str:
    """The lesson page in markdown.

    Args:
        title, claim: the lesson's.
        setup: one paragraph: the problem, the optimizers and settings, the seeds.
        commands: equivalent command lines (may be empty).
        numbers: a markdown table of the key numbers.
        findings: sentences generated from the numbers, one bullet each.
        figures: (file name, what to look at) per figure.
        notes: an optional closing paragraph (caveats, where the setup departs from a paper).
        counter: sentences generated from the counter-case, the nearest setting
            where the claim fails or weakens, one bullet each under
            "## Where the claim weakens" (placed after the findings). Default: none,
            and then the section is left out.
    """
    parts = [f"# {title}", f"**Claim.** {claim}", "## What was run", setup]
    if commands:
        parts.append("The same comparison from the command line:")
        parts.append("\n".join(f"    {c}" for c in commands))
    parts += [
        "## Key numbers",
        numbers,
        "## What the numbers say",
        "\n".join(f"- {s}" for s in findings),
    ]
    if counter:
        parts += ["## Where the claim weakens", "\n".join(f"- {s}" for s in counter)]
    parts += ["## What to look at", "\n".join(f"- `{name}`: {what}" for name, what in figures)]
    if notes:
        parts += ["## Notes", notes]
    return "\n\n".join(parts) + "\n"


# -- figures ---------------------------------------------------------------------------


def style(ax: Axes, title: str, xlabel: str, ylabel: str) -> Axes:
    """Slide-sized title, labels and ticks, and a light grid (plotting.style's look)."""
    return style_axes(ax, title, xlabel, ylabel, grid=True)
