"""Hand-offs of tasks, for the API and the pages alike (``store.handoffs`` keeps them): a
supervisor reassigns a task to a case worker of its region; the holder delegates it to a
colleague, whose completion is validated and kept for the holder to accept (then sent as the
holder's completion, through ``web.actions.complete_task``) or return. The workflow hears of
none of it but the completion; integrations never meet it.

Checked as claims are (``web.actions``): the task in the store (404), the region (403), the
role (403), open (409), then who may do what; the store's conditional UPDATE settles two
people acting at once (409).
"""

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json
from sqlmodel import Session

from cases.client import completion_of
from schemas.case import Actor
from schemas.procedure import APPEAL_TASKS, REPORT_TASKS, TASKS, may_complete
from schemas.regions import Region
from schemas.steps import Role, StepKind
from store import handoffs
from store.cases import OPEN, Task, TaskNotFound, TaskTable, get_task, task_table
from store.handoffs import delegation_of
from store.users import case_workers, get_user
from web.actions import complete_task
from web.deps import Services, ensure_covers, in_store
from web.i18n import Translator, catalogue
from web.refuses import refuses
from web.views import DelegationView, StepView, TaskView, delegation_view, task_view_of

# The kinds a delegate's completion is kept for, and their holder's acceptance completes.
WORKED = TASKS | APPEAL_TASKS | REPORT_TASKS


# The answer to a delegate's completion, documented beside the step a completion answers.
KEPT_FOR_REVIEW: dict[int | str, dict[str, Any]] = {status.HTTP_202_ACCEPTED: {
    "model": TaskView,
    "description": "the task is delegated to you: your completion is kept for its holder's "
                   "review (delegation.done_at set)"}}


def kept_for_review(response: Response, done: StepView | TaskView) -> StepView | TaskView:
    """A completion kept for review answers 202 with the task; a real one, the step."""
    if isinstance(done, TaskView):
        response.status_code = status.HTTP_202_ACCEPTED
    return done


class Reassignment(BaseModel):
    """Whom a supervisor gives the task to, and why."""

    model_config = ConfigDict(extra="forbid")

    assignee: str = Field(min_length=1, max_length=100,
                          description="the user id of a case worker of the task's region")
    reason: str = Field(max_length=2000, description="why (required, shown in the history)")


class Delegation(BaseModel):
    """The colleague the holder delegates the task to."""

    model_config = ConfigDict(extra="forbid")

    delegate: str = Field(min_length=1, max_length=100,
                          description="the user id of a colleague: a case worker of the "
                                      "task's region")
    note: str | None = Field(default=None, max_length=2000, description="for the delegate")


class Review(BaseModel):
    """The holder's word on the delegate's completion."""

    model_config = ConfigDict(extra="forbid")

    accept: bool = Field(description="true: the delegate's completion is sent as yours; "
                                     "false: it goes back to them")
    reason: str = Field(default="", max_length=2000,
                        description="why it goes back (required when not accepting)")


class Refused(HTTPException):
    """A hand-off refused, as a code (``handoff.refused.<code>`` in the locales) and its
    parameters: the API says it in English ("field: reason" for a 422, so the field is named),
    a page in the reader's language next to the input it is about."""

    def __init__(self, status_code: int, code: str, *, field: str = "", **params: str) -> None:
        self.code, self.field, self.params = code, field, params
        words = catalogue("en")[f"handoff.refused.{code}"].format_map(params)
        super().__init__(status_code, f"{field}: {words}" if field else words)

    def text(self, t: Translator) -> str:
        return t(f"handoff.refused.{self.code}",
                 **{name: t.param(name, value) for name, value in self.params.items()})


@refuses(403, 409, 422)
async def reassign(svc: Services, user: Actor, case_id: str, key: str, *, to: str,
                   reason: str) -> TaskView:
    """A supervisor of the task's region (or national) gives it to a case worker of the
    region, with a reason: the claim moves to them, any delegation ends."""
    table = task_table(case_id)

    def work(session: Session) -> TaskView:
        task = _open_task(session, user, table, f"{case_id}/{key}")
        if user.role != Role.SUPERVISOR:
            raise Refused(status.HTTP_403_FORBIDDEN, "not_supervisor")
        _required(reason)
        _colleague(session, to, task, field="assignee")
        now = datetime.now(UTC)
        moved = handoffs.reassign(session, table, task, actor=user.id, to=to,
                                  reason=reason.strip(), now=now)
        return task_view_of(session, moved, now)

    return await in_store(svc.engine, work)


