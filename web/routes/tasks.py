"""The inbox: open tasks for your role and region, claimed, released and completed."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, Field

from schemas.case import Actor
from schemas.procedure import REPORT_TASKS, TASKS
from schemas.reporting import is_report_id
from schemas.steps import Role
from store.filters import MAX_FILTERS, TooManyFilters, delete_filter, save_filter
from web.actions import claim, follow_up, release
from web.deps import CASE_NUMBER_CHARS, ServicesDep, TaskKey, in_store, require_role
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
from web.paths import ReportName
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
Supervisor = Annotated[Actor, Depends(require_role(Role.SUPERVISOR))]


# A case number no longer than the store holds (``AKT-2026-`` and its digits), or a report's
# id: the route takes any length, so an over-long number is a 422 naming it, not a 404.
CASE_DIGITS = CASE_NUMBER_CHARS - len("AKT-2026-")
OWNER_PATTERN = rf"^(?:[A-Z]{{3}}-\d{{4}}-\d{{6,{CASE_DIGITS}}}|{ReportName.regex})$"


def _owner(request: Request, case_id: Annotated[str, Path(
        max_length=80, pattern=OWNER_PATTERN,
        description="a case number (AKT-2026-000123) or an activity report's id "
                    "(half-year-aktobe-2026-H1)")]) -> str:
    """The case or the report whose task the call names, audited as such."""
    if is_report_id(case_id):
        request.state.report_id = case_id
    return case_id


Owner = Annotated[str, Depends(_owner)]


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


@router.post("/{case_id:task_owner}/{key:task_key}/claim")
async def claim_task(case_id: Owner, key: TaskKey, user: Person, svc: ServicesDep
                     ) -> TaskView:
    """Take a task, so colleagues see who works on it."""
    return await claim(svc, user, case_id, key)


@router.post("/{case_id:task_owner}/{key:task_key}/release")
async def release_task(case_id: Owner, key: TaskKey, user: Person, svc: ServicesDep
                       ) -> TaskView:
    """Give a task you took back to the inbox."""
    return await release(svc, user, case_id, key)


@router.put("/{case_id:task_owner}/{key:task_key}/follow-up")
async def follow_up_task(case_id: Owner, key: TaskKey, body: FollowUpDay, user: Person,
                         svc: ServicesDep) -> TaskView:
    """Put a task you hold off until a day: out of your default inbox until then (shown with
    ``all=true``), and an e-mail reminds you that morning. Releasing or closing the task
    drops it."""
    return await follow_up(svc, user, case_id, key, body.on)


@router.delete("/{case_id:task_owner}/{key:task_key}/follow-up")
async def clear_follow_up(case_id: Owner, key: TaskKey, user: Person, svc: ServicesDep
                          ) -> TaskView:
    """Drop the follow-up date of a task you hold: back in your default inbox."""
    return await follow_up(svc, user, case_id, key, None)


@router.post("/{case_id:task_owner}/{key:task_key}/complete", responses=KEPT_FOR_REVIEW)
async def complete(case_id: Owner, key: TaskKey, body: TaskCompletion, user: Person,
                   svc: ServicesDep, response: Response) -> StepView | TaskView:
    """Complete a task with its outcome; answers the step as the workflow closed it. A task
    delegated to you: your completion is kept for its holder's review (202, the task)."""
    return kept_for_review(response, await complete_or_keep(
        svc, user, case_id, key, body.outcome, kinds=TASKS | REPORT_TASKS))


@router.post("/{case_id:task_owner}/{key:task_key}/reassign")
async def reassign_task(case_id: Owner, key: TaskKey, body: Reassignment,
                        user: Supervisor, svc: ServicesDep) -> TaskView:
    """Give a task to a case worker of its region, with a reason (supervisors): the claim
    moves to them; a delegation ends."""
    return await reassign(svc, user, case_id, key, to=body.assignee, reason=body.reason)


@router.post("/{case_id:task_owner}/{key:task_key}/delegate")
async def delegate_task(case_id: Owner, key: TaskKey, body: Delegation,
                        user: Person, svc: ServicesDep) -> TaskView:
    """Delegate a task you hold to a colleague of its region: they hold it and complete it;
    the completion waits for your review."""
    return await delegate(svc, user, case_id, key, to=body.delegate, note=body.note)


@router.post("/{case_id:task_owner}/{key:task_key}/review")
async def review_task(case_id: Owner, key: TaskKey, body: Review, user: Person,
                      svc: ServicesDep) -> StepView | TaskView:
    """Accept the delegate's completion (sent as yours: the step as the workflow closed it),
    or return it with a reason (the task, theirs again)."""
    return await review(svc, user, case_id, key, accept=body.accept,
                                 reason=body.reason)


@router.post("/{case_id:task_owner}/{key:task_key}/take-back")
async def take_back_task(case_id: Owner, key: TaskKey, user: Person, svc: ServicesDep
                         ) -> TaskView:
    """End your delegation of a task: you hold it again."""
    return await take_back(svc, user, case_id, key)
