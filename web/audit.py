"""Every read or change of a case (or of an activity report) leaves a row in the audit trail
(store/audit.py): who (from the authentication dependencies), in which role and region, what
(method and route), when, from where, and the HTTP status answered — refusals included. An
answer whose row cannot be written (the store went away while the request ran) is withheld: a
503 to retry, never a 500."""

import re
from collections.abc import Awaitable, Callable

import structlog
from fastapi import Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from schemas.case import Actor
from store.audit import Access, record_access
from web.deps import CASE_NUMBER_CHARS, CASE_NUMBER_PATTERN, Services, in_store
from web.errors import RETRY_AFTER

log = structlog.get_logger()
UNRECORDED = ("the case store became unavailable, so this request could not be entered in the "
              "audit trail and its answer is withheld. Retry in a minute; a change sent again "
              "is applied only once")


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
    try:
        await in_store(services.engine, lambda session: record_access(session, access))
    except (OperationalError, PoolTimeout) as exc:
        log.warning("audit row not written: store unavailable", error=type(exc).__name__,
                    case_id=case_id, result=response.status_code)
        return JSONResponse({"detail": UNRECORDED}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                            headers={"Retry-After": RETRY_AFTER})
    return response