@refuses(403, 409, 422)
async def delegate(svc: Services, user: Actor, case_id: str, key: str, *, to: str,
                   note: str | None) -> TaskView:
    """The holder of a task delegates it to a colleague of its region, who then holds it."""
    table = task_table(case_id)

    def work(session: Session) -> TaskView:
        task = _open_task(session, user, table, f"{case_id}/{key}")
        _may_work_on(user, task)
        if task.claimed_by != user.id:
            raise Refused(status.HTTP_409_CONFLICT, "not_holder")
        if delegation_of(session, task) is not None:  # back for review: accept or return it
            raise Refused(status.HTTP_409_CONFLICT, "under_review")
        if to == user.id:
            raise Refused(status.HTTP_422_UNPROCESSABLE_CONTENT, "yourself", field="delegate")
        _colleague(session, to, task, field="delegate")
        now = datetime.now(UTC)
        moved = handoffs.delegate(session, table, task, to=to, note=(note or "").strip() or None,
                                  now=now)
        return task_view_of(session, moved, now)

    return await in_store(svc.engine, work)


async def complete_or_keep(svc: Services, user: Actor, case_id: str, key: str,
                           outcome: dict[str, Any], *, kinds: Collection[StepKind]
                           ) -> StepView | TaskView:
    """Complete a task (``web.actions.complete_task``), unless it is delegated to ``user``:
    then their completion, validated as the completion would be, is kept for the holder's
    review (the task as it then stands); never sent to the workflow."""
    kept = await in_store(svc.engine,
                          lambda s: _kept(s, user, case_id, key, outcome, kinds=kinds))
    if kept is not None:
        return kept
    return await complete_task(svc, user, case_id, key, outcome, kinds=kinds)


@refuses(409, 422)
async def review(svc: Services, user: Actor, case_id: str, key: str, *, accept: bool,
                 reason: str) -> StepView | TaskView:
    """The holder accepts the delegate's completion (sent as the holder's own: the step as the
    workflow closed it), or returns it with a reason (the task, the delegate's again)."""
    table = task_table(case_id)
    task_id = f"{case_id}/{key}"

    def decide(session: Session) -> TaskView | dict[str, Any]:
        task = _open_task(session, user, table, task_id)
        delegation = delegation_of(session, task)
        if (delegation is None or delegation.delegated_by != user.id
                or delegation.done_at is None or delegation.outcome_json is None):
            raise Refused(status.HTTP_409_CONFLICT, "no_review")
        if accept:
            outcome: dict[str, Any] = json.loads(delegation.outcome_json)
            return outcome
        _required(reason)
        now = datetime.now(UTC)
        moved = handoffs.send_back(session, table, task, delegation, reason=reason.strip(),
                                   now=now)
        return task_view_of(session, moved, now)

    decided = await in_store(svc.engine, decide)
    if isinstance(decided, TaskView):
        return decided
    step = await complete_task(svc, user, case_id, key, decided, kinds=WORKED)
    await in_store(svc.engine, lambda s: handoffs.accepted(s, table, task_id,
                                                           now=datetime.now(UTC)))
    return step


@refuses(409)
async def take_back(svc: Services, user: Actor, case_id: str, key: str) -> TaskView:
    """The holder ends their delegation and holds the task again."""
    table = task_table(case_id)

    def work(session: Session) -> TaskView:
        task = _open_task(session, user, table, f"{case_id}/{key}")
        delegation = delegation_of(session, task)
        if delegation is None or delegation.delegated_by != user.id:
            raise Refused(status.HTTP_409_CONFLICT, "not_delegated")
        now = datetime.now(UTC)
        return task_view_of(session, handoffs.take_back(session, table, task, delegation,
                                                        now=now), now)

    return await in_store(svc.engine, work)


