"""The reports page: the periodic reports (¶8, ¶6.1, ¶6.10, monthly control) in the reader's
scope with their status, deadline and documents; and, for supervisors, the case list as XLSX
or CSV (no personal data: numbers, codes, stages and times)."""

import csv
import io
from datetime import UTC, datetime
from typing import Annotated

import xlsxwriter
from fastapi import APIRouter, Depends, Path, Request, Response

from schemas.case import Actor
from schemas.steps import Role
from store.reports import case_rows, list_reports
from web.deps import ServicesDep, in_store, regions_of, require_role
from web.i18n import local_time
from web.pages.render import render, translator
from web.pages.route import PageRoute

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
    return render(request, "reports.html", user=user, reports=views, local_time=local_time)


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
              local_time(r.received_at), local_time(r.closed_at),
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
