"""A long case continues as new before its history grows too large, and loses nothing."""

import uuid
from datetime import date, timedelta

from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cases.intake import parse_report
from schemas.case import Stage, StepStatus
from schemas.procedure import CaseInput
from schemas.steps import StepKind
from store.cases import case_steps, get_case
from store.db import session_scope
from tests.support.clock import skip
from tests.support.factories import report_data, supervisor_of
from tests.support.scenarios import CaseDriver
from workflows.violation_response import ViolationResponseWorkflow

PLAN_ITEMS = 12
ACTIVITY_ENDED = {f"activity_task_{end}_event_attributes"
                  for end in ("completed", "failed", "timed_out", "canceled")}


async def test_long_case_continues_as_new_and_keeps_its_state(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    case_id = f"AKT-2026-{uuid.uuid4().int % 10**6:06d}"
    handle = await time_env.client.start_workflow(
        ViolationResponseWorkflow.run,
        CaseInput(case_id=case_id, report=parse_report(report_data(cohabiting_parent=False)),
                  history_limit=200),
        id=case_id, task_queue=time_worker.task_queue,
    )
    first_run = handle.first_execution_run_id or handle.result_run_id
    case = CaseDriver(time_env.client, case_id)
    await case.complete(StepKind.PREVENTIVE_TALK)
    await case.complete(StepKind.POLICE_DECISION)
    await case.complete(StepKind.SAFETY_ASSESSMENT, child_in_danger=False, measures=[])
    due = (date.today() + timedelta(days=365)).isoformat()
    await case.complete(StepKind.PSYCHOLOGICAL_SUPPORT, plan=[
        {"action": f"monthly session {i + 1}", "owner": "school psychologist", "due": due}
        for i in range(PLAN_ITEMS)
    ])
    await case.complete(StepKind.COORDINATION_MEETING)
    await case.complete(StepKind.RECOMMENDATIONS)
    await case.complete(StepKind.APPROVAL, "recommendations.approval-1")
    await case.complete(StepKind.PUBLIC_STATEMENT)
    await case.complete(StepKind.APPROVAL, "public_statement.approval-1")

    for item in range(PLAN_ITEMS):
        await skip(time_env, timedelta(days=31))
        await case.complete(StepKind.PLAN_REVIEW, f"plan_review-{item + 1}", items_done=[item])
    await case.complete(StepKind.CLOSURE)
    await case.complete(StepKind.CLOSURE_APPROVAL, "closure.approval-1",
                        actor=supervisor_of(name="sv-dana"))
    view = await case.result()

    first = await time_env.client.get_workflow_handle(case_id, run_id=first_run).describe()
    assert first.status == WorkflowExecutionStatus.CONTINUED_AS_NEW
    assert view.stage == Stage.CLOSED
    reviews = [s for s in view.steps if s.kind == StepKind.PLAN_REVIEW]
    assert [s.key for s in reviews] == [f"plan_review-{i + 1}" for i in range(PLAN_ITEMS)]
    assert {s.status for s in view.steps} == {StepStatus.DONE, StepStatus.SKIPPED}
    assert view.step("preventive_talk").actor == "cw-aigul"  # from the first run
    with session_scope(engine) as session:
        stored = get_case(session, case_id)
        assert stored is not None and stored.version == view.version
        assert len(case_steps(session, case_id)) == len(view.steps)
    assert await _unfinished_activities(time_env.client, case_id, first_run) == {}


async def _unfinished_activities(client: Client, case_id: str, run_id: str | None
                                 ) -> dict[str, list[str]]:
    """Each run that continued as new, with the activities it scheduled and never saw end:
    a run that ends with one in flight loses its result and leaves the next run to redo it."""
    unfinished: dict[str, list[str]] = {}
    while run_id:
        scheduled: dict[int, str] = {}
        this_run, run_id = run_id, None
        async for event in client.get_workflow_handle(case_id, run_id=this_run
                                                      ).fetch_history_events():
            kind = event.WhichOneof("attributes")
            if kind == "activity_task_scheduled_event_attributes":
                scheduled[event.event_id] = (
                    event.activity_task_scheduled_event_attributes.activity_type.name)
            elif kind in ACTIVITY_ENDED:
                scheduled.pop(getattr(event, kind).scheduled_event_id, None)
            elif kind == "workflow_execution_continued_as_new_event_attributes":
                run_id = event.workflow_execution_continued_as_new_event_attributes \
                    .new_execution_run_id
                if scheduled:
                    unfinished[this_run] = sorted(scheduled.values())
    return unfinished
