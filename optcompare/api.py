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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optcompare.engine import run_batch
from optcompare.errors import SpecError
from optcompare.optimizers import CLASSIC, OPTIMIZERS
from optcompare.optimizers.base import Optimizer
from optcompare.problem import Problem, make_problem
from optcompare.specs import Spec, parse_spec
from optcompare.trajectory import Trajectory

#: Steps used when none are given: enough for RMSProp at its default lr to cross
#: Rosenbrock's valley to near the minimum, and still instant.
DEFAULT_STEPS = 1000
DEFAULT_TOL = 1e-6


@dataclass(frozen=True)
class OptimizerChoice:
    """An optimizer with its resolved hyperparameters and a readable label."""

    optimizer: Optimizer
    values: dict[str, Any]
    label: str
    given: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.optimizer.name


def _label(name: str, given: dict[str, Any]) -> str:
    if not given:
        return name
    return name + " " + " ".join(f"{k}={v}" for k, v in given.items())


def make_optimizers(specs: str | Sequence[str | Spec]) -> list[OptimizerChoice]:
    """Optimizer choices from specs like ``adam:lr=0.05``; ``all`` means the six classics.

    Labels are the name plus the settings given; repeats get ``#2``, ``#3``.
    """
    items = [specs] if isinstance(specs, (str, Spec)) else list(specs)
    if not items:
        raise SpecError("no optimizer given; name one, e.g. adam or sgd:lr=0.01")
    choices: list[OptimizerChoice] = []
    for item in items:
        spec = item if isinstance(item, Spec) else parse_spec(item, "optimizer")
        if spec.name == "all":
            if spec.settings:
                raise SpecError("'all' takes no settings; give optimizers one by one to set them")
            for name in CLASSIC:
                opt = OPTIMIZERS.get(name)
                choices.append(OptimizerChoice(opt, opt.resolve({}), name))
            continue
        opt = OPTIMIZERS.get(spec.name)
        values = opt.resolve(spec.settings)
        choices.append(OptimizerChoice(opt, values, _label(opt.name, spec.settings),
                                       dict(spec.settings)))
    seen: dict[str, int] = {}
    labelled = []
    for c in choices:
        seen[c.label] = seen.get(c.label, 0) + 1
        if seen[c.label] > 1:
            c = OptimizerChoice(c.optimizer, c.values, f"{c.label} #{seen[c.label]}", c.given)
        labelled.append(c)
    return labelled


def parse_point(text: str | Sequence[float], dim: int, what: str = "--start") -> np.ndarray:
    """A point of ``dim`` coordinates from ``"-1.5,2"`` or a sequence of numbers."""
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise SpecError(f"{what} '{text}' is not a list of numbers; "
                            f"write {dim} comma-separated numbers like "
                            f"{','.join(['0'] * dim)}") from None
    else:
        values = [float(v) for v in text]
    point = np.asarray(values, dtype=float)
    if point.size != dim:
        raise SpecError(f"{what} has {point.size} coordinate{'s' * (point.size != 1)} but the "
                        f"problem has dimension {dim}; give {dim} comma-separated numbers")
    if not np.all(np.isfinite(point)):
        raise SpecError(f"{what} '{text}' must be finite numbers")
    return point


def check_start(problem: Problem, x0: np.ndarray, what: str = "--start") -> None:
    """The objective and its gradient must be finite at the start."""
    with np.errstate(all="ignore"):
        f, g = problem.f(x0[None, :]), problem.grad(x0[None, :])
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(g))):
        point = ",".join(f"{v:g}" for v in x0)
        raise SpecError(f"{what} {point} is not allowed: the loss or its gradient is not finite "
                        f"there; choose a start inside the window "
                        + " x ".join(f"[{lo:g}, {hi:g}]" for lo, hi in problem.window()[:2]))


