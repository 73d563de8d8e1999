"""The inbox: open tasks for your role and region, claimed, released and completed."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from schemas.case import Actor
from schemas.steps import Role
from store.filters import MAX_FILTERS, TooManyFilters, delete_filter, save_filter
from web.actions import claim, complete_task, release
from web.deps import CaseId, ServicesDep, TaskKey, in_store, require_role
from web.refuses import refuses
from web.views import (
    SavedFilters,
    SavedFilterView,
    StepView,
    TaskQuery,
    TaskView,
    inbox,
    query_string,
    saved_filters,
)

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


FilterName = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[^/?#&=]+$")]


@router.get("/filters")
async def list_saved_filters(user: Person, svc: ServicesDep) -> list[SavedFilterView]:
    """Your saved inbox filters, by name."""
    return await saved_filters(svc, user)


@router.put("/filters/{name}")
@refuses(409)
async def save_inbox_filter(name: FilterName, filters: SavedFilters, user: Person,
                            svc: ServicesDep) -> SavedFilterView:
    """Keep these filters under ``name`` (replacing one of the same name); at most
    MAX_FILTERS a person. Apply them as ``GET /api/v1/tasks?{query}``."""
    query = query_string(filters)
    try:
        await in_store(svc.engine, lambda s: save_filter(s, user_id=user.id, name=name,
                                                         query=query))
    except TooManyFilters:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"you keep {MAX_FILTERS} filters already; delete one") from None
    return SavedFilterView(name=name, query=query)


@router.delete("/filters/{name}", status_code=status.HTTP_204_NO_CONTENT)
@refuses(404)
async def delete_inbox_filter(name: FilterName, user: Person, svc: ServicesDep) -> None:
    """Forget a saved filter; 404 if you keep none of that name."""
    if not await in_store(svc.engine, lambda s: delete_filter(s, user_id=user.id, name=name)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no saved filter {name!r}")


@router.post("/{case_id:case_number}/{key:task_key}/claim")
async def claim_task(case_id: CaseId, key: TaskKey, user: Person, svc: ServicesDep
                     ) -> TaskView:
    """Take a task, so colleagues see who works on it."""
    return await claim(svc, user, case_id, key)


@router.post("/{case_id:case_number}/{key:task_key}/release")
async def release_task(case_id: CaseId, key: TaskKey, user: Person, svc: ServicesDep
                       ) -> TaskView:
    """Give a task you took back to the inbox."""
    return await release(svc, user, case_id, key)


@router.post("/{case_id:case_number}/{key:task_key}/complete")
async def complete(
    case_id: CaseId, key: TaskKey, body: TaskCompletion, user: Person, svc: ServicesDep
) -> StepView:
    """Complete a task with its outcome; answers the step as the workflow closed it."""
    return await complete_task(svc, user, case_id, key, body.outcome)
