"""The case as the workflow holds it and as everyone else sees it.

``Step`` is one line of the procedure: a notice, a task, an approval or a recorded fact, with
its clause, its deadline and who closed it. ``CaseView`` is what the ``case`` query returns and
what the store projects; it holds no personal data of the child.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, Field

from schemas.regions import Region
from schemas.report import Category, ViolationReport
from schemas.steps import Role, StepKind

M = TypeVar("M", bound=BaseModel)


class Actor(BaseModel):
    """The person (or integration) acting; the API fills it from the signed-in user."""

    id: str = Field(min_length=1, max_length=100)
    role: Role
    region: Region | None = Field(description="None: national scope (the Committee)")

    def covers(self, region: Region) -> bool:
        return self.region is None or self.region == region


class StepStatus(StrEnum):
    OPEN = "open"  # waiting on a person (or, for a notice, on delivery)
    DONE = "done"
    REJECTED = "rejected"  # a draft or closure a supervisor sent back; a new attempt follows
    SKIPPED = "skipped"  # not applicable to this case (e.g. no danger → no placement)


class Stage(StrEnum):
    NOTIFICATION = "notification"  # ¶10.1/¶10.3 notices going out
    POLICE_CHECK = "police_check"  # ¶10.2 talk, waiting for the police answer
    RESPONSE = "response"  # ¶11: facts confirmed, measures under way
    CLOSURE_REVIEW = "closure_review"
    CLOSED = "closed"


class PoliceFinding(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"


class Step(BaseModel):
    """One step of the procedure. ``key`` is unique within the case and stable across
    continue-as-new; the task id seen by people is ``{case_id}/{key}``."""

    key: str
    kind: StepKind
    clause: str
    status: StepStatus = StepStatus.OPEN
    assignee: Role | None = None
    recipient: str | None = None  # notices: the authority the notice goes to
    subject_key: str | None = None  # approvals: the step whose draft is decided
    attempt: int = 1
    opened_at: AwareDatetime
    due_at: AwareDatetime | None = None
    escalate_at: AwareDatetime | None = None
    reminded_at: AwareDatetime | None = None
    escalated_at: AwareDatetime | None = None
    # The escalation chain past the second deadline (cases opened with one; workflows/tasks.py)
    committee_at: AwareDatetime | None = None
    committee_escalated_at: AwareDatetime | None = None
    last_reminded_at: AwareDatetime | None = None  # the latest repeated reminder
    reminders_repeated: int = 0
    unclaimed_escalated_at: AwareDatetime | None = None
    done_at: AwareDatetime | None = None
    actor: str | None = None
    outcome: dict[str, Any] | None = None
    note: str | None = None  # why it was skipped or rejected

    def is_open(self) -> bool:
        return self.status == StepStatus.OPEN

    def overdue_at(self, now: datetime) -> bool:
        return self.is_open() and self.due_at is not None and now >= self.due_at

    def outcome_as(self, model: type[M]) -> M:
        """The recorded outcome read as ``model``, the one its kind's update took."""
        return model.model_validate(self.outcome or {})

    def complete(self, *, at: datetime, by: str | None = None,
                 outcome: BaseModel | dict[str, Any]) -> None:
        """Done at ``at`` (by ``by``, a person's id), with what was recorded."""
        self.status, self.done_at = StepStatus.DONE, at
        if by is not None:
            self.actor = by
        self.outcome = (outcome.model_dump(mode="json") if isinstance(outcome, BaseModel)
                        else outcome)

    def reopen(self, *, reason: str, at: datetime) -> None:
        """A draft sent back: open again at ``at`` as its next attempt, with the reason, its
        deadlines counted afresh. Who wrote the last attempt, and what, stays to be read."""
        self.status, self.attempt = StepStatus.OPEN, self.attempt + 1
        self.note = f"rejected: {reason}"
        self.opened_at = at
        self.due_at = self.escalate_at = self.reminded_at = self.escalated_at = None
        self.committee_at = self.committee_escalated_at = self.last_reminded_at = None
        self.unclaimed_escalated_at, self.reminders_repeated = None, 0
        self.done_at = None


class CaseFacts(BaseModel):
    """The non-personal facts of a report that drive the procedure and may be shown widely."""

    region: Region
    district: str
    category: Category
    threat_to_life_or_health: bool
    cohabiting_parent: bool
    received_at: AwareDatetime

    @classmethod
    def of(cls, report: ViolationReport) -> "CaseFacts":
        return cls(
            region=report.region, district=report.district, category=report.category,
            threat_to_life_or_health=report.threat_to_life_or_health,
            cohabiting_parent=report.cohabiting_parent, received_at=report.received_at,
        )


class CaseHeader(BaseModel):
    """The case itself, without its steps. ``version`` grows with every change, so a late
    projection never overwrites a newer one."""

    case_id: str
    version: int
    facts: CaseFacts
    stage: Stage
    police_finding: PoliceFinding
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    overdue: bool


class CaseView(CaseHeader):
    """The whole case, without the child's personal data: the ``case`` query's answer and
    what the store is brought up to."""

    steps: list[Step]

    def step(self, key: str) -> Step:
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)
