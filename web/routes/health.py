"""Whether the app can serve: the store and Temporal both answer."""

from datetime import timedelta

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from temporalio.service import RPCError

from web.deps import Services, ServicesDep, in_store

router = APIRouter(tags=["health"])
TEMPORAL_TIMEOUT = timedelta(seconds=3)


class Health(BaseModel):
    store: bool
    temporal: bool


@router.get("/health", responses={503: {"model": Health, "description": "a dependency is down"}})
async def check_health(svc: ServicesDep, response: Response) -> Health:
    """200 when the store and Temporal answer; 503 naming which does not."""
    health = Health(store=await _store_answers(svc), temporal=await _temporal_answers(svc))
    if not (health.store and health.temporal):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return health


async def _store_answers(svc: Services) -> bool:
    try:
        await in_store(svc.engine, lambda s: s.scalar(text("SELECT 1")))
    except SQLAlchemyError:
        return False
    return True


async def _temporal_answers(svc: Services) -> bool:
    try:
        return await svc.client.service_client.check_health(timeout=TEMPORAL_TIMEOUT)
    except RPCError:
        return False
