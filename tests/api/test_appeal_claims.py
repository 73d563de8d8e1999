"""Appeal tasks are claimed and released as the cases' tasks are: the holder keeps the task
until they release it (others are refused claiming, releasing and completing it, and no
longer see it), other regions and roles are refused, a closed task cannot be claimed."""

import asyncio
from typing import Any

from activities.districts import load_districts
from activities.store import StoreActivities
from schemas.activities import TaskRef
from tests.api.test_appeals import submit
from tests.api.test_tasks import CW, SV, second_case_worker
from tests.support.scenarios import CaseDriver
from tests.support.web_stack import WebStack

TRIAGE = {"within_competence": True, "notes": ""}


async def inbox_of(api: WebStack, user: str, appeal_id: str, **params: str
                   ) -> list[dict[str, Any]]:
    read = await api.http.get("/api/v1/tasks", params={"case_id": appeal_id, **params},
                              headers=api.as_user(user))
    assert read.status_code == 200, read.text
    tasks: list[dict[str, Any]] = read.json()
    return tasks


async def in_inbox(api: WebStack, appeal_id: str, key: str) -> None:
    """Wait until the store's projection shows the appeal's task in the case worker's inbox."""
    for _ in range(200):
        if any(t["key"] == key for t in await inbox_of(api, CW, appeal_id)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{appeal_id}/{key} never reached the inbox")


async def test_an_appeal_task_is_left_to_its_holder_until_released(api: WebStack) -> None:
    other = second_case_worker(api.engine)
    appeal_id = (await submit(api)).json()["appeal_id"]
    await CaseDriver(api.worker.client, appeal_id).wait_for("appeal_triage")
    await in_inbox(api, appeal_id, "appeal_triage")
    task = f"/api/v1/appeals/{appeal_id}/tasks/appeal_triage"

    claimed = await api.http.post(f"{task}/claim", headers=api.as_user(CW))
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["claimed_by"] == CW and claimed.json()["case_id"] == appeal_id
    # The workflow's reminders ask the store who holds the task: the appeal's holder.
    holder = StoreActivities(api.engine, districts=load_districts()).task_holder(
        TaskRef(case_id=appeal_id, key="appeal_triage"))
    assert holder == CW
    assert [t["claimed_by"] for t in await inbox_of(api, CW, appeal_id, held="mine")] == [CW]
    assert (await api.http.post(f"{task}/claim", headers=api.as_user(other))).status_code == 409
    assert (await api.http.post(f"{task}/release", headers=api.as_user(other))).status_code == 409
    taken = await api.http.post(f"{task}/complete", json={"outcome": TRIAGE},
                                headers=api.as_user(other))
    assert taken.status_code == 409 and CW in taken.json()["detail"]
    assert await inbox_of(api, other, appeal_id) == []  # held by someone else: not shown
    assert (await api.http.post(f"{task}/claim", headers=api.as_user(SV))).status_code == 403
    assert (await api.http.post(f"{task}/claim",
                                headers=api.as_user("cw.pavlodar"))).status_code == 403

    released = await api.http.post(f"{task}/release", headers=api.as_user(CW))
    assert released.status_code == 200 and released.json()["claimed_by"] is None
    assert [t["key"] for t in await inbox_of(api, other, appeal_id, held="unclaimed")] == [
        "appeal_triage"]
    assert (await api.http.post(f"{task}/claim", headers=api.as_user(other))).status_code == 200
    done = await api.http.post(f"{task}/complete", json={"outcome": TRIAGE},
                               headers=api.as_user(other))
    assert done.status_code == 200, done.text
    gone = await api.http.post(f"{task}/claim", headers=api.as_user(CW))
    assert gone.status_code == 404
    unknown = await api.http.post(f"/api/v1/appeals/{appeal_id}/tasks/nothing/claim",
                                  headers=api.as_user(CW))
    assert unknown.status_code == 404


async def test_an_unknown_appeal_is_a_documented_404(api: WebStack) -> None:
    """Read, claimed or completed, an appeal that does not exist is a 404 the API documents
    (this suite holds every answer to ``/openapi.json``)."""
    unknown = "AKT-A-1999-999999"
    read = await api.http.get(f"/api/v1/appeals/{unknown}", headers=api.as_user(CW))
    assert read.status_code == 404 and unknown in read.text
    for action in ("claim", "release"):
        refused = await api.http.post(f"/api/v1/appeals/{unknown}/tasks/appeal_triage/{action}",
                                      headers=api.as_user(CW))
        assert refused.status_code == 404, refused.text
