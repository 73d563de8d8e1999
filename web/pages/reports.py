"""The reports page: the periodic reports (¶8, ¶6.1, ¶6.10, monthly control) in the reader's
scope with their status, deadline and documents; and, for supervisors, the case list as XLSX
or CSV (no personal data: numbers, codes, stages and times)."""

import csv
import io
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Annotated

import xlsxwriter
from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData
from temporalio.client import WorkflowUpdateFailedError

from activities.documents import report_rows
from schemas.case import Actor, StepStatus
from schemas.regions import Region
from schemas.reporting import (
    Briefing,
    NarrativeSection,
    ReportKind,
    ReportView,
)
from schemas.steps import Role
from store.reports import case_rows, list_reports
from web.dates import NotADay, read_day
from web.deps import ServicesDep, in_store, regions_of, require_role
from web.errors import rejection_of
from web.handoffs import Refused
from web.pages.forms import (
    Form,
    FormValues,
    build_form,
    form_values,
    invalid_fields,
    read_form,
    renumbered,
    rows_in_values,
)
from web.pages.render import redirect, render, translator
from web.pages.route import PageRoute
from web.pages.security import CSRF_FIELD, CsrfChecked
from web.paths import ReportName
from web.report_actions import (
    DECISIONS,
    PlanBody,
    ReportRefused,
    decide,
    report_in_scope,
    report_mails,
    report_tasks,
    submit_briefing,
    submit_narrative,
    submit_plan,
    waiting_before_the_toolkit,
)
from web.views import offered_to, report_task_views

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
    return render(request, "reports.html", user=user, reports=views,
                  with_figures=WITH_FIGURES)


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


# Reports whose page has figures: the ¶8 figures, the monthly control's trend.
WITH_FIGURES = (ReportKind.HALF_YEAR, ReportKind.MONTHLY_CONTROL)


def figures_page(view: ReportView) -> str:
    return f"/reports/{view.report_id}/figures"


def latest_with_figures(session: Session, regions: Collection[Region] | None) -> str:
    """The figures page of the newest ¶8 report in scope (else monthly control); "" if none."""
    views = [v for v in list_reports(session, regions=regions) if v.kind in WITH_FIGURES]
    views.sort(key=lambda v: (v.kind != ReportKind.HALF_YEAR, -v.period.start.toordinal()))
    return figures_page(views[0]) if views else ""


# The ¶6.1 form's buttons beside "send": another blank row, or the ticked rows taken out (the
# pages run no script, so the rows change on the server).
PLAN_EDITS = ("add", "remove")


# After the export: a path is matched in the order routes are declared.
ReportIdPath = Annotated[str, Path(max_length=80, pattern=ReportName.pattern())]


async def _page(request: Request, svc: ServicesDep, user: Actor, view: ReportView, *,
                error: str = "", plan: Form | None = None, values: FormValues | None = None,
                errors: dict[str, list[str]] | None = None, status_code: int = 200
                ) -> Response:
    """The report's page; while a ¶6.1 plan is drafted, ``plan`` with ``values`` and
    ``errors`` (the plan as it stands when not given)."""
    t = translator(request)
    language = t.language if t.language in ("kk", "ru") else "ru"
    tasks = report_task_views(await report_tasks(svc, view), datetime.now(UTC))
    # The forms of the tasks open now that the reader's role does.
    doing = {task.kind for task in tasks
             if task.status == StepStatus.OPEN and offered_to(user, task.kind)}
    drafting, deciding = bool(doing - DECISIONS), bool(doing & DECISIONS)
    if not view.on_toolkit:  # no tasks: where the report is says what it waits for
        drafting, deciding = waiting_before_the_toolkit(user, view)
    claimable = [task.key for task in tasks if task.status == StepStatus.OPEN
                 and offered_to(user, task.kind) and task.claimed_by in (None, user.id)]
    if drafting and view.kind == ReportKind.ANNUAL_PLAN and plan is None:
        plan = build_form(PlanBody, rows=len(view.plan))
        values = form_values(plan, {"items": [i.model_dump() for i in view.plan]})
    return render(request, "report.html", user=user, report=view, error=error, tasks=tasks,
                  claimable=claimable,
                  rows=report_rows(view, language, svc.districts),
                  drafting=drafting, sections=list(NarrativeSection), plan=plan,
                  values=values or {}, errors=errors or {},
                  deciding=deciding, notices=await report_mails(svc, view),
                  figures=figures_page(view) if view.kind in WITH_FIGURES else "",
                  status_code=status_code)


async def _plan_posted(request: Request, svc: ServicesDep, user: Actor, view: ReportView,
                       posted: FormData) -> Response:
    """¶6.1: a row added or the ticked rows removed (the form again, nothing sent), or the
    plan sent; each refused field is shown by its row, the values kept."""
    values = renumbered(
        {k: [v for v in posted.getlist(k) if isinstance(v, str)] for k in posted
         if k not in (CSRF_FIELD, "remove", "edit")},
        {int(v) for v in posted.getlist("remove") if isinstance(v, str) and v.isdigit()})
    rows, edit = rows_in_values(values), posted.get("edit")
    if edit in PLAN_EDITS:
        form = build_form(PlanBody, rows=rows + 1 if edit == "add" else rows)
        return await _page(request, svc, user, view, plan=form, values=values)
    form = build_form(PlanBody, rows=rows)
    submitted = read_form(form, values)
    try:
        items = PlanBody.model_validate(submitted.outcome).items
    except ValidationError as e:
        errors = invalid_fields(form, submitted, e, translator(request), under="")
        return await _page(request, svc, user, view, plan=form, values=values, errors=errors,
                           status_code=422)
    await submit_plan(svc, user, view, items)
    return redirect(f"/reports/{view.report_id}")


@router.get("/reports/{report_id:report_id}")
async def show_report(request: Request, svc: ServicesDep, user: ReaderDep,
                      report_id: ReportIdPath) -> Response:
    """One report: status, deadline, figures and texts; the form its reader may act on."""
    request.state.report_id = report_id  # audited
    return await _page(request, svc, user, await report_in_scope(svc, user, report_id))


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
            return await _plan_posted(request, svc, user, view, form)
        elif view.kind == ReportKind.BRIEFING:
            await submit_briefing(svc, user, view, Briefing(
                held_on=read_day(str(form.get("held_on", ""))),
                place=str(form.get("place", "")),
                topics=[t.strip() for t in str(form.get("topics", "")).split(",")
                        if t.strip()],
                summary=str(form.get("summary", ""))))
        else:
            sections = {s: str(form[s.value]) for s in NarrativeSection
                        if str(form.get(s.value, "")).strip()}
            await submit_narrative(svc, user, view, sections)
    except ValidationError as e:
        reasons = "; ".join(str(err["msg"]) for err in e.errors())
        return await _page(request, svc, user, view, error=reasons, status_code=422)
    except NotADay:
        return await _page(request, svc, user, view, status_code=422,
                           error=translator(request)("error.day.held_on"))
    except WorkflowUpdateFailedError as e:
        code, body = rejection_of(e, translator(request))
        return await _page(request, svc, user, view, error=body["detail"], status_code=code)
    except (ReportRefused, Refused) as e:  # Refused: a delegated task's, by its holder
        return await _page(request, svc, user, view, error=e.text(translator(request)),
                           status_code=e.status_code)
    return redirect(f"/reports/{report_id}")
