"""The reports page lists the periodic reports in the reader's scope in their language; the
board shows each district's monthly control trend; supervisors export the case list as CSV and
XLSX without personal data."""

import asyncio
import io
import re
import uuid
import zipfile
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from schemas.regions import Region
from schemas.reporting import (
    Count,
    DistrictControl,
    HalfYearFigures,
    MonthlyControl,
    OnTime,
    Period,
    ReportingInput,
    ReportKind,
    ReportStatus,
    ReportView,
)
from store.db import session_scope
from store.reports import save_report
from tests.api.calls import open_case
from tests.pages.browsing import csrf_of, error_of, sign_in, text_of
from tests.support.factories import CANARY_NAME
from tests.support.web_stack import WebStack
from workflows.reporting import AnnualPlan, HalfYearBriefing, HalfYearReport
from workflows.reporting_v1 import HalfYearReportWorkflow

# The figures test's year: the board links the region's latest report with figures and draws
# its last twelve months, so that test's report and month come after any the suite stores.
LATEST = 2099
AKT = "153200000"
H1_2017 = Period(start=date(2017, 1, 1), end=date(2017, 7, 1), label="2017-H1")


def _control(engine: Engine, year: int = 2018) -> None:
    now = datetime(year, 4, 2, 4, tzinfo=UTC)
    month = Period(start=date(year, 3, 1), end=date(year, 4, 1), label=f"{year}-03")
    view = ReportView(
        report_id=f"monthly-control-aktobe-{year}-03", kind=ReportKind.MONTHLY_CONTROL,
        clause=ReportKind.MONTHLY_CONTROL.clause, region=Region.AKTOBE, period=month,
        status=ReportStatus.DONE, opened_at=now,
        control=MonthlyControl(region=Region.AKTOBE, period=month, computed_at=now, districts=[
            DistrictControl(district=AKT, alarms_registered_late=2, tasks_overdue=[],
                            plans_not_reviewed_on_time=1, reports_without_preventive_talk=3)]))
    with session_scope(engine) as session:
        save_report(session, view, now=now)


async def test_reports_page_and_board_trend_in_kazakh(site: WebStack) -> None:
    _control(site.engine)
    await sign_in(site, "sv.aktobe")
    page = text_of((await site.http.get("/reports?lang=kk")).text)
    assert "Кезеңдік есептер" in page and "Ай сайынғы бақылау" in page and "2018 ж. наурыз" in page
    await sign_in(site, "cw.pavlodar")
    assert "2018 ж. наурыз" not in text_of((await site.http.get("/reports")).text)
    await sign_in(site, "sv.aktobe")
    board = text_of((await site.http.get("/board?lang=en")).text)
    assert "Monthly control of the districts, last 12 months" in board
    assert "March 2018 Alga District 6 2 0 1 3" in board  # month, district, total, each count


async def test_supervisors_export_the_case_list_without_personal_data(site: WebStack) -> None:
    driver = await open_case(site)
    await sign_in(site, "sv.aktobe")
    csv = await site.http.get("/reports/cases.csv")
    assert csv.status_code == 200 and driver.case_id in csv.text
    assert CANARY_NAME not in csv.text
    xlsx = await site.http.get("/reports/cases.xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        assert driver.case_id in book.read("xl/sharedStrings.xml").decode()
    await sign_in(site, "cw.aktobe")
    assert (await site.http.get("/reports/cases.csv")).status_code == 403


async def test_a_half_year_report_is_drafted_and_approved_on_its_page(site: WebStack) -> None:
    period = Period(start=date(2017, 7, 1), end=date(2018, 1, 1), label="2017-H2")
    await site.worker.client.start_workflow(
        HalfYearReport.run, ReportingInput(region=Region.AKTOBE, period=period),
        id=f"test-page-report-{uuid.uuid4()}", task_queue=site.worker.task_queue)
    path = "/reports/half-year-aktobe-2017-H2"
    await sign_in(site, "cw.aktobe")
    # Its tasks, titled in the reader's language, each with its status and holder.
    page = await _until(site, path, "Полугодовая информация: текстовые разделы")
    assert "Готовится" in text_of(page) and "никто не взял" in text_of(page)
    drafted = await site.http.post(path, data={
        "csrf_token": csrf_of(page), "summary": "Жарты жылда шаһар мен аудандарда жұмыс."})
    assert drafted.status_code == 303
    await sign_in(site, "cw.aktobe")
    refused = await site.http.post(path, data={
        "csrf_token": csrf_of((await site.http.get(path)).text), "decision": "approve"})
    assert refused.status_code == 403 and "мұны жасай алмайды (¶8)" in text_of(refused.text)
    await sign_in(site, "sv.aktobe")
    page = await _until(site, path, "На утверждении")
    approved = await site.http.post(path, data={"csrf_token": csrf_of(page),
                                                "decision": "approve"})
    assert approved.status_code == 303
    delivered = text_of(await _until(site, path, "Направлен"))
    assert "Утверждение полугодовой информации" in delivered
    # Its mails as the outbox holds them: the report itself to each of its three recipients.
    assert "Письма по этому отчёту" in delivered
    assert delivered.count("Сам отчёт") == 3


async def _until(site: WebStack, path: str, status: str) -> str:
    """The page (in Russian) once the report shows ``status``."""
    for _ in range(100):
        page = await site.http.get(f"{path}?lang=ru")
        if page.status_code == 200 and status in text_of(page.text):
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path} never showed {status}: {text_of(page.text)[:300]}")


