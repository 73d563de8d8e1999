"""Hand-offs of tasks over the API (issue 14): a supervisor of the region reassigns a task to
one of its case workers with a reason; a holder delegates a task to a colleague, whose
completion is kept (never sent) for the holder to accept, return with a reason, or take back.
Each refusal names its reason (403 role or region, 409 state, 422 the field), and the case's
history shows every hand-off beside the completion."""

from typing import Any

import httpx

from schemas.steps import StepKind
from tests.api.calls import complete, fields, open_case
from tests.api.test_appeal_claims import TRIAGE
from tests.api.test_appeal_claims import in_inbox as in_appeal_inbox
from tests.api.test_appeals import submit
from tests.api.test_history import history
from tests.api.test_tasks import COMMITTEE, CW, SV, in_inbox, second_case_worker
from tests.support.scenarios import CaseDriver, valid_outcome
from tests.support.web_stack import WebStack

TALK = "preventive_talk"


async def post(api: WebStack, user: str, url: str, body: dict[str, Any] | None = None
               ) -> httpx.Response:
    return await api.http.post(url, json=body, headers=api.as_user(user))


async def claimed_talk(api: WebStack) -> tuple[CaseDriver, str]:
    """A new case whose ¶10.2 talk the case worker has taken; its task's URL."""
    driver = await open_case(api)
    await driver.wait_for(TALK)
    await in_inbox(api, driver.case_id, TALK)
    task = f"/api/v1/tasks/{driver.case_id}/{TALK}"
    assert (await post(api, CW, f"{task}/claim")).status_code == 200
    return driver, task


async def inbox_keys(api: WebStack, user: str, case_id: str, **params: str) -> list[str]:
    read = await api.http.get("/api/v1/tasks", params={"case_id": case_id, **params},
                              headers=api.as_user(user))
    assert read.status_code == 200, read.text
    return [t["key"] for t in read.json()]


