"""From a :class:`~optcompare.api.Result` to plain rows and documents (no I/O).

``trajectory_rows`` gives the rows of ``trajectory.csv`` and
``summary_document`` the content of ``summary.json``; the CLI's table and the
files are made from these, so they always agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare._version import __version__

if TYPE_CHECKING:
    from optcompare.api import Result, Run


def plain(v: Any) -> Any:
    """A JSON-ready value: numpy scalars to Python, non-finite floats to None."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.ndarray):
        return [plain(a) for a in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [plain(a) for a in v]
    return v


def summary_row(r: Run) -> dict[str, Any]:
    """One run's entry of summary.json."""
    return {
        "label": r.label,
        "optimizer": r.optimizer,
        "hyperparameters": {k: plain(v) for k, v in r.hyperparameters.items()},
        "seed": r.seed,
        "start": plain(r.start),
        "steps": len(r.loss) - 1,
        "final_loss": plain(r.final_loss),
        "best_loss": plain(r.best_loss),
        "final_x": plain(r.final_x),
        "distance_to_minimum": plain(r.distance_to_min),
        "steps_to_tol": r.steps_to_tol,
        "diverged": False if r.diverged_at is None else int(r.diverged_at),
        "wall_time": round(r.wall_time, 6),
    }


def problem_entry(result: Result) -> dict[str, Any]:
    p = result.problem
    return {
        "spec": p.spec,
        "name": p.name,
        "dim": p.dim,
        "settings": {k: plain(v) for k, v in p.settings.items()},
        "minima": [{"x": plain(m.x), "f": plain(m.f)} for m in p.minima()],
        "f_star": plain(p.f_star),
        "start": plain(p.start()),
        "window": plain(p.window()),
    }


def summary_document(result: Result, command: str) -> dict[str, Any]:
    """The content of summary.json."""
    return {
        "optcompare_version": __version__,
        "numpy_version": np.__version__,
        "command": command,
        "problem": problem_entry(result),
        "steps": result.steps,
        "tol": result.tol,
        "runs": [summary_row(r) for r in result.runs],
    }


def trajectory_header(dim: int) -> list[str]:
    return ["label", "optimizer", "seed", "step", "loss", "grad_norm",
            *[f"x{i}" for i in range(dim)]]


def trajectory_rows(result: Result) -> Iterator[list[Any]]:
    """Rows of trajectory.csv: steps 0..N per run, stopping before a divergence."""
    for r in result.runs:
        for k in range(r.last_step + 1):
            yield [r.label, r.optimizer, r.seed, k, repr(float(r.loss[k])),
                   repr(float(r.grad_norm[k])), *(repr(float(v)) for v in r.x[k])]
