"""A small name -> object registry whose errors suggest the closest names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from optcompare.errors import SpecError

T = TypeVar("T")


def closest(word: str, choices: list[str], n: int = 3) -> list[str]:
    """The valid names most like ``word`` (possibly none)."""
    import difflib  # only for an error message; most commands never need it

    return difflib.get_close_matches(word, choices, n=n, cutoff=0.5)


def unknown_message(kind: str, word: str, choices: list[str]) -> str:
    """One line naming the bad word, the closest valid names and where to see all."""
    near = closest(word, choices)
    hint = f"did you mean {', '.join(near)}?" if near else f"choose from {', '.join(choices)}"
    return f"unknown {kind} '{word}'; {hint}"


class Registry(Generic[T]):
    """Named objects of one kind (optimizers, problems).

    ``kind`` is the word used in error messages ("optimizer", "problem").
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T | None = None) -> Callable[[T], T] | T:
        """Register ``item`` under ``name``; usable as a decorator."""

        def add(obj: T) -> T:
            if name in self._items:
                raise SpecError(f"{self.kind} '{name}' is already registered")
            self._items[name] = obj
            return obj

        return add if item is None else add(item)

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise SpecError(unknown_message(self.kind, name, self.names())) from None

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
