"""From a :class:`~optcompare.experiments.records.Result` to plain rows and documents (no I/O).

``summary_document`` gives the content of ``summary.json`` (and
:mod:`optcompare.summary.trajectories` the text of ``trajectory.csv``); the CLI's
table and the files are made from these, so they always agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optcompare import stats
from optcompare._version import __version__
from optcompare.experiments import basins as basin_rules
from optcompare.experiments.basins import outcome_name, shown_codes
from optcompare.experiments.stationary import POLISH_ITERATIONS
from optcompare.summary.trajectories import csv_plan

if TYPE_CHECKING:
    from optcompare.experiments.basins import Basins
    from optcompare.experiments.records import Result, Run
    from optcompare.problem import Problem


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


def compact(v: Any, digits: int = 4, missing: str = "-", other: Callable[[Any], str] = str) -> str:
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


def higher_is_better(metric: str) -> bool:
    """Whether a larger value of a recorded metric is better: accuracies (a name ending in
    "accuracy"); every other metric is a loss, lower being better."""
    return metric.endswith("accuracy")


def metric_ends(r: Run) -> dict[str, Any]:
    """A run's ``final_<metric>`` (at its last valid step) and ``best_<metric>`` (the
    lowest loss or highest accuracy over its valid steps) for each recorded metric."""
    out: dict[str, Any] = {}
    n = r.last_step + 1
    for name, values in r.metrics.items():
        v = values[:n]
        pick = np.fmax if higher_is_better(name) else np.fmin  # fmin/fmax skip NaN
        out[f"final_{name}"] = plain(v[-1]) if n > 0 else None
        out[f"best_{name}"] = plain(pick.reduce(v)) if n > 0 else None
    return out


def summary_row(r: Run) -> dict[str, Any]:
    """One run's entry of summary.json (``final_test_loss`` and the like after
    ``best_loss`` when the problem records metrics: :func:`metric_ends`)."""
    return {
        "label": r.label,
        "optimizer": r.optimizer,
        "hyperparameters": {k: plain(v) for k, v in r.hyperparameters.items()},
        "seed": r.seed,
        "start": plain(r.start),
        "steps": len(r.loss) - 1,
        "final_loss": plain(r.final_loss),
        "best_loss": plain(r.best_loss),
        **metric_ends(r),
        "final_x": plain(r.final_x),
        "distance_to_minimum": plain(r.distance_to_min),
        "steps_to_tol": r.steps_to_tol,
        "diverged": False if r.diverged_at is None else int(r.diverged_at),
        "diverged_reason": r.diverged_reason,
        # steps at which clipping changed the gradient (null: clipping was off)
        "clipped_steps": r.clipped_steps,
        # passes over the data spent up to the run's last valid step
        "passes": None if r.passes is None or r.last_step < 0 else plain(r.passes[r.last_step]),
        # steps the engine ran when a budget in passes cut the run (null: all count)
        "steps_run": r.steps_run,
        "wall_time": round(r.wall_time, 6),
    }


def clipping_entry(norm: float | None, value: float | None) -> dict[str, Any]:
    """The clipping settings of summary.json (both null: no clipping)."""
    return {"clip_norm": plain(norm), "clip_value": plain(value)}


def _clipping_of(record: Any) -> dict[str, Any]:
    rule = getattr(record, "clipping", None)
    return clipping_entry(None, None) if rule is None else clipping_entry(rule.norm, rule.value)


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


def metric_medians(runs: Sequence[Run]) -> dict[str, Any]:
    """``final_<metric>_median`` and ``best_<metric>_median`` over ``runs`` for each
    recorded metric, by the rule of :mod:`optcompare.stats`: a diverged run's final value
    counts as the worst (+inf for a loss, -inf for an accuracy), and a median that touches
    it is null in the JSON; best values are those the run reached before diverging."""
    out: dict[str, Any] = {}
    ends = [metric_ends(r) for r in runs]
    for name in runs[0].metrics if runs else ():
        sign = -1.0 if higher_is_better(name) else 1.0  # stats.median ranks +inf worst
        for which in ("final", "best"):
            values = [
                np.inf
                if (which == "final" and r.diverged_at is not None) or e[f"{which}_{name}"] is None
                else sign * e[f"{which}_{name}"]
                for r, e in zip(runs, ends, strict=True)
            ]
            # + 0.0: a negated accuracy of 0 comes back as 0.0, not -0.0
            out[f"{which}_{name}_median"] = plain(sign * stats.median(values) + 0.0)
    return out


def problem_numbers(problem: Problem, r: Run) -> dict[str, Any]:
    """What the problem adds to a run's entry (:meth:`Problem.summary_numbers`: a drifting
    target's ``tracking_error``); null where the run diverged."""
    return {k: plain(v) for k, v in problem.summary_numbers(r.x, r.loss).items()}


def problem_number_medians(problem: Problem, runs: Sequence[Run]) -> dict[str, Any]:
    """``<name>_median`` of each of the problem's numbers over ``runs`` (lower is better):
    a diverged run counts as +inf, by the rule of :mod:`optcompare.stats`."""
    per_run = [problem.summary_numbers(r.x, r.loss) for r in runs]
    return {
        f"{k}_median": plain(
            stats.median(
                [
                    np.inf if r.diverged_at is not None else v[k]
                    for r, v in zip(runs, per_run, strict=True)
                ]
            )
        )
        for k in (per_run[0] if per_run else {})
    }


