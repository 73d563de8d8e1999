"""Writes while the store or Temporal is away: a report, a task completion and an approval each
answer 503 with Retry-After and leave nothing half-written, or, once under way, complete once
after the outage; the same request sent again makes one case and one completion.

The store is taken away as its server going down would: the web app and a worker reach its
PostgreSQL database each through a TCP proxy that stops (connections refused, open ones cut),
so those tests run on the PostgreSQL store only. Temporal is taken away from the web app through a
proxy in front of the server, as in test_completion_paths. What the store holds is read
directly, not through the proxy.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import col, select
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from commands.demo import DemoCredentials
from schemas.steps import StepKind
from store.cases import get_task
from store.db import make_engine, session_scope
from store.models import Case, Intake
from tests.api.calls import HELPLINE, complete, done, open_case
from tests.support.factories import report_data
from tests.support.proxy import Proxy
from tests.support.scenarios import CaseDriver, valid_outcome
from tests.support.web_stack import WebStack, app_through, web_stack

CW, SV = "cw.aktobe", "sv.aktobe"
ACCEPTED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
Send = Callable[[], Coroutine[Any, Any, httpx.Response]]


@dataclass
class StoreLinks:
    """The web app's and the worker's ways to the store, each through a proxy in front of its
    PostgreSQL server, to be taken away together or one after the other."""

    app: Proxy
    worker: Proxy

    async def away(self) -> None:
        await self.app.refuse()
        await self.worker.refuse()

    async def back(self) -> None:
        await self.app.forward()
        await self.worker.forward()


def through(proxy: Proxy, engine: Engine) -> Engine:
    """An engine on ``engine``'s database, connecting through ``proxy``."""
    return make_engine(engine.url.set(port=proxy.port).render_as_string(hide_password=False))


@pytest.fixture
async def store(engine: Engine) -> AsyncIterator[StoreLinks]:
    """The links to the store, forwarding until told otherwise."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the store is taken away at its PostgreSQL server; a SQLite file has none")
    target = f"{engine.url.host}:{engine.url.port}"
    links = StoreLinks(app=Proxy(target), worker=Proxy(target))
    await links.back()
    yield links
    await links.away()


@pytest.fixture
async def cut_off(store: StoreLinks, time_env: WorkflowEnvironment, engine: Engine,
                  demo: DemoCredentials, mail_dir: Path) -> AsyncIterator[WebStack]:
    """The web app and a worker that reach the store through ``store``'s links (updates wait
    at most 3 s for their change to reach the store)."""
    app_engine = through(store.app, engine)
    worker_engine = through(store.worker, engine)
    try:
        async with web_stack(time_env.client, app_engine, demo, mail_dir,
                             worker_engine=worker_engine, update_timeout_seconds=3) as stack:
            yield stack
    finally:
        app_engine.dispose()
        worker_engine.dispose()


def cases_of(engine: Engine, report: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The case numbers the store gave ``report``, and its cases the store keeps."""
    with session_scope(engine) as session:
        numbers = list(session.exec(select(Intake.case_id).where(
            col(Intake.channel) == report["channel"],
            col(Intake.external_ref) == report["external_ref"])).all())
        kept = session.exec(select(Case.case_id).where(col(Case.case_id).in_(numbers))).all()
        return [n for n in numbers if n is not None], list(kept)


def task_row(engine: Engine, task_id: str) -> tuple[str, str | None] | None:
    """The task's status and actor in the store."""
    with session_scope(engine) as session:
        row = get_task(session, task_id)
        return None if row is None else (row.status, row.actor)


async def until_stored(engine: Engine, task_id: str, status: str) -> None:
    for _ in range(400):
        row = await asyncio.to_thread(task_row, engine, task_id)
        if row is not None and row[0] == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{task_id} never reached the store as {status}")


async def accepted_updates(driver: CaseDriver) -> int:
    history = await driver.handle.fetch_history()
    return sum(1 for e in history.events if e.event_type == ACCEPTED)


def assert_unavailable(answer: httpx.Response, says: str) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "60"
    assert says in answer.json()["detail"]


# A report --------------------------------------------------------------------------------


async def test_a_report_while_the_store_is_away_is_a_503_and_sent_again_opens_one_case(
    cut_off: WebStack, store: StoreLinks, engine: Engine
) -> None:
    report = report_data()

    def send() -> Awaitable[httpx.Response]:
        return cut_off.http.post("/api/v1/reports", json=report,
                                 headers=cut_off.as_key(HELPLINE))

    await store.away()
    refused = await send()
    left = cases_of(engine, report)
    await store.back()
    opened, again = await send(), await send()

    assert_unavailable(refused, "case store is unavailable")
    assert left == ([], [])
    assert opened.status_code == 201, opened.text
    assert again.status_code == 200 and again.json()["case_id"] == opened.json()["case_id"]
    case_id = opened.json()["case_id"]
    assert cases_of(engine, report) == ([case_id], [case_id])
    await CaseDriver(cut_off.client, case_id).wait_for("preventive_talk")


