"""What the API and the pages both do: sign in, claim and release tasks, complete them,
decide approvals, record inspections.

Region, role, status and claim are checked here first, for a clean refusal that names the
reason, against the task's row in the store (one read; every update handler returns only once
its change is in the store, so the row is current for anything an update changed); the case
is asked live only when the store does not know the task yet. The workflow's update
validators check everything again, authoritatively, and settle races (a task completed twice
at once, or just before the row shows it) atomically. Completions go through ``UPDATE_FOR``,
so a new task kind needs no change. Every update has a deadline (``update_timeout_seconds``:
503 with Retry-After past it) and an id fixed by what it does, so a retry joins the first.
"""

import asyncio
import hashlib
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel
from sqlmodel import Session, col, select
from temporalio.client import RPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from schemas.case import Actor, CaseView, Step, StepStatus
from schemas.outcomes import RECORD_INSPECTION, UPDATE_FOR, InspectionOutcome, InspectionRecord
from schemas.regions import Region
from schemas.steps import Role, StepKind, may_complete
from store.cases import TaskNotFound, claim_task, get_task, release_task
from store.models import Case as CaseRow
from store.models import Step as StepRow
from store.users import get_user
from web.deps import Services, ensure_covers, in_store
from web.errors import TEMPORAL_DOWN, refuses, temporal_unavailable
from web.security import hash_password, verify_password
from web.views import StepView, TaskView, case_handle, load_case, step_view, task_view

# Checked against when the user is unknown, so a wrong name takes as long as a wrong password.
_NO_SUCH_USER = hash_password("no such user")
APPROVALS = frozenset({StepKind.APPROVAL, StepKind.CLOSURE_APPROVAL})


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
    """Mark an open task as mine; 409 if someone else holds it."""
    return await _set_claim(svc, user, case_id, key, claim_task)


async def release(svc: Services, user: Actor, case_id: str, key: str) -> TaskView:
    """Drop my claim on an open task; 409 if someone else holds it."""
    return await _set_claim(svc, user, case_id, key, release_task)


async def _set_claim(svc: Services, user: Actor, case_id: str, key: str,
                     change: Callable[..., StepRow]) -> TaskView:
    task_id = f"{case_id}/{key}"

    def work(session: Session) -> TaskView:
        row = get_task(session, task_id)
        if row is None or row.assignee is None:
            raise TaskNotFound(task_id)
        ensure_covers(user, Region(row.region))
        _may_act_on(user, StepKind(row.kind), row.clause)
        return task_view(change(session, task_id=task_id, user_id=user.id), datetime.now(UTC))

    return await in_store(svc.engine, work)


async def complete_task(svc: Services, actor: Actor, case_id: str, key: str,
                        outcome: dict[str, Any], *,
                        kinds: Collection[StepKind] = frozenset(UPDATE_FOR)) -> StepView:
    """Complete the open task ``key`` of the case with ``outcome`` (the model of its kind).

    404 unknown case or task (or not one of ``kinds``), 403 wrong region or role, 409 already
    closed or claimed by someone else, 422 an invalid outcome (fields and reasons), 503 when
    Temporal does not confirm it in time.
    """
    row = await in_store(svc.engine, lambda s: get_task(s, f"{case_id}/{key}"))
    return await _complete(svc, actor, case_id, key, outcome, kinds, row)


async def _complete(svc: Services, actor: Actor, case_id: str, key: str,
                    outcome: dict[str, Any], kinds: Collection[StepKind], row: StepRow | None,
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
            return await _checked_and_sent(svc, actor, case_id, key, outcome, kinds,
                                           Region(row.region), row, row)
        except RPCError as e:
            if e.status != RPCStatusCode.NOT_FOUND:
                raise
            # The store shows the task open but its workflow has ended (or is gone): ask it,
            # or the store, as below, for the same answer as ever.
    view = await load_case(svc, case_id)
    if waiting is not None:
        waiting(view)
    step = next((s for s in view.steps if s.key == key), None)
    return await _checked_and_sent(svc, actor, view.case_id, key, outcome, kinds,
                                   view.facts.region, step, row)


@refuses(404, 409)
async def _checked_and_sent(svc: Services, actor: Actor, case_id: str, key: str,
                            outcome: dict[str, Any], kinds: Collection[StepKind],
                            region: Region, task: Step | StepRow | None,
                            row: StepRow | None) -> StepView:
    """Region, task, role, status and claim checked in that order (as the store's row or the
    live case shows the task), then the kind's update sent."""
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
    if (actor.role != Role.INTEGRATION and row is not None
            and row.claimed_by not in (None, actor.id)):
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"task {case_id}/{key} is claimed by {row.claimed_by}; "
                            "they must release it")
    update, model = UPDATE_FOR[kind]
    completion = model.model_validate({"actor": actor, "task_key": key, "outcome": outcome})
    # The same person's same completion of the same opening of the task gets the same id, so
    # sending it again (a retry after a 503) joins the first rather than being applied twice.
    update_id = f"{case_id}/{key}#{task.attempt}/{actor.id}/{_digest(completion)}"
    return await _send(svc, case_id, update, completion, update_id)


def _digest(arg: BaseModel) -> str:
    return hashlib.sha256(arg.model_dump_json().encode()).hexdigest()[:20]


# A workflow update: its validators refuse (schemas/errors.py), or Temporal does not answer.
@refuses(403, 404, 409, 422, 503)
async def _send(svc: Services, case_id: str, update: str, arg: BaseModel,
                update_id: str) -> StepView:
    """Send the update and wait for the step it closed, at most ``update_timeout_seconds``:
    Temporal unreachable, restarting or silent is a 503 with Retry-After, not a hung request.

    The RPC deadline bounds each call the SDK makes; the SDK retries an unreachable server and
    re-asks while an update is only admitted, so the whole wait is bounded here as well.
    """
    waited = svc.settings.update_timeout_seconds
    handle = case_handle(svc, case_id)
    try:
        async with asyncio.timeout(waited):
            done: Step = await handle.execute_update(
                update, arg, id=update_id, result_type=Step,
                rpc_timeout=timedelta(seconds=waited),
            )
    except (RPCTimeoutOrCancelledError, TimeoutError) as e:
        task = asyncio.current_task()
        if task is not None and task.cancelling():  # the request itself was cancelled
            raise asyncio.CancelledError from e
        raise temporal_unavailable(e, waited=waited) from e
    except RPCError as e:
        if e.status not in TEMPORAL_DOWN:
            raise  # NOT_FOUND: no such case (404); the rest as web.errors maps them
        raise temporal_unavailable(e) from e
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
    record = InspectionRecord(actor=user, outcome=outcome)
    # Each inspection is a new step: the same record sent again is the same inspection.
    return await _send(svc, case_id, RECORD_INSPECTION, record,
                       f"{case_id}/inspection/{user.id}/{_digest(record)}")


def _stored_region(session: Session, case_id: str) -> Region | None:
    region = session.exec(select(CaseRow.region).where(col(CaseRow.case_id) == case_id)).first()
    return Region(region) if region is not None else None
