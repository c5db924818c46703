"""Hyperparameter grids as single batches: sweeps, and fair learning-rate tuning.

A sweep runs every combination of one or two hyperparameters' values and every
seed as one batch per optimizer (per-run hyperparameter arrays), keeping only
per-run summaries, so memory grows with the number of runs, not runs x steps.

Ranges are written ``lo:hi:count`` (evenly spaced, both ends included),
``lo:hi:count:log`` (log-spaced) or ``a|b|c`` (a list).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optcompare import budget, stats
from optcompare.engine.clipping import Clipping, make_clipping
from optcompare.engine.schedules import lr_factors
from optcompare.errors import SpecError
from optcompare.experiments.choices import (
    check_start,
    for_problem,
    make_optimizers,
    parse_point,
    state_width,
)
from optcompare.experiments.grid import OBJECTIVES, SweepOutcome, make_grid, run_grid, score
from optcompare.experiments.passes import check_budget, cut, steps_for, summaries_only, varies
from optcompare.experiments.tuning import DEFAULT_TOL
from optcompare.params import check_number
from optcompare.problem import Problem, make_problem
from optcompare.progress import Report, plan
from optcompare.specs import SEED_MAX


def parse_range(text: str, what: str = "range", param: str | None = None) -> np.ndarray:
    """Values from ``lo:hi:count[:log]`` or ``a|b|c``.

    Raises:
        SpecError: naming the range (``what``; ``{p}`` in it stands for ``param``)
            and the allowed forms.
    """
    forms = "write lo:hi:count, lo:hi:count:log or a|b|c"
    raw = text.strip()

    def numbers(parts: list[str]) -> list[float]:
        try:
            return [float(p) for p in parts]
        except ValueError:
            raise SpecError(f"{what} '{text}' is not a range of numbers; {forms}", param) from None

    if "|" in raw or ":" not in raw:
        values = np.array(numbers(raw.split("|")))
    else:
        parts = raw.split(":")
        if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3].strip() != "log"):
            raise SpecError(f"{what} '{text}' is not a range; {forms}", param)
        lo, hi, count = numbers(parts[:3])
        if not (np.isfinite(lo) and np.isfinite(hi)):  # before numpy spaces them, with a warning
            raise SpecError(f"{what} '{text}' must contain finite numbers; {forms}", param)
        if not 1 <= count <= 100_000 or count != int(count):
            raise SpecError(
                f"{what} '{text}': count must be a whole number from 1 to 100000", param
            )
        if len(parts) == 4:
            if lo <= 0 or hi <= 0:
                raise SpecError(f"{what} '{text}': a log range needs lo > 0 and hi > 0", param)
            values = np.logspace(np.log10(lo), np.log10(hi), int(count))
        else:
            # hi - lo beyond float gives non-finite values, refused below without a warning
            with np.errstate(over="ignore", invalid="ignore"):
                values = np.linspace(lo, hi, int(count))
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise SpecError(f"{what} '{text}' must contain finite numbers; {forms}", param)
    return values


def parse_param(text: str) -> tuple[str, np.ndarray]:
    """``name=RANGE`` as (name, values)."""
    name, eq, rng = text.partition("=")
    if not eq or not name.strip():
        raise SpecError(f"{{p}} '{text}' is not name=range; e.g. lr=1e-4:10:25:log", "params")
    return name.strip(), parse_range(rng, f"{{p}} {name.strip()}", "params")


@dataclass(frozen=True)
class SweepResult:
    """A sweep: per optimizer, the grid and each run's summaries."""

    problem: Problem
    steps: int
    objective: str
    axes: tuple[tuple[str, np.ndarray], ...]
    seeds: np.ndarray
    outcomes: list[SweepOutcome]
    clipping: Clipping | None = None
    passes: float | None = None  # the work budget in passes (None: ``steps`` were given)

    def rows(self) -> list[dict[str, Any]]:
        """One row per optimizer, parameter value(s) and seed (sweep.csv); with clipping
        on, ``clipped_steps``: the steps at which clipping changed the run's gradient."""
        out = []
        for o in self.outcomes:
            tr = o.trajectory
            for i in range(tr.runs):
                row: dict[str, Any] = {"label": o.label, "optimizer": o.optimizer}
                for name in o.grid.names:
                    row[name] = float(o.grid.values[name][i])
                row.update(
                    seed=int(o.grid.seeds[i]),
                    final_loss=float(tr.final_loss[i]),
                    best_loss=float(tr.best_loss[i]),
                    auc=float(tr.auc[i]),
                    diverged=False if tr.diverged_at[i] < 0 else int(tr.diverged_at[i]),
                )
                if tr.clipped is not None:
                    row["clipped_steps"] = int(tr.clipped[i])
                out.append(row)
        return out

    def table(self, o: SweepOutcome) -> np.ndarray:
        """Scores reshaped to (len(axis 1)[, len(axis 2)], seeds)."""
        shape = [len(v) for _, v in self.axes] + [len(self.seeds)]
        return o.scores.reshape(shape)

    def best(self) -> list[dict[str, Any]]:
        """Per optimizer: the parameter value(s) with the lowest median objective."""
        out = []
        for o in self.outcomes:
            scores = self.table(o)
            med = stats.medians(scores, axis=-1)
            idx = np.unravel_index(int(np.argmin(med)), med.shape)
            entry: dict[str, Any] = {"label": o.label}
            for (name, values), k in zip(self.axes, idx, strict=True):
                entry[name] = float(values[k])
            entry["median_objective"] = float(med[idx]) if np.isfinite(med[idx]) else None
            entry["diverged_fraction"] = float(np.mean(o.trajectory.diverged_at >= 0))
            out.append(entry)
        return out


