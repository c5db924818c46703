"""The click group that turns every failure into one line and an exit code, never a traceback."""

from __future__ import annotations

import errno
import os
import sys

import click

from optcompare.errors import OptcompareError, SpecError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 88}


def one_line(message: str) -> str:
    """The message with control characters (newlines in user input) shown escaped."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in message
    )


#: Library parameters whose flag is not simply ``--`` and the name in kebab-case.
FLAGS = {
    "optimizers": "--opt",
    "params": "--param",
    "problems_dir": "--problems-dir",
    "colors": "--color",
}


def flag(param: str) -> str:
    """The command-line flag that sets a library function's parameter."""
    return FLAGS.get(param, "--" + param.replace("_", "-"))


#: Errors that only writing causes: a full device or quota, a file too large, a closed pipe.
WRITE_ERRORS = {
    getattr(errno, n) for n in ("ENOSPC", "EDQUOT", "EFBIG", "EPIPE") if hasattr(errno, n)
}


def _write_failed(exc: OSError) -> bool:
    """Whether ``exc`` is standard output failing (``> /dev/full``, a reader gone).

    Files are written by :mod:`optcompare.output`, which reports its own
    errors with the file's name; an error that only writing causes and that
    reaches the group came from printing.  Whatever stdout still buffers is
    then dropped, so that Python does not fail again while exiting.
    """
    if exc.errno not in WRITE_ERRORS:
        return False
    try:
        sys.stdout.flush()
    except OSError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass  # not a real file (captured by a test runner)
    return True


def fail(message: str, code: int) -> None:
    click.echo(one_line(message), err=True)
    sys.exit(code)


def ignore_folder_matplotlibrc() -> None:
    """Draw with matplotlib's defaults when the working folder holds a ``matplotlibrc``.

    matplotlib reads ``./matplotlibrc`` when it is imported.  In a downloaded
    course folder that file could switch on LaTeX (which runs a program) or
    restyle every figure; the command line draws as it does everywhere else.
    """
    if os.path.isfile("matplotlibrc"):
        import matplotlib

        matplotlib.rcdefaults()  # keeps the backend (MPLBACKEND still applies)


class Group(click.Group):
    """A click group whose errors are one line, never a traceback."""

    def main(self, args=None, prog_name=None, **extra):  # noqa: D102
        from optcompare.interrupts import Stopped, stop_on_signals

        argv = list(sys.argv[1:] if args is None else args)
        try:
            ignore_folder_matplotlibrc()
            with stop_on_signals():
                rv = super().main(
                    args=argv,
                    prog_name=prog_name or "optcompare",
                    standalone_mode=False,
                    obj={"argv": argv},
                    **extra,
                )
                # a full device refuses the last, buffered output here, not at exit
                sys.stdout.flush()
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `optcompare`: just help
            click.echo(exc.ctx.get_help())
            sys.exit(0)
        except (click.Abort, KeyboardInterrupt):
            fail("optcompare: interrupted; no half-written files were left", 130)
        except Stopped as exc:
            fail(f"optcompare: stopped by {exc}; no half-written files were left", exc.exit_code)
        except click.ClickException as exc:
            where = f"{exc.ctx.command_path}: " if getattr(exc, "ctx", None) else "optcompare: "
            hint = f" (see '{exc.ctx.command_path} -h')" if getattr(exc, "ctx", None) else ""
            fail(f"{where}error: {exc.format_message()}{hint}", exc.exit_code)
        except SpecError as exc:
            fail(f"optcompare: error: {exc.naming(flag(exc.param)) if exc.param else exc}", 2)
        except OptcompareError as exc:
            fail(f"optcompare: error: {exc}", exc.exit_code)
        except Exception as exc:  # a bug: still one line, unless debugging
            backend = os.environ.get("MPLBACKEND", "")
            if isinstance(exc, ValueError) and backend and str(exc).startswith("Key backend"):
                # matplotlib refuses, when first imported, a backend name it does not know
                fail(
                    f"optcompare: error: MPLBACKEND={backend} is not a matplotlib backend: "
                    "unset it, or name one (Agg draws files only; TkAgg opens windows)",
                    1,
                )
            if isinstance(exc, OSError) and _write_failed(exc):
                if isinstance(exc, BrokenPipeError):
                    sys.exit(1)  # the reader has gone (`| head`): quiet, as click itself does
                fail(f"optcompare: error: cannot write to standard output: {exc.strerror}", 1)
            if os.environ.get("OPTCOMPARE_DEBUG"):
                raise
            fail(
                f"optcompare: internal error: {type(exc).__name__}: {exc} "
                "(set OPTCOMPARE_DEBUG=1 for details, and please report it)",
                1,
            )
        sys.exit(rv if isinstance(rv, int) else 0)
