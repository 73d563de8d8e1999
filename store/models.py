"""The store's tables. SQL rows never cross into Temporal: activities map them to schemas."""

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Index,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend. SQLite's DATETIME drops
    the offset (12:00+05:00 would read back as a naive 12:00), so values are converted to UTC
    before storing and marked UTC when read; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: store timezone-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(*, nullable: bool = True, index: bool = False) -> datetime | None:
    """A timezone-aware timestamp column, stored and read back in UTC."""
    return Field(default=None, sa_type=UtcDateTime, nullable=nullable,  # type: ignore[no-any-return]
                 index=index)


class Intake(SQLModel, table=True):
    """One row per received report; its id numbers the case. (channel, external_ref) is the
    idempotency key: the unique constraint, not a read-then-write, settles racing duplicates."""

    __table_args__ = (UniqueConstraint("channel", "external_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    external_ref: str = Field(max_length=128)
    case_id: str | None = Field(default=None, max_length=32, unique=True)
    received_at: datetime = _ts(nullable=False)  # type: ignore[assignment]


class Case(SQLModel, table=True):
    """The case as last projected from its workflow, plus the report (personal data) itself."""

    __table_args__ = (
        Index("ix_case_region_district_stage", "region", "district", "stage"),
        # A region's case list, newest first.
        Index("ix_case_region_received", "region", "received_at"),
        # The board's report → first notice delays of recent reports, read from the index
        # alone (the rows carry the report and are large): nationally, and for one region.
        Index("ix_case_received_first_notice", "received_at", "first_notice_seconds"),
        Index("ix_case_region_received_first_notice", "region", "received_at",
              "first_notice_seconds"),
    )

    case_id: str = Field(primary_key=True, max_length=32)
    version: int = 0
    region: str = Field(max_length=32, index=True)
    district: str = Field(max_length=200)
    category: str = Field(max_length=32, index=True)
    channel: str = Field(max_length=32)
    threat_to_life_or_health: bool = False
    cohabiting_parent: bool = False
    received_at: datetime = _ts(nullable=False, index=True)  # type: ignore[assignment]
    opened_at: datetime | None = _ts()
    closed_at: datetime | None = _ts()
    first_notice_at: datetime | None = _ts()  # the first ¶10.1 notice accepted for delivery
    # first_notice_at - received_at, in seconds: written with first_notice_at, so the board
    # sorts delays in an index instead of computing one per case at every read.
    first_notice_seconds: float | None = None
    stage: str = Field(default="notification", max_length=32, index=True)
    police_finding: str = Field(default="pending", max_length=32)
    overdue: bool = Field(default=False, index=True)
    report_json: str = ""  # the full ViolationReport: personal data, never logged


class TaskRow(SQLModel):
    """What a case's step and an appeal's have alike: the inbox lists, claims and reminds
    both the same way. ``id`` = ``{case or appeal number}/{key}``."""

    id: str = Field(primary_key=True, max_length=140)
    position: int = 0
    key: str = Field(max_length=100)
    kind: str = Field(max_length=32)
    clause: str = Field(max_length=32)
    status: str = Field(max_length=16)
    assignee: str | None = Field(default=None, max_length=16)
    subject_key: str | None = Field(default=None, max_length=100)
    attempt: int = 1
    region: str = Field(max_length=32)
    district: str = Field(max_length=200)
    opened_at: datetime = _ts(nullable=False)  # type: ignore[assignment]
    due_at: datetime | None = _ts()
    escalate_at: datetime | None = _ts()
    reminded_at: datetime | None = _ts()
    escalated_at: datetime | None = _ts()
    done_at: datetime | None = _ts()
    actor: str | None = Field(default=None, max_length=100)
    outcome_json: str | None = None
    note: str | None = None
    claimed_by: str | None = Field(default=None, max_length=100)  # kept by the store only
    # The holder's follow-up day, kept by the store only (store.follow_ups).
    follow_up_on: date | None = Field(default=None, index=True)


class Step(TaskRow, table=True):
    """A step of a case; human ones are the tasks of the inbox. ``id`` = ``{case_id}/{key}``."""

    __table_args__ = (
        Index("ix_step_inbox", "region", "status", "assignee", "due_at"),
        Index("ix_step_case", "case_id", "position"),
        # The board's overdue counts by region, district and clause from the index alone;
        # also the national inbox's order.
        Index("ix_step_open_due", "status", "due_at", "region", "district", "clause"),
        # The board's approvals waiting.
        Index("ix_step_status_kind", "status", "kind"),
    )

    case_id: str = Field(foreign_key="case.case_id", max_length=32)
    recipient: str | None = Field(default=None, max_length=32)


class Appeal(SQLModel, table=True):
    """An appeal or complaint (¶6.2): numbered at intake ((channel, external_ref) is the
    idempotency key), as last projected from its workflow, with the appeal itself (the
    applicant's personal data, never logged) and the ¶10 case it opened, if any."""

    __table_args__ = (
        UniqueConstraint("channel", "external_ref"),
        Index("ix_appeal_region_district_received", "region", "district", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: str | None = Field(default=None, max_length=32, unique=True)
    channel: str = Field(max_length=32)
    external_ref: str = Field(max_length=128)
    kind: str = Field(max_length=16)
    region: str = Field(max_length=32, index=True)
    district: str = Field(max_length=200)
    received_at: datetime = _ts(nullable=False, index=True)  # type: ignore[assignment]
    taken_by: str = Field(default="", max_length=140)
    case_id: str | None = Field(default=None, max_length=32, index=True)
    appeal_json: str = ""  # the full Appeal: personal data, never logged
    # A keyed hash of the applicant's contact (``cases.repeats``), and the appeal of theirs
    # this one repeats, linked at registration.
    applicant_key: str | None = Field(default=None, max_length=64, index=True)
    repeat_of: str | None = Field(default=None, max_length=32)
    version: int = 0
    stage: str = Field(default="registration", max_length=32)
    registered_at: datetime | None = _ts()
    due_at: datetime | None = _ts()  # the term of consideration (extended, if it was)
    overdue: bool = False
    verdict: str | None = Field(default=None, max_length=16)
    term_met: bool | None = None
    working_days_late: int | None = None
    closed_at: datetime | None = _ts()


class AppealStep(TaskRow, table=True):
    """A step of an appeal; human ones are tasks of the inbox. ``id`` = ``{appeal_id}/{key}``."""

    __tablename__ = "appeal_step"
    __table_args__ = (
        Index("ix_appeal_step_inbox", "region", "status", "assignee", "due_at"),
        Index("ix_appeal_step_appeal", "appeal_id", "position"),
    )

    appeal_id: str = Field(max_length=32)


class ReportStep(TaskRow, table=True):
    """A task of a periodic report (¶8, ¶6.1, ¶6.10) in the inbox. ``id`` =
    ``{report_id}/{key}``."""

    __tablename__ = "report_step"
    __table_args__ = (
        Index("ix_report_step_inbox", "region", "status", "assignee", "due_at"),
        Index("ix_report_step_report", "report_id", "position"),
    )

    report_id: str = Field(max_length=80)


class Notice(SQLModel, table=True):
    """The notification outbox: one row per (case, step, recipient), or per mail about a
    periodic report (``case_id`` is then the report's id). A retried activity finds the row
    already ``sent`` and sends nothing."""

    __table_args__ = (
        # A late notice's escalation: was one mailed to this supervisor lately, which are
        # held for the next digest (``activities.digests``).
        Index("ix_notice_status_kind_address", "status", "kind", "address", "sent_at"),
    )

    idempotency_key: str = Field(primary_key=True, max_length=200)
    case_id: str = Field(max_length=80, index=True)
    step_key: str = Field(max_length=100)
    clause: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    recipient: str = Field(max_length=32)
    address: str = Field(max_length=254)
    status: str = Field(default="pending", max_length=16)  # pending | held | sent
    attempts: int = 0
    message_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = None
    created_at: datetime = _ts(nullable=False)  # type: ignore[assignment]
    sent_at: datetime | None = _ts()
    # The channel it is sent on (the directory's, while pending) and, for SMS, the provider's
    # last word on delivery: pending | delivered | failed.
    channel: str = Field(default="email", max_length=16)
    delivery: str | None = Field(default=None, max_length=16)


class NoticeAttempt(SQLModel, table=True):
    """Every attempt to send a notice: its channel and what came of it. The ``notice`` row
    says where the notice stands; these say how it got there."""

    __tablename__ = "notice_attempt"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, index=True)
    attempt: int
    channel: str = Field(max_length=16)
    address: str = Field(max_length=254)
    at: datetime = _ts(nullable=False)  # type: ignore[assignment]
    result: str = Field(max_length=16)  # sent | failed
    delivery: str | None = Field(default=None, max_length=16)
    provider_ids: str | None = Field(default=None, max_length=200)
    error: str | None = None


class WebhookSubscription(SQLModel, table=True):
    """A system that receives events, signed with its own secret (Standard Webhooks)."""

    __tablename__ = "webhook_subscription"

    id: str = Field(primary_key=True, max_length=64)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=100)
    events: str = Field(max_length=500)  # comma-separated event types
    created_at: datetime = _ts(nullable=False)  # type: ignore[assignment]
    active: bool = True


class WebhookDelivery(SQLModel, table=True):
    """One event to one subscriber: a retry skips the subscribers that took it."""

    __tablename__ = "webhook_delivery"

    event_id: str = Field(primary_key=True, max_length=64)
    subscription_id: str = Field(primary_key=True, max_length=64)
    case_id: str = Field(max_length=32, index=True)
    type: str = Field(max_length=32)
    status: str = Field(default="pending", max_length=16)  # pending | sent
    attempts: int = 0
    last_error: str | None = None
    delivered_at: datetime | None = _ts()
    # The body posted (ids, codes and clauses only; ``WebhookEvent.payload``), kept from the
    # moment the event is queued so the delivery needs nothing else.
    payload: str | None = None


class TelegramConversation(SQLModel, table=True):
    """A Telegram chat's report in progress (``web/telegram_conversation.py``): personal data
    typed by a person, so it expires and is deleted once the report is submitted."""

    __tablename__ = "telegram_conversation"

    chat_id: int = Field(primary_key=True, sa_type=BigInteger)
    state_json: str
    last_update_id: int = Field(sa_type=BigInteger)
    expires_at: datetime = _ts(nullable=False, index=True)  # type: ignore[assignment]


class Publication(SQLModel, table=True):
    """¶11.1/¶13: an approved public statement, as published."""

    case_id: str = Field(primary_key=True, max_length=32)
    step_key: str = Field(primary_key=True, max_length=100)
    clause: str = Field(max_length=32)
    text: str
    approved_by: str = Field(max_length=100)
    approved_at: datetime = _ts(nullable=False)  # type: ignore[assignment]


class User(SQLModel, table=True):
    """A person who signs in: a case worker, a supervisor or an admin, scoped to one region
    or (``region`` NULL) national, as the Committee is."""

    id: str = Field(primary_key=True, max_length=100)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    region: str | None = Field(default=None, max_length=32)
    password_hash: str = Field(max_length=200)
    active: bool = True
    created_at: datetime = _ts(nullable=False)  # type: ignore[assignment]
    email: str | None = Field(default=None, max_length=254)  # reminders of the tasks they hold
    # The language they last read the pages in (kk, ru, en): mail to them is in it.
    language: str | None = Field(default=None, max_length=2)


class ApiKey(SQLModel, table=True):
    """An integration's key (helpline 111, the Telegram chat, a school or police system).
    Only a SHA-256 of the secret is kept; ``id`` is the public prefix that finds the row."""

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    secret_hash: str = Field(max_length=64)
    scopes: str = Field(max_length=200)  # comma-separated: reports, police_decisions, ...
    channels: str = Field(default="", max_length=400)  # comma-separated report channels
    active: bool = True
    created_at: datetime = _ts(nullable=False)  # type: ignore[assignment]


class AuditEvent(SQLModel, table=True):
    """One read or change of a case: who, in which role and region, did what, from where, with
    what result. Append-only and hash-chained: each row's hash covers the previous row's hash,
    so an edited or deleted row breaks the chain (`ombudsflow audit verify`)."""

    __table_args__ = (Index("ix_audit_case", "case_id", "seq"),)

    seq: int = Field(primary_key=True)
    at: datetime = _ts(nullable=False)  # type: ignore[assignment]
    actor_id: str = Field(max_length=140)
    role: str = Field(max_length=16)
    region: str | None = Field(default=None, max_length=32)
    case_id: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=100)
    source: str = Field(default="", max_length=100)  # client address
    result: int  # the HTTP status answered
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The chain's tip, one row: appending updates it first, which serialises appenders."""

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


class ActivityReport(SQLModel, table=True):
    """A periodic report (¶8, ¶6.1, ¶6.10, monthly control) as its workflow last saved it.
    ``view_json`` is the whole ``ReportView``: figures, narrative, plan items, no child's
    personal data."""

    __table_args__ = (Index("ix_activity_report_region_kind", "region", "kind", "period_start"),)

    report_id: str = Field(primary_key=True, max_length=80)
    kind: str = Field(max_length=32)
    clause: str = Field(max_length=32)
    region: str = Field(max_length=32)
    period_label: str = Field(max_length=16)
    period_start: str = Field(max_length=10)  # ISO date, Kazakhstan's clock
    status: str = Field(max_length=16)
    opened_at: datetime = _ts(nullable=False)  # type: ignore[assignment]
    saved_at: datetime = _ts(nullable=False)  # type: ignore[assignment]
    view_json: str


class DistrictControlMonth(SQLModel, table=True):
    """Seed 002: one district's monthly control figures, kept so the board shows a trend."""

    __table_args__ = (Index("ix_district_control_region_month", "region", "month"),)

    report_id: str = Field(primary_key=True, max_length=80)
    district: str = Field(primary_key=True, max_length=200)
    region: str = Field(max_length=32)
    month: str = Field(max_length=7)  # 2026-11
    alarms_registered_late: int = 0
    tasks_overdue: int = 0
    plans_not_reviewed_on_time: int = 0
    reports_without_preventive_talk: int = 0


class SavedFilter(SQLModel, table=True):
    """A person's named inbox filter, theirs alone: the inbox's filters as a query string."""

    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_savedfilter_user_name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=100)
    name: str = Field(max_length=80)
    query: str = Field(max_length=1000)


