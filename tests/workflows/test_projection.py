"""The store catches up with a case whatever version it holds.

When the changes the workflow sends build on a version the store does not hold (a store
restored from a backup taken at another moment), the store refuses them and the workflow
must send the whole case instead of stalling its projector.
"""

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cases.intake import parse_report
from schemas.activities import CaseChanges
from schemas.case import CaseFacts, PoliceFinding, Stage, StepStatus
from schemas.procedure import CaseInput
from schemas.steps import StepKind
from store.cases import apply_changes, case_steps, get_case
from store.db import session_scope
from tests.support.factories import report_data
from tests.support.scenarios import CaseDriver
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
