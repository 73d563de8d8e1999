"""The inbox: the signed-in person's open tasks, due soonest first, overdue ones marked. A
supervisor's tasks are approvals, listed with the draft each decides."""

from fastapi import APIRouter, Request, Response

from schemas.steps import Role
from web.deps import ServicesDep, UserDep
from web.pages.render import render
from web.pages.route import PageRoute
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
