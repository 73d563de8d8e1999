"""The Temporal Web UI, served by the web app under ``/temporal`` to signed-in staff, read-only.

The UI server (the dev server's under ``make run``, the temporalio/ui container in compose)
listens where only the web app reaches it, at the public path ``/temporal``; this proxy is
the only way in. Through it:

- only case workers and supervisors get in: someone signed out is sent to sign in, any other
  role is refused (the UI lists every case's workflow, search attributes and timeline);
- the UI runs on the web app's origin, so its calls to ``/codec/decode`` carry the session
  cookie and payloads show decoded, with no setting to change in the UI;
- only reads pass: GET, HEAD and workflow queries (which Temporal forbids to change a
  workflow). Terminate, cancel, reset, signal, update, start and batch operations would bypass
  the procedure's validators, authorisation and audit trail, so they are refused, and the UI
  is told that write actions are disabled so it offers none;
- a regional user lists and opens only their region's workflows (the list is filtered by the
  ``CaseRegion`` search attribute; a workflow id is the case number, which starts with the
  region's code); opening a workflow leaves an audit row.
"""

import json
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.background import BackgroundTask

from ombudsflow.config import TEMPORAL_UI_PATH, Settings
from ombudsflow.constants import CASE_REGION
from schemas.case import Actor
from schemas.regions import Region
from schemas.steps import Role
from web.deps import CASE_NUMBER_PATTERN, ServicesDep, current_user
from web.pages.route import refusal
from web.pages.security import SECURITY_HEADERS

router = APIRouter(include_in_schema=False)
VIEWERS = (Role.CASE_WORKER, Role.SUPERVISOR)
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
READS = frozenset({"GET", "HEAD"})
API = f"{TEMPORAL_UI_PATH}/api/v1"
# The one POST that reads: QueryWorkflow (the UI's stack trace, metadata and query tabs).
QUERY = re.compile(rf"^{API}/namespaces/[\w.-]+/workflows/[\w.-]+/query/[\w.-]+$")
# Any call about one workflow: its id (the case number) is the path segment after workflows/.
WORKFLOW = re.compile(rf"^{API}/namespaces/[^/]+/workflows/([^/]+)(/.*)?$")
# The workflow lists and the count, filtered by a visibility query.
LISTING = re.compile(rf"^{API}/namespaces/[^/]+/(workflows|workflow-count|archived-workflows)$")
# A path the checks above read as the UI server will: no escapes, empty or dot segments.
PLAIN_PATH = re.compile(r"^(/[\w.:@~-]+)+$", re.ASCII)
DOT_SEGMENT = re.compile(r"/\.\.?(/|$)")
SETTINGS = f"{API}/settings"
# What the UI is told, whatever its server was started with: it then shows no write action.
READ_ONLY_SETTINGS = {
    "DisableWriteActions": True, "WorkflowTerminateDisabled": True,
    "WorkflowCancelDisabled": True, "WorkflowSignalDisabled": True,
    "WorkflowUpdateDisabled": True, "WorkflowResetDisabled": True,
    "WorkflowPauseDisabled": True, "BatchActionsDisabled": True,
    "StartWorkflowDisabled": True, "ActivityCommandsDisabled": True,
}
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "te", "trailer", "transfer-encoding", "upgrade", "host"})
# Never passed to the UI server: the web app's own credentials and cookies.
OUR_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "content-length"})
OUR_COOKIES = "ombudsflow_"


def mount(app: FastAPI, settings: Settings) -> None:
    """Serve the UI at ``TEMPORAL_UI_PATH`` from the UI server at ``temporal_ui_url``."""
    app.state.temporal_ui = httpx.AsyncClient(
        base_url=settings.temporal_ui_url.rstrip("/"), trust_env=False,
        timeout=httpx.Timeout(60.0, connect=5.0))
    app.include_router(router)


@router.api_route(TEMPORAL_UI_PATH, methods=["GET", "HEAD"])
async def enter(request: Request) -> Response:
    """The UI's root is the path with a slash."""
    return RedirectResponse(f"{TEMPORAL_UI_PATH}/", status.HTTP_308_PERMANENT_REDIRECT)