async def test_a_report_while_temporal_is_away_is_a_503_leaving_no_case_and_sent_again_opens_it(
    api: WebStack
) -> None:
    report = report_data()
    proxy = Proxy(api.client.service_client.config.target_host)

    async with app_through(proxy, api, update_timeout=3) as http:

        def send() -> Awaitable[httpx.Response]:
            return http.post("/api/v1/reports", json=report, headers=api.as_key(HELPLINE))

        await proxy.refuse()
        refused = await send()
        numbered, kept = cases_of(api.engine, report)
        await proxy.forward()
        opened, again = await send(), await send()

    assert_unavailable(refused, "workflow service is unavailable")
    # Only its number is reserved, so the retry gets it: no case nothing works on.
    assert len(numbered) == 1 and kept == []
    assert opened.status_code == 201, opened.text
    assert again.status_code == 200, again.text
    assert opened.json()["case_id"] == again.json()["case_id"] == numbered[0]
    assert cases_of(api.engine, report) == (numbered, numbered)
    await CaseDriver(api.client, numbered[0]).wait_for("preventive_talk")


# A completion and an approval -------------------------------------------------------------


async def test_a_completion_while_the_store_is_away_is_a_503_and_sent_again_is_applied_once(
    cut_off: WebStack, store: StoreLinks, engine: Engine
) -> None:
    driver = await open_case(cut_off)
    task_id = f"{driver.case_id}/preventive_talk"
    await until_stored(engine, task_id, "open")
    before = await accepted_updates(driver)
    outcome = valid_outcome(StepKind.PREVENTIVE_TALK)

    await store.away()
    refused = await complete(cut_off, CW, driver.case_id, "preventive_talk", outcome)
    untouched = (await driver.view()).step("preventive_talk"), task_row(engine, task_id)
    await store.back()
    applied = await complete(cut_off, CW, driver.case_id, "preventive_talk", outcome)
    again = await complete(cut_off, CW, driver.case_id, "preventive_talk", outcome)

    assert_unavailable(refused, "case store is unavailable")
    assert untouched[0].is_open() and untouched[1] == ("open", None)
    assert applied.status_code == 200 and applied.json()["actor"] == CW, applied.text
    assert again.status_code == 409, again.text
    assert await accepted_updates(driver) == before + 1
    assert task_row(engine, task_id) == ("done", CW)


async def completed_once_after_the_store_returns(
    driver: CaseDriver, store: StoreLinks, engine: Engine, key: str, actor: str, send: Send
) -> None:
    """The store goes while the change is under way: the worker loses it first (the change,
    taken by the workflow, cannot reach the store), then the web app (nor can the request's
    audit row). The answer is a 503; once the store is back the change lands there once, and
    the same request again is refused as done."""
    task_id = f"{driver.case_id}/{key}"
    await until_stored(engine, task_id, "open")
    before = await accepted_updates(driver)
    await store.worker.refuse()
    sending = asyncio.create_task(send())
    for _ in range(400):
        if await accepted_updates(driver) > before:
            break
        await asyncio.sleep(0.01)
    await store.app.refuse()
    cut = await sending
    await store.back()
    await until_stored(engine, task_id, "done")
    again = await send()

    assert_unavailable(cut, "unavailable")
    assert again.status_code == 409 and "already done" in again.json()["detail"], again.text
    assert await accepted_updates(driver) == before + 1
    assert task_row(engine, task_id) == ("done", actor)


async def test_a_completion_under_way_when_the_store_goes_is_a_503_and_completes_once(
    cut_off: WebStack, store: StoreLinks, engine: Engine
) -> None:
    driver = await open_case(cut_off)
    outcome = valid_outcome(StepKind.PREVENTIVE_TALK)

    await completed_once_after_the_store_returns(
        driver, store, engine, "preventive_talk", CW,
        lambda: complete(cut_off, CW, driver.case_id, "preventive_talk", outcome))


async def test_an_approval_under_way_when_the_store_goes_is_a_503_and_completes_once(
    cut_off: WebStack, store: StoreLinks, engine: Engine
) -> None:
    driver = await open_case(cut_off)
    await driver.complete(StepKind.POLICE_DECISION)
    await done(cut_off, driver, CW, StepKind.PUBLIC_STATEMENT)
    key = "public_statement.approval-1"
    await driver.wait_for(key)

    await completed_once_after_the_store_returns(
        driver, store, engine, key, SV,
        lambda: cut_off.http.post(f"/api/v1/approvals/{driver.case_id}/{key}/approve",
                                  headers=cut_off.as_user(SV)))
