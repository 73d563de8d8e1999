"""The supervisor's board: drafts and closures waiting for a decision (four eyes)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, StringConstraints

from schemas.case import Actor
from schemas.steps import Role
from schemas.stripped import stripped_lengths
from web.actions import decide_approval
from web.deps import CaseId, ServicesDep, TaskKey, require_role
from web.views import MAX_OFFSET, ApprovalView, StepView, approval_queue

router = APIRouter(prefix="/approvals", tags=["approvals"])
Supervisor = Annotated[Actor, Depends(require_role(Role.SUPERVISOR))]


class Rejection(BaseModel):
    model_config = ConfigDict(json_schema_extra=stripped_lengths)

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=2000)]


@router.get("")
async def list_open_approvals(
    user: Supervisor, svc: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[ApprovalView]:
    """Open approvals in your scope, each with the draft to decide on."""
    return await approval_queue(svc, user, limit=limit, offset=offset)


@router.post("/{case_id:case_number}/{key:task_key}/approve")
async def approve(case_id: CaseId, key: TaskKey, user: Supervisor, svc: ServicesDep
                  ) -> StepView:
    """Approve the draft (or the closure)."""
    return await decide_approval(svc, user, case_id, key, approved=True)


@router.post("/{case_id:case_number}/{key:task_key}/reject")
async def reject(
    case_id: CaseId, key: TaskKey, body: Rejection, user: Supervisor, svc: ServicesDep
) -> StepView:
    """Send the draft (or the closure) back, saying why."""
    return await decide_approval(svc, user, case_id, key, approved=False, reason=body.reason)
