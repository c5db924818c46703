"""Result records: what an experiment returns, as data every later layer can import.

``Run`` is one optimizer run's trajectory and end results; ``Result`` a comparison
(problem, settings, runs).  Nothing here computes, draws or writes; the notebook
views (``summary()``, ``plot_loss()``, ``plot_path()``) are added by
:mod:`optcompare.api`, at the top of the house, so no arrow runs back up from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optcompare.optimizers.base import Optimizer
from optcompare.problem import Problem


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


@dataclass(frozen=True)
class Run:
    """One run of one optimizer: its settings and its trajectory as numpy arrays.

    Under a budget in passes (:attr:`Result.passes`) the arrays end at the run's last
    step within the budget (one NaN row further when it diverged within it), so runs
    of a method whose cost varies per run have different lengths; ``steps_run`` then
    says how many steps the engine ran (``clipped_steps`` counts over those).
    """

    label: str
    optimizer: str
    hyperparameters: dict[str, Any]
    seed: int
    start: np.ndarray
    x: np.ndarray  # (steps+1, dim), NaN after divergence
    loss: np.ndarray  # (steps+1,)
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
    clipped_steps: int | None = None  # steps whose gradient clipping changed; None: off
    passes: np.ndarray | None = None  # (steps+1,) passes over the data spent by each step
    seconds: np.ndarray | None = None  # (steps+1,) the step loop's clock at each step
    steps_run: int | None = None  # steps the engine ran, when a passes budget cut the run
    # the problem's extra measurements (Problem.metrics: test loss and accuracy), name ->
    # (steps+1,) values at each step, NaN after divergence; empty when it has none
    metrics: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def last_step(self) -> int:
        return len(self.loss) - 1 if self.diverged_at is None else self.diverged_at - 1


@dataclass(frozen=True)
class Result:
    """A comparison: the problem, the settings, and one :class:`Run` per optimizer and seed.

    ``steps`` is the most steps any run has (under a passes budget, runs differ).
    """

    problem: Problem
    steps: int
    tol: float
    runs: list[Run]
    tuning: dict[str, dict[str, Any]] = field(default_factory=dict)
    lr_schedule: str | None = None
    seeds: int = 1
    jitter: float = 0.0
    clip_norm: float | None = None
    clip_value: float | None = None
    passes: float | None = None  # the work budget in passes (None: ``steps`` were given)
    x_axis: str = "steps"  # what figures put on x: "steps", "passes" or "time"
    # how the path figure shows more than two coordinates: "pca" (the paths' principal
    # plane) or "coords" (the first two coordinates); "coords" up to two dimensions
    path_view: str = "coords"

    @property
    def metric_names(self) -> list[str]:
        """The names of the runs' recorded extra measurements, in the problem's order."""
        return list(self.runs[0].metrics) if self.runs else []

    @property
    def labels(self) -> list[str]:
        """The run labels in order of first appearance (one per optimizer choice)."""
        return list(dict.fromkeys(r.label for r in self.runs))

    def runs_of(self, label: str) -> list[Run]:
        return [r for r in self.runs if r.label == label]
