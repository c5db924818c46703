"""Spec strings: ``name`` or ``name:key=value,key=value``.

A spec names a registered optimizer or problem and sets some of its parameters,
for example ``sgd:lr=0.01,momentum=0.9`` or ``rosenbrock:dim=10``.  Values stay
strings here; the thing they configure converts and checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from optcompare.errors import SpecError

#: Largest whole-number value of a spec or option: float64 holds every whole number up
#: to 2**53 exactly and int64 arithmetic on it (step counters, seed offsets) cannot
#: overflow; no count, dimension or period a run can use comes near it.
INT_LIMIT = 10**15

#: Largest seed, numpy's seed range (2**32 - 1): run seeds are ``seed + i`` in int64, so
#: the offsets added to it for tuning stay far from overflow.  Here, not in params, so
#: that the CLI's options can name it without importing numpy.
SEED_MAX = 2**32 - 1


@dataclass(frozen=True)
class Spec:
    """A parsed spec: a registered name and its raw ``key=value`` settings."""

    name: str
    settings: dict[str, str] = field(default_factory=dict)
    text: str = ""


def parse_spec(text: str, what: str = "spec") -> Spec:
    """Split ``name:key=value,...`` into a :class:`Spec`.

    Raises:
        SpecError: empty name, a setting without ``=``, an empty key, or a key given twice.
    """
    raw = text.strip()
    name, _, rest = raw.partition(":")
    name = name.strip().lower()
    if not name:
        raise SpecError(f"{what} '{text}' has no name; write name or name:key=value,...")
    settings: dict[str, str] = {}
    if rest.strip():
        for item in rest.split(","):
            key, eq, value = item.partition("=")
            key = key.strip()
            if not eq or not key or not value.strip():
                raise SpecError(
                    f"{what} '{text}': '{item.strip()}' is not key=value; "
                    f"write {name}:key=value,key=value"
                )
            if "=" in value:
                raise SpecError(
                    f"{what} '{text}': '{item.strip()}' holds two settings; "
                    f"separate them with commas, e.g. {name}:lr=0.1,momentum=0.9"
                )
            if key in settings:
                raise SpecError(f"{what} '{text}': '{key}' is given twice")
            settings[key] = value.strip()
    return Spec(name=name, settings=settings, text=raw)
