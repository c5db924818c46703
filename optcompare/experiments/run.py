"""The Python entry point: ``optcompare.run(...)`` compares optimizers on a problem.

This is the same engine the command line uses, for notebooks::

    import optcompare
    result = optcompare.run(["sgd:lr=1e-3,momentum=0.9", "adam:lr=0.05"], "rosenbrock")
    result.runs[1].x          # (steps+1, dim) iterates of the Adam run
    result.summary()          # one dict per run: final_loss, steps_to_tol, ...
    result.plot_loss()        # matplotlib Axes
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from optcompare import budget
from optcompare.engine import Trajectory, run_batch
from optcompare.engine.clipping import make_clipping
from optcompare.engine.schedules import lr_factors as schedule_factors
from optcompare.errors import SpecError
from optcompare.experiments.choices import (
    check_start,
    for_problem,
    label_of,
    make_optimizers,
    parse_point,
    problem_defaults,
    starts_for,
    state_width,
)
from optcompare.experiments.grid import OBJECTIVES
from optcompare.experiments.passes import (
    check_axis,
    check_budget,
    cut,
    default_axis,
    steps_for,
    varies,
)
from optcompare.experiments.records import OptimizerChoice, Result, Run
from optcompare.experiments.tuning import TUNE_GRID, TUNE_SEED_OFFSET, tune_lr
from optcompare.params import check_number
from optcompare.problem import Problem, make_problem
from optcompare.progress import Report, plan
from optcompare.specs import SEED_MAX, Spec

#: Steps used when none are given: enough for RMSProp at its default lr to cross
#: Rosenbrock's valley to near the minimum, and still instant.
DEFAULT_STEPS = 1000
DEFAULT_TOL = 1e-6
#: Seeds each tuning grid point runs with (the median decides).
DEFAULT_TUNE_SEEDS = 3
#: How the path figure shows a problem of more than two coordinates: the plane of the
#: paths' first two principal components, or the first two coordinates.
PATH_VIEWS = ("pca", "coords")


def check_path_view(path_view: str | None, problem: Problem) -> str:
    """The path view to use: ``path_view``, or by default "pca" above two dimensions and
    "coords" up to two (where the coordinates are the whole picture).

    Raises:
        SpecError: an unknown view, or "pca" for a problem of at most two coordinates.
    """
    if path_view is None:
        return "pca" if problem.dim > 2 else "coords"
    if path_view not in PATH_VIEWS:
        raise SpecError(
            f"{{p}} '{path_view}' is not allowed; choose {', '.join(PATH_VIEWS)}", "path_view"
        )
    if path_view == "pca" and problem.dim <= 2:
        raise SpecError(
            f"{{p}} 'pca' projects paths of more than two coordinates; {problem.spec} has "
            f"{problem.dim}, drawn as they are",
            "path_view",
        )
    return path_view


def metric_count(problem: Problem) -> int:
    """How many extra measurements the problem records per step (``Problem.metrics``),
    found by measuring one point (the origin), for the budget's recorded width."""
    with np.errstate(all="ignore"):
        return len(problem.metrics(np.zeros((1, problem.dim))))


def _runs_from(
    choice: OptimizerChoice,
    problem: Problem,
    tr: Trajectory,
    seeds: np.ndarray,
    starts: np.ndarray,
    share: float,
    last: np.ndarray | None = None,
) -> list[Run]:
    """One :class:`Run` per run of ``tr``; with ``last`` (a passes budget's cut, whose
    summaries ``tr`` then holds) each run's arrays end at its last step within it."""
    with np.errstate(all="ignore"):  # a runaway final_x may overflow the distance
        dist = problem.nearest_minimum_distance(tr.final_x)
    # run() always records whole trajectories
    assert tr.x is not None and tr.loss is not None and tr.grad_norm is not None
    assert tr.passes is not None and tr.seconds is not None
    shared = {k: v for k, v in choice.values.items() if not isinstance(v, np.ndarray)}
    per_run = {k: v.tolist() for k, v in choice.values.items() if isinstance(v, np.ndarray)}
    # plain Python numbers once for the whole batch, not one numpy scalar at a time
    seed_list, diverged = seeds.tolist(), tr.diverged_at.tolist()
    first, final_loss, best = tr.first_below.tolist(), tr.final_loss.tolist(), tr.best_loss.tolist()
    distance = [None if d != d else d for d in dist.tolist()]  # NaN: no known minimum
    clipped = None if tr.clipped is None else tr.clipped.tolist()
    # rows kept per run: all, or up to the budget's cut (and a diverged run's NaN step)
    full = tr.steps + 1
    ends = [full] * tr.runs if last is None else (last + 1 + (tr.diverged_at >= 0)).tolist()
    x, loss, grad_norm, passes, metrics = tr.x, tr.loss, tr.grad_norm, tr.passes, tr.metrics
    out = []
    for i in range(tr.runs):
        d, m = diverged[i], ends[i]
        out.append(
            Run(
                label=choice.label,
                optimizer=choice.name,
                hyperparameters={**shared, **{k: v[i] for k, v in per_run.items()}},
                seed=seed_list[i],
                start=starts[i].copy(),
                x=x[:m, i, :],
                loss=loss[:m, i],
                grad_norm=grad_norm[:m, i],
                diverged_at=None if d < 0 else d,
                steps_to_tol=None if first[i] < 0 else first[i],
                final_x=tr.final_x[i],
                final_loss=final_loss[i],
                best_loss=best[i],
                distance_to_min=distance[i],
                wall_time=share,
                state={name: v[: m - 1, i, :] for name, v in tr.state.items()},
                effective_step=None
                if tr.effective_step is None
                else tr.effective_step[: m - 1, i, :],
                diverged_reason=None if d < 0 else tr.divergence_reason(i, problem),
                clipped_steps=None if clipped is None else clipped[i],
                passes=passes[:m, i],
                seconds=tr.seconds[:m],
                steps_run=None if m == full else tr.steps,
                metrics={name: v[:m, i] for name, v in metrics.items()},
            )
        )
    return out


