"""Learning-rate schedules, applied as PyTorch's schedulers apply them.

A schedule gives the factor that multiplies each optimizer's lr at step t
(t = 1 for the first step).  As with a PyTorch scheduler stepped once per
optimizer step, the lr changes between steps and the first step uses the
base lr.  Specs::

    constant                      factor 1
    step:every=100,gamma=0.5      gamma ** floor((t - 1) / every)     (StepLR)
    exp:gamma=0.99                gamma ** (t - 1)                    (ExponentialLR)
    cosine[:min=0]                min + (1 - min) (1 + cos(pi (t - 1) / T)) / 2,
                                  T = the number of steps             (CosineAnnealingLR)
    inv-sqrt                      1 / sqrt(t), the step size alpha / sqrt(t) of the
                                  convergence theorems (Reddi et al. 2018)

Rprop ignores schedules, as in PyTorch: its step sizes are state set from lr once.
gamma is at most 1 (PyTorch allows more): a schedule here decays the lr, and a growing
factor such as ``exp:gamma=1e308`` overflows within a few steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from optcompare.params import Param, resolve
from optcompare.registry import Registry
from optcompare.specs import parse_spec


@dataclass(frozen=True)
class Schedule:
    name: str
    params: tuple[Param, ...]
    factors: Callable[..., np.ndarray]  # factors(t: array of 1..steps, steps, **values)
    help: str


SCHEDULES: Registry[Schedule] = Registry("lr schedule")

for _s in (
    Schedule("constant", (), lambda t, n: np.ones_like(t, dtype=float), "the same lr every step"),
    Schedule(
        "step",
        (
            Param("every", 100, "steps between decays", kind="int", low=1, per_run=False),
            Param("gamma", 0.5, "decay factor", low=0.0, low_open=True, high=1.0, per_run=False),
        ),
        lambda t, n, every, gamma: gamma ** ((t - 1) // every),
        "multiply by gamma every N steps",
    ),
    Schedule(
        "exp",
        (
            Param(
                "gamma",
                0.99,
                "decay factor per step",
                low=0.0,
                low_open=True,
                high=1.0,
                per_run=False,
            ),
        ),
        lambda t, n, gamma: gamma ** (t - 1.0),
        "multiply by gamma every step",
    ),
    Schedule(
        "cosine",
        (Param("min", 0.0, "final factor", low=0.0, high=1.0, per_run=False),),
        lambda t, n, min: min + (1 - min) * (1 + np.cos(np.pi * (t - 1) / max(n, 1))) / 2,
        "cosine decay to min over the run",
    ),
    Schedule("inv-sqrt", (), lambda t, n: 1.0 / np.sqrt(t), "lr / sqrt(t)"),
):
    SCHEDULES.register(_s.name, _s)


def lr_factors(spec: str | None, steps: int) -> np.ndarray | None:
    """Per-step lr factors (shape (steps,)) for a schedule spec; None for constant."""
    if spec is None:
        return None
    parsed = parse_spec(spec, "lr schedule")
    sched = SCHEDULES.get(parsed.name)
    values = resolve(sched.params, parsed.settings, f"lr schedule {sched.name}", "key")
    if sched.name == "constant":
        return None
    t = np.arange(1, steps + 1)
    return np.asarray(sched.factors(t, steps, **values), dtype=float)
