"""What the API and the pages both do: sign in, claim and release tasks, complete them,
decide approvals, record inspections.

Region, role, status and claim are checked here first, for a clean refusal that names the
reason, against the task's row in the store (one read; every update handler returns only once
its change is in the store, so the row is current for anything an update changed); the case
is asked live only when the store does not know the task yet. The workflow's update
validators check everything again, authoritatively, and settle races (a task completed twice
at once, or just before the row shows it) atomically. Completions go through the case client
(``cases/client.py``) by the update their step's spec names, so a new task kind needs
no change. Every update has a deadline (``update_timeout_seconds``: 503 with Retry-After past
it) and an id fixed by what it does, so a retry joins the first.
"""

from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, date, datetime
from typing import Any

from fastapi import HTTPException, status
from sqlmodel import Session, col, select
from temporalio.service import RPCError, RPCStatusCode

from cases.client import CaseUnavailable
from ombudsflow.credentials import hash_password, verify_password
from schemas.case import Actor, CaseView, Step, StepStatus
from schemas.outcomes import InspectionOutcome
from schemas.procedure import APPROVALS, TASKS, may_complete
from schemas.regions import Region
from schemas.steps import Role, StepKind
from store.cases import (
    Task,
    TaskNotFound,
    TaskTable,
    claim_task,
    get_task,
    release_task,
    task_table,
)
from store.follow_ups import set_follow_up
from store.models import Case as CaseRow
from store.users import get_user
from web.deps import Services, ensure_covers, in_store
from web.errors import temporal_unavailable
from web.follow_ups import ensure_within_bounds
from web.refuses import refuses
from web.views import StepView, TaskView, load_case, step_view, task_view_of

# Checked against when the user is unknown, so a wrong name takes as long as a wrong password.
_NO_SUCH_USER = hash_password("no such user")


async def sign_in(svc: Services, user_id: str, password: str) -> Actor | None:
    """The person whose password this is, or None."""
    user = await in_store(svc.engine, lambda s: get_user(s, user_id))
    matches = verify_password(user.password_hash if user else _NO_SUCH_USER, password)
    if user is None or not matches:
        return None
    return Actor(id=user.id, role=Role(user.role),
                 region=Region(user.region) if user.region else None)


@refuses(403)
def _may_act_on(user: Actor, kind: StepKind, clause: str) -> None:
    if not may_complete(kind, user.role):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"a {user.role.value} may not act on a {kind.value} task ({clause})")


async def claim(svc: Services, user: Actor, case_id: str, key: str) -> TaskView:
    """Mark an open task (a case's, an appeal's or a report's) as mine; 409 if someone
    else holds it."""
    return await _set_claim(svc, user, case_id, key, claim_task)


async def release(svc: Services, user: Actor, case_id: str, key: str) -> TaskView:
    """Drop my claim on an open task; 409 if someone else holds it."""
    return await _set_claim(svc, user, case_id, key, release_task)


async def follow_up(svc: Services, user: Actor, case_id: str, key: str, on: date | None
                    ) -> TaskView:
    """Put a task I hold off until ``on`` (Almaty's day; None: back in view today); 409 if
    I do not hold it or it is closed, then 422 for a day out of bounds."""

    def change(session: Session, *, task_id: str, user_id: str, table: TaskTable
               ) -> Task:
        task = set_follow_up(session, task_id=task_id, user_id=user_id, on=on, table=table)
        if on is not None:
            ensure_within_bounds(on)  # refused, the transaction (and the date) rolls back
        return task

    return await _set_claim(svc, user, case_id, key, change)


async def _set_claim(svc: Services, user: Actor, case_id: str, key: str,
                     change: Callable[..., Task]) -> TaskView:
    task_id = f"{case_id}/{key}"

    table = task_table(case_id)

    def work(session: Session) -> TaskView:
        row = get_task(session, task_id, table)
        if row is None or row.assignee is None:
            raise TaskNotFound(task_id)
        ensure_covers(user, Region(row.region))
        _may_act_on(user, StepKind(row.kind), row.clause)
        changed = change(session, task_id=task_id, user_id=user.id, table=table)
        return task_view_of(session, changed, datetime.now(UTC))

    return await in_store(svc.engine, work)


async def complete_task(svc: Services, actor: Actor, case_id: str, key: str,
                        outcome: dict[str, Any], *,
                        kinds: Collection[StepKind] = TASKS) -> StepView:
    """Complete the open task ``key`` of the case with ``outcome`` (the model of its kind).

    404 unknown case or task (or not one of ``kinds``), 403 wrong region or role, 409 already
    closed or claimed by someone else, 422 an invalid outcome (fields and reasons), 503 when
    Temporal does not confirm it in time.
    """
    row = await in_store(svc.engine,
                         lambda s: get_task(s, f"{case_id}/{key}", task_table(case_id)))
    return await _complete(svc, actor, case_id, key, outcome, kinds, row)


