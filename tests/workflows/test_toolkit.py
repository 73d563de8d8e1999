"""The toolkit carries a procedure other than ¶10–¶11 (``district_visit.py``, the guide's
example) on the time-skipping server with every real activity: a notice delivered, a task
reminded and escalated past its deadlines, a validator's declared checks, a draft sent back
and reopened with the reason, and the case projected into the store."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.workflow import _Definition

from activities.calendar import CalendarActivities
from activities.directory import Directory
from activities.districts import load_districts
from activities.notices import NoticeActivities
from activities.store import StoreActivities
from activities.transports import FileTransport
from activities.webhooks import WebhookActivities
from cases.intake import parse_report
from schemas.case import CaseView, Stage, StepStatus
from schemas.errors import RejectedAction
from schemas.procedure import APPEAL_TASKS, REPORT_TASKS, UPDATES, CaseInput, spec_of
from schemas.steps import StepKind
from store.cases import get_case
from store.db import session_scope
from tests.support.clock import skip
from tests.support.factories import report_data, supervisor_of, worker_of
from tests.support.scenarios import CaseDriver
from tests.workflows.district_visit import DistrictVisit
from workers.sandbox import workflow_runner
from workflows.appeal import AppealWorkflow
from workflows.reporting import AnnualPlan, HalfYearBriefing, HalfYearReport
from workflows.violation_response import ViolationResponseWorkflow


async def test_a_procedure_written_with_the_toolkit_runs_to_closure(
    time_env: WorkflowEnvironment, engine: Engine, mail_dir: Path
) -> None:
    districts = load_districts()
    store = StoreActivities(engine, districts=districts)
    notices = NoticeActivities(engine, FileTransport(mail_dir), Directory.load(),
                               districts=districts, base_url="http://ombudsflow.test",
                               mail_from="ombudsflow@ombudsman.example")
    case_id = f"AKT-2026-{uuid.uuid4().int % 900000 + 100000}"
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with Worker(time_env.client, task_queue=f"test-{uuid.uuid4()}",
                          workflows=[DistrictVisit], workflow_runner=workflow_runner(),
                          activity_executor=executor,
                          activities=[store.record_case, store.project_changes, store.task_holder,
                                      notices.send_notice,
                                      WebhookActivities(engine).deliver_case_events,
                                      CalendarActivities().compute_deadlines]) as worker:
            await time_env.client.start_workflow(
                DistrictVisit.run,
                CaseInput(case_id=case_id, report=parse_report(report_data())),
                id=case_id, task_queue=worker.task_queue)
            visit = CaseDriver(time_env.client, case_id)
            await visit.wait_delivered("notice.akimat")
            talk = await visit.wait_for("preventive_talk")
            assert talk.clause == "¶10.2" and talk.due_at is not None

            await skip(time_env, timedelta(days=10))  # past both of the talk's deadlines
            late = (await visit.view()).step("preventive_talk")
            assert late.reminded_at is not None and late.escalated_at is not None
            await visit.complete(StepKind.PREVENTIVE_TALK)

            await visit.complete(StepKind.CLOSURE)
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await visit.send(StepKind.CLOSURE_APPROVAL, "closure.approval-1",
                                 worker_of(), {"approved": True})
            assert isinstance(refused.value.cause, ApplicationError)
            assert refused.value.cause.type == RejectedAction.FORBIDDEN.value
            await visit.complete(StepKind.CLOSURE_APPROVAL, "closure.approval-1",
                                 actor=supervisor_of(), approved=False, reason="Say who met.")
            reopened = await visit.wait_for("closure")
            assert reopened.attempt == 2 and reopened.note == "rejected: Say who met."
            await visit.complete(StepKind.CLOSURE)
            await visit.complete(StepKind.CLOSURE_APPROVAL, "closure.approval-2",
                                 actor=supervisor_of())
            view: CaseView = await visit.result()

    assert view.stage == Stage.CLOSED
    assert [s.key for s in view.steps] == [
        "notice.akimat", "preventive_talk", "closure", "closure.approval-1",
        "closure.approval-2"]
    assert view.step("closure.approval-1").status == StepStatus.REJECTED
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in mail_dir.glob("*.eml")]
    # The ¶10.1 notice, and the talk's chain: nobody took it (an urgent case), its reminder,
    # its escalation, and a reminder every two working days until it was done.
    talk = view.step("preventive_talk")
    assert talk.unclaimed_escalated_at is not None and talk.reminders_repeated >= 1
    assert sorted(str(m["X-Ombudsflow-Clause"]) for m in mails) == (
        ["¶10.1"] + ["¶10.2"] * (3 + talk.reminders_repeated))
    with session_scope(engine) as session:
        stored = get_case(session, case_id)
        assert stored is not None and stored.stage == "closed"
        assert stored.version == view.version


def test_each_workflow_answers_every_update_of_its_procedure() -> None:
    appeal_updates = {spec_of(k).update for k in APPEAL_TASKS}
    report_updates = {spec_of(k).update for k in REPORT_TASKS}
    defn = _Definition.must_from_class(ViolationResponseWorkflow)
    # Every case workflow also answers the one update that adopts a district code.
    generic = {"adopt_district_code"}
    assert set(defn.updates) == (set(UPDATES) - appeal_updates - report_updates
                                 | {"decide_approval"} | generic)
    assert set(defn.queries) == {"case"}
    appeal = _Definition.must_from_class(AppealWorkflow)
    assert set(appeal.updates) == appeal_updates | {"extend_appeal", "withdraw_appeal"} | generic
    reports = {w: set(_Definition.must_from_class(w).updates) - generic
               for w in (HalfYearReport, AnnualPlan, HalfYearBriefing)}
    assert reports == {
        HalfYearReport: {"draft_report_narrative", "decide_approval"},
        AnnualPlan: {"draft_annual_plan", "agree_annual_plan", "decide_approval"},
        HalfYearBriefing: {"draft_briefing", "decide_approval"},
    }
