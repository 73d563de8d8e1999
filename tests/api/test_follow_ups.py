"""Follow-up dates over the API: only the holder of an open task sets or clears one, within
its bounds; the task leaves the default inbox until that day and shows under ``all=true``
(a saved filter keeps the option); releasing or closing the task drops it. The same for a
¶6.2 appeal's task."""

from datetime import datetime, timedelta
from typing import Any

from ombudsflow.local_time import LOCAL_TIME
from schemas.steps import StepKind
from store.cases import get_task
from store.db import session_scope
from tests.api.calls import complete, fields, open_case
from tests.api.test_appeal_claims import in_inbox as appeal_in_inbox
from tests.api.test_appeals import submit
from tests.api.test_tasks import CW, in_inbox, second_case_worker
from tests.support.scenarios import CaseDriver, valid_outcome
from tests.support.web_stack import WebStack


def day(days_from_today: int) -> str:
    return (datetime.now(LOCAL_TIME).date() + timedelta(days=days_from_today)).isoformat()


async def listed(api: WebStack, number: str, **params: str) -> dict[str, Any]:
    """The case worker's inbox lines of case (or appeal) ``number``, by key."""
    read = await api.http.get("/api/v1/tasks", params={"case_id": number, **params},
                              headers=api.as_user(CW))
    assert read.status_code == 200, read.text
    return {t["key"]: t for t in read.json()}


async def test_the_holder_puts_a_task_off_until_a_day_and_only_the_holder(
        api: WebStack) -> None:
    other = second_case_worker(api.engine)
    driver = await open_case(api)
    await driver.wait_for("preventive_talk")
    await in_inbox(api, driver.case_id, "preventive_talk")
    task = f"/api/v1/tasks/{driver.case_id}/preventive_talk"
    follow = f"{task}/follow-up"

    nobodys = await api.http.put(follow, json={"on": day(3)}, headers=api.as_user(CW))
    assert nobodys.status_code == 409 and "not yours" in nobodys.json()["detail"]
    assert (await api.http.post(f"{task}/claim", headers=api.as_user(CW))).status_code == 200
    for wrong in (day(0), day(-1), day(366), "05.12.2026", "tomorrow"):
        refused = await api.http.put(follow, json={"on": wrong}, headers=api.as_user(CW))
        assert list(fields(refused)) == ["on"], (wrong, refused.text)
    today = await api.http.put(follow, json={"on": day(0)}, headers=api.as_user(CW))
    assert fields(today)["on"].startswith("must be after today")

    put_off = await api.http.put(follow, json={"on": day(3)}, headers=api.as_user(CW))
    assert put_off.status_code == 200, put_off.text
    assert put_off.json()["follow_up_on"] == day(3)
    assert "preventive_talk" not in await listed(api, driver.case_id)
    shown = await listed(api, driver.case_id, all="true")
    assert shown["preventive_talk"]["follow_up_on"] == day(3)
    assert shown["police_decision"]["follow_up_on"] is None
    theirs = await api.http.put(follow, json={"on": day(1)}, headers=api.as_user(other))
    assert theirs.status_code == 409
    assert (await api.http.delete(follow, headers=api.as_user(other))).status_code == 409

    saved = await api.http.put("/api/v1/tasks/filters/everything", json={"all": True},
                               headers=api.as_user(CW))
    assert saved.json()["query"] == "all=true"
    applied = await api.http.get(f"/api/v1/tasks?{saved.json()['query']}&case_id="
                                 f"{driver.case_id}", headers=api.as_user(CW))
    assert "preventive_talk" in {t["key"] for t in applied.json()}

    cleared = await api.http.delete(follow, headers=api.as_user(CW))
    assert cleared.status_code == 200 and cleared.json()["follow_up_on"] is None
    assert "preventive_talk" in await listed(api, driver.case_id)

    # Released, the task loses its follow-up date: the next holder starts afresh.
    await api.http.put(follow, json={"on": day(2)}, headers=api.as_user(CW))
    released = await api.http.post(f"{task}/release", headers=api.as_user(CW))
    assert released.json()["follow_up_on"] is None
    assert (await listed(api, driver.case_id))["preventive_talk"]["follow_up_on"] is None

    # Closed, too; and a closed task is not followed up.
    await api.http.post(f"{task}/claim", headers=api.as_user(CW))
    await api.http.put(follow, json={"on": day(2)}, headers=api.as_user(CW))
    talk = await complete(api, CW, driver.case_id, "preventive_talk",
                          valid_outcome(StepKind.PREVENTIVE_TALK))
    assert talk.status_code == 200, talk.text
    with session_scope(api.engine) as session:
        row = get_task(session, f"{driver.case_id}/preventive_talk")
        assert row is not None and (row.claimed_by, row.follow_up_on) == (None, None)
    closed = await api.http.put(follow, json={"on": day(2)}, headers=api.as_user(CW))
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]
    unknown = await api.http.put(f"/api/v1/tasks/{driver.case_id}/nothing/follow-up",
                                 json={"on": day(2)}, headers=api.as_user(CW))
    assert unknown.status_code == 404


async def test_an_appeal_task_is_put_off_as_a_case_task_is(api: WebStack) -> None:
    appeal_id = (await submit(api)).json()["appeal_id"]
    await CaseDriver(api.worker.client, appeal_id).wait_for("appeal_triage")
    await appeal_in_inbox(api, appeal_id, "appeal_triage")
    task = f"/api/v1/appeals/{appeal_id}/tasks/appeal_triage"
    assert (await api.http.post(f"{task}/claim", headers=api.as_user(CW))).status_code == 200

    put_off = await api.http.put(f"{task}/follow-up", json={"on": day(5)},
                                 headers=api.as_user(CW))
    assert put_off.status_code == 200 and put_off.json()["follow_up_on"] == day(5)
    assert await listed(api, appeal_id) == {}
    assert (await listed(api, appeal_id, all="true"))["appeal_triage"]["follow_up_on"] == day(5)
    cleared = await api.http.delete(f"{task}/follow-up", headers=api.as_user(CW))
    assert cleared.status_code == 200 and "appeal_triage" in await listed(api, appeal_id)
