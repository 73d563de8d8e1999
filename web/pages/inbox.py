"""The inbox: the signed-in person's open tasks, due soonest first, overdue ones marked."""

from fastapi import APIRouter, Request, Response

from web.deps import ServicesDep, UserDep
from web.pages.render import render
from web.pages.route import PageRoute
from web.views import TaskQuery, inbox

router = APIRouter(route_class=PageRoute)
SHOWN = 200  # the most a page lists; the API pages through the rest


@router.get("/")
async def show_inbox(request: Request, svc: ServicesDep, user: UserDep) -> Response:
    """Open tasks for the reader's role in their region, each linking to its form."""
    tasks = await inbox(svc, user, TaskQuery(limit=SHOWN))
    return render(request, "inbox.html", user=user, tasks=tasks)
