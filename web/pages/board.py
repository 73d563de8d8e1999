"""The supervisor board: open cases by stage, overdue steps by region → district → clause,
time from report to the first ¶10.1 notice, approvals waiting. Each section is one table and
one bar chart drawn from the same rows, and the CSV export writes those very rows, so what is
downloaded is what is shown."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from schemas.case import Actor
from schemas.steps import Role, StepKind
from store.board import (
    DelaySummary,
    approvals_waiting,
    first_notice_delays,
    open_cases_by_stage,
    overdue_steps,
)
from web.deps import Services, ServicesDep, in_store, regions_of, require_role
from web.i18n import Translator, duration_text, local_time
from web.pages.render import render, translator
from web.pages.route import PageRoute

router = APIRouter(route_class=PageRoute)
SupervisorDep = Annotated[Actor, Depends(require_role(Role.SUPERVISOR))]


@dataclass(frozen=True)
class Bar:
    """A row of a section's table, and a bar of its chart."""

    labels: tuple[str, ...]
    value: float
    shown: str
    extra: tuple[str, ...] = ()

    @property
    def cells(self) -> tuple[str, ...]:
        return (*self.labels, self.shown, *self.extra)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    headers: tuple[str, ...]
    bars: list[Bar]
    note: str = ""


async def board_sections(svc: Services, user: Actor, t: Translator) -> list[Section]:
    """The board's sections in the supervisor's scope, labelled in the reader's language."""
    regions = regions_of(user)
    now = datetime.now(UTC)

    def read(session: Session) -> tuple[list[Section], DelaySummary]:
        stages = open_cases_by_stage(session, regions=regions)
        overdue = overdue_steps(session, regions=regions, now=now)
        approvals = approvals_waiting(session, regions=regions)
        return [
            Section("stages", t("board.stages"), (t("col.stage"), t("col.count")),
                    [Bar((t.enum(stage),), n, str(n)) for stage, n in stages]),
            Section("overdue", t("board.overdue"),
                    (t("col.region"), t("col.district"), t("col.clause"), t("col.count")),
                    [Bar((t.region(r), d, c), n, str(n)) for r, d, c, n in overdue]),
            Section("approvals", t("board.approvals"),
                    (t("col.region"), t("col.what"), t("col.count"), t("col.waiting_since")),
                    [Bar((t.region(r), _draft_title(t, subject)), n, str(n), (local_time(since),))
                     for r, subject, n, since in approvals]),
        ], first_notice_delays(session, regions=regions)

    sections, delays = await in_store(svc.engine, read)
    measured = [(t("board.median"), delays.median), (t("board.p90"), delays.p90)]
    sections.insert(2, Section(
        "first_notice", t("board.first_notice"), (t("col.measure"), t("col.duration")),
        [Bar((label,), d.total_seconds(), duration_text(d.total_seconds()))
         for label, d in measured if d],
        note=t("board.measured", measured=delays.measured, waiting=delays.waiting),
    ))
    return sections


def scope_of(user: Actor, t: Translator) -> str:
    return t.region(user.region) if user.region else t("board.national")


@router.get("/board")
async def show_board(request: Request, svc: ServicesDep, user: SupervisorDep) -> Response:
    """The board, for supervisors: their region, or every region for the Committee."""
    t = translator(request)
    return render(request, "board.html", user=user, scope=scope_of(user, t),
                  sections=await board_sections(svc, user, t))


@router.get("/board.csv")
async def export_board(request: Request, svc: ServicesDep, user: SupervisorDep) -> Response:
    """The board's tables as CSV (UTF-8 with a byte-order mark, so spreadsheets read
    Kazakh and Russian correctly)."""
    t = translator(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t("board.title"), scope_of(user, t)])
    for section in await board_sections(svc, user, t):
        writer.writerow([])
        writer.writerow([section.title])
        if section.note:
            writer.writerow([section.note])
        if not section.bars:
            writer.writerow([t("board.none")])
            continue
        writer.writerow(section.headers)
        writer.writerows(bar.cells for bar in section.bars)
    filename = f"ombudsflow-board-{datetime.now(UTC):%Y%m%d}.csv"
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _draft_title(t: Translator, subject: str) -> str:
    return t.step(subject) if subject in StepKind._value2member_map_ else subject
