"""The ``optcompare`` command line: parse and check the input, call the library, render.

Only this package talks to the terminal.  Every user mistake becomes one line on
stderr and exit code 2 (bad input) or 1 (the run failed); no traceback.  Heavy
modules (numpy, matplotlib, rich) are imported inside the commands, so
``optcompare --help`` starts fast.
"""

from __future__ import annotations

import os
import sys

import click

from optcompare._version import __version__
from optcompare.errors import OptcompareError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 88}


def one_line(message: str) -> str:
    """The message with control characters (newlines in user input) shown escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in message)


def fail(message: str, code: int) -> None:
    click.echo(one_line(message), err=True)
    sys.exit(code)


class Group(click.Group):
    """A click group whose errors are one line, never a traceback."""

    def main(self, args=None, prog_name=None, **extra):  # noqa: D102
        argv = list(sys.argv[1:] if args is None else args)
        try:
            rv = super().main(args=argv, prog_name=prog_name or "optcompare",
                              standalone_mode=False, obj={"argv": argv}, **extra)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `optcompare`: just help
            click.echo(exc.ctx.get_help())
            sys.exit(0)
        except (click.Abort, KeyboardInterrupt):
            fail("optcompare: interrupted; nothing was written", 130)
        except click.ClickException as exc:
            where = f"{exc.ctx.command_path}: " if getattr(exc, "ctx", None) else "optcompare: "
            hint = f" (see '{exc.ctx.command_path} -h')" if getattr(exc, "ctx", None) else ""
            fail(f"{where}error: {exc.format_message()}{hint}", exc.exit_code)
        except OptcompareError as exc:
            fail(f"optcompare: error: {exc}", exc.exit_code)
        except Exception as exc:  # a bug: still one line, unless debugging
            if os.environ.get("OPTCOMPARE_DEBUG"):
                raise
            fail(f"optcompare: internal error: {type(exc).__name__}: {exc} "
                 "(set OPTCOMPARE_DEBUG=1 for details, and please report it)", 1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="optcompare")
def main() -> None:
    """Run and compare gradient-based optimizers on classic test problems.

    \b
    Examples:
      optcompare run --opt rmsprop --problem rosenbrock
      optcompare run --opt sgd:lr=1e-3,momentum=0.9 --opt adam:lr=0.05 \\
          --problem himmelblau
      optcompare sweep --opt sgd --opt adam --problem rosenbrock \\
          --param lr=1e-4:10:25:log
      optcompare basins --opt sgd:lr=0.01 --opt adam:lr=0.1 --problem himmelblau
      optcompare list
      optcompare explain adam
    """


from optcompare.cli import catalog, lesson, report, run, sweep  # noqa: E402

for _command in (run.run, sweep.sweep, sweep.basins, run.animate, lesson.lesson,
                 report.report, catalog.list_, catalog.explain):
    main.add_command(_command)
