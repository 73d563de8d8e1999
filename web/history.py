"""A case's timeline, read from its Temporal event history: one line per event that matters to
the procedure, citing its clause, with who acted and how late against the step's deadline.

Temporal records everything (workflow tasks, projections, deadline computations); the reader
keeps what a supervisor or an auditor asks about: the case opened, notices delivered,
deadlines reached, tasks completed and approvals decided (the update's input names the actor),
statements published, stage changes, continue-as-new and the end. Each line is a code and
parameters (``history.<code>`` in the locales) worded in the reader's language, so the same
timeline reads in Kazakh, Russian or English. Payloads are decoded with
the client's data converter, so the encryption codec applies; the workflow's input (the report,
with the child's personal data) is never decoded.

Hand-offs of tasks (reassigned, delegated, done by the delegate, returned, accepted, taken
back) never reach Temporal: ``history`` adds the store's lines of them (``store.handoffs``),
worded the same way, to the timeline's, by time; the pages and the API read both from there.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.converter import DataConverter, decode_typed_search_attributes

from ombudsflow import constants
from schemas.activities import Level, NoticeKind, NoticeRequest, Publication, Recipient
from schemas.case import Stage, Step
from schemas.procedure import UPDATES
from schemas.steps import Role, StepKind
from store.handoffs import Handoff, handoffs_of
from store.models import TaskHandoff
from web.deps import Services, in_store
from web.i18n import Translator


class HistoryEventKind(StrEnum):
    OPENED = "opened"
    NOTICE_DELIVERED = "notice_delivered"
    DEADLINE_REACHED = "deadline_reached"  # a reminder or an escalation goes out
    TASK_COMPLETED = "task_completed"
    APPROVAL_DECIDED = "approval_decided"
    INSPECTION_RECORDED = "inspection_recorded"
    PUBLISHED = "published"
    STAGE_CHANGED = "stage_changed"
    OVERDUE_CHANGED = "overdue_changed"
    CONTINUED_AS_NEW = "continued_as_new"
    CLOSED = "closed"
    ENDED = "ended"  # failed, terminated, cancelled or timed out: never by the procedure
    TASK_HANDED_OVER = "task_handed_over"  # the store's, not Temporal's (store.handoffs)


class HistoryText(StrEnum):
    """What a line says, as a code; its parameters are named in the comment."""

    OPENED = "opened"
    APPEAL_OPENED = "appeal_opened"
    APPEAL_CLOSED = "appeal_closed"
    NOTICE_ALARM = "notice_alarm"  # recipient
    NOTICE_REFERRAL = "notice_referral"  # recipient
    NOTICE_RECOMMENDATIONS = "notice_recommendations"  # recipient
    REMINDER = "reminder"  # step
    REMINDER_HOLDER = "reminder_holder"  # step, holder (the user id of who claimed it)
    ESCALATION = "escalation"  # step
    NOTICE_LATE = "notice_late"  # step
    ESCALATION_COMMITTEE = "escalation_committee"  # step
    REMINDER_REPEATED = "reminder_repeated"  # step
    UNCLAIMED = "unclaimed"  # step
    PUBLISHED = "published"  # actor
    APPROVED = "approved"  # subject
    SENT_BACK = "sent_back"  # subject, reason (the supervisor's own words)
    INSPECTION = "inspection"  # body (as recorded)
    POLICE_CONFIRMED = "police_confirmed"  # reference
    POLICE_NOT_CONFIRMED = "police_not_confirmed"  # reference
    COMPLETED = "completed"  # kind
    STAGE = "stage"  # stage
    OVERDUE = "overdue"
    NOT_OVERDUE = "not_overdue"
    CONTINUED = "continued"
    CLOSED = "closed"
    FAILED = "failed"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    HANDOFF_REASSIGNED = "handoff_reassigned"  # step, from, to, reason
    HANDOFF_ASSIGNED = "handoff_assigned"  # step, to, reason (nobody held it)
    HANDOFF_DELEGATED = "handoff_delegated"  # step, to
    HANDOFF_DELEGATED_NOTE = "handoff_delegated_note"  # step, to, note
    HANDOFF_RESOLVED = "handoff_resolved"  # step, by (the delegate), holder
    HANDOFF_RETURNED = "handoff_returned"  # step, to (the delegate), reason
    HANDOFF_ACCEPTED = "handoff_accepted"  # step, holder, by (the delegate)
    HANDOFF_RECALLED = "handoff_recalled"  # step, by (the delegate)


class HistoryLine(BaseModel):
    event_id: int | None = Field(description="the Temporal event, to find it in the Web UI; "
                                 "null for a task's hand-off (the store records those)")
    at: AwareDatetime
    kind: HistoryEventKind
    clause: str | None
    code: HistoryText = Field(description="what the line says, as a code (history.<code>)")
    params: dict[str, str] = Field(default_factory=dict)
    text: str = Field(description="the line in the reader's language")
    step_key: str | None = None
    recipient: str | None = None
    actor: str | None = None
    actor_role: Role | None = None
    due_at: AwareDatetime | None = None
    delay_seconds: float | None = Field(
        default=None, description="at − due_at: positive when late, negative when early"
    )


STAGE_CLAUSE: dict[Stage, str] = {
    Stage.NOTIFICATION: "¶10.1",
    Stage.POLICE_CHECK: "¶10.2",
    Stage.RESPONSE: "¶11",
    Stage.CLOSURE_REVIEW: "¶10–¶11",
    Stage.CLOSED: "¶10–¶11",
}
# An appeal's opening, stages and closing cite the mandate it is considered under.
APPEAL_CLAUSE = "¶6.2"
NOTICE_TEXT: dict[NoticeKind, HistoryText] = {
    NoticeKind.ALARM: HistoryText.NOTICE_ALARM,
    NoticeKind.REFERRAL: HistoryText.NOTICE_REFERRAL,
    NoticeKind.RECOMMENDATIONS: HistoryText.NOTICE_RECOMMENDATIONS,
}
# A rung of a task's escalation chain (notices sent before chains carry no level).
LEVEL_TEXT: dict[Level, HistoryText] = {
    Level.DUE: HistoryText.REMINDER,
    Level.SUPERVISOR: HistoryText.ESCALATION,
    Level.COMMITTEE: HistoryText.ESCALATION_COMMITTEE,
    Level.REPEATED: HistoryText.REMINDER_REPEATED,
    Level.UNCLAIMED: HistoryText.UNCLAIMED,
}
ENDINGS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: HistoryText.FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: HistoryText.TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: HistoryText.CANCELLED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: HistoryText.TIMED_OUT,
}


async def history(svc: Services, case_id: str, t: Translator) -> list[HistoryLine]:
    """The timeline of a case or an appeal (Temporal's) with its tasks' hand-offs (the
    store's: reassigned, delegated, done by the delegate, returned, accepted), by time."""
    lines = await timeline(svc.client, case_id, t)
    handed = await in_store(svc.engine, lambda session: handoffs_of(session, case_id))
    return sorted([*lines, *(_handed_over(row, t) for row in handed)], key=lambda line: line.at)


def _handed_over(row: TaskHandoff, t: Translator) -> HistoryLine:
    step, by, to = row.step_key, row.from_user or "", row.to_user or ""
    reason = row.reason or ""
    code, params = {
        Handoff.REASSIGNED: (HistoryText.HANDOFF_REASSIGNED if by
                             else HistoryText.HANDOFF_ASSIGNED,
                             {"step": step, "from": by, "to": to, "reason": reason}),
        Handoff.DELEGATED: (HistoryText.HANDOFF_DELEGATED_NOTE if reason
                            else HistoryText.HANDOFF_DELEGATED,
                            {"step": step, "to": to, "note": reason}),
        Handoff.RESOLVED: (HistoryText.HANDOFF_RESOLVED, {"step": step, "by": by, "holder": to}),
        Handoff.RETURNED: (HistoryText.HANDOFF_RETURNED,
                           {"step": step, "to": to, "reason": reason}),
        Handoff.ACCEPTED: (HistoryText.HANDOFF_ACCEPTED, {"step": step, "by": by, "holder": to}),
        Handoff.RECALLED: (HistoryText.HANDOFF_RECALLED, {"step": step, "by": by}),
    }[Handoff(row.action)]
    return HistoryLine(event_id=None, at=row.at, kind=HistoryEventKind.TASK_HANDED_OVER,
                       clause=row.clause, code=code, params=params,
                       text=worded(code, params, t), step_key=step, actor=row.actor)


async def timeline(client: Client, case_id: str, t: Translator) -> list[HistoryLine]:
    """Every meaningful event of the case, oldest first, across continue-as-new runs, each
    worded in ``t``'s language."""
    reader = _Reader(client.data_converter)
    for events in await _runs(client, case_id):
        for event in events:
            await reader.read(event)
    for line in reader.lines:
        line.text = worded(line.code, line.params, t)
    # A deadline line carries its timer's time, a little before the events it is read with.
    return sorted(reader.lines, key=lambda line: line.at)


def worded(code: HistoryText, params: dict[str, str], t: Translator) -> str:
    return t(f"history.{code.value}", **{k: t.param(k, v) for k, v in params.items()})


async def _runs(client: Client, case_id: str) -> list[list[HistoryEvent]]:
    """The histories of the case's runs, first run first: each continued run names its
    predecessor in its first event."""
    runs: list[list[HistoryEvent]] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
        runs.append(list(history.events))
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id or None
        if run_id is None:
            return runs[::-1]


def _time(event: HistoryEvent) -> datetime:
    return event.event_time.ToDatetime(tzinfo=UTC)


def _delay(at: datetime, due: datetime | None) -> float | None:
    return (at - due).total_seconds() if due is not None else None


class _Reader:
    """Reads one event at a time, remembering what later events refer back to."""

    def __init__(self, converter: DataConverter) -> None:
        self._converter = converter
        self.lines: list[HistoryLine] = []
        self._notices: dict[int, NoticeRequest] = {}  # scheduled event id → its notice
        self._publications: dict[int, Publication] = {}
        self._updates: dict[str, tuple[str, Payloads]] = {}  # update id → (name, input)
        # Timers fire, then a workflow task acts on them: the reminders it schedules are what
        # those timers were for.
        self._fired: list[HistoryEvent] = []
        self._acting_on: list[HistoryEvent] = []
        self._stage: str | None = None
        self._overdue = False
        self._appeal = False  # a ¶6.2 appeal's history: its lines cite ¶6.2, not ¶10–¶11
        handlers: dict[int, Callable[[HistoryEvent], Awaitable[None]]] = {
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: self._started,
            EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: self._workflow_task_completed,
            EventType.EVENT_TYPE_TIMER_FIRED: self._timer_fired,
            EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: self._activity_scheduled,
            EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: self._activity_completed,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: self._update_accepted,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: self._update_completed,
            EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: self._search_attributes,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: self._continued,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: self._completed,
            **dict.fromkeys(ENDINGS, self._ended),
        }
        self._handlers = handlers

    async def read(self, event: HistoryEvent) -> None:
        handler = self._handlers.get(event.event_type)
        if handler is not None:
            await handler(event)

    def _line(self, event: HistoryEvent, kind: HistoryEventKind, clause: str | None,
              code: HistoryText, params: dict[str, str] | None = None, **details: Any) -> None:
        self.lines.append(HistoryLine(event_id=event.event_id, at=_time(event), kind=kind,
                                      clause=clause, code=code, params=params or {},
                                      text=code.value, **details))

    async def _decode(self, payloads: Payloads, model: type[Any]) -> Any:
        return (await self._converter.decode(payloads.payloads, [model]))[0]

    async def _started(self, event: HistoryEvent) -> None:
        started = event.workflow_execution_started_event_attributes
        self._appeal = started.workflow_type.name == constants.APPEAL_WORKFLOW_TYPE
        if started.continued_execution_run_id:
            return  # the previous run's continue-as-new line stands for it
        if self._appeal:
            self._line(event, HistoryEventKind.OPENED, APPEAL_CLAUSE, HistoryText.APPEAL_OPENED)
        else:
            self._line(event, HistoryEventKind.OPENED, "¶10", HistoryText.OPENED)

    def _stage_clause(self, stage: Stage) -> str:
        return APPEAL_CLAUSE if self._appeal else STAGE_CLAUSE[stage]

    async def _workflow_task_completed(self, event: HistoryEvent) -> None:
        self._acting_on, self._fired = self._fired, []

    async def _timer_fired(self, event: HistoryEvent) -> None:
        self._fired.append(event)

    async def _activity_scheduled(self, event: HistoryEvent) -> None:
        attrs = event.activity_task_scheduled_event_attributes
        name = attrs.activity_type.name
        if name == "publish_statement":
            self._publications[event.event_id] = await self._decode(attrs.input, Publication)
        if name != "send_notice":
            return
        notice: NoticeRequest = await self._decode(attrs.input, NoticeRequest)
        self._notices[event.event_id] = notice
        if notice.kind in (NoticeKind.REMINDER, NoticeKind.ESCALATION):
            self._deadline(self._acting_on.pop(0) if self._acting_on else event, notice)

    def _deadline(self, event: HistoryEvent, notice: NoticeRequest) -> None:
        late = notice.subject_step or notice.step_key
        params = {"step": late}
        if notice.recipient is Recipient.HOLDER and notice.holder is not None:
            code = HistoryText.REMINDER_HOLDER
            params["holder"] = notice.holder
        elif notice.level is not None:
            code = LEVEL_TEXT[notice.level]
        elif notice.kind == NoticeKind.REMINDER:
            code = HistoryText.REMINDER
        elif notice.subject_step:
            code = HistoryText.ESCALATION
        else:
            code = HistoryText.NOTICE_LATE
        at = _time(event)
        self._line(event, HistoryEventKind.DEADLINE_REACHED, notice.clause, code,
                   params, step_key=late,
                   recipient=notice.recipient.value, due_at=notice.due_at,
                   delay_seconds=_delay(at, notice.due_at))

    async def _activity_completed(self, event: HistoryEvent) -> None:
        scheduled = event.activity_task_completed_event_attributes.scheduled_event_id
        notice = self._notices.pop(scheduled, None)
        publication = self._publications.pop(scheduled, None)
        at = _time(event)
        if notice is not None and notice.kind in NOTICE_TEXT:
            recipient = notice.recipient.value
            self._line(event, HistoryEventKind.NOTICE_DELIVERED, notice.clause,
                       NOTICE_TEXT[notice.kind], {"recipient": recipient},
                       step_key=notice.step_key, recipient=recipient, due_at=notice.due_at,
                       delay_seconds=_delay(at, notice.due_at))
        if publication is not None:
            self._line(event, HistoryEventKind.PUBLISHED, publication.clause,
                       HistoryText.PUBLISHED, {"actor": publication.approved_by},
                       step_key=publication.step_key, actor=publication.approved_by)

    async def _update_accepted(self, event: HistoryEvent) -> None:
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        self._updates[request.meta.update_id] = (request.input.name, request.input.args)

    async def _update_completed(self, event: HistoryEvent) -> None:
        """An update that succeeded changed the case; a failed one changed nothing."""
        attrs = event.workflow_execution_update_completed_event_attributes
        accepted = self._updates.pop(attrs.meta.update_id, None)
        if accepted is None or not attrs.outcome.HasField("success"):
            return
        name, args = accepted
        model = UPDATES.get(name)
        if model is None:
            return
        arg = await self._decode(args, model)
        step: Step = await self._decode(attrs.outcome.success, Step)
        kind, code, params = _what_was_done(step)
        done = step.done_at or _time(event)
        self._line(event, kind, step.clause, code, params, step_key=step.key, actor=arg.actor.id,
                   actor_role=arg.actor.role, due_at=step.due_at,
                   delay_seconds=_delay(done, step.due_at))

    async def _search_attributes(self, event: HistoryEvent) -> None:
        found = decode_typed_search_attributes(
            event.upsert_workflow_search_attributes_event_attributes.search_attributes
        )
        stage = found.get(constants.CASE_STAGE)
        # An appeal moves through the case machinery's stages too, which mean nothing to its
        # reader: its own steps (registration, triage, the answer) tell where it is.
        if stage is not None and stage != self._stage and not self._appeal:
            self._stage = stage
            if stage != Stage.CLOSED:  # the end of the workflow says it
                self._line(event, HistoryEventKind.STAGE_CHANGED, self._stage_clause(Stage(stage)),
                           HistoryText.STAGE, {"stage": stage})
        overdue = found.get(constants.CASE_OVERDUE)
        if overdue is not None and overdue != self._overdue:
            self._overdue = overdue
            self._line(event, HistoryEventKind.OVERDUE_CHANGED, None,
                       HistoryText.OVERDUE if overdue else HistoryText.NOT_OVERDUE)

    async def _continued(self, event: HistoryEvent) -> None:
        self._line(event, HistoryEventKind.CONTINUED_AS_NEW, None, HistoryText.CONTINUED)

    async def _completed(self, event: HistoryEvent) -> None:
        self._line(event, HistoryEventKind.CLOSED, self._stage_clause(Stage.CLOSED),
                   HistoryText.APPEAL_CLOSED if self._appeal else HistoryText.CLOSED)

    async def _ended(self, event: HistoryEvent) -> None:
        self._line(event, HistoryEventKind.ENDED, None, ENDINGS[event.event_type])


def _what_was_done(step: Step) -> tuple[HistoryEventKind, HistoryText, dict[str, str]]:
    outcome = step.outcome or {}
    if step.subject_key is not None:  # an approval: it decides on its subject, a draft
        subject = {"subject": step.subject_key}
        if outcome.get("approved"):
            return HistoryEventKind.APPROVAL_DECIDED, HistoryText.APPROVED, subject
        return (HistoryEventKind.APPROVAL_DECIDED, HistoryText.SENT_BACK,
                {**subject, "reason": str(outcome.get("reason", ""))})
    if step.kind == StepKind.INSPECTION:
        return (HistoryEventKind.INSPECTION_RECORDED, HistoryText.INSPECTION,
                {"body": str(outcome.get("inspecting_body", ""))})
    if step.kind == StepKind.POLICE_DECISION:
        code = (HistoryText.POLICE_CONFIRMED if outcome.get("confirmed")
                else HistoryText.POLICE_NOT_CONFIRMED)
        return (HistoryEventKind.TASK_COMPLETED, code,
                {"reference": str(outcome.get("police_reference", ""))})
    return HistoryEventKind.TASK_COMPLETED, HistoryText.COMPLETED, {"kind": step.kind.value}
