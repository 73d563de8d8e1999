"""The periodic reports (¶8, ¶6.1, ¶6.10, monthly control): the list in your scope, one
report, its documents, and the drafts and decisions people send to its workflow. Every call
naming a report is audited like a case access."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from activities.documents import pdf_of, xlsx_of
from schemas.case import Actor
from schemas.regions import Region
from schemas.reporting import (
    Briefing,
    NarrativeSection,
    ReportKind,
    ReportStatus,
    ReportView,
)
from schemas.steps import Role
from store.reports import list_reports
from web.deps import ServicesDep, in_store, regions_of, require_role
from web.paths import ReportName
from web.report_actions import (
    PlanBody,
    decide,
    report_in_scope,
    report_mails,
    report_tasks,
    submit_briefing,
    submit_narrative,
    submit_plan,
)
from web.views import ReportMailView, ReportTaskView, report_task_views

router = APIRouter(prefix="/activity-reports", tags=["activity reports"])
Reader = Annotated[Actor, Depends(require_role(Role.CASE_WORKER, Role.SUPERVISOR))]
ReportId = Annotated[str, Path(max_length=80, pattern=ReportName.pattern(),
                               examples=["half-year-aktobe-2026-H2"])]
Document = Annotated[str, Path(pattern=r"^(kk|ru)\.(xlsx|pdf)$", examples=["kk.pdf"])]
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf"}


class ReportSummary(BaseModel):
    report_id: str
    kind: ReportKind
    clause: str
    region: Region
    period: str
    status: ReportStatus
    due_at: AwareDatetime | None
    delivered_at: AwareDatetime | None
    documents: list[str]


class ReportDetail(ReportView):
    """A report with its tasks (each draft and decision: open, done or sent back, who holds
    it and until when; claimed, handed over and completed as any task, under
    ``/api/v1/tasks/{report_id}/{key}``) and its mails: each delivery, reminder and escalation
    and where it stands."""

    tasks: list[ReportTaskView]
    mails: list[ReportMailView]


class NarrativeBody(BaseModel):
    sections: dict[NarrativeSection, str] = Field(min_length=1)


class DecisionBody(BaseModel):
    approved: bool
    reason: str = Field(default="", max_length=2000)


def _summary(view: ReportView) -> ReportSummary:
    return ReportSummary(
        report_id=view.report_id, kind=view.kind, clause=view.clause, region=view.region,
        period=view.period.label, status=view.status, due_at=view.due_at,
        delivered_at=view.delivered_at,
        documents=[f"/api/v1/activity-reports/{view.report_id}/documents/{lang}.{ext}"
                   for lang in ("kk", "ru") for ext in ("xlsx", "pdf")])


@router.get("")
async def list_activity_reports(user: Reader, svc: ServicesDep) -> list[ReportSummary]:
    """Reports of your region (every region nationally), newest period first."""
    scope = regions_of(user)
    views = await in_store(svc.engine, lambda s: list_reports(s, regions=scope))
    return [_summary(v) for v in views]


async def _in_scope(request: Request, svc: ServicesDep, user: Actor, report_id: str
                    ) -> ReportView:
    request.state.report_id = report_id  # audited
    return await report_in_scope(svc, user, report_id)


@router.get("/{report_id:report_id}")
async def read_activity_report(request: Request, report_id: ReportId, user: Reader,
                               svc: ServicesDep) -> ReportDetail:
    """One report: its status, deadline, figures, narrative, plan or district control, its
    tasks, and its mails as the outbox holds them."""
    view = await _in_scope(request, svc, user, report_id)
    tasks = report_task_views(await report_tasks(svc, view), datetime.now(UTC))
    return ReportDetail(**dict(view), tasks=tasks, mails=await report_mails(svc, view))


@router.get("/{report_id:report_id}/documents/{document}",
            responses={200: {"content": {m: {} for m in MEDIA.values()}}})
async def download_activity_report(request: Request, report_id: ReportId, document: Document,
                                   user: Reader, svc: ServicesDep) -> Response:
    """The report as XLSX or PDF, in Kazakh or Russian, generated now."""
    view = await _in_scope(request, svc, user, report_id)
    language, ext = document.split(".")
    render = xlsx_of if ext == "xlsx" else pdf_of
    body = render(view, language, datetime.now(UTC), districts=svc.districts)
    return Response(body, media_type=MEDIA[ext], headers={
        "Content-Disposition": f'attachment; filename="{report_id}-{document}"'})


@router.post("/{report_id:report_id}/narrative")
async def submit_report_narrative(request: Request, report_id: ReportId, body: NarrativeBody,
                                  user: Reader, svc: ServicesDep) -> ReportView:
    """¶8: the case worker's sections beside the figures, completing the report's open
    narrative task; the report goes for approval. 409 when no such task is open."""
    view = await _in_scope(request, svc, user, report_id)
    return await submit_narrative(svc, user, view, body.sections)


@router.post("/{report_id:report_id}/plan")
async def submit_annual_plan(request: Request, report_id: ReportId, body: PlanBody,
                             user: Reader, svc: ServicesDep) -> ReportView:
    """¶6.1: the plan's items, completing its open draft task; it goes to the national
    Commissioner for agreement. 409 when no such task is open."""
    view = await _in_scope(request, svc, user, report_id)
    return await submit_plan(svc, user, view, body.items)


@router.post("/{report_id:report_id}/briefing")
async def submit_report_briefing(request: Request, report_id: ReportId, body: Briefing,
                          user: Reader, svc: ServicesDep) -> ReportView:
    """¶6.10: the briefing held and its public summary (checked for personal data),
    completing the report's open briefing task. 409 when no such task is open."""
    view = await _in_scope(request, svc, user, report_id)
    return await submit_briefing(svc, user, view, body)


@router.post("/{report_id:report_id}/decision")
async def decide_activity_report(request: Request, report_id: ReportId, body: DecisionBody,
                                 user: Reader, svc: ServicesDep) -> ReportView:
    """A supervisor's approval or return (four eyes) of the report's open decision; for the
    ¶6.1 plan awaiting agreement, the national Commissioner's office's agreement. 409 when
    no decision is open (the draft is being written)."""
    view = await _in_scope(request, svc, user, report_id)
    return await decide(svc, user, view, approved=body.approved, reason=body.reason)
