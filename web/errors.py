"""How failures become HTTP answers: every refusal says which field and why, and an outage
of the store or of Temporal is a 503 with a clear message, never a 500.

    422  RequestValidationError / pydantic ValidationError   {"detail": [{"field", "reason"}]}
    4xx  WorkflowUpdateFailedError from a validator          {"detail": reason, "type": kind}
         (the reason in the caller's Accept-Language, "field: reason" for one field)
    404  TaskNotFound, 409 TaskClaimed (claims in the store)  {"detail": reason}
    503  the SQL store or the Temporal service unreachable   {"detail": what to do}
         (or an update unanswered within its deadline)     + Retry-After
"""

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from schemas.errors import RejectedAction
from schemas.refusals import Refusal
from store.cases import TaskClaimed, TaskNotFound
from web.deps import services
from web.i18n import LANGUAGES, Translator

log = structlog.get_logger()

RETRY_AFTER = "60"
UNCONFIRMED = ("the workflow service (Temporal) is unreachable or restarting, and this change "
               "is not confirmed. Retry in a minute; the same request sent again is applied "
               "only once")


def temporal_unavailable(error: BaseException, *, waited: float | None = None
                         ) -> HTTPException:
    """The 503 for an update Temporal did not answer: unreachable, or not within ``waited``
    seconds (an update may still be applied later; its fixed id makes a retry of the same
    request join it rather than apply it twice)."""
    status_name = error.status.name if isinstance(error, RPCError) else type(error).__name__
    log.warning("temporal update unconfirmed", status=status_name, waited=waited)
    detail = UNCONFIRMED if waited is None else (
        f"the workflow service (Temporal) did not answer within {waited:g} s: it is "
        "unreachable, restarting or overloaded, and this change is not confirmed. Retry in a "
        "minute; the same request sent again is applied only once")
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail,
                         headers={"Retry-After": RETRY_AFTER})


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic errors as ``field`` (dotted path, without the "body" prefix) and ``reason``."""
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
        reason = str(e.get("msg", "")).removeprefix("Value error, ")
        out.append({"field": ".".join(loc) or "(body)", "reason": reason})
    return out


def rejection_of(error: WorkflowUpdateFailedError, t: Translator
                 ) -> tuple[int, dict[str, str]]:
    """The status and body for an update a workflow validator refused, its reason in ``t``'s
    language: "field: reason" when it is about one field of the outcome."""
    cause = error.cause
    kinds = {k.value: k for k in RejectedAction}
    if isinstance(cause, ApplicationError) and cause.type in kinds:
        kind = kinds[cause.type]
        return kind.http_status, {"detail": refusal_text(cause, t), "type": kind.value}
    message = cause.message if isinstance(cause, ApplicationError) else str(cause or error)
    return status.HTTP_422_UNPROCESSABLE_CONTENT, {"detail": message, "type": "InvalidOutcome"}


def refusal_text(error: ApplicationError, t: Translator) -> str:
    """A validator's refusal in ``t``'s language, "field: reason" when about one field."""
    refusal = refusal_in(error)
    if refusal is None:
        return error.message
    return (f"{refusal.field}: " if refusal.field else "") + t.refusal(refusal)


def refusal_in(error: ApplicationError) -> Refusal | None:
    """The coded reason a validator gave (None from a worker older than the codes)."""
    try:
        return Refusal.model_validate(error.details[0]) if error.details else None
    except ValidationError:
        return None


def api_language(request: Request) -> str:
    """The API caller's language: the first of ours in Accept-Language, else English (what
    a program reads by default)."""
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": field_errors(exc.errors())},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(ValidationError)
    async def _invalid_model(_: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse({"detail": field_errors(exc.errors())},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(WorkflowUpdateFailedError)
    async def _rejected(request: Request, exc: WorkflowUpdateFailedError) -> JSONResponse:
        t = Translator(api_language(request), districts=services(request).districts)
        code, body = rejection_of(exc, t)
        return JSONResponse(body, status_code=code)

    @app.exception_handler(TaskNotFound)
    async def _no_task(_: Request, exc: TaskNotFound) -> JSONResponse:
        return JSONResponse({"detail": f"no open task {exc}"},
                            status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(TaskClaimed)
    async def _claimed(_: Request, exc: TaskClaimed) -> JSONResponse:
        return JSONResponse({"detail": f"task {exc} is claimed by someone else"},
                            status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(DataError)
    async def _out_of_range(_: Request, exc: DataError) -> JSONResponse:
        # Inputs are bounded where they enter; this catches a bound someone forgot.
        log.warning("value out of range for the store", error=type(exc.orig).__name__)
        return JSONResponse({"detail": [{"field": "(request)", "reason": "a value is too long "
                                         "or out of range"}]},
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _store_down(_: Request, exc: Exception) -> JSONResponse:
        log.warning("store unavailable", error=type(exc).__name__)
        return JSONResponse({"detail": "the case store is unavailable; nothing was changed, "
                                       "retry in a minute"},
                            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                            headers={"Retry-After": RETRY_AFTER})

    @app.exception_handler(RPCTimeoutOrCancelledError)
    async def _temporal_timeout(_: Request, exc: RPCTimeoutOrCancelledError) -> JSONResponse:
        # An update call with a deadline that passed (web.actions turns its own into a 503
        # already; this catches any other).
        log.warning("temporal call timed out", error=type(exc).__name__)
        return JSONResponse({"detail": UNCONFIRMED},
                            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                            headers={"Retry-After": RETRY_AFTER})

    @app.exception_handler(RPCError)
    async def _temporal_error(_: Request, exc: RPCError) -> JSONResponse:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return JSONResponse({"detail": "no such case"}, status_code=404)
        log.warning("temporal unavailable", status=exc.status.name)
        return JSONResponse({"detail": "the workflow service is unavailable; nothing was "
                                       "changed, retry in a minute"},
                            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                            headers={"Retry-After": RETRY_AFTER})
