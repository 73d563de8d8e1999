"""The periodic work on the time-skipping server, its drafts and decisions the toolkit's tasks:
¶8 drafted, refused to its own drafter, returned, approved and delivered with its documents;
a draft left alone reminded, escalated to the supervisor, then to the Commissioner; monthly
control waiting for the first working day; the ¶6.1 plan agreed nationally, approved
regionally and escalated to the Commissioner past 30 December; the ¶6.10 summary refused
when it carries an IIN."""

import email
import io
import uuid
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pypdf import PdfReader
from sqlalchemy import Engine
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ombudsflow.local_time import LOCAL_TIME
from schemas.case import Actor, Step
from schemas.outcomes import ApprovalCompletion, ApprovalOutcome
from schemas.regions import Region
from schemas.reporting import (
    Briefing,
    BriefingCompletion,
    NarrativeCompletion,
    NarrativeOutcome,
    NarrativeSection,
    Period,
    PlanCompletion,
    PlanItem,
    PlanOutcome,
    ReportingInput,
    ReportKind,
    ReportStatus,
    ReportView,
)
from store.db import session_scope
from store.models import Publication
from store.outbox import case_notices
from store.reports import report_steps, save_report
from tests.support.clock import skip
from tests.support.factories import supervisor_of, worker_of
from tests.support.reporting import complete, decision, opened
from workflows.reporting import (
    AnnualPlan,
    HalfYearBriefing,
    HalfYearReport,
    MonthlyControlWorkflow,
)

KAZAKH_LETTERS = "әғқңөұүһі"
H1 = Period(start=date(2026, 1, 1), end=date(2026, 7, 1), label="2026-H1")
# Each test its own report: the store is the session's, and one workflow holds a report.
H2_2025 = Period(start=date(2025, 7, 1), end=date(2026, 1, 1), label="2025-H2")
H1_2025 = Period(start=date(2025, 1, 1), end=date(2025, 7, 1), label="2025-H1")
NARRATIVE = NarrativeOutcome(sections={
    NarrativeSection.SUMMARY: "Жарты жылда шаһар мен аудандарда жұмыс жүргізілді.",
    NarrativeSection.PROPOSALS: "Ұсыныстар: өңірлік әлеуметтік үйлестіруді күшейту.",
})
ITEM = PlanItem(activity="Мектептерде профилактикалық кездесулер", clause="¶6.1",
                responsible="Өңірлік кеңсе", quarter=1, expected_result="20 кездесу")
NATIONAL = supervisor_of(region=None, name="commissioner-office")


async def _start(env: WorkflowEnvironment, worker: Worker, wf: object, period: Period
                 ) -> WorkflowHandle[Any, Any]:
    return await env.client.start_workflow(
        wf.run,  # type: ignore[attr-defined]
        ReportingInput(region=Region.AKTOBE, period=period),
        id=f"test-report-{uuid.uuid4()}", task_queue=worker.task_queue)


async def _refused(handle: WorkflowHandle[Any, Any], update: str, arg: BaseModel,
                   reason: str) -> None:
    """The update's validator refuses ``arg`` with ``reason`` (a ``schemas.refusals`` code)."""
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(update, arg)
    assert reason in str(refused.value.cause)


def _mails(mail_dir: Path) -> list[EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(mail_dir.glob("*.eml"))]


def _approved_plan_for_2026(engine: Engine) -> PlanItem:
    plan = ReportView(
        report_id="annual-plan-aktobe-2026", kind=ReportKind.ANNUAL_PLAN, clause="¶6.1",
        region=Region.AKTOBE, period=Period(start=date(2026, 1, 1), end=date(2027, 1, 1),
                                            label="2026"),
        status=ReportStatus.DELIVERED, opened_at=datetime(2025, 12, 1, 4, tzinfo=UTC),
        plan=[ITEM])
    with session_scope(engine) as session:
        save_report(session, plan, now=plan.opened_at)
    return ITEM


