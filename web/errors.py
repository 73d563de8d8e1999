"""How failures become HTTP answers, and how the OpenAPI document says so: every refusal names
the field or the reason, an outage of the store or of Temporal is a 503 with Retry-After, never
a 500, and each operation documents exactly the statuses and bodies it can answer.

    422  InvalidInput {"detail": [{"field", "reason"}]}: every bad input, each field and why —
         a body that is not JSON (field ``body``), a rule across fields (``body``), a
         workflow validator's refusal of an outcome (``outcome...``)
    401 403 404 405 409 429 503  Refusal {"detail": reason} (+ "type" when the case's
         workflow refused: UnknownTask 404, TaskClosed 409, Forbidden 403; a refusal's reason
         in the caller's Accept-Language, English by default)
         401 with WWW-Authenticate; 405 with Allow; 429 and 503 with Retry-After

Which statuses an operation answers is worked out from the code that raises them, not listed
by hand: a function that raises a refusal, or calls a service that answers one (the store, a
case's workflow), says so with ``@refuses(...)``, and the store's claim refusals map to theirs
(``REFUSED_AS``); an operation answers what its handler and dependencies reach by name
(``refusals_of``), and what routing answers on its path (web.routing: a 404 for an id not in
its format, a 405 where its path may be another route's). The API tests hold the document to
what is served.
"""

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from types import CodeType, FunctionType
from typing import Any

import structlog
from fastapi import FastAPI, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field, ValidationError
from pydantic.json_schema import models_json_schema
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from ombudsflow.constants import LANGUAGES
from schemas.errors import RejectedAction
from schemas.refusals import Refusal as CodedRefusal
from store.cases import TaskClaimed, TaskNotFound
from store.follow_ups import NotHeld, TaskClosed
from web.deps import services
from web.i18n import Translator
from web.metrics import update_unconfirmed
from web.refuses import declared
from web.routing import UNROUTED, allowed_methods, routed, shadowed, takes_ids

log = structlog.get_logger()

RETRY_AFTER = "60"
UNCONFIRMED = ("the workflow service (Temporal) is unreachable or restarting, and this change "
               "is not confirmed. Retry in a minute; the same request sent again is applied "
               "only once")
WHOLE_BODY = "body"
# "field: reason", as workflow validators and a few refusals word a reason about one field.
_NAMED_FIELD = re.compile(r"(?P<field>[a-z_][a-z0-9_]*(?:\[\])?(?:\.[a-z_][a-z0-9_]*(?:\[\])?)*)"
                          r": (?P<reason>.+)", re.DOTALL)


# The bodies ---------------------------------------------------------------------------------


class FieldError(BaseModel):
    field: str = Field(description="the input's dotted path (child.iin, outcome.talks.0, "
                                   "offset); body for the request body as a whole",
                       examples=["child.iin"])
    reason: str = Field(examples=["IIN check digit does not match"])


class InvalidInput(BaseModel):
    """422: every bad input of the request, each with its reason; nothing was done."""

    detail: list[FieldError] = Field(min_length=1)


class Refusal(BaseModel):
    """Any other refusal or outage: the reason in one sentence; nothing was done."""

    detail: str = Field(examples=["task 'preventive_talk' is already done"])
    type: RejectedAction | None = Field(
        default=None, description="set when the case's workflow itself refused (UnknownTask "
                                  "404, TaskClosed 409, Forbidden 403)")


def invalid(errors: Iterable[FieldError]) -> JSONResponse:
    return JSONResponse(InvalidInput(detail=list(errors)).model_dump(),
                        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def refused(code: int, detail: str, *, kind: RejectedAction | None = None,
            headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = Refusal(detail=detail, type=kind).model_dump(mode="json", exclude_none=True)
    if code == status.HTTP_503_SERVICE_UNAVAILABLE:
        headers = {"Retry-After": RETRY_AFTER, **(headers or {})}
    return JSONResponse(body, status_code=code, headers=headers)


def field_errors(errors: Sequence[Any]) -> list[FieldError]:
    """Pydantic errors as ``field`` (dotted path, without the "body" prefix) and ``reason``;
    JSON that does not parse is the body's error, with the parser's reason and position."""
    out = []
    for e in errors:
        if e.get("type") == "json_invalid":
            where = [p for p in e.get("loc", ()) if isinstance(p, int)]
            at = f" at character {where[0]}" if where else ""
            out.append(FieldError(field=WHOLE_BODY, reason=f"not valid JSON: "
                                  f"{e.get('ctx', {}).get('error', 'cannot be parsed')}{at}"))
            continue
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
        reason = str(e.get("msg", "")).removeprefix("Value error, ")
        out.append(FieldError(field=".".join(loc) or WHOLE_BODY, reason=reason))
    return out


def named_field(reason: str, *, within: str = "", whole: str = WHOLE_BODY) -> FieldError:
    """A reason worded "field: reason" as that field's error (under ``within``), else the
    error of ``whole``."""
    named = _NAMED_FIELD.fullmatch(reason)
    if named is None:
        return FieldError(field=whole, reason=reason)
    return FieldError(field=".".join(filter(None, (within, named["field"]))),
                      reason=named["reason"])


def temporal_unavailable(error: BaseException, *, waited: float | None = None
                         ) -> HTTPException:
    """The 503 for an update Temporal did not answer: unreachable, or not within ``waited``
    seconds (an update may still be applied later; its fixed id makes a retry of the same
    request join it rather than apply it twice)."""
    status_name = error.status.name if isinstance(error, RPCError) else type(error).__name__
    log.warning("temporal update unconfirmed", status=status_name, waited=waited)
    update_unconfirmed(timed_out=waited is not None)
    detail = UNCONFIRMED if waited is None else (
        f"the workflow service (Temporal) did not answer within {waited:g} s: it is "
        "unreachable, restarting or overloaded, and this change is not confirmed. Retry in a "
        "minute; the same request sent again is applied only once")
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail,
                         headers={"Retry-After": RETRY_AFTER})


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


def refusal_in(error: ApplicationError) -> CodedRefusal | None:
    """The coded reason a validator gave (None from a worker older than the codes)."""
    try:
        return CodedRefusal.model_validate(error.details[0]) if error.details else None
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


# The handlers -------------------------------------------------------------------------------


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError | ValidationError)
    return invalid(field_errors(exc.errors()))