async def test_the_plan_and_the_briefing_are_drafted_on_their_pages(site: WebStack) -> None:
    plan_period = Period(start=date(2018, 1, 1), end=date(2019, 1, 1), label="2018")
    for wf, period in ((AnnualPlan, plan_period), (HalfYearBriefing, H1_2017)):
        await site.worker.client.start_workflow(
            wf.run, ReportingInput(region=Region.AKTOBE, period=period),
            id=f"test-page-{uuid.uuid4()}", task_queue=site.worker.task_queue)
    plan, briefing = "/reports/annual-plan-aktobe-2018", "/reports/briefing-aktobe-2017-H1"
    await sign_in(site, "cw.aktobe")
    page = await _until(site, plan, "План работы на следующий год")
    # In the inbox beside the cases' tasks; its task page (its hand-offs) leads to the report's,
    # where it is taken and completed.
    inbox = (await site.http.get("/?lang=ru")).text
    assert 'href="/tasks/annual-plan-aktobe-2018/plan_draft"' in inbox
    assert f'href="{plan}"' in inbox
    task_page = await site.http.get("/tasks/annual-plan-aktobe-2018/plan_draft")
    assert task_page.status_code == 200
    assert "Эта задача выполняется на странице отчёта" in text_of(task_page.text)
    assert f'href="{plan}"' in task_page.text
    taken = await site.http.post("/tasks/annual-plan-aktobe-2018/plan_draft/claim",
                                 data={"csrf_token": csrf_of(page)})
    assert taken.status_code == 303
    page = await _until(site, plan, "Вернуть")
    assert "cw.aktobe" in text_of(page)
    held = await site.http.get("/tasks/annual-plan-aktobe-2018/plan_draft")
    assert "Передать коллеге" in text_of(held.text)  # its holder may delegate it
    submitted = await site.http.post(plan, data={
        "csrf_token": csrf_of(page), **_plan_row(0, "Мектептердегі профилактикалық кездесулер")})
    assert submitted.status_code == 303
    await _until(site, plan, "На согласовании у Уполномоченного")
    await sign_in(site, "sv.committee")
    page = await _until(site, plan, "На согласовании")
    assert "Согласовать" in text_of(page) and "Утвердить" not in text_of(page)
    agreed = await site.http.post(plan, data={"csrf_token": csrf_of(page),
                                              "decision": "approve"})
    assert agreed.status_code == 303
    await _until(site, plan, "На утверждении")

    await sign_in(site, "cw.aktobe")
    page = await _until(site, briefing, "Брифинг и его публичные итоги")  # its task is open
    refused = await site.http.post(briefing, data={
        "csrf_token": csrf_of(page), "held_on": "20.07.2017", "place": "Ақтөбе",
        "topics": "буллинг, қауіпсіздік", "summary": "Бала 150312500123 туралы айтылды."})
    assert refused.status_code == 422 and "ИИН" in text_of(refused.text)
    undated = await site.http.post(briefing, data={
        "csrf_token": csrf_of(page), "held_on": "2017/07/20", "place": "Ақтөбе",
        "topics": "буллинг", "summary": "Брифинг өтті."})
    assert undated.status_code == 422
    assert "«Дата проведения»: введите дату в виде дд.мм.гггг" in text_of(undated.text)