async def test_half_year_report_is_approved_by_four_eyes_and_delivered_with_documents(
    time_env: WorkflowEnvironment, time_worker: Worker, mail_dir: Path, engine: Engine
) -> None:
    """It reports on the year's approved ¶6.1 plan too; its tasks are in the store."""
    item = _approved_plan_for_2026(engine)
    handle = await _start(time_env, time_worker, HalfYearReport, H1)
    drafter, supervisor = worker_of(), supervisor_of()
    await complete(handle, "draft_report_narrative", "report_narrative", drafter,
                NarrativeCompletion, NARRATIVE)
    approval = "report_narrative.approval-1"
    await opened(handle, approval)
    await _refused(handle, "decide_approval", decision(drafter, approval), "role_may_not")
    drafting_supervisor = Actor(id=drafter.id, role=supervisor.role, region=Region.AKTOBE)
    await _refused(handle, "decide_approval", decision(drafting_supervisor, approval),
                   "four_eyes_draft")
    await handle.execute_update("decide_approval", decision(
        supervisor, approval, approved=False, reason="Add the KDN figures"), result_type=Step)
    returned: ReportView = await handle.query(HalfYearReport.report)
    assert (returned.status, returned.returned_with) == (ReportStatus.DRAFTING,
                                                         "Add the KDN figures")
    await complete(handle, "draft_report_narrative", "report_narrative", drafter,
                NarrativeCompletion, NARRATIVE)
    await complete(handle, "decide_approval", "report_narrative.approval-2", supervisor,
                ApprovalCompletion, ApprovalOutcome(approved=True))
    view: ReportView = await handle.result()
    assert view.status == ReportStatus.DELIVERED and view.figures is not None
    assert view.plan == [item] and view.narrative == NARRATIVE.sections
    assert (view.drafted_by, view.approved_by) == (drafter.id, supervisor.id)
    with session_scope(engine) as session:
        tasks = [(s.key, s.status, s.actor) for s in report_steps(session, view.report_id)]
        outbox = [n for n in case_notices(session, view.report_id) if n.kind == "delivery"]
    assert tasks == [("report_narrative", "done", drafter.id),
                     ("report_narrative.approval-1", "rejected", supervisor.id),
                     ("report_narrative.approval-2", "done", supervisor.id)]
    delivered = [m for m in _mails(mail_dir) if m.is_multipart()]
    assert len(delivered) == 3  # the Commissioner, the Committee, the akim
    assert sorted((n.kind, n.recipient, n.status) for n in outbox) == [
        ("delivery", r, "sent") for r in ("akimat", "commissioner", "committee")]
    assert {n.message_id for n in outbox} == {m["Message-ID"] for m in delivered}
    attachments = {str(part.get_filename()): part.get_payload(decode=True)
                   for part in delivered[0].iter_attachments()}
    assert sorted(attachments) == sorted(
        f"{view.report_id}-{lang}.{ext}" for lang in ("kk", "ru") for ext in ("xlsx", "pdf"))
    pdf = attachments[f"{view.report_id}-kk.pdf"]
    assert isinstance(pdf, bytes)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert set(KAZAKH_LETTERS) <= set(text)
    assert "2026-H1" in text and "Ақтөбе" in text


async def test_a_draft_left_alone_is_reminded_then_escalated_to_the_supervisor_and_the_commissioner(
    time_env: WorkflowEnvironment, time_worker: Worker, mail_dir: Path, engine: Engine
) -> None:
    """Each notice is an outbox row of the report, sent once; the report shows when."""
    handle = await _start(time_env, time_worker, HalfYearReport, H2_2025)
    await opened(handle, "report_narrative")
    await skip(time_env, 60 * 60 * 24 * 31)
    view: ReportView = await handle.query(HalfYearReport.report)
    assert view.status == ReportStatus.DRAFTING
    assert len(view.reminded_at) == 1 and view.escalated_at is not None
    with session_scope(engine) as session:
        outbox = [(n.kind, n.recipient, n.status) for n in case_notices(session, view.report_id)
                  if n.kind != "delivery"]
    # (The session's store may hold this report's delivery from another test.)
    assert ("escalation", "supervisor", "sent") in outbox
    assert ("escalation", "commissioner", "sent") in outbox
    assert outbox.count(("reminder", "ombudsman_office", "sent")) > 1  # repeated while late
    assert all(view.report_id in str(m["Subject"]) for m in _mails(mail_dir))
    await handle.terminate("test over")


