"""Health: 200 while the store and Temporal answer, 503 naming the one that does not."""

import httpx
from sqlalchemy import create_engine
from temporalio.testing import WorkflowEnvironment

from tests.support.servers import temporal_binary
from tests.support.web_stack import WebStack
from web.app import create_app
from web.deps import Services


async def test_health_is_ok_when_store_and_temporal_answer(api: WebStack) -> None:
    response = await api.http.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {"store": True, "temporal": True}


async def health_of(services: Services) -> httpx.Response:
    app = create_app(services.settings, services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        return await http.get("/api/v1/health")


async def test_health_is_503_when_the_store_is_unreachable(api: WebStack) -> None:
    unreachable = create_engine("sqlite:////nonexistent-directory/store.db")

    response = await health_of(Services(settings=api.settings, client=api.worker.client,
                                        engine=unreachable))

    assert response.status_code == 503
    assert response.json() == {"store": False, "temporal": True}


async def test_health_is_503_when_temporal_is_unreachable(api: WebStack) -> None:
    gone = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_binary("temporal-test-server"))
    await gone.shutdown()

    response = await health_of(Services(settings=api.settings, client=gone.client,
                                        engine=api.engine))

    assert response.status_code == 503
    assert response.json() == {"store": True, "temporal": False}
