"""The HTTP API, version 1 (OpenAPI at ``/docs``): one router per resource under ``/api/v1``.
What each operation may answer besides success is documented from the code that raises it
(web.errors)."""

from fastapi import APIRouter

from web.routes import (
    activity_reports,
    appeals,
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

api_router = APIRouter(prefix="/api/v1")
for _resource in (auth, reports, cases, tasks, approvals, decisions, health, regions,
                  activity_reports, appeals, webhooks):
    api_router.include_router(_resource.router)

__all__ = ["api_router"]
