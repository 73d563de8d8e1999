"""What the API and the pages both show: the case list, the case page, the task inbox, the
approval queue and the case's timeline, each already scoped to the person asking.

Every builder here checks what the reader may see (region, role, personal data) itself, so a
route or a page cannot forget it. Refusals are ``HTTPException``s (404 unknown, 403 not
yours), which the API answers as JSON and the pages render in the reader's language.
"""

import json
import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import HTTPException, status
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
)
from sqlmodel import Session

from ombudsflow.local_time import LOCAL_TIME
from schemas.activities import NoticeKind
from schemas.case import Actor, CaseHeader, CaseView, PoliceFinding, Stage, Step, StepStatus
from schemas.procedure import REPORT_TASKS, may_complete, of_the_office, title_of
from schemas.regions import Region
from schemas.report import AllegedViolator, Category, Child, Reporter
from schemas.reporting import MailKind
from schemas.steps import Role, StepKind
from store.cases import (
    Task,
    case_view,
    list_cases,
    list_tasks,
    list_work_tasks,
    steps_by_id,
    stored_report,
    urgent_cases,
)
from store.filters import list_filters
from store.handoffs import delegation_of, delegations, work_id
from store.models import AppealStep, ReportStep, TaskDelegation
from store.models import Step as StepRow
from store.outbox import case_notices
from web.deps import Services, ensure_covers, in_store, regions_of
from web.history import HistoryLine, history
from web.i18n import Translator
from web.refuses import refuses

# People who read cases; admins manage users and integrations only deliver decisions.
READERS = (Role.CASE_WORKER, Role.SUPERVISOR)


# What is shown ----------------------------------------------------------------------------


class StepView(Step):
    """A step as people see it: with its title and whether it is overdue now."""

    title: str
    overdue: bool


class OutboxRow(BaseModel):
    """A notice as the outbox holds it: where it stands and how it went."""

    model_config = ConfigDict(from_attributes=True)

    step_key: str
    clause: str
    recipient: str
    status: str = Field(description="pending (still being retried) or sent")
    attempts: int
    sent_at: AwareDatetime | None
    channel: str = Field(description="email, sms or webhook: the one it went (or goes) on")
    delivery: str | None = Field(description="SMS: the provider's delivery report")


class NoticeView(OutboxRow):
    """A notice of the case."""

    kind: NoticeKind


class ReportMailView(OutboxRow):
    """A mail about a periodic report: the report itself, a reminder or an escalation."""

    kind: MailKind


class PersonalData(BaseModel):
    """The report's personal data: shown only to case workers and supervisors of the case's
    region, never to integrations, admins, other regions, or in any list."""

    child: Child
    alleged_violators: list[AllegedViolator]
    description: str
    reporter: Reporter


class CaseDetail(CaseHeader):
    """The case page: the case, its steps as the reader sees them, notices, and the child's
    personal data for those entitled to it."""

    steps: list[StepView]
    notices: list[NoticeView]
    personal: PersonalData | None = Field(
        description="null when the reader may not see it, or the report is not stored yet"
    )
    temporal_ui: str


class CaseSummary(BaseModel):
    """A line of the case list: non-personal facts only."""

    model_config = ConfigDict(from_attributes=True)

    case_id: str
    region: Region
    district: str
    category: Category
    threat_to_life_or_health: bool
    stage: Stage
    police_finding: PoliceFinding
    overdue: bool
    received_at: AwareDatetime
    opened_at: AwareDatetime | None
    closed_at: AwareDatetime | None


# Deeper pages than this are refused (422): no one reads them, and the store's integers end.
MAX_OFFSET = 1_000_000
_WRITTEN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_out(value: object) -> object:
    """A filter's date-time as documented (ISO 8601), not a count of seconds since 1970,
    which pydantic would otherwise take from a query string like ``0.5`` or a JSON number."""
    if isinstance(value, datetime) or (isinstance(value, str) and _WRITTEN_DATE.match(value)):
        return value
    raise ValueError("expected an ISO 8601 date-time, e.g. 2026-01-31T10:00:00+05:00")


