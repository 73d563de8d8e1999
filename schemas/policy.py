"""Deadline policy: when each human task is due (reminder) and when it escalates.

All defaults live here, in one place; a deployment may pass its own ``DeadlinePolicy`` to new
cases. Working days skip weekends and Kazakhstan's public holidays and are computed in the
calendar activity, never in workflow code.
"""

from datetime import timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, Field, model_validator

from schemas.steps import StepKind


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


def _d(due: Span, escalate: Span) -> Deadline:
    return Deadline(due=due, escalate=escalate)


DEFAULT_DEADLINES: dict[StepKind, Deadline] = {
    StepKind.PREVENTIVE_TALK: _d(working_days(3), working_days(5)),
    StepKind.POLICE_DECISION: _d(working_days(3), working_days(10)),
    StepKind.PUBLIC_STATEMENT: _d(working_days(1), working_days(2)),
    StepKind.SAFETY_ASSESSMENT: _d(hours(24), hours(48)),
    StepKind.SAFE_PLACEMENT: _d(hours(6), hours(12)),
    StepKind.KDN_DECISION: _d(working_days(10), working_days(20)),
    StepKind.PSYCHOLOGICAL_SUPPORT: _d(working_days(5), working_days(10)),
    StepKind.PLAN_REVIEW: _d(working_days(3), working_days(7)),
    StepKind.COORDINATION_MEETING: _d(working_days(10), working_days(15)),
    StepKind.RECOMMENDATIONS: _d(working_days(10), working_days(15)),
    StepKind.APPROVAL: _d(working_days(1), working_days(3)),
    StepKind.CLOSURE: _d(working_days(5), working_days(10)),
    StepKind.CLOSURE_APPROVAL: _d(working_days(3), working_days(5)),
}


class DeadlinePolicy(BaseModel):
    """The deadlines a case runs under; fixed when the case opens."""

    deadlines: dict[StepKind, Deadline] = Field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    # A ¶10.1/¶10.3 notice still undelivered after this escalates to the supervisor.
    notice_escalation: timedelta = timedelta(minutes=15)
    # ¶11.3: the rehabilitation plan is reviewed this often until every item is done.
    plan_review_every: timedelta = timedelta(days=30)

    @model_validator(mode="after")
    def _every_task_has_a_deadline(self) -> Self:
        missing = set(DEFAULT_DEADLINES) - set(self.deadlines)
        if missing:
            raise ValueError(f"deadlines missing for: {', '.join(sorted(missing))}")
        return self
