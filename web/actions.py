"""What the API and the pages both do: sign in, claim and release tasks, complete them,
decide approvals, record inspections.

Region and role are checked here first, for a clean refusal that names the reason; the
workflow's update validators check them again, and settle races (a task completed twice at
once) atomically. Completions go through ``UPDATE_FOR``, so a new task kind needs no change.
"""

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException, status
from sqlmodel import Session

from schemas.case import Actor, CaseView, Step
from schemas.outcomes import RECORD_INSPECTION, UPDATE_FOR, InspectionOutcome, InspectionRecord
from schemas.regions import Region
from schemas.steps import Role, StepKind, may_complete
from store.cases import TaskNotFound, claim_task, get_task, release_task
from store.models import Step as StepRow
from store.users import get_user
from web.deps import Services, ensure_covers, in_store
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
    closed or claimed by someone else, 422 an invalid outcome (fields and reasons).
    """
    return await _complete(svc, actor, await load_case(svc, case_id), key, outcome, kinds)


async def _complete(svc: Services, actor: Actor, view: CaseView, key: str,
                    outcome: dict[str, Any], kinds: Collection[StepKind]) -> StepView:
    ensure_covers(actor, view.facts.region)
    step = next((s for s in view.steps if s.key == key and s.kind in kinds), None)
    if step is None or step.assignee is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"case {view.case_id} has no such task {key!r}")
    _may_act_on(actor, step.kind, step.clause)
    if not step.is_open():
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"task {key!r} is already {step.status.value}")
    if actor.role != Role.INTEGRATION:  # another body's own system is never held up by a claim
        await _not_claimed_by_another(svc, actor, f"{view.case_id}/{key}")
    update, model = UPDATE_FOR[step.kind]
    completion = model.model_validate({"actor": actor, "task_key": key, "outcome": outcome})
    done: Step = await case_handle(svc, view.case_id).execute_update(update, completion,
                                                                     result_type=Step)
    return step_view(done, datetime.now(UTC))


async def _not_claimed_by_another(svc: Services, actor: Actor, task_id: str) -> None:
    row = await in_store(svc.engine, lambda s: get_task(s, task_id))
    if row is not None and row.claimed_by not in (None, actor.id):
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"task {task_id} is claimed by {row.claimed_by}; they must release it")


async def decide_approval(svc: Services, user: Actor, case_id: str, key: str, *,
                          approved: bool, reason: str = "") -> StepView:
    """A supervisor approves a draft or a closure, or sends it back with a reason."""
    return await complete_task(svc, user, case_id, key,
                               {"approved": approved, "reason": reason}, kinds=APPROVALS)


async def deliver_decision(svc: Services, actor: Actor, case_id: str, kind: StepKind,
                           outcome: dict[str, Any]) -> StepView:
    """Another body's decision (the police answer, the KDN's) on the case's task of ``kind``:
    409 when the case is not waiting for one or it was already given."""
    view = await load_case(svc, case_id)
    if not any(s.kind == kind for s in view.steps):
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"case {case_id} is not waiting for a {kind.value} yet "
                            f"(stage: {view.stage.value})")
    return await _complete(svc, actor, view, kind.value, outcome, {kind})


async def record_inspection(svc: Services, user: Actor, case_id: str,
                            outcome: InspectionOutcome) -> StepView:
    """¶11.5: an inspection the ombudsman took part in, recorded when it happens."""
    view = await load_case(svc, case_id)
    ensure_covers(user, view.facts.region)
    _may_act_on(user, StepKind.INSPECTION, "¶11.5")
    record = InspectionRecord(actor=user, outcome=outcome)
    done: Step = await case_handle(svc, case_id).execute_update(RECORD_INSPECTION, record,
                                                                result_type=Step)
    return step_view(done, datetime.now(UTC))