def _plan_row(n: int, activity: str, **fields: str) -> dict[str, str]:
    row = {"activity": activity, "clause": "¶6.1", "responsible": "Өңірлік кеңсе",
           "quarter": "2", "expected_result": "20 кездесу"} | fields
    return {f"items.{n}.{k}": v for k, v in row.items()}


async def test_the_plan_form_grows_and_shrinks_without_script_and_refuses_by_row(
    site: WebStack,
) -> None:
    """The pages run no script: "add a row" and "remove the ticked rows" are buttons the
    server answers with the form again, what was typed kept; a refused row field is named
    next to its input, in the reader's language, and nothing reaches the workflow."""
    period = Period(start=date(2019, 1, 1), end=date(2020, 1, 1), label="2019")
    handle = await site.worker.client.start_workflow(
        AnnualPlan.run, ReportingInput(region=Region.AKTOBE, period=period),
        id=f"test-page-plan-{uuid.uuid4()}", task_queue=site.worker.task_queue)
    path = "/reports/annual-plan-aktobe-2019"
    await sign_in(site, "cw.aktobe")
    page = await _until(site, path, "План работы на следующий год")  # its task is open
    assert 'name="items.2.activity"' in page and 'name="items.3.activity"' not in page
    rows = {**_plan_row(0, "Бірінші іс-шара"), **_plan_row(1, "Екінші іс-шара"),
            **_plan_row(2, "Үшінші іс-шара")}
    added = await site.http.post(f"{path}?lang=kk", data={
        "csrf_token": csrf_of(page), "edit": "add", **rows})
    assert added.status_code == 200 and 'name="items.3.activity" value=""' in added.text
    assert 'name="items.2.activity" value="Үшінші іс-шара"' in added.text
    removed = await site.http.post(f"{path}?lang=kk", data={
        "csrf_token": csrf_of(added.text), "edit": "remove", "remove": "0",
        **rows, **_plan_row(3, "Төртінші іс-шара")})
    assert 'name="items.0.activity" value="Екінші іс-шара"' in removed.text
    assert 'name="items.2.activity" value="Төртінші іс-шара"' in removed.text
    assert "Бірінші іс-шара" not in removed.text

    refused = await site.http.post(f"{path}?lang=kk", data={
        "csrf_token": csrf_of(removed.text), **_plan_row(0, "Екінші іс-шара"),
        **_plan_row(1, "Үшінші іс-шара", quarter="7", clause="6.1"),
        **_plan_row(2, "Төртінші іс-шара", responsible="")})
    assert refused.status_code == 422
    assert error_of(refused.text, "items.1.quarter") == "Көп дегенде 4."
    assert error_of(refused.text, "items.1.clause") == "Рұқсат етілмеген таңбалар бар."
    assert error_of(refused.text, "items.2.responsible") == "Міндетті өріс."
    assert 'aria-describedby="e-items-1-quarter"' in refused.text
    assert 'name="items.1.quarter" value="7"' in refused.text
    english = await site.http.post(f"{path}?lang=en", data={
        "csrf_token": csrf_of(refused.text), **_plan_row(0, "Екінші іс-шара", quarter="0")})
    assert error_of(english.text, "items.0.quarter") == "Must be at least 1."
    many = {k: v for n in range(60) for k, v in _plan_row(n, f"Іс-шара {n}").items()}
    grown = await site.http.post(path, data={"csrf_token": csrf_of(refused.text),
                                              "edit": "add", **many})
    assert 'name="items.59.activity" value="Іс-шара 59"' in grown.text  # past 50 rows
    assert 'name="items.60.activity" value=""' in grown.text
    empty = await site.http.post(f"{path}?lang=ru", data={"csrf_token": csrf_of(refused.text)})
    assert empty.status_code == 422 and error_of(empty.text, "items")
    assert (await handle.query(AnnualPlan.report)).status == ReportStatus.DRAFTING

    sent = await site.http.post(path, data={
        "csrf_token": csrf_of(refused.text), "remove": "1", **_plan_row(0, "Екінші іс-шара"),
        **_plan_row(1, "Үшінші іс-шара", quarter="7"), **_plan_row(2, "Төртінші іс-шара"),
        **_plan_row(3, "Бесінші іс-шара")})
    assert sent.status_code == 303
    view = await handle.query(AnnualPlan.report)
    assert [i.activity for i in view.plan] == ["Екінші іс-шара", "Төртінші іс-шара",
                                               "Бесінші іс-шара"]


