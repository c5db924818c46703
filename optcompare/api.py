"""The Python entry point for notebooks: :func:`run` returns a :class:`Result` with views.

    import optcompare
    result = optcompare.run(["sgd:lr=1e-3,momentum=0.9", "adam:lr=0.05"], "rosenbrock")
    result.runs[1].x          # (steps+1, dim) iterates of the Adam run
    result.summary()          # one dict per run: final_loss, steps_to_tol, ...
    result.plot_loss()        # matplotlib Axes

This module sits above the summary and plotting layers, so the record itself
(:class:`optcompare.experiments.records.Result`) stays plain data that every
layer can import.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from optcompare.experiments import records
from optcompare.experiments.run import run as _run

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class Result(records.Result):
    """A comparison (see :class:`optcompare.experiments.records.Result`) with the views a
    notebook wants."""

    def summary(self) -> list[dict[str, Any]]:
        """One plain dict per run (JSON-ready): what ``summary.json`` lists."""
        from optcompare.summary.documents import summary_row

        return [summary_row(r) for r in self.runs]

    def plot_loss(self, ax: Axes | None = None) -> Axes:
        """The loss curves on ``ax`` (a new figure when None); see optcompare.plotting."""
        from optcompare.plotting import plot_loss  # matplotlib loads only when drawing

        return plot_loss(self, ax=ax)

    def plot_path(self, ax: Axes | None = None) -> Axes:
        """The optimization paths over the contours on ``ax``; see optcompare.plotting."""
        from optcompare.plotting import plot_path

        return plot_path(self, ax=ax)


@functools.wraps(_run)  # the same signature and argument docs as the experiment's
def run(*args: Any, **kwargs: Any) -> Result:
    result = _run(*args, **kwargs)
    return Result(**{f.name: getattr(result, f.name) for f in fields(result)})
