"""How a completion is checked and sent: against the task's row in the store (no live query)
when the store knows the task, through the live case when it does not know it yet; the
workflow's validator refuses what the row cannot know yet (409); a retry of the same request
is applied once; and while Temporal is unreachable or silent the answer is a 503 with
Retry-After within the update deadline, with nothing lost."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, update

import web.actions as actions
from schemas.case import CaseView
from schemas.steps import StepKind
from store.cases import Task, TaskTable, get_task
from store.db import session_scope
from store.models import Step as StepRow
from tests.api.calls import POLICE, complete, in_store, open_case, stored
from tests.support.factories import worker_of
from tests.support.proxy import Proxy
from tests.support.scenarios import CaseDriver, valid_outcome
from tests.support.web_stack import WebStack, app_through
from web.deps import Services
from web.views import load_case

CW = "cw.aktobe"
Spy = list[str]


@pytest.fixture
def live_queries(monkeypatch: pytest.MonkeyPatch) -> Spy:
    """The cases ``web.actions`` asked live (``load_case``), in order."""
    asked: Spy = []
    real: Callable[..., Awaitable[CaseView]] = load_case

    async def spy(svc: Services, case_id: str) -> CaseView:
        asked.append(case_id)
        return await real(svc, case_id)

    monkeypatch.setattr(actions, "load_case", spy)
    return asked


def set_status(api: WebStack, task_id: str, status: str) -> None:
    """Make the store's row say ``status``, as a store behind the workflow would."""
    with session_scope(api.engine) as session:
        session.exec(update(StepRow).where(col(StepRow.id) == task_id).values(status=status))
        session.commit()


async def talk_in_store(api: WebStack) -> tuple[CaseDriver, str]:
    """A new case whose ¶10.2 talk the store shows open; the case and the task's id."""
    driver = await open_case(api)
    task_id = f"{driver.case_id}/preventive_talk"
    await in_store(api, task_id)
    return driver, task_id


@contextmanager
def shown_open(api: WebStack, task_id: str) -> Iterator[None]:
    """The store's row says the closed task is open (it has not heard yet), then done again."""
    set_status(api, task_id, "open")
    try:
        yield
    finally:
        set_status(api, task_id, "done")


async def deliver_police(http: httpx.AsyncClient, api: WebStack, case_id: str
                         ) -> httpx.Response:
    return await http.post("/api/v1/police-decisions", headers=api.as_key(POLICE), json={
        "case_id": case_id, "outcome": valid_outcome(StepKind.POLICE_DECISION)})


# The store's row -------------------------------------------------------------------------


async def test_a_task_the_store_knows_is_checked_there_and_sent_without_a_live_query(
    api: WebStack, live_queries: Spy
) -> None:
    driver = await open_case(api)
    await in_store(api, f"{driver.case_id}/preventive_talk")
    await in_store(api, f"{driver.case_id}/police_decision")
    talk_outcome = valid_outcome(StepKind.PREVENTIVE_TALK)

    # Refusals the row answers for itself: wrong region, wrong role.
    other_region = await complete(api, "cw.pavlodar", driver.case_id, "preventive_talk",
                                  talk_outcome)
    wrong_role = await complete(api, "sv.aktobe", driver.case_id, "preventive_talk",
                                talk_outcome)
    talk = await complete(api, CW, driver.case_id, "preventive_talk", talk_outcome)
    police = await deliver_police(api.http, api, driver.case_id)
    # Each update returns once its change is in the store: the row is current at once.
    row = stored(api, f"{driver.case_id}/preventive_talk")
    again = await complete(api, CW, driver.case_id, "preventive_talk", talk_outcome)

    assert other_region.status_code == 403 and "aktobe" in other_region.json()["detail"]
    assert wrong_role.status_code == 403, wrong_role.text
    assert talk.status_code == 200, talk.text
    assert talk.json()["status"] == "done" and talk.json()["actor"] == CW
    assert police.status_code == 200, police.text
    assert row is not None and row.status == "done" and row.actor == CW
    assert again.status_code == 409 and "already done" in again.json()["detail"]
    # Only the 409 asked the workflow: a closed row may be a draft reopened a moment ago.
    assert live_queries == [driver.case_id]


