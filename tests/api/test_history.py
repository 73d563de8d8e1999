"""The case's timeline from its Temporal history: clauses, actors, delays against deadlines,
deadline timers, the Temporal UI link, and one story across continue-as-new runs."""

import asyncio
import uuid
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

from temporalio.testing import WorkflowEnvironment

from cases.intake import parse_report
from schemas.case import Stage, Step
from schemas.procedure import CaseInput
from schemas.steps import StepKind
from tests.api.calls import confirm, done, open_case
from tests.support.clock import skip, skipper
from tests.support.factories import CANARY_IIN, CANARY_NAME, report_data
from tests.support.scenarios import CaseDriver, confirmed_with_danger
from tests.support.web_stack import WebStack
from workflows.violation_response import ViolationResponseWorkflow


async def history(api: WebStack, case_id: str, *, until: str | None = None) -> dict[str, Any]:
    """The case's history as its case worker reads it, once a line of kind ``until`` is in."""
    for _ in range(100):
        response = await api.http.get(f"/api/v1/cases/{case_id}/history",
                                      headers=api.as_user("cw.aktobe"))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if until is None or any(line["kind"] == until for line in body["lines"]):
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {until} line in {body['lines']}")


async def test_history_of_a_confirmed_case_cites_clauses_actors_and_delays(
    api: WebStack, time_env: WorkflowEnvironment
) -> None:
    driver = await open_case(api)
    await done(api, driver, "cw.aktobe", StepKind.PREVENTIVE_TALK)
    await confirm(api, driver)
    await driver.wait_delivered("notice.commissioner", "notice.committee", "notice.akimat",
                                "referral.guardianship", "referral.police")
    await driver.wait_for("safety_assessment")
    await skip(time_env, timedelta(hours=30))  # ¶11.2 safety is due within 24 hours

    body = await history(api, driver.case_id, until="deadline_reached")

    assert body["temporal_ui"] == (f"{api.settings.public_base_url}/temporal/namespaces/"
                                   f"{api.settings.temporal_namespace}/workflows/{driver.case_id}")
    lines = body["lines"]
    times = [datetime.fromisoformat(line["at"]) for line in lines]
    assert times == sorted(times)
    assert lines[0]["kind"] == "opened" and lines[0]["clause"] == "¶10"
    delivered = {(x["clause"], x["recipient"]) for x in lines if x["kind"] == "notice_delivered"}
    assert delivered == {("¶10.1", "commissioner"), ("¶10.1", "committee"), ("¶10.1", "akimat"),
                         ("¶10.3", "guardianship"), ("¶10.3", "police")}
    by_step = {x["step_key"]: x for x in lines if x["kind"] == "task_completed"}
    talk, police = by_step["preventive_talk"], by_step["police_decision"]
    assert (talk["clause"], talk["actor"], talk["actor_role"]) == ("¶10.2", "cw.aktobe",
                                                                  "case_worker")
    assert talk["due_at"] is not None and talk["delay_seconds"] < 0  # done before it was due
    assert police["clause"] == "¶11" and police["actor_role"] == "integration"
    assert police["actor"].startswith("integration:ofk_")
    assert "the police confirmed the facts" in police["text"]
    stages = [(x["code"], x["params"]) for x in lines if x["kind"] == "stage_changed"]
    assert stages == [("stage", {"stage": s}) for s in (Stage.NOTIFICATION, Stage.POLICE_CHECK,
                                                        Stage.RESPONSE)]
    assert [x["text"] for x in lines if x["kind"] == "stage_changed"][1] == "stage: Police check"
    late = [x for x in lines if x["kind"] == "deadline_reached"]
    assert {x["step_key"] for x in late} >= {"safety_assessment"}
    safety = next(x for x in late if x["step_key"] == "safety_assessment"
                  and x["code"] == "reminder")
    assert safety["clause"] == "¶11.2" and safety["recipient"] == "ombudsman_office"
    assert safety["delay_seconds"] >= 0
    assert any(x["kind"] == "overdue_changed" and x["text"] == "a step is overdue"
               for x in lines)
    assert all(x["clause"] for x in lines if x["kind"] != "overdue_changed")
    text = str(body)
    assert CANARY_NAME not in text and CANARY_IIN not in text


class QuietDriver(CaseDriver):
    """Sends each update only once the case's run is idle (no workflow task, no activity):
    the time-skipping server's continue-as-new is not atomic with a workflow task an update
    starts at the same moment (temporalio/sdk-java#1537), and the old run's history then ends
    without its continued-as-new event. The race is the test server's; the case's continuing
    as new is what this test reads, not the moment the driver picks."""

    async def _answered(self, update: str, call: Awaitable[Step]) -> Step:
        for _ in range(200):
            described = (await self.handle.describe()).raw_description
            if (not described.HasField("pending_workflow_task")
                    and not described.pending_activities):
                break
            await asyncio.sleep(self.poll)
        return await super()._answered(update, call)


async def test_history_tells_one_story_across_continue_as_new(
    api: WebStack, time_env: WorkflowEnvironment
) -> None:
    case_id = f"AKT-2099-{uuid.uuid4().int % 10**6:06d}"
    await time_env.client.start_workflow(
        ViolationResponseWorkflow.run,
        CaseInput(case_id=case_id, report=parse_report(report_data()), history_limit=200),
        id=case_id, task_queue=api.worker.task_queue,
    )
    driver = QuietDriver(time_env.client, case_id)
    await confirmed_with_danger(driver, skipper(time_env))
    await driver.result()

    lines = (await history(api, case_id))["lines"]

    kinds = [x["kind"] for x in lines]
    assert kinds.count("opened") == 1 and kinds[0] == "opened"
    assert kinds.count("continued_as_new") >= 1
    assert kinds[-1] == "closed"
    # Every update of the scenario, whichever run took it: 18 completions and decisions.
    acted = [x for x in lines if x["kind"] in ("task_completed", "approval_decided",
                                               "inspection_recorded")]
    assert len(acted) == 18
    assert next(x["text"] for x in acted if x["kind"] == "approval_decided").startswith(
        "sent Public statement back: ")


async def test_history_reads_in_the_callers_language(
    api: WebStack, time_env: WorkflowEnvironment
) -> None:
    driver = await open_case(api)
    await confirm(api, driver)
    await history(api, driver.case_id, until="stage_changed")
    for language, stage in (("ru", "Этап: Проверка полицией"), ("kk", "Кезең: ")):
        response = await api.http.get(
            f"/api/v1/cases/{driver.case_id}/history",
            headers={**api.as_user("cw.aktobe"), "Accept-Language": f"{language},en;q=0.5"})
        lines = response.json()["lines"]
        assert any(x["text"].startswith(stage) for x in lines), lines
        police = next(x for x in lines if x["step_key"] == "police_decision")
        assert police["code"] == "police_confirmed" and "police" not in police["text"]