def run_request(
    optimizers: int,
    problem: Problem,
    steps: int,
    seeds: int,
    tune_seeds: int = 0,
    record_state: bool = False,
    record_tuning: bool = False,
) -> budget.Request:
    """What :func:`run` asks of the budget: ``optimizers`` x ``seeds`` recorded runs
    (iterate, loss, gradient norm and the problem's metrics at every step; optimizer
    state too with ``record_state``) and, with ``tune_seeds``, the tuning grid's runs
    (unrecorded unless ``record_tuning``: a passes budget's cut of variable-cost methods
    needs them)."""
    tuning = len(TUNE_GRID) * int(tune_seeds)
    width = problem.dim + budget.RECORDED_EXTRAS + metric_count(problem)
    if record_state:
        width += budget.STATE_COPIES * problem.dim
    return budget.Request(
        what="this run",
        runs=optimizers * (int(seeds) + tuning),
        steps=int(steps),
        dim=problem.dim,
        cost=problem.evaluation_cost(),
        batch_runs=max(int(seeds), tuning),
        recorded_runs=optimizers * (int(seeds) + (tuning if record_tuning else 0)),
        recorded_width=width,
        reduce="fewer --steps, fewer --seeds"
        + (" or no --tune" if tuning else "")
        + (" or a smaller dim" if problem.dim > 2 else ""),
    )


