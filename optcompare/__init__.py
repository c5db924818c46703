"""optcompare: run, compare and picture the classic gradient-based optimizers.

The Python entry point is :func:`optcompare.run`; the command line is ``optcompare``.
Heavy modules load on first use, so ``optcompare --help`` stays fast.
"""

from optcompare._version import __version__

__all__ = ["__version__", "run"]


def __getattr__(name: str):
    if name == "run":
        from optcompare.api import run

        return run
    raise AttributeError(f"module 'optcompare' has no attribute {name!r}")
