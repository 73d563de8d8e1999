"""Decisions delivered by other bodies' systems: the police answer and the KDN decision take
the same path as the task form, once only, and only for a case waiting for them."""

from typing import Any

import httpx

from schemas.steps import StepKind
from tests.api.calls import POLICE, done, fields, open_case
from tests.support.scenarios import valid_outcome
from tests.support.web_stack import WebStack


async def deliver(api: WebStack, what: str, case_id: str, **outcome: Any) -> httpx.Response:
    kind = StepKind.POLICE_DECISION if what == "police" else StepKind.KDN_DECISION
    return await api.http.post(f"/api/v1/{what}-decisions", headers=api.as_key(POLICE),
                               json={"case_id": case_id, "outcome": valid_outcome(kind, **outcome)})


async def test_the_police_answer_is_taken_once(api: WebStack) -> None:
    driver = await open_case(api)
    await driver.wait_for("police_decision")

    first = await deliver(api, "police", driver.case_id)
    again = await deliver(api, "police", driver.case_id, confirmed=False)

    assert first.status_code == 200, first.text
    step = first.json()
    assert step["key"] == "police_decision" and step["clause"] == "¶11"
    assert step["actor"].startswith("integration:ofk_") and step["outcome"]["confirmed"] is True
    assert again.status_code == 409 and "already done" in again.json()["detail"]
    assert (await driver.view()).police_finding == "confirmed"


async def test_the_kdn_decision_waits_for_a_placement_and_is_taken_once(api: WebStack) -> None:
    driver = await open_case(api)
    await driver.wait_for("police_decision")
    early = await deliver(api, "kdn", driver.case_id)
    assert early.status_code == 409 and "not waiting" in early.json()["detail"]

    await driver.wait_for("police_decision")
    assert (await deliver(api, "police", driver.case_id)).status_code == 200
    for kind in (StepKind.SAFETY_ASSESSMENT, StepKind.SAFE_PLACEMENT):
        await done(api, driver, "cw.aktobe", kind)
    await driver.wait_for("kdn_decision")
    decided = await deliver(api, "kdn", driver.case_id)
    again = await deliver(api, "kdn", driver.case_id)

    assert decided.status_code == 200, decided.text
    assert decided.json()["clause"] == "¶11.7"
    assert again.status_code == 409


async def test_unknown_cases_and_bad_decisions_are_refused(api: WebStack) -> None:
    driver = await open_case(api)
    await driver.wait_for("police_decision")

    unknown = await deliver(api, "police", "AKT-1999-999999")
    bad = await deliver(api, "police", driver.case_id, police_reference="!", decided_at="soon")

    assert unknown.status_code == 404
    assert set(fields(bad)) == {"outcome.police_reference", "outcome.decided_at"}
    assert (await driver.view()).step("police_decision").is_open()
