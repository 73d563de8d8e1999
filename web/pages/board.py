"""The supervisor board: open cases by stage, overdue steps, time from report to the first
¶10.1 notice, approvals waiting, ¶6.2 appeals by district (for a chosen period). Each section
is one table and one bar chart drawn from the same rows, and the CSV export writes those very
rows, so what is downloaded is what is shown.

A region's board counts overdue steps by district and clause. The national board (the
Committee's) counts them by region and clause, one row per region, each region linking to its
own board (``/board?region=…``); its CSV export adds every region's district detail.
"""

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from sqlmodel import Session

from activities.calendar import add_span
from ombudsflow.local_time import LOCAL_TIME
from schemas.case import Actor
from schemas.policy import working_days
from schemas.regions import Region
from schemas.steps import Role, StepKind
from store.appeals import AppealCounts, appeal_counts
from store.board import (
    FIRST_NOTICE_WINDOW,
    DelaySummary,
    approvals_waiting,
    first_notice_delays,
    open_cases_by_stage,
    overdue_by_region,
    overdue_steps,
)
from store.models import DistrictControlMonth
from store.reports import district_trend
from web.deps import Services, ServicesDep, in_store, require_role
from web.i18n import Translator
from web.pages.render import render, translator
from web.pages.reports import latest_with_figures
from web.pages.route import PageRoute

router = APIRouter(route_class=PageRoute)
SupervisorDep = Annotated[Actor, Depends(require_role(Role.SUPERVISOR))]
RegionQuery = Annotated[str | None, Query(max_length=32,
                                          description="a region's board (national scope)")]
SinceQuery = Annotated[date | None, Query(description="¶6.2 appeals received since this day")]
# The ¶6.2 appeals counted unless a period is chosen: those received in the last 30 days.
APPEALS_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Bar:
    """A row of a section's table, and a bar of its chart; ``link`` opens the first label."""

    labels: tuple[str, ...]
    value: float
    shown: str
    extra: tuple[str, ...] = ()
    link: str = ""

    @property
    def cells(self) -> tuple[str, ...]:
        return (*self.labels, self.shown, *self.extra)


@dataclass(frozen=True)
class Section:
    """``numbers``: how many columns after the labels hold numbers (aligned right);
    ``chart``: "bars" (horizontal, one per row) or "columns" (a time series, oldest first)."""

    key: str
    title: str
    headers: tuple[str, ...]
    bars: list[Bar]
    note: str = ""
    numbers: int = 1
    chart: str = "bars"


def board_scope(user: Actor, region: str | None) -> Region | None:
    """The region whose board is asked for (None: national), if ``user`` may see it."""
    if not region:
        return user.region
    if region not in Region._value2member_map_:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "board.no_region")
    if user.region is not None and user.region != region:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "board.other_region")
    return Region(region)


async def board_sections(svc: Services, scope: Region | None, t: Translator, *,
                         detail: bool = False, appeals_since: date | None = None
                         ) -> list[Section]:
    """The board's sections for one region or (None) every region, labelled in the reader's
    language; ``detail`` adds the national board's overdue steps by district (for export);
    the ¶6.2 appeals are those received since ``appeals_since`` (by default 30 days ago)."""
    regions = None if scope is None else [scope]
    now = datetime.now(UTC)
    since = appeals_since or (now - APPEALS_WINDOW).astimezone(LOCAL_TIME).date()
    appeals_from = datetime.combine(since, time(0), tzinfo=LOCAL_TIME)
    # "Due within 3 working days": before the end of the third working day from today.
    due_soon = add_span(now, working_days(3))

    def read(session: Session) -> tuple[list[Section], DelaySummary]:
        stages = open_cases_by_stage(session, regions=regions)
        if scope is None:
            overdue = [_overdue_by_region(t, overdue_by_region(session, regions=None, now=now))]
            if detail:
                overdue.append(_overdue_by_district(
                    t, overdue_steps(session, regions=None, now=now)))
        else:
            overdue = [_overdue_by_district(t, overdue_steps(session, regions=regions, now=now)),
                       _district_trend(t, scope, district_trend(session, region=scope))]
        approvals = approvals_waiting(session, regions=regions)
        appeals = appeal_counts(session, regions=regions, since=appeals_from, now=now,
                                due_soon_before=due_soon)
        return [
            Section("stages", t("board.stages"), (t("col.stage"), t("col.count")),
                    [Bar((t.enum(stage),), n, str(n)) for stage, n in stages]),
            *overdue,
            Section("approvals", t("board.approvals"),
                    (t("col.region"), t("col.what"), t("col.count"), t("col.waiting_since")),
                    [Bar((t.region(r), _draft_title(t, subject)), n, str(n), (t.when(since),))
                     for r, subject, n, since in approvals]),
            _appeals(t, appeals, since),
        ], first_notice_delays(session, regions=regions, now=now)

    sections, delays = await in_store(svc.engine, read)
    days = FIRST_NOTICE_WINDOW.days
    measured = [(t("board.median"), delays.median), (t("board.p90"), delays.p90)]
    sections.insert(len(sections) - 2, Section(
        "first_notice", t("board.first_notice", days=days), (t("col.measure"), t("col.duration")),
        [Bar((label,), d.total_seconds(), t.duration(d.total_seconds()))
         for label, d in measured if d],
        note=t("board.measured", days=days, since=t.when(delays.since),
               measured=delays.measured, waiting=delays.waiting),
    ))
    return sections


