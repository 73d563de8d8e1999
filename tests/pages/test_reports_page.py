"""The reports page lists the periodic reports in the reader's scope in their language; the
board shows each district's monthly control trend; supervisors export the case list as CSV and
XLSX without personal data."""

import io
import zipfile
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from schemas.regions import Region
from schemas.reporting import (
    DistrictControl,
    MonthlyControl,
    Period,
    ReportKind,
    ReportStatus,
    ReportView,
)
from store.db import session_scope
from store.reports import save_report
from tests.api.calls import open_case
from tests.factories import CANARY_NAME
from tests.pages.browsing import sign_in, text_of
from tests.web_stack import WebStack

MONTH = Period(start=date(2018, 3, 1), end=date(2018, 4, 1), label="2018-03")
AKT = "153200000"


def _control(engine: Engine) -> None:
    now = datetime(2018, 4, 2, 4, tzinfo=UTC)
    view = ReportView(
        report_id="monthly-control-aktobe-2018-03", kind=ReportKind.MONTHLY_CONTROL,
        clause=ReportKind.MONTHLY_CONTROL.clause, region=Region.AKTOBE, period=MONTH,
        status=ReportStatus.DONE, opened_at=now,
        control=MonthlyControl(region=Region.AKTOBE, period=MONTH, computed_at=now, districts=[
            DistrictControl(district=AKT, alarms_registered_late=2, tasks_overdue=[],
                            plans_not_reviewed_on_time=1, reports_without_preventive_talk=3)]))
    with session_scope(engine) as session:
        save_report(session, view, now=now)


async def test_reports_page_and_board_trend_in_kazakh(site: WebStack) -> None:
    _control(site.engine)
    await sign_in(site, "sv.aktobe")
    page = text_of((await site.http.get("/reports?lang=kk")).text)
    assert "Кезеңдік есептер" in page and "Ай сайынғы бақылау" in page and "2018-03" in page
    await sign_in(site, "cw.pavlodar")
    assert "2018-03" not in text_of((await site.http.get("/reports")).text)
    await sign_in(site, "sv.aktobe")
    board = text_of((await site.http.get("/board?lang=en")).text)
    assert "Monthly control of the districts, last 12 months" in board
    assert "2018-03 Alga District 6 2 0 1 3" in board  # month, district, total, each count


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