async def test_a_task_the_store_does_not_know_yet_is_completed_through_the_live_case(
    api: WebStack, live_queries: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = await open_case(api)
    await driver.wait_for("preventive_talk")
    await driver.wait_for("police_decision")
    lagging = {f"{driver.case_id}/preventive_talk", f"{driver.case_id}/police_decision"}
    def behind(session: Session, task_id: str, table: TaskTable = StepRow) -> Task | None:
        # The projection has not reached the store yet: it knows neither task.
        return None if task_id in lagging else get_task(session, task_id, table)

    monkeypatch.setattr(actions, "get_task", behind)

    talk = await complete(api, CW, driver.case_id, "preventive_talk",
                          valid_outcome(StepKind.PREVENTIVE_TALK))
    police = await deliver_police(api.http, api, driver.case_id)
    kdn = await api.http.post("/api/v1/kdn-decisions", headers=api.as_key(POLICE), json={
        "case_id": driver.case_id, "outcome": valid_outcome(StepKind.KDN_DECISION)})
    unknown = await complete(api, CW, "AKT-1999-999999", "preventive_talk",
                             valid_outcome(StepKind.PREVENTIVE_TALK))

    assert talk.status_code == 200, talk.text
    assert talk.json()["actor"] == CW and talk.json()["clause"] == "¶10.2"
    assert police.status_code == 200, police.text
    assert kdn.status_code == 409 and "not waiting for a kdn_decision" in kdn.json()["detail"]
    assert unknown.status_code == 404, unknown.text
    assert live_queries == [driver.case_id] * 3 + ["AKT-1999-999999"]
    view = await driver.view()
    assert not view.step("preventive_talk").is_open()
    assert view.police_finding == "confirmed"


async def test_a_task_open_in_the_store_but_closed_in_the_workflow_is_refused_409(
    api: WebStack, live_queries: Spy
) -> None:
    driver, task_id = await talk_in_store(api)
    # A colleague completed it; the store has not heard yet.
    await driver.complete(StepKind.PREVENTIVE_TALK, actor=worker_of(name="cw-colleague"))
    with shown_open(api, task_id):
        late = await complete(api, CW, driver.case_id, "preventive_talk",
                              valid_outcome(StepKind.PREVENTIVE_TALK))

    assert late.status_code == 409, late.text
    assert late.json() == {"detail": "task Preventive talk is already done",
                           "type": "TaskClosed"}
    assert live_queries == []  # the validator refused it, not a query
    step = (await driver.view()).step("preventive_talk")
    assert step.actor == "cw-colleague"


async def test_the_same_completion_sent_again_is_applied_once(
    api: WebStack, live_queries: Spy
) -> None:
    driver, task_id = await talk_in_store(api)
    outcome = valid_outcome(StepKind.PREVENTIVE_TALK)

    first = await complete(api, CW, driver.case_id, "preventive_talk", outcome)
    assert first.status_code == 200, first.text
    # As after a 503: the first was sent, its answer lost, and the retry finds the row open.
    with shown_open(api, task_id):
        retry = await complete(api, CW, driver.case_id, "preventive_talk", outcome)
        different = await complete(api, CW, driver.case_id, "preventive_talk",
                                   {**outcome, "notes": "something else"})

    assert retry.status_code == 200, retry.text
    assert retry.json() == first.json() | {"overdue": retry.json()["overdue"]}
    assert different.status_code == 409, different.text  # a new completion: refused
    assert live_queries == []


# Temporal unreachable or silent ----------------------------------------------------------


async def test_a_completion_while_temporal_is_away_is_a_503_and_nothing_is_lost(
    api: WebStack
) -> None:
    driver = await open_case(api)
    task_id = f"{driver.case_id}/preventive_talk"
    await in_store(api, task_id)
    await in_store(api, f"{driver.case_id}/police_decision")
    outcome = valid_outcome(StepKind.PREVENTIVE_TALK)
    proxy = Proxy(api.client.service_client.config.target_host)

    async with app_through(proxy, api, update_timeout=1.5) as http:

        async def attempt(send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
            started = time.monotonic()
            answer = await send()
            assert time.monotonic() - started < 10, "the request hung past its deadline"
            return answer

        def talk() -> Awaitable[httpx.Response]:
            return http.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": outcome},
                             headers=api.as_user(CW))

        proxy.silence()  # the server takes the call and never answers
        silent = await attempt(talk)
        await proxy.refuse()  # the server is restarting: connections refused
        refused = await attempt(talk)
        police = await attempt(lambda: deliver_police(http, api, driver.case_id))

        for answer in (silent, refused, police):
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "60"
            detail = answer.json()["detail"]
            assert "Temporal" in detail and "not confirmed" in detail and "Retry" in detail
        assert "within 1.5 s" in silent.json()["detail"]

        # Nothing was lost or half-done: both tasks are open, in the workflow and the store.
        view = await driver.view()
        assert view.step("preventive_talk").is_open() and view.step("police_decision").is_open()
        row = stored(api, task_id)
        assert row is not None and row.status == "open"

        await proxy.forward()  # back: the same request now goes through, once
        done: dict[str, Any] = {}
        for _ in range(20):
            answer = await talk()
            if answer.status_code != 503:
                done = answer.json()
                assert answer.status_code == 200, answer.text
                break
            await asyncio.sleep(0.5)
        assert done["status"] == "done" and done["actor"] == CW
        again = await talk()
        assert again.status_code == 409, again.text