async def _rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkflowUpdateFailedError)
    districts = services(request).districts
    code, body = rejection_of(exc, Translator(api_language(request), districts=districts))
    if code == status.HTTP_422_UNPROCESSABLE_CONTENT:
        return invalid([named_field(body["detail"], within="outcome", whole="outcome")])
    return refused(code, body["detail"], kind=RejectedAction(body["type"]))


# The store's refusals of a claim, raised by name in our code: ``refusals_of`` finds them.
REFUSED_AS: dict[type[Exception], tuple[int, str]] = {
    TaskNotFound: (status.HTTP_404_NOT_FOUND, "no open task {}"),
    TaskClaimed: (status.HTTP_409_CONFLICT, "task {} is claimed by someone else"),
    TaskClosed: (status.HTTP_409_CONFLICT, "task {} is closed"),
    NotHeld: (status.HTTP_409_CONFLICT, "task {} is not yours: only its holder follows it up"),
}


async def _claim_refused(_: Request, exc: Exception) -> JSONResponse:
    code, words = REFUSED_AS[type(exc)]
    return refused(code, words.format(exc))


async def _out_of_range(_: Request, exc: Exception) -> JSONResponse:
    # Inputs are bounded where they enter; this catches a bound someone forgot.
    assert isinstance(exc, DataError)
    log.warning("value out of range for the store", error=type(exc.orig).__name__)
    return invalid([FieldError(field=WHOLE_BODY,
                               reason="a value is too long or out of range")])


async def _store_down(_: Request, exc: Exception) -> JSONResponse:
    log.warning("store unavailable", error=type(exc).__name__)
    return refused(status.HTTP_503_SERVICE_UNAVAILABLE,
                   "the case store is unavailable; nothing was changed, retry in a minute")


async def _temporal_timeout(_: Request, exc: Exception) -> JSONResponse:
    # An update call with a deadline that passed (web.actions turns its own into a 503
    # already; this catches any other).
    log.warning("temporal call timed out", error=type(exc).__name__)
    return refused(status.HTTP_503_SERVICE_UNAVAILABLE, UNCONFIRMED)


async def _temporal_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RPCError)
    if exc.status == RPCStatusCode.NOT_FOUND:
        return refused(status.HTTP_404_NOT_FOUND, "no such case")
    log.warning("temporal unavailable", status=exc.status.name)
    return refused(status.HTTP_503_SERVICE_UNAVAILABLE, "the workflow service is unavailable; "
                   "nothing was changed, retry in a minute")