def aggregate(result: Result) -> list[dict[str, Any]]:
    """Per label, over its seeds: median and 25-75% range of the end results.

    Statistics follow :mod:`optcompare.stats`: a diverged run counts as
    +inf loss, and a quantile that touches it is null (inf) in the JSON.
    ``median_run_seed`` names the run that figures draw as "the median run".
    Recorded metrics add their medians (:func:`metric_medians`).
    """
    rows = []
    for label in result.labels:
        runs = result.runs_of(label)
        final = np.array([np.inf if r.diverged_at is not None else r.final_loss for r in runs])
        best = np.array([r.best_loss for r in runs])
        reached = [r.steps_to_tol for r in runs if r.steps_to_tol is not None]
        # the same rule as for the loss: a diverged run is infinitely far (unknown
        # minima give no distance at all)
        dist = [
            np.inf if r.diverged_at is not None else r.distance_to_min
            for r in runs
            if r.distance_to_min is not None
        ]
        q25, med, q75 = stats.median_and_band(final)
        rows.append(
            {
                "label": label,
                "optimizer": runs[0].optimizer,
                "runs": len(runs),
                "lr": plain(runs[0].hyperparameters.get("lr")),
                "final_loss_median": plain(med),
                "final_loss_q25": plain(q25),
                "final_loss_q75": plain(q75),
                "best_loss_median": plain(stats.median(best)),
                **metric_medians(runs),
                **problem_number_medians(result.problem, runs),
                "distance_to_minimum_median": plain(stats.median(dist)) if dist else None,
                "reached_tol": len(reached),
                # over the runs that reached it (a fraction, not a step, when they are few)
                "steps_to_tol_median": plain(stats.median(reached)) if reached else None,
                "diverged": sum(r.diverged_at is not None for r in runs),
                "median_run_seed": runs[stats.median_run_index(final)].seed,
            }
        )
    return rows


def summary_document(result: Result, command: str) -> dict[str, Any]:
    """The content of summary.json."""
    return {
        "optcompare_version": __version__,
        "numpy_version": np.__version__,
        "command": command,
        "problem": problem_entry(result),
        "steps": result.steps,
        # the work budget in passes over the data (null: the steps were given)
        "passes": result.passes,
        # what the loss figure has on its x-axis: steps, passes or time
        "x_axis": result.x_axis,
        "tol": result.tol,
        # the problem's extra measurements at every step (trajectory.csv columns after
        # grad_norm; final_ and best_ values per run, their medians per label)
        "metrics": result.metric_names,
        # how path.png shows more than two coordinates: "pca" or "coords"
        "path_view": result.path_view,
        "seeds": result.seeds,
        "jitter": result.jitter,
        "lr_schedule": result.lr_schedule or "constant",
        "clipping": clipping_entry(result.clip_norm, result.clip_value),
        "tuning": result.tuning or None,
        # how many rows trajectory.csv holds, every how many steps, and whether the whole
        # record is in trajectory.npz (beyond trajectories.CSV_ROW_LIMIT rows)
        "trajectory_csv": csv_plan(result).entry(),
        "aggregates": aggregate(result),
        "runs": [{**summary_row(r), **problem_numbers(result.problem, r)} for r in result.runs],
    }


def _header(command: str) -> dict[str, Any]:
    return {"optcompare_version": __version__, "numpy_version": np.__version__, "command": command}


def sweep_document(sweep, command: str) -> dict[str, Any]:
    """summary.json of a sweep: the grid, and the best value(s) per optimizer."""
    return {
        **_header(command),
        "problem": {"spec": sweep.problem.spec, "f_star": plain(sweep.problem.f_star)},
        "steps": sweep.steps,
        "passes": sweep.passes,
        "objective": sweep.objective,
        "clipping": _clipping_of(sweep),
        "seeds": [int(s) for s in sweep.seeds],
        "parameters": {name: plain(values) for name, values in sweep.axes},
        "best": sweep.best(),
    }


def basins_document(results: Sequence[Basins], problem: Problem, command: str) -> dict[str, Any]:
    """summary.json of basins: the minima by outcome name, the classification's settings,
    and per optimizer the share of starts per outcome (every listed minimum, and each other
    outcome some optimizer had), the runs still moving and the unlisted minima found."""
    codes = shown_codes(results)
    steps = results[0].steps if results else 0
    tail = results[0].tail_steps if results else 0
    return {
        **_header(command),
        "problem": {
            "spec": problem.spec,
            "minima": [
                {
                    "name": outcome_name(k, problem.minima()),
                    "x": plain(m.x),
                    "f": plain(m.f),
                    "kind": m.kind,
                }
                for k, m in enumerate(problem.minima())
            ],
        },
        "grid": len(results[0].xs) if results else 0,
        "steps": steps,
        "clipping": _clipping_of(results[0] if results else None),
        "classification": {
            "tail_steps": tail,
            "moving_ratio": basin_rules.MOVING_RATIO,
            "reach_fraction": basin_rules.REACH_FRACTION,
            "polish_iterations": POLISH_ITERATIONS,
            "outcomes": {
                outcome_name(c, problem.minima()): basin_rules.outcome_meaning(c, tail)
                for c in basin_rules.outcome_codes(problem.minima())
            },
        },
        "optimizers": [
            {
                "label": b.label,
                "fractions": b.fractions(codes),
                "still_moving": b.still_moving(),
                "unlisted_minima": [
                    {"x": plain(x), "f": plain(float(problem.f(np.array([x]))[0])), "starts": count}
                    for x, count in b.unlisted_minima()
                ],
            }
            for b in results
        ],
    }