@dataclass(frozen=True)
class Run:
    """One run of one optimizer: its settings and its trajectory as numpy arrays."""

    label: str
    optimizer: str
    hyperparameters: dict[str, Any]
    seed: int
    start: np.ndarray
    x: np.ndarray          # (steps+1, dim), NaN after divergence
    loss: np.ndarray       # (steps+1,)
    grad_norm: np.ndarray  # (steps+1,)
    diverged_at: int | None
    steps_to_tol: int | None
    final_x: np.ndarray
    final_loss: float
    best_loss: float
    distance_to_min: float | None
    wall_time: float
    state: dict[str, np.ndarray] = field(default_factory=dict)
    effective_step: np.ndarray | None = None
    diverged_reason: str | None = None

    @property
    def last_step(self) -> int:
        return len(self.loss) - 1 if self.diverged_at is None else self.diverged_at - 1


@dataclass(frozen=True)
class Result:
    """A comparison: the problem, the settings, and one :class:`Run` per optimizer and seed."""

    problem: Problem
    steps: int
    tol: float
    runs: list[Run]
    tuning: dict[str, dict[str, Any]] = field(default_factory=dict)
    lr_schedule: str | None = None
    seeds: int = 1
    jitter: float = 0.0

    @property
    def labels(self) -> list[str]:
        """The run labels in order of first appearance (one per optimizer choice)."""
        return list(dict.fromkeys(r.label for r in self.runs))

    def runs_of(self, label: str) -> list[Run]:
        return [r for r in self.runs if r.label == label]

    def summary(self) -> list[dict[str, Any]]:
        """One plain dict per run (JSON-ready): what ``summary.json`` lists."""
        from optcompare.summary import summary_row

        return [summary_row(r) for r in self.runs]

    def plot_loss(self, ax=None):
        from optcompare.plotting import plot_loss
        return plot_loss(self, ax=ax)

    def plot_path(self, ax=None):
        from optcompare.plotting import plot_path
        return plot_path(self, ax=ax)


def _runs_from(choice: OptimizerChoice, problem: Problem, tr: Trajectory, seeds: np.ndarray,
               starts: np.ndarray, share: float) -> list[Run]:
    with np.errstate(all="ignore"):  # a runaway final_x may overflow the distance
        dist = problem.nearest_minimum_distance(tr.final_x)
    out = []
    for i in range(tr.runs):
        values = {k: (v[i].item() if isinstance(v, np.ndarray) else v)
                  for k, v in choice.values.items()}
        d = int(tr.diverged_at[i])
        out.append(Run(
            label=choice.label, optimizer=choice.name, hyperparameters=values,
            seed=int(seeds[i]), start=starts[i].copy(),
            x=tr.x[:, i, :], loss=tr.loss[:, i], grad_norm=tr.grad_norm[:, i],
            diverged_at=None if d < 0 else d,
            steps_to_tol=None if tr.first_below[i] < 0 else int(tr.first_below[i]),
            final_x=tr.final_x[i], final_loss=float(tr.final_loss[i]),
            best_loss=float(tr.best_loss[i]),
            distance_to_min=None if np.isnan(dist[i]) else float(dist[i]),
            wall_time=share,
            state={k: v[:, i, :] for k, v in tr.state.items()},
            effective_step=None if tr.effective_step is None else tr.effective_step[:, i, :],
            diverged_reason=tr.divergence_reason(i, problem),
        ))
    return out


