"""From specs to what the engine runs: optimizer choices, start points, seeds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from optcompare import noise
from optcompare.engine.batch import runaway_limit
from optcompare.errors import SpecError
from optcompare.experiments.records import OptimizerChoice
from optcompare.optimizers import CLASSIC, OPTIMIZERS, VARIANCE_REDUCED
from optcompare.optimizers.finite_sum import fill, is_finite_sum
from optcompare.problem import Problem, problem_class, problem_names
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


def finite_sum_problems() -> list[str]:
    """The registered problems that offer the finite-sum oracle (component gradients)."""
    return [n for n in problem_names() if hasattr(problem_class(n), "component_grad")]


def for_problem(choices: Sequence[OptimizerChoice], problem: Problem) -> list[OptimizerChoice]:
    """The choices with the defaults that depend on the problem filled in (the
    variance-reduced methods' lr = c / L_max, m = 2n), checked against it.

    Raises:
        SpecError: a variance-reduced method on a problem without the finite-sum
            oracle (naming the problems that have it), or with gradient noise, which
            their component gradients do not carry.
    """
    vr = [c for c in choices if c.name in VARIANCE_REDUCED]
    if not vr:
        return list(choices)
    names = ", ".join(dict.fromkeys(c.name for c in vr))
    if not is_finite_sum(problem):
        raise SpecError(
            f"{{p}} {names} need{'s' * (len(vr) == 1)} a finite-sum problem with component "
            f"gradients, and {problem.name} is not one; use " + ", ".join(finite_sum_problems()),
            "optimizers",
        )
    if problem.noise > 0:
        raise SpecError(
            f"{{p}} {names} take exact component gradients, so noise={problem.noise:g} "
            f"would not reach them; drop noise from the problem (their sampling is the noise)",
            "optimizers",
        )
    return [
        OptimizerChoice(c.optimizer, problem_defaults(c.name, c.values, problem), c.label, c.given)
        for c in choices
    ]


def problem_defaults(name: str, values: Mapping[str, Any], problem: Problem) -> dict[str, Any]:
    """An optimizer's values with the defaults that depend on the problem filled in."""
    defaults = VARIANCE_REDUCED.get(name)
    return dict(values) if defaults is None else fill(values, defaults, problem)


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


def _window(problem: Problem) -> str:
    return " x ".join(f"[{lo:g}, {hi:g}]" for lo, hi in problem.window()[:2])


def _start_fault(problem: Problem, x: np.ndarray) -> tuple[int, str] | None:
    """The first row of ``x`` that cannot start a run, and why; None if all can."""
    limit = runaway_limit(problem)
    with np.errstate(all="ignore"):
        f, g = problem.f(x), problem.grad(x)
    broken = ~np.isfinite(f) | ~np.all(np.isfinite(g), axis=1)
    if broken.any():
        return int(np.argmax(broken)), "the loss or its gradient is not finite there"
    far = ~(np.abs(x).max(axis=1) <= limit)
    if far.any():
        return int(np.argmax(far)), f"it is beyond |x| = {limit:g}, where runs count as diverged"
    return None


def check_start(problem: Problem, x0: np.ndarray, param: str = "start") -> None:
    """The objective and its gradient must be finite at the start, and the start no
    farther out than where a run counts as diverged (errors name ``param``)."""
    fault = _start_fault(problem, np.asarray(x0, dtype=float)[None, :])
    if fault:
        point = ",".join(f"{v:g}" for v in x0)
        raise SpecError(
            f"{{p}} {point} is not allowed: {fault[1]}; choose a start inside the window "
            + _window(problem),
            param,
        )


def state_width(choices: Sequence[OptimizerChoice], problem: Problem) -> int:
    """The most optimizer state per run that grows with the problem, over ``choices``
    (``Optimizer.state_values``; 0 for the usual few arrays of the iterate's size)."""
    sizes = [c.optimizer.state_values(problem) for c in choices if c.optimizer.state_values]
    return max(sizes, default=0)


def starts_for(
    x0: np.ndarray, seeds: np.ndarray, jitter: float, problem: Problem | None = None
) -> np.ndarray:
    """One start per seed: x0 (or, when x0 is the problem's default start, the problem's
    own draw per seed, ``start_points``), moved by N(0, jitter^2) per coordinate from
    each seed's stream.

    With ``problem``, every moved start is checked as :func:`check_start` checks one
    (the error names ``jitter``).
    """
    # a start other than the default is the user's (--start): every run starts there
    own = problem is not None and np.array_equal(x0, problem.start())
    drawn = problem.start_points(np.asarray(seeds, dtype=np.int64)) if own and problem else None
    x = np.tile(np.asarray(x0, dtype=float), (len(seeds), 1)) if drawn is None else drawn
    if jitter > 0:
        with np.errstate(over="ignore", invalid="ignore"):  # refused just below
            x = x + jitter * noise.normal(seeds, 0, x.shape[1], stream=4)
        fault = None if problem is None else _start_fault(problem, x)
        if problem is not None and fault:
            point = ",".join(f"{v:g}" for v in x[fault[0]])
            raise SpecError(
                f"{{p}} {jitter:g} is not allowed: it moves the start of seed "
                f"{int(seeds[fault[0]])} to {point}, and {fault[1]}; use a jitter about "
                f"the size of the window {_window(problem)}",
                "jitter",
            )
    return x
