"""From specs to what the engine runs: optimizer choices, start points, seeds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from optcompare import noise
from optcompare.errors import SpecError
from optcompare.experiments.records import OptimizerChoice
from optcompare.optimizers import CLASSIC, OPTIMIZERS
from optcompare.problem import Problem
from optcompare.specs import Spec, parse_spec


def label_of(name: str, given: dict[str, Any]) -> str:
    """A run's label: the optimizer's name and the settings its spec gave, in order."""
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
        choices.append(
            OptimizerChoice(opt, values, label_of(opt.name, spec.settings), dict(spec.settings))
        )
    seen: dict[str, int] = {}
    labelled = []
    for c in choices:
        seen[c.label] = seen.get(c.label, 0) + 1
        if seen[c.label] > 1:
            c = OptimizerChoice(c.optimizer, c.values, f"{c.label} #{seen[c.label]}", c.given)
        labelled.append(c)
    return labelled


def parse_point(text: str | Sequence[float], dim: int, param: str = "start") -> np.ndarray:
    """A point of ``dim`` coordinates from ``"-1.5,2"`` or a sequence of numbers.

    Errors name ``param``, the parameter that gave the point.
    """
    what = "{p}"
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise SpecError(
                f"{what} '{text}' is not a list of numbers; "
                f"write {dim} comma-separated numbers like "
                f"{','.join(['0'] * dim)}",
                param,
            ) from None
    else:
        values = [float(v) for v in text]
    point = np.asarray(values, dtype=float)
    if point.size != dim:
        raise SpecError(
            f"{what} has {point.size} coordinate{'s' * (point.size != 1)} but the "
            f"problem has dimension {dim}; give {dim} comma-separated numbers",
            param,
        )
    if not np.all(np.isfinite(point)):
        raise SpecError(f"{what} '{text}' must be finite numbers", param)
    return point


def check_start(problem: Problem, x0: np.ndarray, param: str = "start") -> None:
    """The objective and its gradient must be finite at the start (errors name ``param``)."""
    what = "{p}"
    with np.errstate(all="ignore"):
        f, g = problem.f(x0[None, :]), problem.grad(x0[None, :])
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(g))):
        point = ",".join(f"{v:g}" for v in x0)
        raise SpecError(
            f"{what} {point} is not allowed: the loss or its gradient is not finite "
            f"there; choose a start inside the window "
            + " x ".join(f"[{lo:g}, {hi:g}]" for lo, hi in problem.window()[:2]),
            param,
        )


def starts_for(x0: np.ndarray, seeds: np.ndarray, jitter: float) -> np.ndarray:
    """One start per seed: x0, moved by N(0, jitter^2) per coordinate from each seed's stream."""
    x = np.tile(np.asarray(x0, dtype=float), (len(seeds), 1))
    if jitter > 0:
        x = x + jitter * noise.normal(seeds, 0, x.shape[1], stream=4)
    return x
