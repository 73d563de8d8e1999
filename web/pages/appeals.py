"""The appeal page (¶6.2): the appeal's facts and term, the applicant and the substance (only
for the people of its region), the ¶10 case it opened, its steps with their articles, and the
history from Temporal."""

from fastapi import APIRouter, Request, Response

from schemas.procedure import APPEAL_TASKS, may_complete
from web.appeal_views import appeal_detail
from web.deps import ServicesDep
from web.handoffs import may_reassign
from web.history import history as appeal_history
from web.pages.appeal_form import Person
from web.pages.render import render, translator
from web.pages.route import PageRoute

router = APIRouter(route_class=PageRoute)


@router.get("/appeals/{appeal_id:appeal_number}")
async def show_appeal(request: Request, svc: ServicesDep, user: Person, appeal_id: str
                      ) -> Response:
    """The whole appeal as the reader may see it."""
    request.state.case_id = appeal_id
    appeal = await appeal_detail(svc, user, appeal_id)  # checks the reader's region first
    history = await appeal_history(svc, appeal_id, translator(request))
    steps = {s.key: s for s in appeal.steps}
    workable = {s.key for s in appeal.steps
                if s.is_open() and s.kind in APPEAL_TASKS
                and (may_complete(s.kind, user.role) or may_reassign(s.kind, user.role))}
    return render(request, "appeal.html", user=user, appeal=appeal, steps=steps,
                  history=history, workable=workable)