#: Values a sweep keeps per run after its batch: the final iterate, final and best
#: loss, area under the curve, divergence step, first step below tol, score, swept
#: values and seed; and the row of sweep.csv, built as a dict of Python objects
#: before it is written (about 0.6 kB per run in all, measured at a million runs).
SWEEP_KEPT_VALUES = 10 + 64


def sweep_request(
    optimizers: int, problem: Problem, steps: int, per_choice: int, recorded: int = 0
) -> budget.Request:
    """What :func:`sweep` asks of the budget: ``per_choice`` runs (grid points x seeds)
    for each of ``optimizers``, one batch each, keeping summaries only; a budget in
    passes records the batches of the ``recorded`` optimizers whose cost varies per run,
    one at a time, to cut each run at the budget."""
    return budget.Request(
        recorded_runs=per_choice if recorded else 0,
        recorded_width=problem.dim + budget.RECORDED_EXTRAS + 1,  # and the passes
        what="this sweep",
        runs=optimizers * per_choice,
        steps=steps,
        dim=problem.dim,
        cost=problem.evaluation_cost(),
        batch_runs=per_choice,
        kept_width=problem.dim + SWEEP_KEPT_VALUES,
        reduce="fewer --seeds, shorter ranges or fewer --steps",
    )


def sweep(
    optimizers,
    problem,
    params: Sequence[str],
    *,
    seeds: int = 1,
    seed: int = 0,
    steps: int | None = None,
    passes: float | None = None,
    objective: str = "final",
    start=None,
    jitter: float = 0.0,
    lr_schedule: str | None = None,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    progress: Report | None = None,
) -> SweepResult:
    """Sweep one or two hyperparameters of each optimizer, each grid one batch.

    Args:
        optimizers: specs; settings in a spec stay fixed, swept ones vary.
        problem: a problem spec or Problem.
        params: ``["lr=1e-4:10:25:log"]`` or two of them.
        seeds: runs per grid point (seeds ``seed..seed+seeds-1``).
        steps: steps per run (default 500); not together with ``passes``.
        passes: a work budget in passes over the data instead (default None; see
            :mod:`optcompare.experiments.passes`): each run is scored on its steps
            within it.
        clip_norm, clip_value: gradient clipping, as for :func:`optcompare.run`
            (default None: none).
        progress: optional ``report(done, total)`` in run-steps, after every step.
    """
    prob = make_problem(problem)
    choices = for_problem(make_optimizers(optimizers), prob)
    axes = tuple(parse_param(p) for p in params)
    if steps is not None and passes is not None:
        raise SpecError("give steps or passes, not both")
    budget_passes = check_budget(passes)
    steps = check_number(500 if steps is None else steps, "steps", "int", low=0)
    own_steps = [
        int(steps) if budget_passes is None else steps_for(c.optimizer, prob, budget_passes)
        for c in choices
    ]
    steps = max(own_steps)
    cut_runs = [budget_passes is not None and varies(c.optimizer) for c in choices]
    if lr_schedule is not None and any(cut_runs):
        raise SpecError(
            "an lr schedule with a budget in passes needs a fixed cost per step; "
            "variance-reduced methods spend passes per run as they go: give steps"
        )
    seeds = check_number(seeds, "seeds", "int", low=1)
    seed = check_number(seed, "seed", "int", low=0, high=SEED_MAX)
    jitter = check_number(jitter, "jitter", low=0)
    clipping = make_clipping(clip_norm, clip_value)
    if objective not in OBJECTIVES:
        raise SpecError(
            f"{{p}} '{objective}' is not allowed; choose {', '.join(OBJECTIVES)}", "objective"
        )
    for choice in choices:
        for name, _ in axes:
            if name in choice.given:
                raise SpecError(
                    f"{{p}} {choice.label} sets {name}, which the sweep varies; remove "
                    f"{name}={choice.given[name]} from the spec",
                    "optimizers",
                )
    per_choice = math.prod(len(v) for _, v in axes) * int(seeds)
    request = sweep_request(len(choices), prob, int(steps), per_choice, sum(cut_runs))
    budget.check(request.holding(state_width(choices, prob)))
    run_seeds = seed + np.arange(int(seeds), dtype=np.int64)
    grid = make_grid(axes, run_seeds)
    for choice in choices:  # every value checked before any run starts
        choice.optimizer.resolve({**choice.given, **grid.values}, owner=choice.name)
    x0 = prob.start() if start is None else parse_point(start, prob.dim)
    check_start(prob, x0)
    tally = plan(progress, len(grid.seeds) * sum(own_steps))
    outcomes = []
    for choice, n_steps, within in zip(choices, own_steps, cut_runs, strict=True):
        o = run_grid(
            choice,
            prob,
            grid,
            x0,
            n_steps,
            objective=objective,
            jitter=jitter,
            lr_factors=lr_factors(lr_schedule, n_steps),
            clipping=clipping,
            tally=tally,
            record=within,
        )
        if within:
            assert budget_passes is not None
            kept, _ = cut(o.trajectory, budget_passes, prob.f_star, DEFAULT_TOL)
            o = replace(
                o, trajectory=summaries_only(kept), scores=score(kept, objective, prob.f_star)
            )
        outcomes.append(o)
    return SweepResult(prob, steps, objective, axes, run_seeds, outcomes, clipping, budget_passes)