def _within_the_calendar(value: datetime) -> datetime:
    """A valid date-time at the calendar's end (9999-12-31T23:00-12:00, or
    0001-01-01T00:00+14:00) has no date in UTC, which the store compares in: it stands for
    that end, so the filter is answered, not refused."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        ahead = (value.utcoffset() or timedelta(0)) > timedelta(0)
        return (datetime.min if ahead else datetime.max).replace(tzinfo=UTC)
    return value


QueryDatetime = Annotated[AwareDatetime, BeforeValidator(_written_out),
                          AfterValidator(_within_the_calendar)]
# Text a filter compares with the store's: no control characters, which none of its values
# holds and PostgreSQL refuses in a string (NUL).
FILTER_TEXT = r"^[^\x00-\x1f\x7f]*$"


class CaseQuery(BaseModel):
    """Filters of the case list."""

    model_config = ConfigDict(extra="forbid")

    region: Region | None = None
    district: str | None = Field(default=None, description="a KATO code, as listed by "
                                 "GET /api/v1/regions/{region}/districts")
    stage: Stage | None = None
    overdue: bool | None = None
    category: Category | None = None
    received_from: QueryDatetime | None = Field(default=None, description="inclusive")
    received_to: QueryDatetime | None = Field(default=None, description="exclusive")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class DelegationView(BaseModel):
    """A task its holder delegated (as Flowable's delegate/resolve): the delegate holds it and
    completes it; that completion is kept, not sent, until the holder accepts or returns it."""

    delegated_by: str = Field(description="who delegated the task: they review the "
                              "delegate's completion, and may take the task back")
    delegate: str = Field(description="the colleague working on it")
    note: str | None = Field(description="the holder's note to the delegate")
    delegated_at: AwareDatetime
    done_at: AwareDatetime | None = Field(
        description="when the delegate completed it: set, the task awaits delegated_by's review")
    outcome: dict[str, Any] | None = Field(
        description="the delegate's completion as submitted, while it awaits review")


class TaskView(BaseModel):
    """An open human task. ``id`` is ``{case_id}/{key}``."""

    id: str
    case_id: str
    key: str
    kind: StepKind
    title: str
    clause: str
    region: Region
    district: str
    assignee: Role
    attempt: int
    opened_at: AwareDatetime
    due_at: AwareDatetime | None
    escalate_at: AwareDatetime | None
    overdue: bool
    urgent: bool = Field(description="the case reports a threat to life or health")
    priority: int = Field(ge=0, le=100, description="the inbox's order: a threat to life or "
                          "health first (60), then overdue (25), then the nearer due (up to 15)")
    claimed_by: str | None
    follow_up_on: date | None = Field(description="the day (Almaty) its holder follows it "
                                      "up: until then it is left out of the default view")
    note: str | None = Field(description="e.g. why a draft was sent back")
    delegation: DelegationView | None = Field(
        default=None, description="set while the task is delegated (POST …/delegate)")


class Held(StrEnum):
    MINE = "mine"
    UNCLAIMED = "unclaimed"


Overdue = Annotated[bool, Field(description="only tasks past their due date")]
Urgent = Annotated[bool, Field(description="only tasks of cases reporting a threat to life "
                                           "or health")]
AllTasks = Annotated[bool, Field(description="also the tasks I put off to a follow-up date "
                                             "after today (default: left out until that day)")]


class InboxFilters(BaseModel):
    """Filters of the inbox: what a saved filter keeps."""

    model_config = ConfigDict(extra="forbid")

    kind: StepKind | None = None
    clause: str | None = Field(default=None, max_length=20, pattern=FILTER_TEXT,
                               description="e.g. ¶10.2")
    district: str | None = Field(default=None, max_length=20, pattern=FILTER_TEXT,
                                 description="a KATO code")
    case_id: str | None = Field(default=None, max_length=80, pattern=FILTER_TEXT,
                                description="a case or an appeal number, or a periodic "
                                            "report's id")
    due_before: QueryDatetime | None = None
    overdue: Overdue = False
    urgent: Urgent = False
    held: Held | None = Field(default=None, description="mine: the tasks I hold; unclaimed: "
                              "those nobody holds (default: both)")
    all: AllTasks = False


class TaskQuery(InboxFilters):
    """Filters of the inbox, and which page of it."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class SavedFilters(InboxFilters):
    """The filters to keep, as a JSON body: yes and no are JSON's true and false (a query
    string's are words, which ``TaskQuery`` reads)."""

    overdue: Annotated[Overdue, Strict()] = False
    urgent: Annotated[Urgent, Strict()] = False
    all: Annotated[AllTasks, Strict()] = False


class SavedFilterView(BaseModel):
    """A saved inbox filter: ``query`` is the inbox's query string (``/?{query}`` on the page,
    ``GET /api/v1/tasks?{query}`` in the API)."""

    name: str
    query: str


def query_string(query: InboxFilters) -> str:
    """The filters of ``query`` that differ from the defaults, as a URL query string."""
    chosen = query.model_dump(mode="json", exclude_defaults=True, exclude={"limit", "offset"})
    return urlencode(sorted((k, json.dumps(v) if isinstance(v, bool) else v)
                            for k, v in chosen.items()))


async def saved_filters(svc: Services, user: Actor) -> list[SavedFilterView]:
    return await in_store(svc.engine, lambda s: [
        SavedFilterView(name=f.name, query=f.query) for f in list_filters(s, user_id=user.id)])


class DraftView(BaseModel):
    """What a supervisor decides on: the draft (or closing summary) as submitted."""

    key: str
    kind: StepKind
    title: str
    clause: str
    attempt: int
    actor: str | None
    done_at: AwareDatetime | None
    outcome: dict[str, Any] | None


class ApprovalView(TaskView):
    draft: DraftView | None = Field(description="null only if the draft is not projected yet")


class CaseHistory(BaseModel):
    case_id: str
    temporal_ui: str
    lines: list[HistoryLine]


# Builders ---------------------------------------------------------------------------------


@refuses(404)
async def load_case(svc: Services, case_id: str) -> CaseView:
    """The case as its workflow holds it now; if the workflow cannot answer (no worker,
    Temporal down, or history gone), as last projected into the store. 404 if neither knows it.
    """
    view = await svc.cases.read(case_id)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {case_id}")
    return view


def may_see_personal(user: Actor, region: Region) -> bool:
    """Only the people who work on the region's cases see who the child is."""
    return user.role in READERS and user.covers(region)


def step_view(step: Step, now: datetime) -> StepView:
    return StepView.model_validate(
        {**step.model_dump(), "title": title_of(step.kind), "overdue": step.overdue_at(now)}
    )


async def case_detail(svc: Services, user: Actor, case_id: str) -> CaseDetail:
    """The case page: facts, steps, notices, and the report's personal data if allowed.

    Read from the store: an update answers only once its change is projected, so whatever a
    person did shows at once, and the rest (a notice delivered, a deadline passed) follows
    within a projection's round trip; one read instead of a query through Temporal and the
    worker. A case reported a moment ago shows as the intake
    stored it (its report, no steps yet) until its first projection; one the store does not
    know is asked live.
    """
    stored = await in_store(svc.engine, lambda s: case_view(s, case_id))
    view = stored if stored is not None else await load_case(svc, case_id)
    ensure_covers(user, view.facts.region)
    personal = may_see_personal(user, view.facts.region)

    def read(session: Session) -> tuple[list[NoticeView], PersonalData | None]:
        notices = [NoticeView.model_validate(n) for n in case_notices(session, case_id)]
        report = stored_report(session, case_id) if personal else None
        if report is None:
            return notices, None
        return notices, PersonalData.model_validate(report, from_attributes=True)

    notices, personal_data = await in_store(svc.engine, read)
    now = datetime.now(UTC)
    steps = [step_view(s, now) for s in view.steps]
    return CaseDetail(
        **view.model_dump(exclude={"steps", "overdue"}),
        overdue=any(s.overdue for s in steps),
        steps=steps,
        notices=notices,
        personal=personal_data,
        temporal_ui=svc.settings.temporal_ui_link(case_id),
    )


async def case_list(svc: Services, user: Actor, query: CaseQuery) -> list[CaseSummary]:
    """Cases in the reader's region (or, nationally, in ``query.region``), newest first."""
    if query.region is not None:
        ensure_covers(user, query.region)
    regions = [query.region] if query.region is not None else regions_of(user)

    def read(session: Session) -> list[CaseSummary]:
        rows = list_cases(session, regions=regions,
                          **query.model_dump(exclude={"region"}))
        return [CaseSummary.model_validate(row) for row in rows]

    return await in_store(svc.engine, read)


# A task due this far ahead or later gets none of the priority nearness gives.
NEAR = timedelta(days=14)


def priority(*, urgent: bool, due_at: datetime | None, now: datetime) -> int:
    """0–100: a threat to life or health weighs most, then being overdue, then how near the
    due time is (as Camunda's task priority, one number to sort and show)."""
    if due_at is None:
        return 60 if urgent else 0
    overdue = now >= due_at
    nearness = 1.0 if overdue else max(0.0, 1 - (due_at - now) / NEAR)
    return (60 if urgent else 0) + (25 if overdue else 0) + round(15 * nearness)


def task_view(row: StepRow, now: datetime, *, urgent: bool,
              delegation: TaskDelegation | None = None) -> TaskView:
    return TaskView.model_validate({
        **row.model_dump(), "title": title_of(StepKind(row.kind)),
        "overdue": row.due_at is not None and now >= row.due_at, "urgent": urgent,
        "priority": priority(urgent=urgent, due_at=row.due_at, now=now),
        "delegation": delegation_view(delegation),
    })


def task_views(session: Session, rows: list[StepRow], now: datetime) -> list[TaskView]:
    urgent = urgent_cases(session, {r.case_id for r in rows})
    delegated = delegations(session, rows)
    return [task_view(row, now, urgent=row.case_id in urgent, delegation=delegated.get(row.id))
            for row in rows]


def task_view_of(session: Session, row: Task, now: datetime) -> TaskView:
    """A case's, an appeal's or a report's task as an inbox line."""
    if isinstance(row, StepRow):
        return task_views(session, [row], now)[0]
    return work_task_view(row, now, delegation=delegation_of(session, row))


def delegation_view(delegation: TaskDelegation | None) -> DelegationView | None:
    if delegation is None:
        return None
    return DelegationView.model_validate({
        **delegation.model_dump(),
        "outcome": json.loads(delegation.outcome_json) if delegation.outcome_json else None})


async def inbox(svc: Services, user: Actor, query: TaskQuery) -> list[TaskView]:
    """Open tasks for the reader's role in their region (or nationally), held by them or by
    nobody, except those put off to a later day unless ``query.all``: overdue first, then
    soonest due."""
    now = datetime.now(UTC)
    today = None if query.all else now.astimezone(LOCAL_TIME).date()

    def read(session: Session) -> list[TaskView]:
        shown = query.offset + query.limit
        rows = list_tasks(
            session, regions=regions_of(user), assignee=user.role, kind=query.kind,
            clause=query.clause, district=query.district, case_id=query.case_id,
            overdue_only=query.overdue, urgent_only=query.urgent, due_before=query.due_before,
            claimable_by=user.id, held_by=user.id if query.held == Held.MINE else None,
            unclaimed_only=query.held == Held.UNCLAIMED, followed_up_by=today, now=now,
            limit=shown,
        )
        tasks = task_views(session, rows, now)
        if not (query.district or query.urgent):
            # Appeals and reports have no district and no urgency.
            tasks += work_tasks(
                session, user, now, kind=query.kind, clause=query.clause,
                number=query.case_id, overdue_only=query.overdue, due_before=query.due_before,
                held=query.held, followed_up_by=today, limit=shown)
        return sorted(tasks, key=_by_priority)[query.offset:shown]

    return await in_store(svc.engine, read)


def offered_to(user: Actor, kind: StepKind) -> bool:
    """Whether ``user`` is offered a task of ``kind``: their role does it, and their office
    where only one does (¶6.1: the national office agrees the plan, the region approves it)."""
    return may_complete(kind, user.role) and of_the_office(kind, user.region)


def work_tasks(session: Session, user: Actor, now: datetime, *, kind: StepKind | None = None,
               clause: str | None = None, number: str | None = None,
               overdue_only: bool = False, due_before: datetime | None = None,
               held: Held | None = None, followed_up_by: date | None = None, limit: int = 50
               ) -> list[TaskView]:
    """The open tasks of ¶6.2 appeals and of periodic reports for the reader, held by them or
    by nobody (``held``: only theirs, or only nobody's; none put off past
    ``followed_up_by``), as inbox lines (their ``case_id`` is the appeal's number or the
    report's id). A regional reader is not offered what only the national office does."""
    if user.role not in READERS:
        return []
    listed = partial(
        list_work_tasks, session, regions=regions_of(user), assignee=user.role, kind=kind,
        number=number, overdue_only=overdue_only, due_before=due_before,
        claimable_by=user.id, held_by=user.id if held == Held.MINE else None,
        unclaimed_only=held == Held.UNCLAIMED, followed_up_by=followed_up_by, now=now,
        limit=limit)
    # ¶6.2 appeals carry no clause of ¶10–¶11; a clause chosen leaves them out.
    appeals = [] if clause else listed(AppealStep)
    reports = listed(ReportStep, clause=clause, kinds_left_out=frozenset(
        k for k in REPORT_TASKS if not of_the_office(k, user.region)))
    rows: list[AppealStep | ReportStep] = [*appeals, *reports]
    delegated = delegations(session, rows)
    return [work_task_view(row, now, delegation=delegated.get(row.id)) for row in rows]


def work_task_view(row: AppealStep | ReportStep, now: datetime, *,
                   delegation: TaskDelegation | None = None) -> TaskView:
    """An appeal's or a report's task as an inbox line (never urgent: the terms of the Code or
    of the order set its priority)."""
    return TaskView.model_validate({
        **row.model_dump(), "case_id": work_id(row), "title": title_of(StepKind(row.kind)),
        "urgent": False, "priority": priority(urgent=False, due_at=row.due_at, now=now),
        "overdue": row.due_at is not None and now >= row.due_at,
        "delegation": delegation_view(delegation)})


class ReportTaskView(BaseModel):
    """A task of a periodic report, as its page and the API show it."""

    id: str
    key: str
    kind: StepKind
    title: str
    clause: str
    status: StepStatus
    attempt: int
    assignee: Role | None
    opened_at: AwareDatetime | None
    due_at: AwareDatetime | None
    overdue: bool
    claimed_by: str | None
    done_at: AwareDatetime | None
    actor: str | None
    note: str | None


def report_task_views(rows: list[ReportStep], now: datetime) -> list[ReportTaskView]:
    """A report's task rows as shown (in the order given: as they opened)."""
    return [ReportTaskView.model_validate({
        **row.model_dump(), "title": title_of(StepKind(row.kind)),
        "overdue": row.status == StepStatus.OPEN and row.due_at is not None
        and now >= row.due_at}) for row in rows]


def _by_priority(task: TaskView) -> tuple[int, bool, datetime, str]:
    """The inbox's order: highest priority first, then soonest due, undated last."""
    return (-task.priority, task.due_at is None,
            task.due_at or datetime.max.replace(tzinfo=UTC), task.id)


async def approval_queue(svc: Services, user: Actor, *, limit: int = 50, offset: int = 0
                         ) -> list[ApprovalView]:
    """Open approvals and closure approvals in the supervisor's scope, each with its draft."""
    now = datetime.now(UTC)

    def read(session: Session) -> list[ApprovalView]:
        rows = list_tasks(session, regions=regions_of(user), assignee=Role.SUPERVISOR, now=now,
                          limit=limit, offset=offset)
        drafts = steps_by_id(session, [f"{r.case_id}/{r.subject_key}" for r in rows
                                       if r.subject_key])
        return [
            ApprovalView(**view.model_dump(),
                         draft=_draft_view(drafts.get(f"{row.case_id}/{row.subject_key}")))
            for row, view in zip(rows, task_views(session, rows, now), strict=True)
        ]

    return await in_store(svc.engine, read)


def _draft_view(row: StepRow | None) -> DraftView | None:
    if row is None:
        return None
    kind = StepKind(row.kind)
    return DraftView(
        key=row.key, kind=kind, title=title_of(kind), clause=row.clause, attempt=row.attempt,
        actor=row.actor, done_at=row.done_at,
        outcome=json.loads(row.outcome_json) if row.outcome_json else None,
    )


@refuses(404, 503)  # reads the workflow's history from Temporal
async def case_history(svc: Services, user: Actor, case_id: str, t: Translator
                       ) -> CaseHistory:
    """The case's timeline from its Temporal event history, for a reader of its region, in
    ``t``'s language."""
    view = await load_case(svc, case_id)
    ensure_covers(user, view.facts.region)
    lines = await history(svc, case_id, t)
    return CaseHistory(case_id=case_id, temporal_ui=svc.settings.temporal_ui_link(case_id),
                       lines=lines)