@router.api_route(TEMPORAL_UI_PATH + "/{rest:path}", methods=ALL_METHODS)
async def proxy(request: Request, svc: ServicesDep) -> Response:
    """Pass a signed-in viewer's read to the UI server; refuse everything else."""
    path = raw_path(request)
    try:
        user = await current_user(request, svc, None)  # the session cookie, as the pages
        audited_case(request, path)  # refusals included
        admit(user, request.method, path)
    except HTTPException as e:
        response = refusal(request, e)
        response.headers.update(SECURITY_HEADERS)
        return response
    upstream: httpx.AsyncClient = request.app.state.temporal_ui
    query = regional(user, path, request.url.query)
    outgoing = upstream.build_request(
        request.method, path + (f"?{query}" if query else ""),
        headers=forwarded_headers(request), content=await request.body())
    try:
        answer = await upstream.send(outgoing, stream=True)
    except httpx.TransportError:
        return refusal(request, HTTPException(status.HTTP_502_BAD_GATEWAY,
                                              "temporal_ui.unreachable"))
    if path == SETTINGS and answer.status_code == status.HTTP_200_OK:
        return await read_only_settings(answer)
    response = StreamingResponse(answer.aiter_raw(), status_code=answer.status_code,
                                 background=BackgroundTask(answer.aclose))
    response.raw_headers.extend(passed_back(answer.headers.multi_items()))
    if path.startswith(API):
        response.headers["Cache-Control"] = "no-store"  # case data stays out of caches
    return response


def raw_path(request: Request) -> str:
    """The path as the browser sent it, so the one checked is the one passed on."""
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    return raw.decode("latin-1")


def admit(user: Actor, method: str, path: str) -> None:
    """Raise unless ``user`` may make this call: a viewer, a read, their region's case."""
    if user.role not in VIEWERS:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "temporal_ui.viewers_only")
    if method not in READS and not (method == "POST" and QUERY.match(path)):
        raise HTTPException(status.HTTP_405_METHOD_NOT_ALLOWED, "temporal_ui.read_only")
    if user.region is None:
        return
    if path.startswith(API) and (not PLAIN_PATH.match(path) or DOT_SEGMENT.search(path)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "temporal_ui.unchecked_path")
    workflow = WORKFLOW.match(path)
    if workflow:
        case_id = workflow.group(1)
        if not re.match(CASE_NUMBER_PATTERN, case_id) or Region.of_case(case_id) != user.region:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "temporal_ui.other_region")


def regional(user: Actor, path: str, query: str) -> str:
    """A regional user's workflow list and count narrowed to their region's cases."""
    if user.region is None or not LISTING.match(path):
        return query
    params = parse_qsl(query, keep_blank_values=True)
    asked = " ".join(v for k, v in params if k == "query").strip()
    if not self_contained(asked):  # e.g. "x) OR (y" would escape the narrowing below
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "temporal_ui.bad_query")
    own = f"{CASE_REGION.name} = '{user.region.value}'"
    narrowed = f"{own} AND ({asked})" if asked else own
    return urlencode([*((k, v) for k, v in params if k != "query"), ("query", narrowed)])


def self_contained(query: str) -> bool:
    """Whether every parenthesis outside quotes closes within ``query``, so that in
    ``A AND (query)`` it cannot close the group early."""
    depth, quote, escaped = 0, "", False
    for c in query:
        if escaped:
            escaped = False
        elif quote:
            escaped = c == "\\"
            quote = "" if c == quote else quote
        elif c in "'\"`":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and not quote


def audited_case(request: Request, path: str) -> None:
    """Name the case an opened workflow belongs to, for the audit trail (web/audit.py)."""
    workflow = WORKFLOW.match(path)
    if workflow and workflow.group(2) is None and re.match(CASE_NUMBER_PATTERN,
                                                             workflow.group(1)):
        request.state.case_id = workflow.group(1)


def forwarded_headers(request: Request) -> list[tuple[str, str]]:
    """The browser's headers less hop-by-hop ones and the web app's own credentials."""
    headers = [(k, v) for k, v in request.headers.items()
               if k not in HOP_BY_HOP and k not in OUR_HEADERS]
    theirs = "; ".join(f"{k}={v}" for k, v in request.cookies.items()
                       if not k.startswith(OUR_COOKIES))
    return headers + ([("cookie", theirs)] if theirs else [])


def passed_back(headers: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers
            if k.lower() not in HOP_BY_HOP]


async def read_only_settings(answer: httpx.Response) -> Response:
    """The UI server's settings with every write action disabled."""
    try:
        settings = json.loads(await answer.aread())
    finally:
        await answer.aclose()
    settings.update(READ_ONLY_SETTINGS)
    body = json.dumps(settings).encode()
    response = Response(body, media_type="application/json")
    response.raw_headers = [
        *((k, v) for k, v in passed_back(answer.headers.multi_items())
          if k not in (b"content-length", b"content-encoding", b"content-type")),
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
        (b"cache-control", b"no-store"),
    ]
    return response