async def _complete(svc: Services, actor: Actor, case_id: str, key: str,
                    outcome: dict[str, Any], kinds: Collection[StepKind],
                    row: Task | None,
                    waiting: Callable[[CaseView], None] | None = None) -> StepView:
    """Check the task, then send its update.

    The pre-check reads the store's row (one read, which also holds the claim): an open task
    there is checked and sent at once. The workflow's validator settles what the row may not
    know yet (closed a moment ago, four eyes), and answers 409/403/422 as ``rejection_of``
    maps it. Only when the store does not know the task yet (a case or task opened a moment
    ago, not projected) or shows it closed (a draft sent back is reopened under its key before
    the store hears) is the case asked live, as ``load_case`` does; ``waiting`` then checks the
    case is waiting for the task at all.
    """
    if row is not None and row.status == StepStatus.OPEN:
        try:
            return await _checked_and_sent(svc, actor, outcome, kinds, case_id=case_id,
                                           key=key, region=Region(row.region), task=row,
                                           claimed_by=row.claimed_by)
        except RPCError as e:
            if e.status != RPCStatusCode.NOT_FOUND:
                raise
            # The store shows the task open but its workflow has ended (or is gone): ask it,
            # or the store, as below, for the same answer as ever.
    view = await load_case(svc, case_id)
    if waiting is not None:
        waiting(view)
    step = next((s for s in view.steps if s.key == key), None)
    return await _checked_and_sent(svc, actor, outcome, kinds, case_id=view.case_id, key=key,
                                   region=view.facts.region, task=step,
                                   claimed_by=row.claimed_by if row is not None else None)


@refuses(404, 409)
async def _checked_and_sent(svc: Services, actor: Actor, outcome: dict[str, Any],
                            kinds: Collection[StepKind], *, case_id: str, key: str,
                            region: Region, task: Step | Task | None,
                            claimed_by: str | None) -> StepView:
    """Region, task, role, status and claim checked in that order (as the store's row or the
    live case shows ``task``, and ``claimed_by`` as the store does), then its update sent."""
    ensure_covers(actor, region)
    kind = StepKind(task.kind) if task is not None else None
    if task is None or task.assignee is None or kind not in kinds:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"case {case_id} has no such task {key!r}")
    assert kind is not None
    _may_act_on(actor, kind, task.clause)
    if task.status != StepStatus.OPEN:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"task {key!r} is already {StepStatus(task.status).value}")
    # Another body's own system is never held up by a claim; claims live in the store only.
    if actor.role != Role.INTEGRATION and claimed_by not in (None, actor.id):
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"task {case_id}/{key} is claimed by {claimed_by}; "
                            "they must release it")
    return await _sent(svc.cases.complete(case_id, kind=kind, key=key, attempt=task.attempt,
                                          actor=actor, outcome=outcome))


@refuses(403, 404, 409, 422, 503)
async def _sent(update: Awaitable[Step]) -> StepView:
    """The step ``update`` closed; a 503 with Retry-After when Temporal did not confirm it
    within the deadline (a hung request never). NOT_FOUND: no such case (404), as
    ``web.errors`` maps it."""
    try:
        done = await update
    except CaseUnavailable as e:
        raise temporal_unavailable(e.cause, waited=e.waited) from e
    return step_view(done, datetime.now(UTC))


async def decide_approval(svc: Services, user: Actor, case_id: str, key: str, *,
                          approved: bool, reason: str = "") -> StepView:
    """A supervisor approves a draft or a closure, or sends it back with a reason."""
    return await complete_task(svc, user, case_id, key,
                               {"approved": approved, "reason": reason}, kinds=APPROVALS)


@refuses(409)
async def deliver_decision(svc: Services, actor: Actor, case_id: str, kind: StepKind,
                           outcome: dict[str, Any]) -> StepView:
    """Another body's decision (the police answer, the KDN's) on the case's task of ``kind``:
    409 when the case is not waiting for one or it was already given."""

    def waiting(view: CaseView) -> None:
        if not any(s.kind == kind for s in view.steps):
            raise HTTPException(status.HTTP_409_CONFLICT,
                                f"case {case_id} is not waiting for a {kind.value} yet "
                                f"(stage: {view.stage.value})")

    key = kind.value
    row = await in_store(svc.engine, lambda s: get_task(s, f"{case_id}/{key}"))
    return await _complete(svc, actor, case_id, key, outcome, {kind}, row, waiting)


async def record_inspection(svc: Services, user: Actor, case_id: str,
                            outcome: InspectionOutcome) -> StepView:
    """¶11.5: an inspection the ombudsman took part in, recorded when it happens.

    The case's region from the store (or, before the store knows the case, from its workflow);
    the workflow's validator checks the stage.
    """
    region = await in_store(svc.engine, lambda s: _stored_region(s, case_id))
    if region is None:
        region = (await load_case(svc, case_id)).facts.region
    ensure_covers(user, region)
    _may_act_on(user, StepKind.INSPECTION, "¶11.5")
    return await _sent(svc.cases.record_inspection(case_id, actor=user, outcome=outcome))


def _stored_region(session: Session, case_id: str) -> Region | None:
    region = session.exec(select(CaseRow.region).where(col(CaseRow.case_id) == case_id)).first()
    return Region(region) if region is not None else None
