"""The web app's Prometheus metrics, served at ``GET /metrics``: every request by method, route
and status, with its latency; updates Temporal did not confirm; rate-limit refusals.

Labels are closed sets only: the route's template (``/api/v1/cases/{case_id}``), never the
path as sent, so no case number, token or name ever reaches a metric. The endpoint is not in
the OpenAPI document (it is for the operator's Prometheus, not the API's clients): with
``metrics_token`` set it answers only ``Authorization: Bearer <token>``, without one only
clients on this machine.
"""

import hmac
import time
from ipaddress import ip_address
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.routing import iter_route_contexts
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ombudsflow.config import Settings

# A request no route took (a 404 for a path nobody serves), and a method HTTP does not define.
UNMATCHED = "unmatched"
OTHER_METHOD = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_LABELS = ("method", "route", "status")

REQUESTS = Counter("ombudsflow_http_requests", "HTTP requests answered, by method, route "
                   "template and status", REQUEST_LABELS)
LATENCY = Histogram("ombudsflow_http_request_duration_seconds", "Time from a request's arrival "
                    "to its answer's end, by method, route template and status",
                    REQUEST_LABELS)
UPDATES_UNCONFIRMED = Counter(
    "ombudsflow_updates_unconfirmed", "Workflow updates (completions, approvals, inspections) "
    "Temporal did not confirm, answered 503: cause timeout (no answer within "
    "update_timeout_seconds) or unreachable", ["cause"])
RATE_LIMITED = Counter("ombudsflow_rate_limited", "Requests refused with 429 by a rate limit "
                       "(sign_ins, reports)", ["limit"])


def update_unconfirmed(*, timed_out: bool) -> None:
    UPDATES_UNCONFIRMED.labels(cause="timeout" if timed_out else "unreachable").inc()


def rate_limited(limit: str) -> None:
    RATE_LIMITED.labels(limit=limit).inc()


class RequestMetrics:
    """ASGI middleware counting and timing every HTTP request by its route's template; the
    outermost, so the other middleware's answers (an audit 503) and unhandled errors (500)
    are counted too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: dict[Any, str] | None = None  # the app's, once it serves

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = status.HTTP_500_INTERNAL_SERVER_ERROR  # unless the app answers otherwise

        async def sending(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method = scope["method"] if scope["method"] in METHODS else OTHER_METHOD
            labels = (method, self.route_of(scope), str(answered))
            REQUESTS.labels(*labels).inc()
            LATENCY.labels(*labels).observe(time.perf_counter() - started)

    def route_of(self, scope: Scope) -> str:
        """The template of the route that took the request, found by the endpoint the
        router recorded in the scope; ``UNMATCHED`` when no route took it."""
        if self._templates is None:
            self._templates = route_templates(scope["app"])
        return self._templates.get(scope.get("endpoint"), UNMATCHED)


def route_templates(app: Starlette) -> dict[Any, str]:
    """Each endpoint's route template, with the prefixes of the routers it was included by
    (an endpoint serves one route: tests/api/test_metrics.py holds the app to that)."""
    return {route.endpoint: route.path_format for route in iter_route_contexts(app.routes)
            if route.path_format is not None}


def exposition(settings: Settings) -> APIRouter:
    """``GET /metrics`` in Prometheus's text format, for the callers ``settings`` admit."""
    router = APIRouter(include_in_schema=False)

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        admit(request, settings)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router


def admit(request: Request, settings: Settings) -> None:
    """With ``metrics_token``: its bearer only (401 otherwise); without: loopback only (403)."""
    token = settings.metrics_token
    if token is None:
        if not _on_this_machine(request):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "metrics are served to this machine "
                                "only; set OMBUDSFLOW_METRICS_TOKEN to scrape from elsewhere")
        return
    expected = f"Bearer {token.get_secret_value()}".encode()
    if not hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "metrics need the bearer token",
                            headers={"WWW-Authenticate": "Bearer"})


def _on_this_machine(request: Request) -> bool:
    try:
        return request.client is not None and ip_address(request.client.host).is_loopback
    except ValueError:  # not an address (a test client's name)
        return False
