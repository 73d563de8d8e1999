"""The inbox: the signed-in person's open tasks, due soonest first, overdue ones marked. A
supervisor's tasks are approvals, listed with the draft each decides. ¶6.2 appeal tasks are
listed beside them, under the Code's terms, linking to their appeal."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from schemas.steps import Role
from web.deps import ServicesDep, UserDep, in_store
from web.pages.render import render
from web.pages.route import PageRoute
from web.views import TaskQuery, TaskView, appeal_tasks, approval_queue, inbox

router = APIRouter(route_class=PageRoute)
SHOWN = 200  # the most a page lists; the API pages through the rest


@router.get("/")
async def show_inbox(request: Request, svc: ServicesDep, user: UserDep) -> Response:
    """Open tasks for the reader's role in their region, each linking to its form."""
    tasks: list[TaskView]
    if user.role == Role.SUPERVISOR:
        now = datetime.now(UTC)
        tasks = list(await approval_queue(svc, user, limit=SHOWN)) + await in_store(
            svc.engine, lambda s: appeal_tasks(s, user, now, limit=SHOWN))
    else:
        tasks = await inbox(svc, user, TaskQuery(limit=SHOWN))
    return render(request, "inbox.html", user=user, tasks=tasks)