def _half_year_with_figures(engine: Engine, year: int) -> ReportView:
    figures = HalfYearFigures(
        reports_by_category=[Count(key="bullying", count=5), Count(key="neglect", count=2)],
        reports_by_channel=[Count(key="web", count=4), Count(key="telegram", count=3)],
        reports_by_region=[Count(key="aktobe", count=7)],
        reports_by_district=[Count(key=AKT, count=7)],
        first_notice_median_seconds=600.0, first_notice_p90_seconds=3000.0,
        steps_on_time=[OnTime(clause="¶10.2", done=4, on_time=3)],
        police_confirmations=2, police_refusals=1, safe_placements=1, kdn_decisions=1,
        rehabilitation_plans_opened=3, rehabilitation_plans_completed=1,
        recommendations_sent=2, publications=1, cases_open_at_end=4)
    view = ReportView(
        report_id=f"half-year-aktobe-{year}-H1", kind=ReportKind.HALF_YEAR, clause="¶8",
        region=Region.AKTOBE, status=ReportStatus.DELIVERED, figures=figures,
        period=Period(start=date(year, 1, 1), end=date(year, 7, 1), label=f"{year}-H1"),
        opened_at=datetime(year, 7, 2, 4, tzinfo=UTC))
    with session_scope(engine) as session:
        save_report(session, view, now=view.opened_at)
    return view


async def test_the_figures_page_draws_the_figures_and_the_trend_beside_their_tables(
    site: WebStack,
) -> None:
    """Inline SVG drawn on the server: each chart titled and described for screen readers,
    its numbers in a table too; in the reader's language; linked from the reports page, the
    report's page and the board; another region's reader is refused."""
    _control(site.engine, LATEST)
    view = _half_year_with_figures(site.engine, LATEST)
    path = f"/reports/{view.report_id}/figures"
    await sign_in(site, "sv.aktobe")
    assert path in (await site.http.get("/reports")).text
    assert path in (await site.http.get(f"/reports/{view.report_id}")).text
    assert path in (await site.http.get("/board")).text
    page = (await site.http.get(f"{path}?lang=en")).text
    charts = re.findall(r'<svg[^>]*role="img"[^>]*>.*?</svg>', page, re.S)
    assert len(charts) == 6  # category, channel, district, on time, outcomes, trend
    for chart in charts:
        assert re.search(r"<title id=\"chart-[a-z_]+\">.+</title>", chart)
        assert re.search(r"<desc id=\"chart-[a-z_]+-desc\">.+</desc>", chart)
        assert "<script" not in chart
    category = next(c for c in charts if "chart-reports_by_category" in c)
    assert category.count("<rect") == 2 and ">Bullying<" in category
    trend = next(c for c in charts if "chart-monthly_trend" in c)
    assert "Column chart by month" in trend and f">{LATEST}-03<" in trend and ">6<" in trend
    tables = text_of(page)
    assert "Bullying 5" in tables and "¶10.2 4 3 75%" in tables
    assert f"{LATEST}-03 6 2 0 1 3" in tables  # month, total, each measure
    kazakh = text_of((await site.http.get(f"{path}?lang=kk")).text)
    assert "Көрсеткіштер диаграммаларда" in kazakh and "Алға ауданы" in kazakh
    await sign_in(site, "cw.pavlodar")
    assert (await site.http.get(path)).status_code == 403


async def test_a_report_started_before_the_toolkit_offers_its_forms_by_where_it_stands(
        site: WebStack) -> None:
    """It has no tasks: the case worker is offered the narrative while it is drafted."""
    await site.worker.client.start_workflow(
        HalfYearReportWorkflow.run, ReportingInput(region=Region.AKTOBE, period=Period(
            start=date(2016, 7, 1), end=date(2017, 1, 1), label="2016-H2")),
        id=f"test-page-v1-{uuid.uuid4()}", task_queue=site.worker.task_queue)
    await sign_in(site, "cw.aktobe")
    page = await _until(site, "/reports/half-year-aktobe-2016-H2", "Готовится")
    assert 'name="summary"' in page
