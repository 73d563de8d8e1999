"""The documents state what, where, for when and when generated, in Kazakh and Russian, with
the Kazakh letters the PDF's embedded font must carry."""

import io
import zipfile
from datetime import UTC, date, datetime

from pypdf import PdfReader

from activities.districts import load_districts
from activities.documents import pdf_of, xlsx_of
from activities.texts import CATEGORIES
from schemas.regions import Region
from schemas.report import Category
from schemas.reporting import (
    Count,
    HalfYearFigures,
    Period,
    ReportKind,
    ReportStatus,
    ReportView,
)

DISTRICTS = load_districts()
GENERATED = datetime(2027, 1, 12, 5, 30, tzinfo=UTC)
VIEW = ReportView(
    report_id="half-year-mangystau-2026-H2", kind=ReportKind.HALF_YEAR, clause="¶8",
    region=Region.MANGYSTAU, status=ReportStatus.APPROVING, opened_at=GENERATED,
    period=Period(start=date(2026, 7, 1), end=date(2027, 1, 1), label="2026-H2"),
    figures=HalfYearFigures(
        reports_by_category=[Count(key="neglect", count=4)], reports_by_channel=[],
        reports_by_region=[], reports_by_district=[], first_notice_median_seconds=61.5,
        first_notice_p90_seconds=None, steps_on_time=[], police_confirmations=3,
        police_refusals=1, safe_placements=0, kdn_decisions=0, rehabilitation_plans_opened=2,
        rehabilitation_plans_completed=1, recommendations_sent=5, publications=1,
        cases_open_at_end=7))


def test_the_pdf_says_period_region_and_generation_time_with_kazakh_letters() -> None:
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        pdf_of(VIEW, "kk", GENERATED, districts=DISTRICTS))).pages)
    assert "Маңғыстау облысы" in text
    assert "01.07.2026 – 01.01.2027 (2026-H2)" in text
    assert "2027-01-12 10:30 (UTC+05:00)" in text
    assert set("ғқңөұүі") <= set(text)


def test_the_workbook_in_russian_holds_the_heading_and_every_figure() -> None:
    with zipfile.ZipFile(io.BytesIO(xlsx_of(VIEW, "ru", GENERATED, districts=DISTRICTS))) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    for shown in ("Мангистауская область", "2026-H2", "2027-01-12 10:30 (UTC+05:00)",
                  "¶11.6 направлено рекомендаций",
                  f"Сообщения по категориям: {CATEGORIES[Category.NEGLECT].ru}"):
        assert shown in sheet, shown
