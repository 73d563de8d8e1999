"""¶6.2 appeals and complaints over HTTP: integrations (e-Otinish, helpline 111, the Telegram
chat) submit and never read; the office registers walk-in, written and telephone appeals; case
workers and supervisors of the appeal's region (national ones: all) read and act on them."""

from collections.abc import Awaitable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from pydantic import BaseModel, Field

from cases.appeals import parse_appeal, submit_appeal
from cases.client import CaseUnavailable
from schemas.appeal import Appeal, AppealChannel, Extension, Withdrawal
from schemas.case import Actor, Step
from schemas.procedure import APPEAL_TASKS
from schemas.steps import Role
from store.appeals import list_appeals
from web.actions import claim, follow_up, release
from web.appeal_views import AppealDetail, AppealSummary, appeal_detail, readable
from web.deps import (
    Integration,
    ServicesDep,
    TaskKey,
    ensure_covers,
    in_store,
    regions_of,
    require_key,
    require_role,
)
from web.errors import temporal_unavailable
from web.follow_ups import FollowUpDay
from web.handoffs import (
    KEPT_FOR_REVIEW,
    Delegation,
    Reassignment,
    Review,
    complete_or_keep,
    delegate,
    kept_for_review,
    reassign,
    review,
    take_back,
)
from web.paths import AppealNumber
from web.ratelimit import enforce, limits_of
from web.refuses import refuses
from web.views import StepView, TaskView

router = APIRouter(prefix="/appeals", tags=["appeals"])
AppealsKey = Annotated[Integration, Depends(require_key("appeals"))]
Person = Annotated[Actor, Depends(require_role(Role.CASE_WORKER, Role.SUPERVISOR))]
Supervisor = Annotated[Actor, Depends(require_role(Role.SUPERVISOR))]
AppealId = Annotated[str, Path(max_length=32, pattern=AppealNumber.pattern(),
                               description="an appeal number, e.g. AKT-A-2026-000001")]
# What the office registers itself; the rest come from integrations.
OFFICE_CHANNELS = (AppealChannel.WALK_IN, AppealChannel.WRITTEN, AppealChannel.TELEPHONE)


class AppealAccepted(BaseModel):
    appeal_id: str
    case_id: str | None = Field(description="the ¶10 case opened at once, if the appeal "
                                            "reports a violation against a child")
    self_link: str


class TaskOutcome(BaseModel):
    outcome: dict[str, Any]


class ExtensionRequest(BaseModel):
    reason: str = Field(min_length=10, max_length=2000)
    new_due: date


class WithdrawalRequest(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


async def _accepted(request: Request, response: Response, svc: ServicesDep, appeal: Appeal,
                    taken_by: str) -> AppealAccepted:
    submitted = await submit_appeal(svc.client, svc.engine, appeal, taken_by=taken_by,
                                    secret=svc.settings.repeat_secret,
                                    task_queue=svc.settings.task_queue)
    if not submitted.created:
        response.status_code = status.HTTP_200_OK
    request.state.case_id = submitted.appeal_id
    return AppealAccepted(
        appeal_id=submitted.appeal_id, case_id=submitted.case_id,
        self_link=str(request.url_for("read_appeal", appeal_id=submitted.appeal_id)))


@router.post("", status_code=status.HTTP_201_CREATED, responses={
    status.HTTP_200_OK: {"model": AppealAccepted, "description": "already received"},
    status.HTTP_422_UNPROCESSABLE_CONTENT: {"description": "each bad field and why"}})
async def submit_appeal_from_integration(
    body: Appeal, request: Request, response: Response, key: AppealsKey, svc: ServicesDep,
) -> AppealAccepted:
    """Submit an appeal or complaint (¶6.2). Idempotent by (channel, external_ref): a repeat
    answers 200 with the appeal the first registered."""
    enforce(limits_of(request).reports, key.key_id, "appeals from this key")
    appeal = parse_appeal(await request.json(), districts=svc.districts)
    if appeal.channel.value not in key.channels:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"this key may not submit for the {appeal.channel.value} channel")
    return await _accepted(request, response, svc, appeal, f"{key.name} ({key.key_id})")


@router.post("/register", status_code=status.HTTP_201_CREATED, responses={
    status.HTTP_200_OK: {"model": AppealAccepted, "description": "already registered"}})
async def register_appeal_in_the_office(
    body: Appeal, request: Request, response: Response, user: Person, svc: ServicesDep,
) -> AppealAccepted:
    """Register a walk-in, written or telephone appeal (APPC art. 64: never refused)."""
    appeal = parse_appeal(await request.json(), districts=svc.districts)
    if appeal.channel not in OFFICE_CHANNELS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"channel: the office registers "
                            f"{', '.join(c.value for c in OFFICE_CHANNELS)} appeals")
    ensure_covers(user, appeal.region)
    return await _accepted(request, response, svc, appeal, user.id)


@router.get("")
async def list_appeals_in_scope(user: Person, svc: ServicesDep) -> list[AppealSummary]:
    """Appeals of your region (national: every region), newest first."""
    rows = await in_store(svc.engine, lambda s: list_appeals(s, regions=regions_of(user)))
    return [AppealSummary.of(r) for r in rows]


@router.get("/{appeal_id:appeal_number}")
async def read_appeal(appeal_id: AppealId, request: Request, user: Person,
                      svc: ServicesDep) -> AppealDetail:
    """The appeal: the applicant, the substance, its steps with their articles, the ¶10
    case it opened."""
    request.state.case_id = appeal_id
    return await appeal_detail(svc, user, appeal_id)


