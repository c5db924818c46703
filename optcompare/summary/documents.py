"""From a :class:`~optcompare.experiments.records.Result` to plain rows and documents (no I/O).

``trajectory_rows`` gives the rows of ``trajectory.csv`` and
``summary_document`` the content of ``summary.json``; the CLI's table and the
files are made from these, so they always agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare import stats
from optcompare._version import __version__

if TYPE_CHECKING:
    from optcompare.experiments.records import Result, Run


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


def compact(v: Any, digits: int = 4, missing: str = "-",
            other: Callable[[Any], str] = str) -> str:
    """A number as a table cell: ``digits`` significant digits, ``missing`` for None or
    NaN, true/false for booleans, and ``other(v)`` for anything that is not a number."""
    if v is None:
        return missing
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return missing if math.isnan(v) else f"{v:.{digits}g}"
    return other(v)


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
        "diverged_reason": r.diverged_reason,
        "wall_time": round(r.wall_time, 6),
    }


def problem_entry(result: Result) -> dict[str, Any]:
    p = result.problem
    return {
        "spec": p.spec,
        "name": p.name,
        "dim": p.dim,
        "settings": {k: plain(v) for k, v in p.settings.items()},
        "minima": [{"x": plain(m.x), "f": plain(m.f), "kind": m.kind} for m in p.minima()],
        "f_star": plain(p.f_star),
        "start": plain(p.start()),
        "window": plain(p.window()),
    }


def aggregate(result: Result) -> list[dict[str, Any]]:
    """Per label, over its seeds: median and 25-75% range of the end results.

    Statistics follow :mod:`optcompare.stats`: a diverged run counts as
    +inf loss, and a quantile that touches it is null (inf) in the JSON.
    ``median_run_seed`` names the run that figures draw as "the median run".
    """
    rows = []
    for label in result.labels:
        runs = result.runs_of(label)
        final = np.array([np.inf if r.diverged_at is not None else r.final_loss for r in runs])
        best = np.array([r.best_loss for r in runs])
        reached = [r.steps_to_tol for r in runs if r.steps_to_tol is not None]
        dist = [r.distance_to_min for r in runs
                if r.distance_to_min is not None and r.diverged_at is None]
        q25, med, q75 = stats.median_and_band(final)
        rows.append({
            "label": label,
            "optimizer": runs[0].optimizer,
            "runs": len(runs),
            "lr": plain(runs[0].hyperparameters.get("lr")),
            "final_loss_median": plain(med),
            "final_loss_q25": plain(q25),
            "final_loss_q75": plain(q75),
            "best_loss_median": plain(stats.median(best)),
            "distance_to_minimum_median": plain(stats.median(dist)) if dist else None,
            "reached_tol": len(reached),
            # over the runs that reached it (a fraction, not a step, when they are few)
            "steps_to_tol_median": plain(stats.median(reached)) if reached else None,
            "diverged": sum(r.diverged_at is not None for r in runs),
            "median_run_seed": runs[stats.median_run_index(final)].seed,
        })
    return rows


def summary_document(result: Result, command: str) -> dict[str, Any]:
    """The content of summary.json."""
    return {
        "optcompare_version": __version__,
        "numpy_version": np.__version__,
        "command": command,
        "problem": problem_entry(result),
        "steps": result.steps,
        "tol": result.tol,
        "seeds": result.seeds,
        "jitter": result.jitter,
        "lr_schedule": result.lr_schedule or "constant",
        "tuning": result.tuning or None,
        "aggregates": aggregate(result),
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


def _header(command: str) -> dict[str, Any]:
    return {"optcompare_version": __version__, "numpy_version": np.__version__,
            "command": command}


def sweep_document(sweep, command: str) -> dict[str, Any]:
    """summary.json of a sweep: the grid, and the best value(s) per optimizer."""
    return {
        **_header(command),
        "problem": {"spec": sweep.problem.spec, "f_star": plain(sweep.problem.f_star)},
        "steps": sweep.steps,
        "objective": sweep.objective,
        "seeds": [int(s) for s in sweep.seeds],
        "parameters": {name: plain(values) for name, values in sweep.axes},
        "best": sweep.best(),
    }


def basins_table(results) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of basins.csv: one row per optimizer and start."""
    header = ["label", "x0", "y0", "outcome", "x_final", "y_final"]
    rows = []
    for b in results:
        X, Y = np.meshgrid(b.xs, b.ys)
        for (x, y, o, fx, fy) in zip(X.ravel(), Y.ravel(), b.outcome.ravel(),
                                     b.final_x[..., 0].ravel(), b.final_x[..., 1].ravel(),
                                     strict=True):
            rows.append([b.label, repr(float(x)), repr(float(y)), outcome_name(int(o)),
                         repr(float(fx)), repr(float(fy))])
    return header, rows


def outcome_name(o: int) -> str:
    return {-1: "diverged", -2: "not converged", -3: "other stationary point"}.get(
        o, f"minimum {o}")


def basins_document(results, problem, command: str) -> dict[str, Any]:
    n = len(problem.minima())
    return {
        **_header(command),
        "problem": {"spec": problem.spec,
                    "minima": [{"x": plain(m.x), "f": plain(m.f), "kind": m.kind}
                               for m in problem.minima()]},
        "grid": len(results[0].xs) if results else 0,
        "steps": results[0].steps if results else 0,
        "optimizers": [{"label": b.label, "fractions": b.fractions(n)} for b in results],
    }
