"""optcompare: run, compare and picture the classic gradient-based optimizers.

The Python entry point is :func:`optcompare.run`; the command line is ``optcompare``.
Heavy modules load on first use, so ``optcompare --help`` stays fast.
"""

import importlib
from typing import Any

from optcompare._version import __version__

__all__ = ["__version__", "basins", "live", "run", "sweep"]

_LAZY = {
    "run": "optcompare.api",
    "sweep": "optcompare.experiments.sweep",
    "basins": "optcompare.experiments.basins",
    "live": "optcompare.live",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'optcompare' has no attribute {name!r}")
