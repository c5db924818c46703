"""``optcompare live``: an interactive window to move each optimizer's settings and watch.

    import optcompare
    w = optcompare.live(["sgd:lr=0.002,momentum=0.9", "adam:lr=0.05"], "rosenbrock")

In Jupyter with ipympl (``pip install "optcompare[notebook]"`` and ``%matplotlib
widget``) the window appears in the notebook; elsewhere in matplotlib's window.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from optcompare.live.layout import DPI, FIGSIZES
from optcompare.live.widget import FIGSIZE, Live

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "DPI",
    "FIGSIZE",
    "FIGSIZES",
    "Live",
    "backend_without_window",
    "live",
    "no_window_reason",
]

#: matplotlib backends that draw no window.
NON_INTERACTIVE = {"agg", "pdf", "ps", "svg", "cairo", "pgf", "template"}


#: What to do instead of a window, whatever kept it from opening.
ELSEWHERE = "use --snapshot FILE, or optcompare.live(...) in Jupyter with ipympl"


def no_window_reason() -> str | None:
    """Why no interactive window can open here, with what to do (None: one may).

    Checks, without opening anything: a backend that matplotlib does not know or that
    draws no window (``MPLBACKEND``), no screen named (no ``DISPLAY`` or
    ``WAYLAND_DISPLAY`` on Linux), and tkinter, which matplotlib's default window backend
    needs.  A screen that is named but does not answer is found only when pyplot picks
    its backend: see :func:`backend_without_window`.
    """
    backend = os.environ.get("MPLBACKEND", "").strip()
    name = backend.lower()
    if name.startswith("module://"):
        return None  # a backend of the user's choice (ipympl's); trust it
    if name:
        try:  # importing matplotlib reads MPLBACKEND, and refuses a name it does not know
            from matplotlib import rcsetup

            rcsetup.validate_backend(backend)
        except ValueError:
            return f"MPLBACKEND={backend} is not a matplotlib backend: unset it, or {ELSEWHERE}"
    if name in NON_INTERACTIVE:
        return f"MPLBACKEND={backend} draws no window: unset it, or {ELSEWHERE}"
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return f"no screen (DISPLAY is not set): {ELSEWHERE}"
    if name in ("", "tkagg", "tkcairo"):
        try:
            import tkinter  # noqa: F401
        except ImportError:
            return f"tkinter is not installed: install it (apt install python3-tk), or {ELSEWHERE}"
    return None


def backend_without_window() -> str | None:
    """After pyplot chose its backend: why it draws no window (None: it does).  matplotlib
    falls back to Agg, silently, when the screen ``DISPLAY`` names does not answer."""
    from matplotlib import pyplot as plt

    chosen = plt.get_backend().lower()
    if chosen.startswith("module://") or chosen not in NON_INTERACTIVE:
        return None
    where = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or "(none)"
    return f"no screen answers at DISPLAY={where} (matplotlib chose {chosen}): {ELSEWHERE}"


def live(
    optimizers: str | Sequence[str],
    problem: str,
    steps: int = 200,
    start: Sequence[float] | None = None,
    seed: int = 0,
    colors: dict[str, str] | None = None,
    figure: Figure | None = None,
    echo: Callable[[str], None] = print,
    style: str | None = None,
) -> Live:
    """The live window comparing ``optimizers`` on the 2-D ``problem``.

    Args:
        optimizers: one spec or a list, e.g. ``["sgd:lr=0.002,momentum=0.9", "adam"]``.
        problem: a 2-D problem spec such as ``"rosenbrock"`` or ``"himmelblau:noise=1"``.
        steps: optimizer steps per run (default 200: a path still readable as it grows).
        start: start point (default: the problem's).
        seed: the seed of the noise streams (default 0, as ``optcompare run``).
        colors: colours by optimizer name, over the fixed colour of each optimizer.
        figure: draw into this figure (default None: a new pyplot figure of the style's
            :data:`FIGSIZES` inches at :data:`DPI`, so the backend shows it).
        echo: where the ``c`` key sends the reproducing command (default print).
        style: ``"paper"`` or ``"talk"`` (16:9, type 1.75x and lines 2x for a projector);
            default None: the current style (:func:`optcompare.plotting.style.use_style`,
            which ``--style`` sets), paper unless set.

    Returns:
        The :class:`Live` window; keep a reference while it is open.
    """
    from optcompare.plotting.style import current_style, style_named

    look = style_named(style) if style is not None else current_style()
    specs = [optimizers] if isinstance(optimizers, str) else list(optimizers)
    if figure is not None:
        return Live(figure, specs, problem, steps, start, seed, colors, echo, look)
    from matplotlib import pyplot as plt

    figure = plt.figure(figsize=FIGSIZES[look.name], dpi=DPI)
    try:
        return Live(figure, specs, problem, steps, start, seed, colors, echo, look)
    except BaseException:
        plt.close(figure)  # a refused setting leaves no window behind in pyplot
        raise


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`live`: importing ``optcompare.live`` binds the
    package to that name on ``optcompare``, and ``optcompare.live(...)`` must still work."""

    def __call__(self, *args: Any, **kwargs: Any) -> Live:
        return live(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
