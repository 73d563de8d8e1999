"""Deadlines: when a human task is due (reminder) and when it escalates, in spans of hours,
calendar days or working days.

Each step's default is in its spec (``schemas/procedure.py``); a deployment may pass its own
``DeadlinePolicy`` to new cases.
"""

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


class Deadline(BaseModel):
    """At ``due`` a reminder goes to the assignee; at ``escalate`` an escalation to the
    supervisor. The task stays open either way, visibly overdue."""

    due: Span
    escalate: Span

    @model_validator(mode="after")
    def _escalate_not_before_due(self) -> Self:
        if self.escalate.unit == self.due.unit and self.escalate.amount < self.due.amount:
            raise ValueError("escalate must not come before due")
        return self