@refuses(409, 422)
def _kept(session: Session, user: Actor, case_id: str, key: str, outcome: dict[str, Any], *,
          kinds: Collection[StepKind]) -> TaskView | None:
    """The delegate's completion of a task delegated to them, validated and kept; None when
    the task is not delegated to them (then it is completed, or refused, as ever)."""
    table = task_table(case_id)
    task = get_task(session, f"{case_id}/{key}", table)
    delegation = delegation_of(session, task) if task is not None else None
    if task is None or delegation is None or StepKind(task.kind) not in kinds:
        return None
    if user.id == delegation.delegated_by:
        raise Refused(status.HTTP_409_CONFLICT, "delegated", delegate=delegation.delegate)
    if user.id != delegation.delegate or delegation.done_at is not None:
        return None  # the holder's claim now: refused as any other's
    ensure_covers(user, Region(task.region))
    completion_of(StepKind(task.kind), key=key, actor=user, outcome=outcome)
    now = datetime.now(UTC)
    moved = handoffs.resolve(session, table, task, delegation,
                             outcome_json=to_json(outcome).decode(), now=now)
    return task_view_of(session, moved, now)


@refuses(403, 409)
def _open_task(session: Session, user: Actor, table: TaskTable, task_id: str) -> Task:
    """The open human task ``task_id`` in the user's region."""
    task = get_task(session, task_id, table)
    if task is None or task.assignee is None:
        raise TaskNotFound(task_id)
    ensure_covers(user, Region(task.region))
    if task.status != OPEN:
        raise Refused(status.HTTP_409_CONFLICT, "closed", status=task.status)
    return task


@refuses(403)
def _may_work_on(user: Actor, task: Task) -> None:
    if not may_complete(StepKind(task.kind), user.role):
        raise Refused(status.HTTP_403_FORBIDDEN, "not_your_task")


@refuses(422)
def _required(reason: str) -> None:
    if not reason.strip():
        raise Refused(status.HTTP_422_UNPROCESSABLE_CONTENT, "reason", field="reason")


@refuses(409, 422)
def _colleague(session: Session, user_id: str, task: Task, *, field: str) -> None:
    """The task is a case worker's (409: an approval is never handed over, whoever is
    named) and ``user_id`` an active case worker of its region (422, naming ``field``)."""
    if not handed_over(StepKind(task.kind)):
        raise Refused(status.HTTP_409_CONFLICT, "not_handed_over")
    person = get_user(session, user_id)
    if person is None or person.role != Role.CASE_WORKER or person.region != task.region:
        raise Refused(status.HTTP_422_UNPROCESSABLE_CONTENT, "not_colleague", field=field,
                      user=user_id)


def handed_over(kind: StepKind) -> bool:
    """Tasks of ``kind`` are handed over: case workers complete them."""
    return may_complete(kind, Role.CASE_WORKER)


def may_reassign(kind: StepKind, role: Role) -> bool:
    """Supervisors reassign the tasks case workers complete."""
    return role == Role.SUPERVISOR and handed_over(kind)


@dataclass(frozen=True)
class Offered:
    """What a task's page offers its reader about hand-offs: who holds it, its delegation,
    and which of reassign, delegate, review and take back are theirs to do."""

    holder: str | None = None
    delegation: DelegationView | None = None
    colleagues: list[tuple[str, str]] = field(default_factory=list)  # (user id, name)
    reassigns: bool = False
    delegates: bool = False
    reviews: bool = False
    takes_back: bool = False
    works_for: str | None = None  # the holder the reader works on the delegated task for

    @property
    def completes(self) -> bool:
        """The reader's completion form is shown (not to one who delegated the task)."""
        return not self.takes_back


async def offered(svc: Services, user: Actor, case_id: str, key: str) -> Offered:
    """What the task's page offers ``user`` (nothing while the store does not know the task
    open yet)."""
    table = task_table(case_id)

    def read(session: Session) -> Offered:
        task = get_task(session, f"{case_id}/{key}", table)
        if task is None or task.status != OPEN or task.assignee is None:
            return Offered()
        kind, region = StepKind(task.kind), Region(task.region)
        delegation = delegation_of(session, task)
        mine = delegation is not None and delegation.delegated_by == user.id
        reassigns = may_reassign(kind, user.role) and user.covers(region)
        delegates = (task.claimed_by == user.id and delegation is None
                     and may_complete(kind, user.role) and handed_over(kind))
        colleagues = ([(u.id, u.display_name) for u in case_workers(session, region)
                       if u.id != task.claimed_by] if reassigns or delegates else [])
        return Offered(
            holder=task.claimed_by, delegation=delegation_view(delegation),
            colleagues=colleagues, reassigns=reassigns, delegates=delegates,
            reviews=mine and delegation is not None and delegation.done_at is not None,
            takes_back=mine,
            works_for=(delegation.delegated_by if delegation is not None
                       and delegation.delegate == user.id and delegation.done_at is None
                       else None))

    return await in_store(svc.engine, read)
