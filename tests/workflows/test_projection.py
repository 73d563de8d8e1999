"""The store catches up with a case whatever version it holds, from inside the workflow task
that changed it.

When the changes the workflow sends build on a version the store does not hold (a store
restored from a backup taken at another moment, or a local projection run again after a
worker died before its result was recorded), the store answers so and the workflow sends the
whole case instead of stalling its projector.
"""

import asyncio
import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cases.intake import parse_report
from schemas.activities import CaseChanges
from schemas.case import CaseFacts, PoliceFinding, Stage, StepStatus
from schemas.procedure import CaseInput
from schemas.steps import StepKind
from store.cases import apply_changes, case_steps, case_view, get_case
from store.db import session_scope
from tests.support.factories import report_data
from tests.support.scenarios import CaseDriver, not_confirmed, open_case
from workflows.violation_response import ViolationResponseWorkflow

AHEAD = 2  # a version the workflow never sent


async def test_a_store_ahead_of_the_workflow_gets_the_whole_case(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    case_id = f"AKT-2026-{uuid.uuid4().int % 10**6:06d}"
    report = parse_report(report_data(cohabiting_parent=True))
    with session_scope(engine) as session:
        apply_changes(session, changes=CaseChanges(
            case_id=case_id, version=AHEAD, since_version=None, facts=CaseFacts.of(report),
            stage=Stage.NOTIFICATION, police_finding=PoliceFinding.PENDING,
            opened_at=datetime.now(UTC), closed_at=None, overdue=False, steps={}))
    await time_env.client.start_workflow(
        ViolationResponseWorkflow.run, CaseInput(case_id=case_id, report=report),
        id=case_id, task_queue=time_worker.task_queue,
    )
    case = CaseDriver(time_env.client, case_id)
    await case.complete(StepKind.PREVENTIVE_TALK)
    view = await case.view()

    async def stored() -> dict[str, str]:
        with session_scope(engine) as session:
            return {s.key: s.status for s in case_steps(session, case_id)}

    for _ in range(100):  # the notices' deliveries are projected after the talk's update
        if await stored() == {s.key: s.status.value for s in (await case.view()).steps}:
            break
        await asyncio.sleep(0.1)
    steps = await stored()
    assert steps["preventive_talk"] == StepStatus.DONE.value
    assert steps["police_decision"] == StepStatus.OPEN.value
    assert {k for k in steps if k.startswith(("notice.", "referral."))} == {
        "notice.commissioner", "notice.committee", "notice.akimat",
        "referral.guardianship", "referral.police"}
    with session_scope(engine) as session:
        row = get_case(session, case_id)
        assert row is not None and row.version >= view.version > AHEAD


async def test_every_change_reaches_the_store_without_a_task_of_its_own(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    """The projections run as local activities: the history records their results, schedules
    no projection on the task queue, and the store ends where the case does."""
    case = await open_case(time_env.client, engine, time_worker.task_queue)
    await not_confirmed(case)
    final = await case.result()

    events = (await case.handle.fetch_history()).events
    scheduled = {e.activity_task_scheduled_event_attributes.activity_type.name for e in events
                 if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED}
    local = [json.loads(e.marker_recorded_event_attributes.details["data"].payloads[0].data)
             for e in events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
             and "data" in e.marker_recorded_event_attributes.details]
    assert "send_notice" in scheduled and "project_changes" not in scheduled
    assert sum(m["activity_type"] == "apply_changes" for m in local) > 5
    with session_scope(engine) as session:
        stored = case_view(session, case.case_id)
    assert stored is not None
    assert (stored.version, stored.stage) == (final.version, Stage.CLOSED)
    assert {s.key: s.status for s in stored.steps} == {s.key: s.status for s in final.steps}