def run(
    optimizers: str | Sequence[str | Spec],
    problem: str | Spec | Problem,
    *,
    steps: int | None = None,
    passes: float | None = None,
    start: str | Sequence[float] | None = None,
    seed: int = 0,
    seeds: int = 1,
    jitter: float = 0.0,
    tol: float = DEFAULT_TOL,
    lr_schedule: str | None = None,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    tune: bool = False,
    tune_seeds: int = DEFAULT_TUNE_SEEDS,
    objective: str = "final",
    record_state: bool = False,
    x_axis: str | None = None,
    path_view: str | None = None,
    progress: Report | None = None,
) -> Result:
    """Run each optimizer on ``problem`` and return every trajectory.

    Args:
        optimizers: one spec or a list, e.g. ``["sgd:lr=0.001,momentum=0.9", "adam"]``;
            ``"all"`` means the six classic optimizers at their defaults.
        problem: a spec such as ``"rosenbrock"`` or ``"quadratic:kappa=100"``, or a Problem.
        steps: optimizer steps per run (default :data:`DEFAULT_STEPS`, 1000); 0 only
            evaluates the start.  Not together with ``passes``.
        passes: a work budget in passes over the data instead of steps (default None):
            each run spends at most this many (:mod:`optcompare.experiments.passes`).
        start: start point (default: the problem's), as ``"-1.5,2"`` or numbers.
        seed: the first seed; runs use seeds ``seed, seed+1, ..., seed+seeds-1``.
        seeds: independent runs per optimizer (own noise streams; own jittered starts).
        jitter: std of the Gaussian move of each run's start (0: all start at ``start``).
        tol: a run reaches the target at the first step with loss - f* <= tol.
        lr_schedule: a schedule spec such as ``"cosine"`` (see optcompare.schedules).
        clip_norm: clip each run's observed gradient to this norm, as
            ``torch.nn.utils.clip_grad_norm_`` (default None: no clipping).
        clip_value: clamp each gradient coordinate to [-clip_value, clip_value]
            (default None); not together with ``clip_norm``.
        tune: first pick each optimizer's lr from a log grid (``sweep.TUNE_GRID``) by
            the median ``objective`` over ``tune_seeds`` other seeds, then evaluate it.
        objective: "final", "best" or "auc" (for tuning).
        record_state: also keep each optimizer's internal state and effective step.
        x_axis: "steps", "passes" or "time" for figures (default None: passes when a
            variance-reduced method meets a finite-sum problem or ``passes`` is given,
            else steps).
        path_view: how the path figure shows more than two coordinates: "pca" (the plane
            of the paths' first two principal components, with f's contours on it) or
            "coords" (the first two coordinates, no contours); default None: "pca"
            above two dimensions, "coords" otherwise ("pca" is refused there).
        progress: optional ``report(done, total)``, called after every step with the
            run-steps (runs x steps, tuning included) done and planned.

    Returns:
        A :class:`Result` with one :class:`Run` per optimizer and seed.
    """
    prob = make_problem(problem)
    choices = for_problem(make_optimizers(optimizers), prob)
    if steps is not None and passes is not None:
        raise SpecError("give steps or passes, not both")
    budget_passes = check_budget(passes)
    axis = check_axis(x_axis or default_axis([c.optimizer for c in choices], prob, budget_passes))
    view = check_path_view(path_view, prob)
    steps = check_number(DEFAULT_STEPS if steps is None else steps, "steps", "int", low=0)
    if budget_passes is not None:
        steps = max(steps_for(c.optimizer, prob, budget_passes) for c in choices)
        if lr_schedule is not None and any(varies(c.optimizer) for c in choices):
            raise SpecError(
                "an lr schedule with a budget in passes needs a fixed cost per step; "
                "variance-reduced methods spend passes per run as they go: give steps"
            )
    seeds = check_number(seeds, "seeds", "int", low=1)
    seed = check_number(seed, "seed", "int", low=0, high=SEED_MAX)
    jitter = check_number(jitter, "jitter", low=0)
    tol = check_number(tol, "tol", low=0, low_open=True)  # summary.json holds it: finite
    if objective not in OBJECTIVES:
        raise SpecError(
            f"{{p}} '{objective}' is not allowed; choose {', '.join(OBJECTIVES)}", "objective"
        )
    steps = int(steps)
    clipping = make_clipping(clip_norm, clip_value)
    # tuning a method that varies its cost per step within a budget records its runs
    recorded_tuning = budget_passes is not None and any(varies(c.optimizer) for c in choices)
    budget.check(
        run_request(
            len(choices),
            prob,
            steps,
            seeds,
            tune_seeds if tune else 0,
            record_state,
            recorded_tuning,
        ).holding(state_width(choices, prob))
    )
    x0 = prob.start() if start is None else parse_point(start, prob.dim)
    check_start(prob, x0)
    own_steps = [
        steps if budget_passes is None else steps_for(c.optimizer, prob, budget_passes)
        for c in choices
    ]
    run_seeds = seed + np.arange(int(seeds), dtype=np.int64)
    starts = starts_for(x0, run_seeds, jitter, prob)
    runs: list[Run] = []
    tuning: dict[str, dict[str, Any]] = {}
    t_seeds = seed + TUNE_SEED_OFFSET + np.arange(int(tune_seeds), dtype=np.int64)
    per_choice = len(run_seeds) + (len(TUNE_GRID) * len(t_seeds) if tune else 0)
    tally = plan(progress, per_choice * sum(own_steps))
    for choice, n_steps in zip(choices, own_steps, strict=True):
        factors = schedule_factors(lr_schedule, n_steps)
        if tune:
            tuned = tune_lr(
                choice,
                prob,
                x0,
                n_steps,
                t_seeds,
                objective=objective,
                jitter=jitter,
                lr_factors=factors,
                clipping=clipping,
                tally=tally,
                passes=budget_passes,
            )
            # the tuned lr goes into the label, so every table and figure shows it
            # ... replacing an lr the spec gave (tuning overrides it)
            base = label_of(choice.name, {k: v for k, v in choice.given.items() if k != "lr"})
            label = f"{base} lr={tuned['lr']:.3g} (tuned)"
            tuning[label] = tuned
            given = {**choice.given, "lr": tuned["lr"]}
            values = problem_defaults(choice.name, choice.optimizer.resolve(given), prob)
            choice = OptimizerChoice(choice.optimizer, values, label, choice.given)
        tr = run_batch(
            choice.optimizer,
            choice.values,
            prob,
            starts,
            run_seeds,
            n_steps,
            tol=tol,
            lr_factors=factors,
            clipping=clipping,
            record_state=record_state,
            progress=tally.batch(len(run_seeds)),
        )
        last = None
        if budget_passes is not None:
            tr, last = cut(tr, budget_passes, prob.f_star, tol)
        share = tr.wall_time / len(run_seeds)
        runs.extend(_runs_from(choice, prob, tr, run_seeds, starts, share, last))
    return Result(
        problem=prob,
        steps=steps,
        tol=tol,
        runs=runs,
        tuning=tuning,
        lr_schedule=lr_schedule,
        seeds=int(seeds),
        jitter=float(jitter),
        clip_norm=None if clipping is None else clipping.norm,
        clip_value=None if clipping is None else clipping.value,
        passes=budget_passes,
        x_axis=axis,
        path_view=view,
    )
