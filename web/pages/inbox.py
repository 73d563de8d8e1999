"""The inbox: the signed-in person's open tasks by priority (a threat to life or health first,
then overdue, then the nearest due), each with who holds it and a button to take or give it
back. A supervisor's tasks are approvals, listed with the draft each decides. ¶6.2 appeal tasks
are listed beside them, under the Code's terms, linking to their appeal."""


from collections.abc import Awaitable
from datetime import UTC, datetime, time
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import ValidationError

from ombudsflow.local_time import LOCAL_TIME
from schemas.procedure import TASKS, may_complete
from schemas.steps import Role
from store.cases import TaskClaimed, TaskNotFound
from store.filters import TooManyFilters, save_filter
from store.follow_ups import NotHeld, TaskClosed
from web.actions import claim, follow_up, release
from web.dates import page_day, shown_day
from web.deps import ServicesDep, UserDep, in_store
from web.follow_ups import out_of_bounds
from web.pages.render import redirect, render
from web.pages.route import PageRoute
from web.pages.security import CsrfChecked
from web.views import (
    Held,
    TaskQuery,
    TaskView,
    approval_queue,
    inbox,
    query_string,
    saved_filters,
    work_tasks,
)

router = APIRouter(route_class=PageRoute)
SHOWN = 200  # the most a page lists; the API pages through the rest
MAX_NAME = 80  # a saved filter's name


# The filters the page offers, as the API's TaskQuery names them.
FILTERS = ("kind", "clause", "district", "case_id", "due_before", "overdue", "urgent", "held",
           "all")


@router.get("/")
async def show_inbox(request: Request, svc: ServicesDep, user: UserDep) -> Response:
    """Open tasks for the reader's role in their region, each linking to its form; a case
    worker's narrowed by the filters in the address."""
    tasks: list[TaskView]
    chosen = {k: v for k in FILTERS if (v := request.query_params.get(k, "").strip())}
    if user.role == Role.SUPERVISOR:
        now = datetime.now(UTC)
        tasks = list(await approval_queue(svc, user, limit=SHOWN)) + await in_store(
            svc.engine, lambda s: work_tasks(s, user, now, limit=SHOWN))
    else:
        query = task_query(chosen)
        tasks = await inbox(svc, user, query)
        if query.due_before is not None:  # shown back as typed, whatever form it came in
            chosen["due_before"] = shown_day(query.due_before.astimezone(LOCAL_TIME).date())
    districts = ([] if user.region is None else svc.districts.of_region(user.region))
    return render(request, "inbox.html", user=user, tasks=tasks, chosen=chosen,
                  kinds=sorted(k for k in TASKS if may_complete(k, user.role)),
                  districts=districts, held=list(Held), saved=await saved_filters(svc, user),
                  current=urlencode(sorted(chosen.items())))


@router.post("/filters")
async def save_from_inbox(request: Request, svc: ServicesDep, user: UserDep, _: CsrfChecked
                          ) -> Response:
    """Keep the inbox's current filters under a name, then show them."""
    posted = await request.form()
    name = str(posted.get("name", "")).strip()
    if not 0 < len(name) <= MAX_NAME or any(c in name for c in "/?#&="):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "error.filter_name")
    chosen = {k: v for k in FILTERS if (v := str(posted.get(k, "")).strip())}
    query = query_string(task_query(chosen))
    try:
        await in_store(svc.engine, lambda s: save_filter(s, user_id=user.id, name=name,
                                                         query=query))
    except TooManyFilters:
        raise HTTPException(status.HTTP_409_CONFLICT, "error.too_many_filters") from None
    return redirect(f"/?{urlencode(sorted(chosen.items()))}", flash="flash.filter_saved")


def task_query(chosen: dict[str, str]) -> TaskQuery:
    """The inbox's filters as the API's query; a due-before date is the start of that day on
    Kazakhstan's clock. A value no filter takes is refused (422) in the reader's language."""
    values: dict[str, object] = dict(chosen)
    if "due_before" in chosen:
        values["due_before"] = _due_before(chosen["due_before"])
    try:
        return TaskQuery.model_validate({**values, "limit": SHOWN})
    except (ValueError, ValidationError):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "error.filter") from None


def _due_before(typed: str) -> datetime:
    """The start of the day typed (dd.mm.yyyy) on Kazakhstan's clock; a saved filter's link
    carries it as the API writes it, an ISO date-time."""
    try:
        return datetime.fromisoformat(typed) if "T" in typed else datetime.combine(
            page_day(typed, field="due_before"), time(0), tzinfo=LOCAL_TIME)
    except ValueError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "error.day.due_before") from None


@router.post("/tasks/{case_id:work_number}/{key:task_key}/claim")
async def claim_from_inbox(svc: ServicesDep, user: UserDep, _: CsrfChecked, case_id: str,
                           key: str) -> Response:
    """Take the task, so colleagues see who works on it; 409 if someone else holds it."""
    task = await _claimed(claim(svc, user, case_id, key))
    return redirect("/", flash="flash.claimed", kind=task.kind)


@router.post("/tasks/{case_id:work_number}/{key:task_key}/release")
async def release_from_inbox(svc: ServicesDep, user: UserDep, _: CsrfChecked, case_id: str,
                             key: str) -> Response:
    """Give the task back to the inbox."""
    task = await _claimed(release(svc, user, case_id, key))
    return redirect("/", flash="flash.released", kind=task.kind)


@router.post("/tasks/{case_id:work_number}/{key:task_key}/follow-up")
async def follow_up_from_inbox(request: Request, svc: ServicesDep, user: UserDep,
                               _: CsrfChecked, case_id: str, key: str) -> Response:
    """Put a task I hold off until the day typed (dd.mm.yyyy), or (``clear``) back in view."""
    posted = await request.form()
    on = None
    if "clear" not in posted:
        on = page_day(str(posted.get("on", "")), field="follow_up_on")
        if (refused := out_of_bounds(on)) is not None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"error.{refused.value}")
    task = await _claimed(follow_up(svc, user, case_id, key, on))
    return redirect("/", flash="flash.followed_up" if on else "flash.follow_up_cleared",
                    kind=task.kind)


async def _claimed(change: Awaitable[TaskView]) -> TaskView:
    """The task as changed; the store's refusal of a claim (or of a follow-up) as a page's
    (in the reader's language)."""
    try:
        return await change
    except TaskClaimed:
        raise HTTPException(status.HTTP_409_CONFLICT, "error.claimed") from None
    except NotHeld:
        raise HTTPException(status.HTTP_409_CONFLICT, "error.not_held") from None
    except TaskClosed:
        raise HTTPException(status.HTTP_409_CONFLICT, "error.task_closed") from None
    except TaskNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "error.no_task") from None
