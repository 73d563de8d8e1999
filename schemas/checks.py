"""Checks a step's spec declares on its completion, beyond the ones every task gets.

Every completion is checked for the task (it exists, is of the update's kind, is open), the
person's role and the case's region; a spec adds what its outcome needs from this closed set.
They are data here and evaluated by the workflow's validators (``workflows/completions.py``),
so a rule is written once and a spec reads as a list of what it demands.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class NotBeforeReport:
    """The dates at ``path`` (``talks[].held_at`` reads every talk's ``held_at``) are not
    before the report was received, nor in the future."""

    path: str


@dataclass(frozen=True)
class NoPersonalData:
    """The text at ``path`` is published: ``clause`` forbids anything naming the child."""

    path: str
    clause: str


class Scope(StrEnum):
    DRAFT = "draft"  # the approval's own draft
    CASE = "case"  # every step of the case except the approvals


@dataclass(frozen=True)
class FourEyes:
    """The approver did none of the work in ``scope``."""

    scope: Scope


Check = NotBeforeReport | NoPersonalData | FourEyes


def values_at(model: BaseModel, path: str) -> Iterator[Any]:
    """The values at a dotted ``path`` of ``model``; a segment ending in ``[]`` is a list
    whose every item is followed."""
    found: list[Any] = [model]
    for segment in path.split("."):
        name = segment.removesuffix("[]")
        found = [getattr(m, name) for m in found]
        if segment.endswith("[]"):
            found = [item for items in found for item in items]
    yield from found