async def _http_refusal(request: Request, exc: Exception) -> JSONResponse:
    """A refusal raised as ``HTTPException``, in the shape of its status. FastAPI answers a
    body it cannot read (not UTF-8, a broken form) with 400: the body's 422 here. Routing's
    own 405 lists every method of the path, its 404 says nothing is served there."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED and "Allow" in (exc.headers or {}):
        return refused(exc.status_code, "this path does not accept this method",
                       headers={"Allow": ", ".join(allowed_methods(request))})
    if not routed(request) and exc.status_code == status.HTTP_404_NOT_FOUND:
        return refused(exc.status_code, UNROUTED)
    if exc.status_code == status.HTTP_400_BAD_REQUEST:
        return invalid([FieldError(field=WHOLE_BODY, reason=f"cannot be read: {exc.detail}")])
    if exc.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT:
        return invalid([named_field(str(exc.detail))])
    return refused(exc.status_code, str(exc.detail), headers=exc.headers)


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Awaitable[JSONResponse]]] = {
    RequestValidationError: _invalid_request,
    ValidationError: _invalid_request,
    WorkflowUpdateFailedError: _rejected,
    TaskNotFound: _claim_refused,
    TaskClaimed: _claim_refused,
    TaskClosed: _claim_refused,
    NotHeld: _claim_refused,
    DataError: _out_of_range,
    OperationalError: _store_down,
    PoolTimeout: _store_down,
    RPCTimeoutOrCancelledError: _temporal_timeout,
    RPCError: _temporal_error,
    HTTPException: _http_refusal,
}


def install_error_handlers(app: FastAPI) -> None:
    for exception, handler in HANDLERS.items():
        app.add_exception_handler(exception, handler)


# The document -------------------------------------------------------------------------------

# Where ``refusals_of`` looks for raising code: this project's packages, not libraries.
_OURS = ("web", "store", "ombudsflow", "schemas")
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again",
                                "required": True, "schema": {"type": "integer"}}}
ANSWERS: dict[int, dict[str, Any]] = {
    401: {"description": "not signed in, or no valid X-API-Key",
          "headers": {"WWW-Authenticate": {"description": "how to authenticate",
                                           "required": True, "schema": {"type": "string"}}}},
    403: {"description": "not for your role, region or key"},
    404: {"description": "no such case, or no such open task in it; or an id in the path "
                         "not in its format"},
    405: {"description": "the path is another resource's, a word where this operation has an "
                         "id, and that resource does not accept this method",
          "headers": {"Allow": {"description": "the methods the path accepts",
                                "required": True, "schema": {"type": "string"}}}},
    409: {"description": "the task is already closed or claimed by someone else (or, to put "
                         "it off, not held by you), or the case is not waiting for this"},
    422: {"description": "each bad input and why; a body that is not JSON is field body"},
    429: {"description": "too many requests from this caller", "headers": _RETRY_AFTER},
    503: {"description": "the store or Temporal is unreachable; nothing was changed",
          "headers": _RETRY_AFTER},
}


def refusals_of(operation: Dependant) -> set[int]:
    """The error statuses an operation can answer besides FastAPI's 422 for its parameters
    and body: what its handler and dependencies raise, and whatever they call by name raises
    (``@refuses``, or a claim refusal of the store, ``REFUSED_AS``)."""
    found: set[int] = set()
    seen: set[CodeType] = set()
    for call in _calls(operation):
        found |= _raised_by(call, seen)
    return found


def document_refusals(document: dict[str, Any], routes: Iterable[BaseRoute]) -> None:
    """Add to FastAPI's OpenAPI ``document`` every refusal each operation answers: the
    status, its body model (``InvalidInput`` or ``Refusal``) and headers, in place of FastAPI's
    own 422 model (a route's own model for a status, like the health check's, is kept)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    refs, defs = models_json_schema([(InvalidInput, "serialization"),
                                     (Refusal, "serialization")],
                                    ref_template="#/components/schemas/{model}")
    schemas.update(defs["$defs"])
    invalid_input, refusal = refs[(InvalidInput, "serialization")], refs[(Refusal, "serialization")]
    every = list(iter_route_contexts(list(routes)))
    for route in every:
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            answers = document["paths"][route.path_format][method.lower()]["responses"]
            validated = {422} if "422" in answers else set()
            validated |= {404} if takes_ids(route) else set()
            validated |= {405} if shadowed(route, every) else set()
            for code in sorted(refusals_of(route.dependant) | validated):
                declared = route.responses.get(code, {})
                if "model" in declared:
                    continue  # the route answers this status with a body of its own
                body = invalid_input if code == status.HTTP_422_UNPROCESSABLE_CONTENT else refusal
                answers[str(code)] = {**ANSWERS[code], **declared,
                                      "content": {"application/json": {"schema": body}}}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _raised_by(call: Callable[..., Any], seen: set[CodeType]) -> set[int]:
    found = set(declared(call))
    function = inspect.unwrap(call)
    if isinstance(function, FunctionType):
        found |= _raised_in(function.__code__, function.__globals__, seen)
    return found


def _raised_in(code: CodeType, names: dict[str, Any], seen: set[CodeType]) -> set[int]:
    """What the code raises by name: the marked functions and the store's claim refusals it
    names, and what the functions of this project it names raise in turn (nested functions
    included). Naming is enough: a refusal documented but never raised costs a line of the
    document; one raised but not documented would break a client."""
    if code in seen:
        return set()
    seen.add(code)
    found: set[int] = set()
    for name in code.co_names:
        named = names.get(name)
        if isinstance(named, type) and named in REFUSED_AS:
            found.add(REFUSED_AS[named][0])
        elif callable(named) and getattr(named, "__module__", "").split(".")[0] in _OURS:
            found |= _raised_by(named, seen)
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            found |= _raised_in(constant, names, seen)
    return found
