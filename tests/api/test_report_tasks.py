"""A periodic report's tasks are tasks like any other: a ¶6.1 plan's draft is in the case
worker's inbox, claimed, followed up, delegated to a colleague whose completion its holder
accepts through the generic task endpoints; its agreement is offered only to the national
office, and a regional supervisor's is refused by the workflow."""

import asyncio
import uuid
from datetime import date
from typing import Any

from schemas.regions import Region
from schemas.reporting import Period, ReportingInput
from tests.api.test_activity_reports import _task_opens
from tests.api.test_follow_ups import day
from tests.api.test_handoffs import inbox_keys, post
from tests.api.test_tasks import COMMITTEE, CW, SV, second_case_worker
from tests.support.web_stack import WebStack
from workflows.reporting import AnnualPlan

PLAN = "annual-plan-aktobe-2022"
REPORT = f"/api/v1/activity-reports/{PLAN}"
DRAFT = f"/api/v1/tasks/{PLAN}/plan_draft"
ROW = {"activity": "Мектептердегі кездесулер", "clause": "¶6.1",
       "responsible": "Өңірлік кеңсе", "quarter": 2, "expected_result": "20 кездесу"}


async def _inbox(api: WebStack, user: str, **params: str) -> dict[str, dict[str, Any]]:
    """The reader's inbox lines of the plan, by task key (filtered to it: the suite's other
    tasks in the region would fill the page)."""
    read = await api.http.get("/api/v1/tasks", params={"case_id": PLAN, **params},
                              headers=api.as_user(user))
    assert read.status_code == 200, read.text
    return {t["key"]: t for t in read.json() if t["case_id"] == PLAN}


async def _listed(api: WebStack, user: str, key: str) -> dict[str, Any]:
    """The plan's task ``key`` once the reader's inbox lists it (the store has it a moment
    after the workflow opens it)."""
    for _ in range(100):
        if key in (lines := await _inbox(api, user)):
            return lines[key]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{key} never listed for {user}: {sorted(lines)}")


async def test_a_plan_s_tasks_go_through_the_inbox_and_the_generic_task_endpoints(
    api: WebStack
) -> None:
    period = Period(start=date(2022, 1, 1), end=date(2023, 1, 1), label="2022")
    await api.worker.client.start_workflow(
        AnnualPlan.run, ReportingInput(region=Region.AKTOBE, period=period),
        id=f"test-api-plan-tasks-{uuid.uuid4()}", task_queue=api.worker.task_queue)
    await _task_opens(api, REPORT, "plan_draft", CW)

    line = await _listed(api, CW, "plan_draft")
    assert (line["kind"], line["clause"], line["region"]) == ("plan_draft", "¶6.1", "aktobe")
    assert line["title"] == "Next year's work plan" and line["claimed_by"] is None
    assert await _inbox(api, "cw.pavlodar") == {}
    assert await _inbox(api, SV) == {}  # a case worker's task
    assert list(await _inbox(api, CW, clause="¶6.1")) == ["plan_draft"]
    assert await _inbox(api, CW, clause="¶8") == {}
    assert await inbox_keys(api, CW, PLAN) == ["plan_draft"]  # by the report's id

    claimed = await post(api, CW, f"{DRAFT}/claim")
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == CW
    other = second_case_worker(api.engine)
    assert (await post(api, other, f"{DRAFT}/claim")).status_code == 409
    followed = await api.http.put(f"{DRAFT}/follow-up", json={"on": day(5)},
                                  headers=api.as_user(CW))
    assert followed.status_code == 200 and followed.json()["follow_up_on"] == day(5)
    assert "plan_draft" not in await _inbox(api, CW)
    assert "plan_draft" in await _inbox(api, CW, all="true")
    cleared = await api.http.delete(f"{DRAFT}/follow-up", headers=api.as_user(CW))
    assert cleared.status_code == 200 and cleared.json()["follow_up_on"] is None

    # Delegated to a colleague, whose completion waits for the holder's review.
    delegated = await post(api, CW, f"{DRAFT}/delegate", {"delegate": other})
    assert delegated.status_code == 200, delegated.text
    assert await inbox_keys(api, other, PLAN, held="mine") == ["plan_draft"]
    bad = await post(api, other, f"{DRAFT}/complete",
                     {"outcome": {"items": [ROW | {"quarter": 5}]}})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["detail"]} == {"outcome.items.0.quarter"}
    kept = await post(api, other, f"{DRAFT}/complete", {"outcome": {"items": [ROW]}})
    assert kept.status_code == 202, kept.text
    accepted = await post(api, CW, f"{DRAFT}/review", {"accept": True})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "done" and accepted.json()["actor"] == CW

    report = (await api.http.get(REPORT, headers=api.as_user(CW))).json()
    assert report["status"] == "agreeing" and report["plan"][0]["activity"] == ROW["activity"]
    agreement = "plan_draft.plan_agreement-1"
    assert [(t["key"], t["status"]) for t in report["tasks"]] == [
        ("plan_draft", "done"), (agreement, "open")]

    # The agreement is the national office's: offered to it alone, refused to a region's.
    assert agreement not in await _inbox(api, SV)
    assert agreement in await _inbox(api, COMMITTEE)
    refused = await post(api, SV, f"/api/v1/tasks/{PLAN}/{agreement}/complete",
                         {"outcome": {"approved": True}})
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == "Forbidden"
    assert "only the national Commissioner's office does this task" in refused.json()["detail"]
    agreed = await post(api, COMMITTEE, f"/api/v1/tasks/{PLAN}/{agreement}/complete",
                        {"outcome": {"approved": True}})
    assert agreed.status_code == 200, agreed.text
    after = (await api.http.get(REPORT, headers=api.as_user(SV))).json()
    assert after["status"] == "approving"
    assert after["tasks"][-1]["key"] == "plan_draft.approval-1"
    assert "plan_draft.approval-1" in await _inbox(api, SV)
