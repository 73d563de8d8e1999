"""``@refuses``: a function (a dependency, an action) says which refusals it raises itself, so
every operation reaching it documents them (web.errors works the document out). Apart from
web.errors so that the dependencies it documents can be marked without importing it."""

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_DECLARED: dict[Callable[..., Any], frozenset[int]] = {}


def refuses(*statuses: int) -> Callable[[F], F]:
    """Mark a function that raises these refusals itself."""

    def mark(function: F) -> F:
        _DECLARED[function] = frozenset(statuses)
        return function

    return mark


def declared(function: Callable[..., Any]) -> frozenset[int]:
    """The statuses ``function`` was marked with (none when unmarked)."""
    return _DECLARED.get(function, frozenset())