@router.post("/{appeal_id:appeal_number}/tasks/{key:task_key}/claim")
async def claim_appeal_task(appeal_id: AppealId, key: TaskKey, request: Request, user: Person,
                            svc: ServicesDep) -> TaskView:
    """Take an appeal's task, so colleagues see who works on it; 409 if someone else holds
    it (as a case's task)."""
    request.state.case_id = appeal_id
    return await claim(svc, user, appeal_id, key)


@router.post("/{appeal_id:appeal_number}/tasks/{key:task_key}/release")
async def release_appeal_task(appeal_id: AppealId, key: TaskKey, request: Request,
                              user: Person, svc: ServicesDep) -> TaskView:
    """Give an appeal's task you took back to the inbox."""
    request.state.case_id = appeal_id
    return await release(svc, user, appeal_id, key)


@router.put("/{appeal_id:appeal_number}/tasks/{key:task_key}/follow-up")
async def follow_up_appeal_task(appeal_id: AppealId, key: TaskKey, body: FollowUpDay,
                                request: Request, user: Person, svc: ServicesDep) -> TaskView:
    """Put an appeal's task you hold off until a day (as a case's task)."""
    request.state.case_id = appeal_id
    return await follow_up(svc, user, appeal_id, key, body.on)


@router.delete("/{appeal_id:appeal_number}/tasks/{key:task_key}/follow-up")
async def clear_appeal_follow_up(appeal_id: AppealId, key: TaskKey, request: Request,
                                 user: Person, svc: ServicesDep) -> TaskView:
    """Drop the follow-up date of an appeal's task you hold."""
    request.state.case_id = appeal_id
    return await follow_up(svc, user, appeal_id, key, None)


@router.post("/{appeal_id:appeal_number}/tasks/{key:task_key}/complete",
             responses=KEPT_FOR_REVIEW)
async def complete_appeal_task(appeal_id: AppealId, key: TaskKey, body: TaskOutcome,
                               request: Request, response: Response, user: Person,
                               svc: ServicesDep) -> StepView | TaskView:
    """Complete an appeal's task (triage, forwarding, the answer, its approval), by the
    same rules as a case's: region, role, open, and not held by someone else. A task
    delegated to you: your completion is kept for its holder's review (202, the task)."""
    request.state.case_id = appeal_id
    return kept_for_review(response, await complete_or_keep(
        svc, user, appeal_id, key, body.outcome, kinds=APPEAL_TASKS))


@router.post("/{appeal_id:appeal_number}/tasks/{key:task_key}/reassign")
async def reassign_appeal_task(appeal_id: AppealId, key: TaskKey, body: Reassignment,
                               request: Request, user: Supervisor, svc: ServicesDep
                               ) -> TaskView:
    """Give an appeal's task to a case worker of its region, with a reason (as a case's)."""
    request.state.case_id = appeal_id
    return await reassign(svc, user, appeal_id, key, to=body.assignee,
                                   reason=body.reason)


@router.post("/{appeal_id:appeal_number}/tasks/{key:task_key}/delegate")
async def delegate_appeal_task(appeal_id: AppealId, key: TaskKey, body: Delegation,
                               request: Request, user: Person, svc: ServicesDep) -> TaskView:
    """Delegate an appeal's task you hold to a colleague of its region (as a case's)."""
    request.state.case_id = appeal_id
    return await delegate(svc, user, appeal_id, key, to=body.delegate,
                                   note=body.note)


@router.post("/{appeal_id:appeal_number}/tasks/{key:task_key}/review")
async def review_appeal_task(appeal_id: AppealId, key: TaskKey, body: Review,
                             request: Request, user: Person, svc: ServicesDep
                             ) -> StepView | TaskView:
    """Accept or return the delegate's completion of an appeal's task (as a case's)."""
    request.state.case_id = appeal_id
    return await review(svc, user, appeal_id, key, accept=body.accept,
                                 reason=body.reason)


@router.post("/{appeal_id:appeal_number}/tasks/{key:task_key}/take-back")
async def take_back_appeal_task(appeal_id: AppealId, key: TaskKey, request: Request,
                                user: Person, svc: ServicesDep) -> TaskView:
    """End your delegation of an appeal's task: you hold it again."""
    request.state.case_id = appeal_id
    return await take_back(svc, user, appeal_id, key)


@router.post("/{appeal_id:appeal_number}/extension")
async def extend(appeal_id: AppealId, body: ExtensionRequest, request: Request,
                 user: Supervisor, svc: ServicesDep) -> Step:
    """APPC art. 76: extend the term by a reasoned decision, at most two months from
    receipt; the applicant is told at once."""
    request.state.case_id = appeal_id
    await readable(svc, user, appeal_id)
    extension = Extension(actor=user, reason=body.reason, new_due=body.new_due)
    return await _confirmed(svc.cases.update(
        appeal_id, "extend_appeal", extension,
        update_id=f"{appeal_id}/extension/{body.new_due}"))


@router.post("/{appeal_id:appeal_number}/withdrawal")
async def withdraw(appeal_id: AppealId, body: WithdrawalRequest, request: Request,
                   user: Person, svc: ServicesDep) -> Step:
    """Record the applicant's withdrawal: the appeal closes at once, the reason kept."""
    request.state.case_id = appeal_id
    await readable(svc, user, appeal_id)
    return await _confirmed(svc.cases.update(
        appeal_id, "withdraw_appeal", Withdrawal(actor=user, reason=body.reason),
        update_id=f"{appeal_id}/withdrawal"))


@refuses(403, 409, 422, 503)
async def _confirmed(update: Awaitable[Step]) -> Step:
    """The step an update closed; the workflow's refusal as ``web.errors`` maps it (403 role,
    409 closed, 422 invalid); a 503 when Temporal did not confirm it."""
    try:
        return await update
    except CaseUnavailable as e:
        raise temporal_unavailable(e.cause, waited=e.waited) from e
