"""The reports page: the periodic reports (¶8, ¶6.1, ¶6.10, monthly control) in the reader's
scope with their status, deadline and documents; and, for supervisors, the case list as XLSX
or CSV (no personal data: numbers, codes, stages and times)."""

import csv
import io
from datetime import UTC, datetime
from typing import Annotated

import xlsxwriter
from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import ValidationError
from starlette.datastructures import FormData
from temporalio.client import WorkflowUpdateFailedError

from activities.documents import report_rows
from schemas.case import Actor
from schemas.reporting import (
    Briefing,
    NarrativeSection,
    PlanItem,
    ReportKind,
    ReportStatus,
    ReportView,
)
from schemas.steps import Role
from store.reports import case_rows, list_reports
from web.deps import ServicesDep, in_store, regions_of, require_role
from web.errors import rejection_of
from web.pages.render import redirect, render, translator
from web.pages.route import PageRoute
from web.pages.security import CsrfChecked
from web.paths import ReportName
from web.report_actions import (
    decide,
    report_in_scope,
    submit_briefing,
    submit_narrative,
    submit_plan,
)

router = APIRouter(route_class=PageRoute)
ReaderDep = Annotated[Actor, Depends(require_role(Role.CASE_WORKER, Role.SUPERVISOR))]
SupervisorDep = Annotated[Actor, Depends(require_role(Role.SUPERVISOR))]
CASE_COLUMNS = ("col.case", "col.region", "col.district", "reports.category", "reports.channel",
                "col.stage", "reports.received", "reports.closed", "reports.overdue")


@router.get("/reports")
async def show_reports(request: Request, svc: ServicesDep, user: ReaderDep) -> Response:
    """Reports of the reader's region (every region nationally), newest period first."""
    scope = regions_of(user)
    views = await in_store(svc.engine, lambda s: list_reports(s, regions=scope))
    return render(request, "reports.html", user=user, reports=views)


@router.get("/reports/cases.{extension}")
async def export_cases(request: Request, svc: ServicesDep, user: SupervisorDep,
                       extension: Annotated[str, Path(pattern=r"^(csv|xlsx)$")]) -> Response:
    """The case list in the supervisor's scope, as CSV (UTF-8 with a byte-order mark, so
    spreadsheets read Kazakh and Russian) or XLSX."""
    t = translator(request)
    scope = regions_of(user)
    rows = await in_store(svc.engine, lambda s: case_rows(s, regions=scope))
    header = [t(c) for c in CASE_COLUMNS]
    table = [[r.case_id, t.region(r.region), t.district(r.region, r.district),
              t(f"Category.{r.category}"), r.channel, t(f"Stage.{r.stage}"),
              t.when(r.received_at), t.when(r.closed_at),
              t("reports.yes") if r.overdue else ""] for r in rows]
    stamp = f"{datetime.now(UTC):%Y%m%d}"
    if extension == "csv":
        out = io.StringIO()
        csv.writer(out).writerows([header, *table])
        body, media = ("\ufeff" + out.getvalue()).encode(), "text/csv; charset=utf-8"
    else:
        data = io.BytesIO()
        book = xlsxwriter.Workbook(data, {"in_memory": True})
        sheet = book.add_worksheet()
        for i, row in enumerate([header, *table]):
            sheet.write_row(i, 0, row)
        book.close()
        body = data.getvalue()
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="ombudsflow-cases-{stamp}.{extension}"'})


# After the export: a path is matched in the order routes are declared.
PLAN_ROWS = 8  # blank item rows on the ¶6.1 form; the plan may be returned and resubmitted
PLAN_FIELDS = ("activity", "clause", "responsible", "quarter", "expected_result")


def _plan_items(form: FormData) -> list[PlanItem]:
    """The rows of the ¶6.1 form that have an activity, as plan items."""
    rows = [{f: str(form.get(f"{f}-{i}", "")).strip() for f in PLAN_FIELDS}
            for i in range(PLAN_ROWS)]
    return [PlanItem.model_validate(r) for r in rows if r["activity"]]


ReportIdPath = Annotated[str, Path(max_length=80, pattern=ReportName.pattern())]


def _page(request: Request, svc: ServicesDep, user: Actor, view: ReportView, *,
          error: str = "", status_code: int = 200) -> Response:
    t = translator(request)
    language = t.language if t.language in ("kk", "ru") else "ru"
    drafting = user.role == Role.CASE_WORKER and view.status == ReportStatus.DRAFTING
    deciding = user.role == Role.SUPERVISOR and view.status in (ReportStatus.APPROVING,
                                                                ReportStatus.AGREEING)
    return render(request, "report.html", user=user, report=view, error=error,
                  rows=report_rows(view, language, svc.districts),
                  drafting=drafting, sections=list(NarrativeSection), plan_rows=PLAN_ROWS,
                  deciding=deciding, status_code=status_code)


@router.get("/reports/{report_id:report_id}")
async def show_report(request: Request, svc: ServicesDep, user: ReaderDep,
                      report_id: ReportIdPath) -> Response:
    """One report: status, deadline, figures and texts; the form its reader may act on."""
    request.state.report_id = report_id  # audited
    return _page(request, svc, user, await report_in_scope(svc, user, report_id))


@router.post("/reports/{report_id:report_id}")
async def act_on_report(request: Request, svc: ServicesDep, user: ReaderDep, _: CsrfChecked,
                        report_id: ReportIdPath) -> Response:
    """¶8 narrative (case worker) or a decision (supervisor); a refusal is shown with why."""
    request.state.report_id = report_id
    view = await report_in_scope(svc, user, report_id)
    form = await request.form()
    try:
        if "decision" in form:
            await decide(svc, user, view, approved=form["decision"] == "approve",
                         reason=str(form.get("reason", "")))
        elif view.kind == ReportKind.ANNUAL_PLAN:
            await submit_plan(svc, user, view, _plan_items(form))
        elif view.kind == ReportKind.BRIEFING:
            await submit_briefing(svc, user, view, Briefing(
                held_on=str(form.get("held_on", "")), place=str(form.get("place", "")),
                topics=[t.strip() for t in str(form.get("topics", "")).split(",")
                        if t.strip()],
                summary=str(form.get("summary", ""))))
        else:
            sections = {s: str(form[s.value]) for s in NarrativeSection
                        if str(form.get(s.value, "")).strip()}
            await submit_narrative(svc, user, view, sections)
    except ValidationError as e:
        reasons = "; ".join(str(err["msg"]) for err in e.errors())
        return _page(request, svc, user, view, error=reasons, status_code=422)
    except WorkflowUpdateFailedError as e:
        code, body = rejection_of(e, translator(request))
        return _page(request, svc, user, view, error=body["detail"], status_code=code)
    return redirect(f"/reports/{report_id}")