def _appeals(t: Translator, rows: list[AppealCounts], since: date) -> Section:
    """¶6.2 appeals by region and district: received, open, due within 3 working days,
    overdue, and answered within the Code's term (%)."""
    def on_time(row: AppealCounts) -> str:
        return f"{100 * row.on_time / row.answered:.0f}%" if row.answered else "—"

    return Section(
        "appeals", t("appeal.board", since=t.day(since)),
        (t("col.region"), t("col.district"), t("appeal.board_received"), t("appeal.board_open"),
         t("appeal.board_due_soon"), t("appeal.board_overdue"), t("appeal.board_on_time")),
        [Bar((t.region(r.region), t.district(r.region, r.district)), r.received,
             str(r.received), (str(r.open), str(r.due_soon), str(r.overdue), on_time(r)))
         for r in rows],
        note=t("appeal.board_note"), numbers=5)


def _overdue_by_district(t: Translator, rows: list[tuple[str, str, str, int]]) -> Section:
    return Section("overdue", t("board.overdue"),
                   (t("col.region"), t("col.district"), t("col.clause"), t("col.count")),
                   [Bar((t.region(r), t.district(r, d), t.clause(c)), n, str(n))
                    for r, d, c, n in rows])


def _district_trend(t: Translator, region: Region, rows: list[DistrictControlMonth]
                    ) -> Section:
    """Seed 002: the monthly control of the last 12 months, month by month and district by
    district, as the monthly control workflow kept it."""
    def counts(r: DistrictControlMonth) -> tuple[int, ...]:
        return (r.alarms_registered_late, r.tasks_overdue, r.plans_not_reviewed_on_time,
                r.reports_without_preventive_talk)

    return Section(
        "trend", t("reports.trend"),
        (t("reports.month"), t("col.district"), t("reports.total"), t("reports.late_alarms"),
         t("reports.tasks_overdue"), t("reports.plans_late"), t("reports.no_talk")),
        [Bar((t.period(r.month), t.district(region, r.district)), sum(counts(r)),
             str(sum(counts(r))), tuple(str(n) for n in counts(r))) for r in rows],
        note=t("reports.trend_note"), numbers=5)


def _overdue_by_region(t: Translator, rows: list[tuple[str, str, int]]) -> Section:
    """One row per region: all its overdue steps, then as many under each clause that has
    any; the regions with most first."""
    by_region: dict[str, dict[str, int]] = defaultdict(dict)
    for region, clause, n in rows:
        by_region[region][clause] = n
    clauses = sorted({clause for _, clause, _ in rows}, key=clause_order)
    totals = sorted(((sum(counts.values()), t.region(region), region)
                     for region, counts in by_region.items()), key=lambda r: (-r[0], r[1]))
    return Section(
        "overdue", t("board.overdue_by_region"),
        (t("col.region"), t("col.total"), *map(t.clause, clauses)),
        [Bar((name,), total, str(total),
             tuple(str(by_region[region].get(clause, 0)) for clause in clauses),
             link=f"/board?region={region}")
         for total, name, region in totals],
        note=t("board.drill_down"), numbers=1 + len(clauses),
    )


def clause_order(clause: str) -> tuple[float, ...]:
    """Clauses in the order of the Order's text (¶10.1, ¶10.2, … ¶11.7); a range of clauses
    (``¶10–¶11``, the whole procedure) after every single one."""
    if "–" in clause:
        return (float("inf"),)
    first = clause.split(",")[0]
    return tuple(float(n) for n in re.findall(r"\d+", first))


def scope_of(scope: Region | None, t: Translator) -> str:
    return t.region(scope) if scope else t("board.national")


@router.get("/board")
async def show_board(request: Request, svc: ServicesDep, user: SupervisorDep,
                     region: RegionQuery = None, since: SinceQuery = None) -> Response:
    """The board, for supervisors: their region, or every region for the Committee, who may
    open one region's board (``?region=``)."""
    t = translator(request)
    scope = board_scope(user, region)
    figures = await in_store(svc.engine, lambda s: latest_with_figures(
        s, None if scope is None else [scope]))
    return render(request, "board.html", user=user, scope=scope_of(scope, t),
                  region=scope.value if scope and user.region is None else "",
                  sections=await board_sections(svc, scope, t, appeals_since=since),
                  figures=figures)


@router.get("/board.csv")
async def export_board(request: Request, svc: ServicesDep, user: SupervisorDep,
                       region: RegionQuery = None, since: SinceQuery = None) -> Response:
    """The board's tables as CSV (UTF-8 with a byte-order mark, so spreadsheets read
    Kazakh and Russian correctly); the national board's with every region's districts."""
    t = translator(request)
    scope = board_scope(user, region)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t("board.title"), scope_of(scope, t)])
    for section in await board_sections(svc, scope, t, detail=True, appeals_since=since):
        writer.writerow([])
        writer.writerow([section.title])
        if section.note:
            writer.writerow([section.note])
        if not section.bars:
            writer.writerow([t("board.none")])
            continue
        writer.writerow(section.headers)
        writer.writerows(bar.cells for bar in section.bars)
    named = f"{scope.value}-" if scope else ""
    filename = f"ombudsflow-board-{named}{datetime.now(UTC):%Y%m%d}.csv"
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _draft_title(t: Translator, subject: str) -> str:
    return t.step(subject) if subject in StepKind._value2member_map_ else subject
