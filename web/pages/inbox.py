"""The inbox: the signed-in person's open tasks by priority (a threat to life or health first,
then overdue, then the nearest due), each with who holds it and a button to take or give it
back. A supervisor's tasks are approvals, listed with the draft each decides."""

from collections.abc import Awaitable

from fastapi import APIRouter, HTTPException, Request, Response, status

from schemas.steps import Role
from store.cases import TaskClaimed, TaskNotFound
from web.actions import claim, release
from web.deps import ServicesDep, UserDep
from web.pages.render import redirect, render
from web.pages.route import PageRoute
from web.pages.security import CsrfChecked
from web.views import TaskQuery, TaskView, approval_queue, inbox

router = APIRouter(route_class=PageRoute)
SHOWN = 200  # the most a page lists; the API pages through the rest


@router.get("/")
async def show_inbox(request: Request, svc: ServicesDep, user: UserDep) -> Response:
    """Open tasks for the reader's role in their region, each linking to its form."""
    tasks: list[TaskView]
    if user.role == Role.SUPERVISOR:
        tasks = list(await approval_queue(svc, user, limit=SHOWN))
    else:
        tasks = await inbox(svc, user, TaskQuery(limit=SHOWN))
    return render(request, "inbox.html", user=user, tasks=tasks)


@router.post("/tasks/{case_id}/{key}/claim")
async def claim_from_inbox(svc: ServicesDep, user: UserDep, _: CsrfChecked, case_id: str,
                           key: str) -> Response:
    """Take the task, so colleagues see who works on it; 409 if someone else holds it."""
    task = await _claimed(claim(svc, user, case_id, key))
    return redirect("/", flash="flash.claimed", kind=task.kind)


@router.post("/tasks/{case_id}/{key}/release")
async def release_from_inbox(svc: ServicesDep, user: UserDep, _: CsrfChecked, case_id: str,
                             key: str) -> Response:
    """Give the task back to the inbox."""
    task = await _claimed(release(svc, user, case_id, key))
    return redirect("/", flash="flash.released", kind=task.kind)


async def _claimed(change: Awaitable[TaskView]) -> TaskView:
    """The task as changed; the store's refusal of a claim as a page's (in the reader's
    language)."""
    try:
        return await change
    except TaskClaimed:
        raise HTTPException(status.HTTP_409_CONFLICT, "error.claimed") from None
    except TaskNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "error.no_task") from None
