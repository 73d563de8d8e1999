"""``GET /metrics``: requests counted by route template (never the path with its case number)
and status, rate-limit refusals and updates Temporal left unconfirmed counted, and the
metrics served only to this machine or to the bearer of the metrics token."""

import asyncio
from collections import defaultdict
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts
from pydantic import SecretStr

from ombudsflow.config import Settings
from schemas.steps import StepKind
from store.cases import get_task
from store.db import session_scope
from tests.api.calls import complete, open_case, report
from tests.support.metrics import Scrape
from tests.support.proxy import Proxy
from tests.support.scenarios import valid_outcome
from tests.support.web_stack import WebStack, app_through
from web.app import create_app
from web.deps import Services

CASE = "/api/v1/cases/{case_id}"
COMPLETE = "/api/v1/tasks/{case_id}/{key}/complete"


async def scrape(http: httpx.AsyncClient) -> Scrape:
    answer = await http.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return Scrape(answer.text)


def requests(scraped: Scrape, method: str, route: str, status: int) -> float:
    return scraped.value("ombudsflow_http_requests_total", method=method, route=route,
                         status=str(status))


async def test_requests_are_counted_by_route_template_and_status(api: WebStack) -> None:
    before = await scrape(api.http)
    driver = await open_case(api)
    path = f"/api/v1/cases/{driver.case_id}"
    assert (await api.http.get(path, headers=api.as_user("cw.aktobe"))).status_code == 200
    assert (await api.http.get(path, headers=api.as_user("cw.aktobe"))).status_code == 200
    assert (await api.http.get(path, headers=api.as_user("cw.pavlodar"))).status_code == 403
    assert (await api.http.get("/no/such/page")).status_code == 404
    after = await scrape(api.http)

    def counted(method: str, route: str, status: int) -> float:
        return requests(after, method, route, status) - requests(before, method, route, status)

    assert counted("POST", "/api/v1/reports", 201) == 1
    assert counted("GET", CASE, 200) == 2
    assert counted("GET", CASE, 403) == 1
    assert counted("GET", "unmatched", 404) == 1
    timed = after.value("ombudsflow_http_request_duration_seconds_count", method="GET",
                        route=CASE, status="200")
    assert timed - before.value("ombudsflow_http_request_duration_seconds_count",
                                method="GET", route=CASE, status="200") == 2
    # Templates only: no case number, so no path a person could be traced by.
    assert driver.case_id not in after.text and "/no/such/page" not in after.text


async def test_rate_limit_refusals_are_counted(api: WebStack) -> None:
    api.http._transport.app.state.limits.reports.limit = 1  # type: ignore[attr-defined]
    before = await scrape(api.http)
    assert (await report(api)).status_code == 201
    assert (await report(api)).status_code == 429
    assert (await report(api)).status_code == 429
    after = await scrape(api.http)

    limited = "ombudsflow_rate_limited_total"
    assert after.value(limited, limit="reports") - before.value(limited, limit="reports") == 2
    assert (requests(after, "POST", "/api/v1/reports", 429)
            - requests(before, "POST", "/api/v1/reports", 429)) == 2


async def test_an_update_temporal_leaves_unanswered_is_counted(api: WebStack) -> None:
    driver = await open_case(api)
    task_id = f"{driver.case_id}/preventive_talk"
    await projected(api, task_id)
    proxy = Proxy(api.client.service_client.config.target_host)
    outcome = valid_outcome(StepKind.PREVENTIVE_TALK)

    def unconfirmed(scraped: Scrape, cause: str) -> float:
        return scraped.value("ombudsflow_updates_unconfirmed_total", cause=cause)

    async with app_through(proxy, api, update_timeout=1.5) as http:
        before = await scrape(http)
        proxy.silence()  # the server takes the call and never answers
        silent = await http.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": outcome},
                                 headers=api.as_user("cw.aktobe"))
        between = await scrape(http)
        await proxy.refuse()  # restarting: connections refused (the SDK retries, then gives up)
        refused = await http.post(f"/api/v1/tasks/{task_id}/complete",
                                  json={"outcome": outcome}, headers=api.as_user("cw.aktobe"))
        after = await scrape(http)

    assert silent.status_code == refused.status_code == 503
    assert unconfirmed(between, "timeout") - unconfirmed(before, "timeout") == 1
    assert sum(unconfirmed(after, c) - unconfirmed(before, c)
               for c in ("timeout", "unreachable")) == 2
    assert requests(after, "POST", COMPLETE, 503) - requests(before, "POST", COMPLETE, 503) == 2
    # The case goes on: the completion is still open to be sent again.
    answer = await complete(api, "cw.aktobe", driver.case_id, "preventive_talk", outcome)
    assert answer.status_code == 200, answer.text


async def test_metrics_are_served_to_this_machine_or_to_the_token_only(api: WebStack) -> None:
    app = api.http._transport.app  # type: ignore[attr-defined]
    elsewhere = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=elsewhere, base_url="http://testserver") as http:
        assert (await http.get("/metrics")).status_code == 403

    settings = api.settings.model_copy(update={"metrics_token": SecretStr("s3cret-token")})
    guarded = create_app(settings, services=Services(settings=settings, client=api.client,
                                                     engine=api.engine))
    transport = httpx.ASGITransport(app=guarded, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        missing = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer guess"})
        right = await http.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert right.status_code == 200 and "ombudsflow_http_requests_total" in right.text

    document = (await api.http.get("/openapi.json")).json()
    assert "/metrics" not in document["paths"]  # for Prometheus, not the API's clients


async def projected(api: WebStack, task_id: str) -> None:
    """Wait until the store has the task (the completion then needs no live query)."""
    for _ in range(400):
        with session_scope(api.engine) as session:
            if get_task(session, task_id) is not None:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{task_id} never reached the store")


def test_every_endpoint_serves_one_route_template() -> None:
    """The requests' route label is found by endpoint (web.metrics.route_templates): an
    endpoint serving two paths would make it ambiguous."""
    templates: defaultdict[Any, set[str | None]] = defaultdict(set)
    for route in iter_route_contexts(create_app(Settings()).routes):
        templates[route.endpoint].add(route.path_format)
    assert not {endpoint: paths for endpoint, paths in templates.items() if len(paths) > 1}
