"""The figures page of a periodic report: the ¶8 figures and the region's monthly control over
the last 12 months as charts, each an inline SVG drawn on the server beside a table of the same
numbers (``_sections.html``), in the reader's language. Linked from the reports page and the
board."""

from collections import defaultdict
from collections.abc import Callable

from fastapi import APIRouter, Request, Response

from schemas.regions import Region
from schemas.reporting import HalfYearFigures
from schemas.steps import Role
from store.models import DistrictControlMonth
from store.reports import district_trend
from web.deps import ServicesDep, in_store
from web.i18n import Translator
from web.pages.board import Bar, Section
from web.pages.render import render, translator
from web.pages.reports import ReaderDep, ReportIdPath
from web.pages.route import PageRoute
from web.report_actions import report_in_scope

router = APIRouter(route_class=PageRoute)
@router.get("/reports/{report_id:report_id}/figures")
async def show_figures(request: Request, svc: ServicesDep, user: ReaderDep,
                       report_id: ReportIdPath) -> Response:
    """The report's figures as charts and tables; the region's 12-month trend below."""
    request.state.report_id = report_id  # audited
    view = await report_in_scope(svc, user, report_id)
    t = translator(request)
    rows = await in_store(svc.engine, lambda s: district_trend(s, region=view.region))
    sections = [*(half_year_sections(t, view.region, view.figures) if view.figures else []),
                monthly_trend(t, rows)]
    return render(request, "figures.html", user=user, report=view, sections=sections,
                  can_board=user.role == Role.SUPERVISOR)


def half_year_sections(t: Translator, region: Region, f: HalfYearFigures) -> list[Section]:
    """¶8: the reports received by category, channel and district, the steps done on time by
    clause, and the outcomes counted."""
    def counts(key: str, title: str, header: str, label: Callable[[str], str]) -> Section:
        return Section(key, t(title), (t(header), t("col.count")),
                       [Bar((label(c.key),), c.count, str(c.count)) for c in getattr(f, key)])

    on_time = Section(
        "steps_on_time", t("figures.on_time"),
        (t("col.clause"), t("figures.done"), t("figures.on_time_count"), t("figures.share")),
        [Bar((s.clause,), s.done, str(s.done),
             (str(s.on_time), f"{100 * s.on_time / s.done:.0f}%" if s.done else "—"))
         for s in f.steps_on_time], numbers=3)
    outcomes = [(name, getattr(f, name)) for name in OUTCOMES]
    outcomes += [(f"appeals_{n}", getattr(f.appeals, n))
                 for n in ("received", "answered", "answered_on_time")]
    return [
        counts("reports_by_category", "figures.by_category", "reports.category",
               lambda k: t(f"Category.{k}")),
        counts("reports_by_channel", "figures.by_channel", "reports.channel", str),
        counts("reports_by_district", "figures.by_district", "col.district",
               lambda k: t.district(region, k)),
        on_time,
        Section("outcomes", t("figures.outcomes"), (t("col.measure"), t("col.count")),
                [Bar((t(f"figures.{name}"),), n, str(n)) for name, n in outcomes]),
    ]


OUTCOMES = ("police_confirmations", "police_refusals", "safe_placements", "kdn_decisions",
            "rehabilitation_plans_opened", "rehabilitation_plans_completed",
            "recommendations_sent", "publications", "cases_open_at_end")


def monthly_trend(t: Translator, rows: list[DistrictControlMonth]) -> Section:
    """Seed 002: each month's control summed over the districts, oldest first, a column a
    month; the table gives each measure."""
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        for i, n in enumerate((r.alarms_registered_late, r.tasks_overdue,
                               r.plans_not_reviewed_on_time,
                               r.reports_without_preventive_talk)):
            months[r.month][i] += n
    return Section(
        "monthly_trend", t("reports.trend"),
        (t("reports.month"), t("reports.total"), t("reports.late_alarms"),
         t("reports.tasks_overdue"), t("reports.plans_late"), t("reports.no_talk")),
        [Bar((month,), sum(n), str(sum(n)), tuple(str(x) for x in n))
         for month, n in sorted(months.items())],
        note=t("reports.trend_note"), numbers=5, chart="columns")