async def test_a_supervisor_reassigns_a_task_to_a_case_worker_of_its_region_with_a_reason(
    api: WebStack
) -> None:
    other = second_case_worker(api.engine)
    driver, task = await claimed_talk(api)
    reassign = f"{task}/reassign"

    assert (await post(api, CW, reassign, {"assignee": other, "reason": "leave"})
            ).status_code == 403
    assert (await post(api, "sv.pavlodar", reassign, {"assignee": other, "reason": "leave"})
            ).status_code == 403
    assert set(fields(await post(api, SV, reassign, {"assignee": other}))) == {"reason"}
    assert fields(await post(api, SV, reassign, {"assignee": other, "reason": "  "})) == {
        "reason": "write the reason"}
    for stranger in ("nobody.here", "cw.pavlodar", SV):
        refused = fields(await post(api, SV, reassign, {"assignee": stranger, "reason": "x"}))
        assert refused == {"assignee": f"{stranger} is not a case worker of this task's region"}

    moved = await post(api, SV, reassign, {"assignee": other, "reason": "Aigul is on leave"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["claimed_by"] == other and moved.json()["delegation"] is None
    assert TALK not in await inbox_keys(api, CW, driver.case_id)
    assert await inbox_keys(api, other, driver.case_id, held="mine") == [TALK]
    # The national Committee's supervisor covers every region.
    back = await post(api, COMMITTEE, reassign, {"assignee": CW, "reason": "back from leave"})
    assert back.status_code == 200 and back.json()["claimed_by"] == CW

    lines = [line for line in (await history(api, driver.case_id))["lines"]
             if line["kind"] == "task_handed_over"]
    assert [(line["code"], line["actor"], line["clause"]) for line in lines] == [
        ("handoff_reassigned", SV, "¶10.2"), ("handoff_reassigned", COMMITTEE, "¶10.2")]
    assert lines[0]["text"].endswith(f"reassigned from {CW} to {other}: Aigul is on leave")
    assert lines[1]["text"].endswith(f"reassigned from {other} to {CW}: back from leave")

    assert (await complete(api, CW, driver.case_id, TALK, valid_outcome(StepKind.PREVENTIVE_TALK))
            ).status_code == 200
    closed = await post(api, SV, reassign, {"assignee": other, "reason": "late"})
    assert closed.status_code == 409 and "already closed" in closed.json()["detail"]


async def test_a_delegated_task_is_completed_by_the_colleague_returned_then_accepted(
    api: WebStack
) -> None:
    other, third = second_case_worker(api.engine), second_case_worker(api.engine)
    driver, task = await claimed_talk(api)
    talk = valid_outcome(StepKind.PREVENTIVE_TALK)

    assert (await post(api, SV, f"{task}/delegate", {"delegate": other})).status_code == 403
    assert (await post(api, "cw.pavlodar", f"{task}/delegate", {"delegate": other})
            ).status_code == 403
    assert (await post(api, other, f"{task}/delegate", {"delegate": third})).status_code == 409
    assert fields(await post(api, CW, f"{task}/delegate", {"delegate": CW})) == {
        "delegate": "you hold this task already; choose a colleague"}
    assert set(fields(await post(api, CW, f"{task}/delegate", {"delegate": "cw.pavlodar"}))
               ) == {"delegate"}
    delegated = await post(api, CW, f"{task}/delegate",
                           {"delegate": other, "note": "the family lives near you"})
    assert delegated.status_code == 200, delegated.text
    shown = delegated.json()
    assert shown["claimed_by"] == other
    assert shown["delegation"]["delegated_by"] == CW
    assert shown["delegation"]["delegate"] == other
    assert shown["delegation"]["note"] == "the family lives near you"
    assert shown["delegation"]["done_at"] is None
    # The holder still sees the task they answer for; the colleague sees it as theirs.
    assert await inbox_keys(api, CW, driver.case_id, held="mine") == [TALK]
    assert await inbox_keys(api, other, driver.case_id, held="mine") == [TALK]

    mine = await complete(api, CW, driver.case_id, TALK, talk)
    assert mine.status_code == 409 and other in mine.json()["detail"]
    assert (await complete(api, third, driver.case_id, TALK, talk)).status_code == 409
    assert (await post(api, CW, f"{task}/review", {"accept": True})).status_code == 409

    # The colleague's completion is checked as any completion, then kept: the step stays open.
    bad = valid_outcome(StepKind.PREVENTIVE_TALK, talks=[
        {"party": "parent", "held_at": talk["talks"][0]["held_at"],
         "responsibility_explained": False}])
    refused = await complete(api, other, driver.case_id, TALK, bad)
    assert refused.json() == {"detail": [{
        "field": "outcome.talks.0",
        "reason": "¶10.2 requires explaining their responsibility under the law"}]}
    kept = await complete(api, other, driver.case_id, TALK, talk)
    assert kept.status_code == 202, kept.text
    assert kept.json()["claimed_by"] == CW
    assert kept.json()["delegation"]["done_at"] is not None
    assert kept.json()["delegation"]["outcome"] == talk
    assert (await driver.view()).step(TALK).is_open()
    assert (await complete(api, other, driver.case_id, TALK, talk)).status_code == 409
    assert (await post(api, other, f"{task}/review", {"accept": True})).status_code == 409
    again_delegated = await post(api, CW, f"{task}/delegate", {"delegate": third})
    assert again_delegated.status_code == 409
    assert "awaits your review" in again_delegated.json()["detail"]

    assert fields(await post(api, CW, f"{task}/review", {"accept": False, "reason": ""})) == {
        "reason": "write the reason"}
    returned = await post(api, CW, f"{task}/review",
                          {"accept": False, "reason": "name the school"})
    assert returned.status_code == 200, returned.text
    assert returned.json()["claimed_by"] == other
    assert returned.json()["delegation"]["done_at"] is None
    again = {**talk, "notes": "the school is No. 12"}
    assert (await complete(api, other, driver.case_id, TALK, again)).status_code == 202

    accepted = await post(api, CW, f"{task}/review", {"accept": True})
    assert accepted.status_code == 200, accepted.text
    step = accepted.json()
    assert step["status"] == "done" and step["actor"] == CW
    assert step["outcome"]["notes"] == "the school is No. 12"
    assert (await post(api, CW, f"{task}/review", {"accept": True})).status_code == 409

    lines = (await history(api, driver.case_id, until="task_completed"))["lines"]
    told = [(line["code"], line["actor"]) for line in lines
            if line["step_key"] == TALK and line["kind"] in ("task_handed_over",
                                                              "task_completed")]
    assert told == [("handoff_delegated_note", CW), ("handoff_resolved", other),
                    ("handoff_returned", CW), ("handoff_resolved", other),
                    ("completed", CW), ("handoff_accepted", CW)]
    resolved = next(line for line in lines if line["code"] == "handoff_resolved")
    assert f"done by {other}, awaiting {CW}'s review" in resolved["text"]


async def test_the_holder_takes_a_delegated_task_back(api: WebStack) -> None:
    other = second_case_worker(api.engine)
    driver, task = await claimed_talk(api)
    assert (await post(api, CW, f"{task}/take-back")).status_code == 409
    assert (await post(api, CW, f"{task}/delegate", {"delegate": other})).status_code == 200
    assert (await post(api, other, f"{task}/take-back")).status_code == 409

    taken = await post(api, CW, f"{task}/take-back")
    assert taken.status_code == 200, taken.text
    assert taken.json()["claimed_by"] == CW and taken.json()["delegation"] is None
    talk = valid_outcome(StepKind.PREVENTIVE_TALK)
    assert (await complete(api, other, driver.case_id, TALK, talk)).status_code == 409
    assert (await complete(api, CW, driver.case_id, TALK, talk)).status_code == 200


async def test_an_appeal_task_is_reassigned_and_delegated_as_a_case_task(api: WebStack) -> None:
    other = second_case_worker(api.engine)
    appeal_id = (await submit(api)).json()["appeal_id"]
    await CaseDriver(api.worker.client, appeal_id).wait_for("appeal_triage")
    await in_appeal_inbox(api, appeal_id, "appeal_triage")
    task = f"/api/v1/appeals/{appeal_id}/tasks/appeal_triage"

    assert (await post(api, CW, f"{task}/reassign", {"assignee": other, "reason": "x"})
            ).status_code == 403
    moved = await post(api, SV, f"{task}/reassign", {"assignee": CW, "reason": "triage today"})
    assert moved.status_code == 200 and moved.json()["claimed_by"] == CW
    delegated = await post(api, CW, f"{task}/delegate", {"delegate": other})
    assert delegated.status_code == 200 and delegated.json()["claimed_by"] == other
    kept = await api.http.post(f"{task}/complete", json={"outcome": TRIAGE},
                               headers=api.as_user(other))
    assert kept.status_code == 202 and kept.json()["delegation"]["outcome"] == TRIAGE
    accepted = await post(api, CW, f"{task}/review", {"accept": True})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["actor"] == CW and accepted.json()["status"] == "done"
