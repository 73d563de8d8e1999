"""The inbox: open tasks for your role and region, claimed, released and completed."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from schemas.case import Actor
from schemas.steps import Role
from web.actions import claim, complete_task, release
from web.deps import CaseId, ServicesDep, TaskKey, require_role
from web.views import StepView, TaskQuery, TaskView, inbox

router = APIRouter(prefix="/tasks", tags=["tasks"])
Person = Annotated[Actor, Depends(require_role(Role.CASE_WORKER, Role.SUPERVISOR))]


class TaskCompletion(BaseModel):
    outcome: dict[str, Any] = Field(
        description="the outcome model of the task's kind (schemas/outcomes.py), e.g. "
                    "PreventiveTalkOutcome for a preventive_talk task"
    )


@router.get("")
async def list_my_tasks(
    user: Person, svc: ServicesDep, query: Annotated[TaskQuery, Query()]
) -> list[TaskView]:
    """Open tasks for your role in your region, yours or unclaimed: overdue first."""
    return await inbox(svc, user, query)


@router.post("/{case_id}/{key}/claim")
async def claim_task(case_id: CaseId, key: TaskKey, user: Person, svc: ServicesDep
                     ) -> TaskView:
    """Take a task, so colleagues see who works on it."""
    return await claim(svc, user, case_id, key)


@router.post("/{case_id}/{key}/release")
async def release_task(case_id: CaseId, key: TaskKey, user: Person, svc: ServicesDep
                       ) -> TaskView:
    """Give a task you took back to the inbox."""
    return await release(svc, user, case_id, key)


@router.post("/{case_id}/{key}/complete")
async def complete(
    case_id: CaseId, key: TaskKey, body: TaskCompletion, user: Person, svc: ServicesDep
) -> StepView:
    """Complete a task with its outcome; answers the step as the workflow closed it."""
    return await complete_task(svc, user, case_id, key, body.outcome)