async def test_a_second_run_for_a_report_another_holds_ends_at_once_naming_it(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    """A schedule triggered and backfilled for one period: the first run keeps the report."""
    first = await _start(time_env, time_worker, HalfYearBriefing, H1_2025)
    await opened(first, "briefing")
    second: ReportView = await (await _start(time_env, time_worker, HalfYearBriefing,
                                             H1_2025)).result()
    assert second.duplicate_of == first.id
    with session_scope(engine) as session:
        assert [s.key for s in report_steps(session, second.report_id)] == ["briefing"]
    assert (await first.query(HalfYearBriefing.report)).status == ReportStatus.DRAFTING
    await first.terminate("test over")


async def test_monthly_control_waits_for_the_first_working_day(
    time_env: WorkflowEnvironment, time_worker: Worker, mail_dir: Path
) -> None:
    """January 2027 is reported on in February; 1 February 2027 is a Monday."""
    january = Period(start=date(2027, 1, 1), end=date(2027, 2, 1), label="2027-01")
    view = await (await _start(time_env, time_worker, MonthlyControlWorkflow, january)).result()
    assert view.status == ReportStatus.DONE and view.control is not None
    assert view.delivered_at is not None
    assert view.delivered_at.astimezone(LOCAL_TIME).date() == date(2027, 2, 1)
    assert len(_mails(mail_dir)) == 2  # the regional ombudsman and the akimat


async def test_the_plan_is_agreed_nationally_approved_regionally_and_escalated_past_30_december(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    handle = await _start(time_env, time_worker, AnnualPlan,
                          Period(start=date(2027, 1, 1), end=date(2028, 1, 1), label="2027"))
    draft = PlanOutcome(items=[ITEM])
    await complete(handle, "draft_annual_plan", "plan_draft", worker_of(), PlanCompletion, draft)
    agreement = "plan_draft.plan_agreement-1"
    await opened(handle, agreement)
    await _refused(handle, "agree_annual_plan", decision(supervisor_of(), agreement),
                   "national_office_only")
    await handle.execute_update("agree_annual_plan", decision(
        NATIONAL, agreement, approved=False, reason="Add ¶6.10 briefings"), result_type=Step)
    assert (await handle.query(AnnualPlan.report)).status == ReportStatus.DRAFTING
    await complete(handle, "draft_annual_plan", "plan_draft", worker_of(), PlanCompletion, draft)
    await complete(handle, "agree_annual_plan", "plan_draft.plan_agreement-2", NATIONAL,
                ApprovalCompletion, ApprovalOutcome(approved=True))
    approval = await opened(handle, "plan_draft.approval-2")
    assert approval.due_at == datetime(2026, 12, 20, 4, tzinfo=UTC)  # 09:00 in Almaty
    assert approval.committee_at == datetime(2026, 12, 30, 13, tzinfo=UTC)  # 18:00
    assert (await handle.query(AnnualPlan.report)).status == ReportStatus.APPROVING
    await skip(time_env, 60 * 60 * 24 * 40)  # past 30 December 2026
    view: ReportView = await handle.query(AnnualPlan.report)
    assert view.status == ReportStatus.APPROVING and view.escalated_at is not None
    with session_scope(engine) as session:
        about_approval = [(n.kind, n.recipient) for n in case_notices(session, view.report_id)
                          if n.step_key == "plan_draft.approval-2"]
    assert about_approval == [("reminder", "ombudsman_office"), ("escalation", "supervisor"),
                              ("escalation", "commissioner")]  # no repeated reminders
    await _refused(handle, "decide_approval", decision(NATIONAL, "plan_draft.approval-2"),
                   "regional_office_only")
    await handle.execute_update("decide_approval",
                                decision(supervisor_of(), "plan_draft.approval-2"),
                                result_type=Step)
    done: ReportView = await handle.result()
    assert done.status == ReportStatus.DELIVERED and done.plan == [ITEM]


async def test_a_briefing_summary_with_an_iin_is_refused(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    handle = await _start(time_env, time_worker, HalfYearBriefing, H1)
    briefing = Briefing(held_on=date(2026, 7, 20), place="Ақтөбе", topics=["буллинг"],
                        summary="Брифингте бала 120315500123 туралы айтылды, жоспар.")
    await opened(handle, "briefing")
    await _refused(handle, "draft_briefing", BriefingCompletion(
        actor=worker_of(), task_key="briefing", outcome=briefing), "briefing_identifiers")
    clean = briefing.model_copy(update={"summary": "Брифингте буллингтің алдын алу талқыланды."})
    await complete(handle, "draft_briefing", "briefing", worker_of(), BriefingCompletion, clean)
    await complete(handle, "decide_approval", "briefing.approval-1", supervisor_of(),
                ApprovalCompletion, ApprovalOutcome(approved=True))
    view: ReportView = await handle.result()
    assert view.status == ReportStatus.DELIVERED and view.briefing == clean
    with session_scope(engine) as session:  # the publication register
        published = session.get(Publication, ("BRF-AKT-2026-H1", "briefing"))
    assert published is not None and published.text == clean.summary
    assert published.approved_by == supervisor_of().id
