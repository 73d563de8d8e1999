"""The HTTP API, version 1 (OpenAPI at ``/docs``): one router per resource under ``/api/v1``."""

from typing import Any

from fastapi import APIRouter

from web.routes import (
    approvals,
    auth,
    cases,
    decisions,
    health,
    regions,
    reports,
    tasks,
    webhooks,
)

# What every guarded route may answer besides its own responses.
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not signed in, or no valid X-API-Key"},
    403: {"description": "not for your role, region or key"},
    503: {"description": "the store or Temporal is unreachable; nothing was changed"},
}

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(auth.router)
for _guarded in (reports, cases, tasks, approvals, decisions, webhooks):
    api_router.include_router(_guarded.router, responses=REFUSALS)
api_router.include_router(health.router)
api_router.include_router(regions.router)

__all__ = ["api_router"]
