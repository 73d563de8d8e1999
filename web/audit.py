"""Every read or change of a case (or of an activity report) leaves a row in the audit trail
(store/audit.py): who (from the authentication dependencies), in which role and region, what
(method and route), when, from where, and the HTTP status answered — refusals included."""

import re
from collections.abc import Awaitable, Callable

import structlog
from fastapi import Request, Response

from schemas.case import Actor
from store.audit import Access, record_access
from web.deps import CASE_NUMBER_CHARS, CASE_NUMBER_PATTERN, Services, in_store

log = structlog.get_logger()


def case_touched(request: Request) -> str | None:
    """The case a request read or changed: its path's ``case_id``, or one the route named.
    A path naming no possible case number (refused before its validation, by a role check)
    touched no case."""
    named = request.scope.get("path_params", {}).get("case_id")
    if named is None:
        return getattr(request.state, "case_id", None)
    named = str(named)
    fits = len(named) <= CASE_NUMBER_CHARS and re.match(CASE_NUMBER_PATTERN, named)
    return named if fits else None


async def audit_case_access(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """HTTP middleware: answer first, then append the audit row for a touched case."""
    response = await call_next(request)
    case_id = case_touched(request)
    actor: Actor | None = getattr(request.state, "actor", None)
    # An activity report (¶8, ¶6.1, ¶6.10) is audited like a case; its id is in the path.
    report_id: str | None = getattr(request.state, "report_id", None)
    if (case_id is None and report_id is None) or actor is None:
        return response
    what = f"{request.method} {request.url.path}"  # case numbers carry no personal data
    access = Access(actor=actor, case_id=case_id, action=what,
                    source=request.client.host if request.client else "",
                    result=response.status_code)
    services: Services = request.app.state.services
    await in_store(services.engine, lambda session: record_access(session, access))
    return response
