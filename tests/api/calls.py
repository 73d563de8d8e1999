"""The calls API tests make, as the helpline, case workers, supervisors and the police do."""

import asyncio
from typing import Any

import httpx

from schemas.regions import Region
from schemas.steps import StepKind
from store.cases import get_task
from store.db import session_scope
from store.models import Step as StepRow
from tests.support.factories import report_data
from tests.support.scenarios import CaseDriver, valid_outcome
from tests.support.web_stack import WebStack

HELPLINE = "helpline-111"
POLICE = "police-system"


async def report(api: WebStack, **overrides: Any) -> httpx.Response:
    return await api.http.post("/api/v1/reports", json=report_data(**overrides),
                               headers=api.as_key(HELPLINE))


async def open_case(api: WebStack, region: Region = Region.AKTOBE, **overrides: Any
                    ) -> CaseDriver:
    """A new case reported by the helpline, and a driver to wait on its steps."""
    response = await report(api, region=region, **overrides)
    assert response.status_code == 201, response.text
    return CaseDriver(api.worker.client, response.json()["case_id"])


async def complete(api: WebStack, user: str, case_id: str, key: str,
                   outcome: dict[str, Any]) -> httpx.Response:
    return await api.http.post(f"/api/v1/tasks/{case_id}/{key}/complete",
                               json={"outcome": outcome}, headers=api.as_user(user))


async def done(api: WebStack, driver: CaseDriver, user: str, kind: StepKind,
               key: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Wait for the task, complete it with a valid outcome, and return the step."""
    key = key or kind.value
    await driver.wait_for(key)
    response = await complete(api, user, driver.case_id, key, valid_outcome(kind, **overrides))
    assert response.status_code == 200, response.text
    step: dict[str, Any] = response.json()
    return step


async def confirm(api: WebStack, driver: CaseDriver, **overrides: Any) -> None:
    """The police system confirms the facts: the ¶11 measures open."""
    await driver.wait_for("police_decision")
    response = await api.http.post(
        "/api/v1/police-decisions", headers=api.as_key(POLICE),
        json={"case_id": driver.case_id,
              "outcome": valid_outcome(StepKind.POLICE_DECISION, **overrides)},
    )
    assert response.status_code == 200, response.text


def fields(response: httpx.Response) -> dict[str, str]:
    """A 422's ``{field: reason}``."""
    assert response.status_code == 422, response.text
    return {e["field"]: e["reason"] for e in response.json()["detail"]}


def stored(api: WebStack, task_id: str) -> StepRow | None:
    with session_scope(api.engine) as session:
        row = get_task(session, task_id)
        if row is not None:
            session.expunge(row)
        return row


async def in_store(api: WebStack, task_id: str, status: str = "open") -> StepRow:
    """Wait until the store's projection has the task with ``status``."""
    for _ in range(400):
        row = stored(api, task_id)
        if row is not None and row.status == status:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"{task_id} never reached the store as {status}")
