"""What the live window's controls stand for: slider ranges, specs and the reproducing command.

Plain data and strings, no matplotlib, so the mapping from a slider to a spec is
tested on its own.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from optcompare.specs import parse_spec


@dataclass(frozen=True)
class Knob:
    """A slider over one hyperparameter: its name and range (linear)."""

    name: str
    low: float
    high: float


#: Each optimizer's most telling second hyperparameter (after lr) and a range that
#: shows its effect; the ranges include PyTorch's defaults.  Optimizers not listed
#: get the lr slider alone.
SECOND: Mapping[str, Knob] = {
    "sgd": Knob("momentum", 0.0, 0.99),
    "adam": Knob("beta1", 0.0, 0.999),
    "adamw": Knob("beta1", 0.0, 0.999),
    "nadam": Knob("beta1", 0.0, 0.999),
    "adamax": Knob("beta1", 0.0, 0.999),
    "rmsprop": Knob("alpha", 0.5, 0.999),
    "adadelta": Knob("rho", 0.5, 0.999),
    "rprop": Knob("eta_plus", 1.0, 2.0),
    "adagrad": Knob("lr_decay", 0.0, 0.1),
}

#: The lr slider's range in decades (1e-5 to 10), widened to hold a given lr.
LR_DECADES = (-5.0, 1.0)

#: The noise slider's range: std of the Gaussian noise added to each gradient coordinate.
NOISE_RANGE = (0.0, 5.0)


def lr_range(lr: float) -> tuple[float, float]:
    """The lr slider's range in log10, :data:`LR_DECADES` widened to hold ``lr``."""
    v = math.log10(lr) if lr > 0 else LR_DECADES[0]
    return min(LR_DECADES[0], math.floor(v)), max(LR_DECADES[1], math.ceil(v))


def number(v: float) -> str:
    """``v`` as a spec writes it: shortest round-tripping text (``0.002``, ``1e-05``)."""
    return repr(float(v))


@dataclass
class Entry:
    """One optimizer of the live window: its spec's name and settings, which sliders change,
    and whether it is shown."""

    name: str
    settings: dict[str, str]
    lr: float
    second: Knob | None
    second_value: float | None
    visible: bool = True
    fixed: dict[str, str] = field(default_factory=dict)

    def spec(self) -> str:
        """The optimizer spec of the current settings: the given keys, lr and the second
        hyperparameter as the sliders set them."""
        keys = dict(self.settings)
        keys["lr"] = number(self.lr)
        if self.second is not None and self.second_value is not None:
            keys[self.second.name] = number(self.second_value)
        return self.name + ":" + ",".join(f"{k}={v}" for k, v in keys.items())


def entry(text: str, defaults: Mapping[str, Any]) -> Entry:
    """An :class:`Entry` from an optimizer spec; ``defaults`` are the optimizer's own
    (name -> value) for what the spec does not set."""
    spec = parse_spec(text, "optimizer")
    settings = dict(spec.settings)
    lr = float(settings.pop("lr", defaults.get("lr", 1e-3)))
    knob = SECOND.get(spec.name)
    value: float | None = None
    if knob is not None and knob.name in defaults:
        value = float(settings.pop(knob.name, defaults[knob.name]))
        # a given value outside the range widens it rather than being clipped
        knob = Knob(knob.name, min(knob.low, value), max(knob.high, value))
    else:
        knob = None
    return Entry(spec.name, settings, lr, knob, value)


def with_noise(problem: str, noise: float) -> str:
    """The problem spec ``problem`` with its ``noise`` key set to ``noise`` (dropped at 0)."""
    spec = parse_spec(problem, "problem")
    keys = {k: v for k, v in spec.settings.items() if k != "noise"}
    if noise > 0:
        keys["noise"] = number(noise)
    return spec.name + (":" + ",".join(f"{k}={v}" for k, v in keys.items()) if keys else "")


def run_command(
    entries: Sequence[Entry], problem: str, steps: int, start: Sequence[float], seed: int
) -> str:
    """The ``optcompare run`` command that reproduces the shown optimizers (all of them
    when every one is hidden), quoted for a POSIX shell."""
    shown = [e for e in entries if e.visible] or list(entries)
    words = ["optcompare", "run"]
    for e in shown:
        words += ["--opt", e.spec()]
    words += ["--problem", problem, "--steps", str(steps)]
    words += ["--start", ",".join(number(v) for v in start), "--seed", str(seed)]
    return " ".join(shlex.quote(w) for w in words)