def run(
    optimizers: str | Sequence[str | Spec],
    problem: str | Spec | Problem,
    *,
    steps: int = DEFAULT_STEPS,
    start: str | Sequence[float] | None = None,
    seed: int = 0,
    seeds: int = 1,
    jitter: float = 0.0,
    tol: float = DEFAULT_TOL,
    lr_schedule: str | None = None,
    tune: bool = False,
    tune_seeds: int = 3,
    objective: str = "final",
    record_state: bool = False,
    progress=None,
) -> Result:
    """Run each optimizer on ``problem`` and return every trajectory.

    Args:
        optimizers: one spec or a list, e.g. ``["sgd:lr=0.001,momentum=0.9", "adam"]``;
            ``"all"`` means the six classic optimizers at their defaults.
        problem: a spec such as ``"rosenbrock"`` or ``"quadratic:kappa=100"``, or a Problem.
        steps: optimizer steps per run (default 500); 0 only evaluates the start.
        start: start point (default: the problem's), as ``"-1.5,2"`` or numbers.
        seed: the first seed; runs use seeds ``seed, seed+1, ..., seed+seeds-1``.
        seeds: independent runs per optimizer (own noise streams; own jittered starts).
        jitter: std of the Gaussian move of each run's start (0: all start at ``start``).
        tol: a run reaches the target at the first step with loss - f* <= tol.
        lr_schedule: a schedule spec such as ``"cosine"`` (see optcompare.schedules).
        tune: first pick each optimizer's lr from a log grid (``sweep.TUNE_GRID``) by
            the median ``objective`` over ``tune_seeds`` other seeds, then evaluate it.
        objective: "final", "best" or "auc" (for tuning).
        record_state: also keep each optimizer's internal state and effective step.
        progress: optional callable, called with the number of steps done so far.

    Returns:
        A :class:`Result` with one :class:`Run` per optimizer and seed.
    """
    from optcompare.schedules import lr_factors as schedule_factors
    from optcompare.sweep import OBJECTIVES, TUNE_SEED_OFFSET, starts_for, tune_lr

    prob = make_problem(problem)
    choices = make_optimizers(optimizers)
    if int(steps) != steps or steps < 0:
        raise SpecError(f"steps={steps} is not allowed; steps must be a whole number >= 0")
    if int(seeds) != seeds or seeds < 1:
        raise SpecError(f"seeds={seeds} is not allowed; seeds must be a whole number >= 1")
    if not np.isfinite(jitter) or jitter < 0:
        raise SpecError(f"jitter={jitter} is not allowed; jitter must be a number >= 0")
    if objective not in OBJECTIVES:
        raise SpecError(f"objective '{objective}' is not allowed; choose "
                        f"{', '.join(OBJECTIVES)}")
    steps = int(steps)
    x0 = prob.start() if start is None else parse_point(start, prob.dim)
    check_start(prob, x0)
    factors = schedule_factors(lr_schedule, steps)
    run_seeds = seed + np.arange(int(seeds), dtype=np.int64)
    starts = starts_for(x0, run_seeds, jitter)
    runs: list[Run] = []
    tuning: dict[str, dict[str, Any]] = {}
    done = 0
    for choice in choices:
        if tune:
            t_seeds = seed + TUNE_SEED_OFFSET + np.arange(int(tune_seeds), dtype=np.int64)
            tuned = tune_lr(choice, prob, x0, steps, t_seeds, objective=objective,
                            jitter=jitter, lr_factors=factors)
            # the tuned lr goes into the label, so every table and figure shows it
            label = f"{choice.label} lr={tuned['lr']:.3g} (tuned)"
            tuning[label] = tuned
            given = {**choice.given, "lr": tuned["lr"]}
            choice = OptimizerChoice(choice.optimizer, choice.optimizer.resolve(given),
                                     label, choice.given)
        cb = None if progress is None else (lambda t, b=done: progress(b + t))
        tr = run_batch(choice.optimizer, choice.values, prob, starts, run_seeds, steps, tol=tol,
                       lr_factors=factors, record_state=record_state, progress=cb)
        runs.extend(_runs_from(choice, prob, tr, run_seeds, starts, tr.wall_time / len(run_seeds)))
        done += steps
    return Result(problem=prob, steps=steps, tol=tol, runs=runs, tuning=tuning,
                  lr_schedule=lr_schedule, seeds=int(seeds), jitter=float(jitter))
