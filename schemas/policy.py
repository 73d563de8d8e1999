"""Deadlines: when a human task is due (reminder) and when it escalates, in spans of hours,
calendar days or working days.

Each step's default is in its spec (``schemas/procedure.py``); a deployment may pass its own
``DeadlinePolicy`` to new cases.
"""

from datetime import timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, Field, model_validator


class Unit(StrEnum):
    HOURS = "hours"
    DAYS = "days"  # calendar days
    WORKING_DAYS = "working_days"


class Span(BaseModel):
    amount: int = Field(gt=0)
    unit: Unit

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value.replace('_', ' ')}"


def hours(n: int) -> Span:
    return Span(amount=n, unit=Unit.HOURS)


def days(n: int) -> Span:
    return Span(amount=n, unit=Unit.DAYS)


def working_days(n: int) -> Span:
    return Span(amount=n, unit=Unit.WORKING_DAYS)


class Chain(BaseModel):
    """What follows the second deadline while a task stays open: at ``committee`` (counted,
    like the others, from the task's opening) the national Committee is told, and a reminder
    goes out every ``repeat_every`` working days (so at most one a working day; None: no
    repeated reminders). A task of an
    urgent case (threat to life or health) still unclaimed ``unclaimed_urgent`` after it
    opened escalates to the supervisor at once."""

    committee: Span
    repeat_every: int | None = Field(default=2, ge=1, le=20, description="working days")
    unclaimed_urgent: timedelta | None = timedelta(hours=4)


class Deadline(BaseModel):
    """At ``due`` a reminder goes to the assignee; at ``escalate`` an escalation to the
    supervisor; with a ``chain``, then the Committee and repeated reminders. The task stays
    open either way, visibly overdue. A case opened before chains existed has none (its
    policy is fixed when it opens) and keeps the two levels."""

    due: Span
    escalate: Span
    chain: Chain | None = None

    @model_validator(mode="after")
    def _escalate_not_before_due(self) -> Self:
        if self.escalate.unit == self.due.unit and self.escalate.amount < self.due.amount:
            raise ValueError("escalate must not come before due")
        return self
