"""The periodic work on the time-skipping server: ¶8 drafted, refused by its own drafter,
returned, approved and delivered with its documents; monthly control waiting for the first
working day; the ¶6.1 plan agreed nationally and escalated past 30 December; the ¶6.10
summary refused when it carries an IIN."""

import email
import io
import uuid
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ombudsflow.local_time import LOCAL_TIME
from schemas.case import Actor
from schemas.regions import Region
from schemas.reporting import (
    BriefingDraft,
    Narrative,
    NarrativeSection,
    Period,
    PlanDraft,
    PlanItem,
    ReportDecision,
    ReportingInput,
    ReportKind,
    ReportStatus,
    ReportView,
)
from store.db import session_scope
from store.models import Publication
from store.outbox import case_notices
from store.reports import save_report
from tests.support.clock import skip
from tests.support.factories import supervisor_of, worker_of
from workflows.reporting import (
    AnnualPlanWorkflow,
    BriefingWorkflow,
    HalfYearReportWorkflow,
    MonthlyControlWorkflow,
)

KAZAKH_LETTERS = "әғқңөұүһі"
H1 = Period(start=date(2026, 1, 1), end=date(2026, 7, 1), label="2026-H1")
NARRATIVE = {
    NarrativeSection.SUMMARY: "Жарты жылда шаһар мен аудандарда жұмыс жүргізілді.",
    NarrativeSection.PROPOSALS: "Ұсыныстар: өңірлік әлеуметтік үйлестіруді күшейту.",
}


async def _start(
    env: WorkflowEnvironment, worker: Worker, wf: object, period: Period
) -> WorkflowHandle[Any, Any]:
    return await env.client.start_workflow(
        wf.run,  # type: ignore[attr-defined]
        ReportingInput(region=Region.AKTOBE, period=period),
        id=f"test-report-{uuid.uuid4()}",
        task_queue=worker.task_queue,
    )


async def _refused(handle: WorkflowHandle[Any, Any], update: Any, arg: object, reason: str) -> None:
    """The update's validator refuses ``arg`` with ``reason`` (a ``schemas.refusals`` code)."""
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(update, arg)
    assert reason in str(refused.value.cause)


def _mails(mail_dir: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted(mail_dir.glob("*.eml"))
    ]


def _approved_plan_for_2026(engine: Engine) -> PlanItem:
    item = PlanItem(activity="Мектептерде профилактикалық кездесулер", clause="¶6.1",
                    responsible="Өңірлік кеңсе", quarter=2, expected_result="20 кездесу")
    plan = ReportView(
        report_id="annual-plan-aktobe-2026", kind=ReportKind.ANNUAL_PLAN, clause="¶6.1",
        region=Region.AKTOBE, period=Period(start=date(2026, 1, 1), end=date(2027, 1, 1),
                                            label="2026"),
        status=ReportStatus.DELIVERED, opened_at=datetime(2025, 12, 1, 4, tzinfo=UTC),
        plan=[item])
    with session_scope(engine) as session:
        save_report(session, plan, now=plan.opened_at)
    return item


async def test_half_year_report_is_approved_by_four_eyes_and_delivered_with_documents(
    time_env: WorkflowEnvironment, time_worker: Worker, mail_dir: Path, engine: Engine
) -> None:
    """It reports on the year's approved ¶6.1 plan too."""
    item = _approved_plan_for_2026(engine)
    handle = await _start(time_env, time_worker, HalfYearReportWorkflow, H1)
    drafter, supervisor = worker_of(), supervisor_of()
    await handle.execute_update(
        HalfYearReportWorkflow.submit_narrative, Narrative(actor=drafter, sections=NARRATIVE)
    )
    await _refused(
        handle,
        HalfYearReportWorkflow.decide_report,
        ReportDecision(actor=drafter, approved=True),
        "report_role",
    )
    drafting_supervisor = Actor(id=drafter.id, role=supervisor.role, region=Region.AKTOBE)
    await _refused(
        handle,
        HalfYearReportWorkflow.decide_report,
        ReportDecision(actor=drafting_supervisor, approved=True),
        "four_eyes_draft",
    )
    returned = await handle.execute_update(
        HalfYearReportWorkflow.decide_report,
        ReportDecision(actor=supervisor, approved=False, reason="Add the KDN figures"),
    )
    assert (returned.status, returned.returned_with) == (
        ReportStatus.DRAFTING,
        "Add the KDN figures",
    )
    await handle.execute_update(
        HalfYearReportWorkflow.submit_narrative, Narrative(actor=drafter, sections=NARRATIVE)
    )
    await handle.execute_update(
        HalfYearReportWorkflow.decide_report, ReportDecision(actor=supervisor, approved=True)
    )
    view = await handle.result()
    assert view.status == ReportStatus.DELIVERED and view.figures is not None
    assert view.plan == [item]
    delivered = [m for m in _mails(mail_dir) if m.is_multipart()]
    assert len(delivered) == 3  # the Commissioner, the Committee, the akim
    with session_scope(engine) as session:
        outbox = [n for n in case_notices(session, view.report_id) if n.kind == "delivery"]
    assert sorted((n.kind, n.recipient, n.status) for n in outbox) == [
        ("delivery", r, "sent") for r in ("akimat", "commissioner", "committee")]
    assert {n.message_id for n in outbox} == {m["Message-ID"] for m in delivered}
    attachments = {
        str(part.get_filename()): part.get_payload(decode=True)
        for part in delivered[0].iter_attachments()
    }
    assert sorted(attachments) == sorted(
        f"{view.report_id}-{lang}.{ext}" for lang in ("kk", "ru") for ext in ("xlsx", "pdf")
    )
    pdf = attachments[f"{view.report_id}-kk.pdf"]
    assert isinstance(pdf, bytes)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert set(KAZAKH_LETTERS) <= set(text)
    assert "2026-H1" in text and "Ақтөбе" in text


