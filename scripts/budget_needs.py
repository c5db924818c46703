"""Print what every README command, every ``-h`` example and every lesson asks of the budget.

The commands are read from README.md and from the commands' help examples (those
without placeholders such as SPEC), plus the sizes the budget was designed to admit
(``SCALE_COMMANDS``).  A command is not run: its budget check records the request's
needs and stops it.  A lesson is run (it plans its experiments one at a time), and
every check it passes is recorded, with the run-steps its engine batches actually did.

Usage, from the project's root::

    python scripts/budget_needs.py            # commands and lessons
    python scripts/budget_needs.py --commands # commands only (instant)
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from optcompare import budget

ROOT = Path(__file__).resolve().parent.parent

#: Sizes the issue that introduced the budget names as ordinary: basins on a 401 x 401
#: grid for 500 steps (80 M run-steps) and a 1,000-seed run (2 M recorded rows); and
#: the largest grid with every classic optimizer at the default 1000 steps.
SCALE_COMMANDS = [
    "optcompare basins --opt adam:lr=0.1 --problem himmelblau --grid 401 --steps 500",
    "optcompare run --opt sgd --opt adam --problem noisy-quadratic --seeds 1000",
    "optcompare basins --opt all --problem himmelblau --grid 401",
]

_EXPERIMENTS = ("run", "sweep", "basins", "animate")
_COMMAND = re.compile(r"optcompare (?:" + "|".join(_EXPERIMENTS) + r") [^`\n]*")
_PLACEHOLDER = re.compile(r"SPEC|NAME|RANGE|RUN_DIR|X,Y|\.\.\.|\[")


def readme_commands() -> list[str]:
    """Every concrete experiment command in README.md and in the commands' help examples."""
    from optcompare.cli import run as run_cli
    from optcompare.cli import sweep as sweep_cli

    texts = [(ROOT / "README.md").read_text()]
    for module in (run_cli, sweep_cli):
        texts += [v for k, v in vars(module).items() if k.endswith("_EPILOG")]
    found: list[str] = []
    for text in texts:
        joined = text.replace("\\\n", " ")  # help examples continue lines with a backslash
        for match in _COMMAND.finditer(joined):
            command = " ".join(match.group(0).split())
            if not _PLACEHOLDER.search(command) and command not in found:
                found.append(command)
    return found


class _Checked(Exception):
    """Raised after the first budget check, so that nothing runs."""


@dataclass
class Measured:
    """What one command or lesson asked: its checks' needs, the most of each quantity."""

    name: str
    needs: list[budget.Needs]
    refused: str | None = None
    run_steps: int = 0  # engine run-steps actually done (lessons only)

    def most(self, quantity: str) -> float:
        return max((getattr(n, quantity) for n in self.needs), default=0.0)


@contextlib.contextmanager
def in_folder_with_problems() -> Iterator[None]:
    """A scratch working folder holding README's problem files (banana.json, bowl.py),
    for the README commands that use them (one folder for all: problems register once)."""
    readme = (ROOT / "README.md").read_text()
    json_block = re.search(r"```json\n(.*?)```", readme, re.S)
    bowl = re.search(r"```python\n(# problems/bowl\.py.*?)```", readme, re.S)
    old = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "problems").mkdir()
        if json_block:
            (Path(tmp) / "problems" / "banana.json").write_text(json_block.group(1))
        if bowl:
            (Path(tmp) / "problems" / "bowl.py").write_text(bowl.group(1))
        os.chdir(tmp)
        try:
            yield
        finally:
            os.chdir(old)


def command_needs(command: str) -> Measured:
    """The needs of ``command`` (a string starting with ``optcompare``), without running it
    (in the working folder: see :func:`in_folder_with_problems`)."""
    from optcompare.cli import main

    seen: list[budget.Needs] = []
    real = budget.check

    def record(request: budget.Request) -> budget.Needs:
        try:
            seen.append(budget.needs(request))
            return real(request)
        finally:
            raise _Checked

    argv = shlex.split(command)[1:]
    budget.check = record  # type: ignore[assignment]
    try:
        result = CliRunner().invoke(main, argv, catch_exceptions=True)
    finally:
        budget.check = real  # type: ignore[assignment]
    refused = result.output.strip() if result.exit_code == 2 else None
    if not seen and refused is None:
        raise RuntimeError(f"{command}: no budget check ran ({result.output.strip()})")
    return Measured(command, seen, refused)


def lesson_needs(name: str) -> Measured:
    """Run lesson ``name`` and record every budget check and every engine batch."""
    import optcompare.engine as engine
    from optcompare.lessons import get_lesson

    seen: list[budget.Needs] = []
    steps = [0]
    real_check, real_batch = budget.check, engine.run_batch

    def record(request: budget.Request) -> budget.Needs:
        need = real_check(request)
        seen.append(need)
        return need

    def batch(optimizer, values, problem, x0, seeds, n, **kw):
        steps[0] += len(x0) * n
        return real_batch(optimizer, values, problem, x0, seeds, n, **kw)

    budget.check = record  # type: ignore[assignment]
    engine.run_batch = batch  # type: ignore[assignment]
    patched = []
    for module in list(sys.modules.values()):  # modules that imported run_batch by name
        if getattr(module, "run_batch", None) is real_batch and module is not engine:
            module.run_batch = batch  # type: ignore[attr-defined]
            patched.append(module)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            old = Path.cwd()
            os.chdir(tmp)  # figures and files a lesson may leave go there
            try:
                get_lesson(name).run("png")
            finally:
                os.chdir(old)
    finally:
        budget.check = real_check  # type: ignore[assignment]
        engine.run_batch = real_batch  # type: ignore[assignment]
        for module in patched:
            module.run_batch = real_batch  # type: ignore[attr-defined]
    return Measured(f"lesson {name}", seen, run_steps=steps[0])


def _row(m: Measured) -> str:
    if m.refused:
        return f"| `{m.name}` | refused: {m.refused} | | | |"
    limits = budget.DEFAULTS
    cells = [
        f"{budget._count(m.most('work'))} ({m.most('work') / limits.work:.1%})",
        f"{budget._bytes(m.most('memory'))} ({m.most('memory') / limits.memory:.1%})",
        f"{budget._bytes(m.most('written'))} ({m.most('written') / limits.written:.1%})",
        f"{len(m.needs)}" + (f", {budget._count(m.run_steps)} run-steps" if m.run_steps else ""),
    ]
    return f"| `{m.name}` | " + " | ".join(cells) + " |"


def main(argv: list[str]) -> None:
    print(
        f"Defaults: work {budget._count(budget.DEFAULTS.work)} dimension-steps, memory "
        f"{budget._bytes(budget.DEFAULTS.memory)}, written {budget._bytes(budget.DEFAULTS.written)}"
        f", problem file {budget._bytes(budget.DEFAULTS.input)}\n"
    )
    print("| command | work (share of limit) | memory | written | checks |")
    print("|---|---|---|---|---|")
    with in_folder_with_problems():
        for command in readme_commands() + SCALE_COMMANDS:
            print(_row(command_needs(command)), flush=True)
    if "--commands" not in argv:
        from optcompare.lessons import lesson_names

        for name in lesson_names():
            print(_row(lesson_needs(name)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