class TaskHandoff(SQLModel, table=True):
    """One hand-off of a task (a case's or an appeal's), append-only: a supervisor's
    reassignment, or a step of a delegation (delegated, done by the delegate, returned to them,
    accepted, taken back). The case and appeal pages' history shows these lines beside
    Temporal's; ``reason`` is a person's own words."""

    __tablename__ = "task_handoff"
    __table_args__ = (Index("ix_task_handoff_work", "work_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(max_length=140)
    work_id: str = Field(max_length=80)  # the case's or the appeal's number, or the report's id
    step_key: str = Field(max_length=100)
    clause: str = Field(max_length=32)
    attempt: int
    action: str = Field(max_length=16)  # store.handoffs.Handoff
    actor: str = Field(max_length=100)
    from_user: str | None = Field(default=None, max_length=100)
    to_user: str | None = Field(default=None, max_length=100)
    reason: str | None = None
    at: datetime = _ts(nullable=False)  # type: ignore[assignment]


class TaskDelegation(SQLModel, table=True):
    """A task its holder delegated, as Flowable's delegate/resolve: while ``done_at`` is
    empty the delegate holds the task's claim; once they complete it (``outcome_json``, as
    submitted, never sent to the workflow) the claim is the holder's again, for review. Only
    in force while the task's row is open at ``attempt`` and claimed as that says: a claim
    changed any other way (released, the task closed or reopened) ends it."""

    __tablename__ = "task_delegation"

    task_id: str = Field(primary_key=True, max_length=140)
    attempt: int
    delegated_by: str = Field(max_length=100, index=True)
    delegate: str = Field(max_length=100)
    note: str | None = None
    delegated_at: datetime = _ts(nullable=False)  # type: ignore[assignment]
    done_at: datetime | None = _ts()
    outcome_json: str | None = None