async def test_a_report_left_in_draft_is_reminded_then_escalated(
    time_env: WorkflowEnvironment, time_worker: Worker, mail_dir: Path, engine: Engine
) -> None:
    """Each mail is an outbox row of the report, sent once."""
    handle = await _start(time_env, time_worker, HalfYearReportWorkflow, H1)
    await skip(time_env, 60 * 60 * 24 * 30)
    view = await handle.query(HalfYearReportWorkflow.report)
    assert len(view.reminded_at) == 1 and view.escalated_at is not None
    subjects = [m["Subject"] for m in _mails(mail_dir)]
    assert len(subjects) == 2 and all(view.report_id in s for s in subjects)
    with session_scope(engine) as session:
        outbox = case_notices(session, view.report_id)
    # (The session's store may hold this report's delivery from another test.)
    assert [(n.kind, n.recipient, n.status) for n in outbox if n.kind != "delivery"] == [
        ("reminder", "ombudsman_office", "sent"), ("escalation", "supervisor", "sent")]
    await handle.terminate("test over")


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


async def test_the_plan_is_agreed_nationally_and_escalated_past_30_december(
    time_env: WorkflowEnvironment, time_worker: Worker, mail_dir: Path
) -> None:
    handle = await _start(
        time_env,
        time_worker,
        AnnualPlanWorkflow,
        Period(start=date(2027, 1, 1), end=date(2028, 1, 1), label="2027"),
    )
    item = PlanItem(
        activity="Мектептерде профилактикалық кездесулер",
        clause="¶6.1",
        responsible="Өңірлік кеңсе",
        quarter=1,
        expected_result="20 кездесу",
    )
    await handle.execute_update(
        AnnualPlanWorkflow.submit_plan, PlanDraft(actor=worker_of(), items=[item])
    )
    await _refused(
        handle,
        AnnualPlanWorkflow.agree_plan,
        ReportDecision(actor=supervisor_of(), approved=True),
        "plan_agreed_nationally",
    )
    national = supervisor_of(region=None, name="commissioner-office")
    back = await handle.execute_update(
        AnnualPlanWorkflow.agree_plan,
        ReportDecision(actor=national, approved=False, reason="Add ¶6.10 briefings"),
    )
    assert back.status == ReportStatus.DRAFTING
    await handle.execute_update(
        AnnualPlanWorkflow.submit_plan, PlanDraft(actor=worker_of(), items=[item])
    )
    await handle.execute_update(
        AnnualPlanWorkflow.agree_plan, ReportDecision(actor=national, approved=True)
    )
    await skip(time_env, 60 * 60 * 24 * 40)  # past 30 December 2026
    view = await handle.query(AnnualPlanWorkflow.report)
    assert view.status == ReportStatus.APPROVING and view.escalated_at is not None
    assert view.escalated_at >= datetime(2026, 12, 30, 13, tzinfo=UTC)
    assert view.due_at == datetime(2026, 12, 30, 13, tzinfo=UTC)  # 18:00 in Almaty
    assert len(view.reminded_at) == 2  # 20 and 27 December
    await handle.execute_update(
        AnnualPlanWorkflow.approve_plan, ReportDecision(actor=supervisor_of(), approved=True)
    )
    assert (await handle.result()).status == ReportStatus.DELIVERED


async def test_a_briefing_summary_with_an_iin_is_refused(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    handle = await _start(time_env, time_worker, BriefingWorkflow, H1)
    draft = BriefingDraft(
        actor=worker_of(),
        held_on=date(2026, 7, 20),
        place="Ақтөбе",
        topics=["буллинг"],
        summary="Брифингте бала 120315500123 туралы айтылды, жоспар.",
    )
    await _refused(handle, BriefingWorkflow.submit_briefing, draft, "briefing_identifiers")
    clean = draft.model_copy(update={"summary": "Брифингте буллингтің алдын алу талқыланды."})
    await handle.execute_update(BriefingWorkflow.submit_briefing, clean)
    await handle.execute_update(
        BriefingWorkflow.decide_report, ReportDecision(actor=supervisor_of(), approved=True)
    )
    view: ReportView = await handle.result()
    assert view.status == ReportStatus.DELIVERED
    with session_scope(engine) as session:  # the publication register
        published = session.get(Publication, ("BRF-AKT-2026-H1", "briefing"))
    assert published is not None and published.text == clean.summary
    assert published.approved_by == supervisor_of().id
