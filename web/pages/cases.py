"""The case page: facts, the child (only for the people of the case's region), the steps as a
checklist, notices sent, the timeline from Temporal's history, and, for supervisors, the
approvals of this case waiting for a decision; the ¶6.2 appeal that opened it, if one did."""

from fastapi import APIRouter, Request, Response

from schemas.procedure import APPROVALS, TASKS, may_complete
from schemas.steps import Role
from store.appeals import appeal_of_case
from store.audit import case_trail
from web.deps import ServicesDep, UserDep, in_store
from web.handoffs import may_reassign
from web.history import history as case_history
from web.pages.render import render, translator
from web.pages.route import PageRoute
from web.views import case_detail

router = APIRouter(route_class=PageRoute)


@router.get("/cases/{case_id:case_number}")
async def show_case(request: Request, svc: ServicesDep, user: UserDep, case_id: str) -> Response:
    """The whole case as the reader may see it."""
    case = await case_detail(svc, user, case_id)  # checks the reader's region first
    history = await case_history(svc, case_id, translator(request))
    steps = {s.key: s for s in case.steps}
    approvals = [s for s in case.steps if s.kind in APPROVALS and s.is_open()
                 and user.role == Role.SUPERVISOR]
    workable = {s.key for s in case.steps
                if s.is_open() and s.kind in TASKS
                and (may_complete(s.kind, user.role) or may_reassign(s.kind, user.role))}
    # Supervisors answer for who looked at a case: they see its audit trail (issue: least
    # privilege and audit).
    audit = (await in_store(svc.engine, lambda session: case_trail(session, case_id))
             if user.role == Role.SUPERVISOR else [])
    appeal = await in_store(svc.engine, lambda session: appeal_of_case(session, case_id))
    return render(request, "case.html", user=user, case=case, steps=steps, history=history,
                  approvals=approvals, workable=workable, audit=audit,
                  appeal_id=appeal.appeal_id if appeal else None)
