"""The supervisor board: for supervisors only, scoped to their region, and its CSV export
holds exactly the rows the page shows."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from schemas.case import Stage
from schemas.regions import Region
from schemas.steps import StepKind
from store.cases import project_case
from store.db import session_scope
from tests.api.calls import confirm, done, open_case
from tests.pages.browsing import sign_in, text_of
from tests.support.factories import make_step, make_view, send_notice
from tests.support.web_stack import WebStack


def inner(pattern: str, html: str) -> str:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return text_of(found.group(1))


def shown_rows(page: str) -> list[list[str]]:
    """Every section's title, note and table (header and rows) as the page shows them."""
    rows: list[list[str]] = []
    for section in re.findall(r'<section class="card".*?</section>', page, re.S):
        rows += [[], [inner(r"<h2[^>]*>(.*?)</h2>", section)]]
        if '<p class="hint">' in section:
            rows.append([inner(r'<p class="hint">(.*?)</p>', section)])
        table = re.search(r"<table.*?</table>", section, re.S)
        if table is None:
            rows.append([inner(r'<p class="muted">(.*?)</p>', section)])
            continue
        for tr in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S):
            rows.append([text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)])
    return rows


async def test_the_board_shows_the_supervisors_region_and_its_csv_matches(
    site: WebStack,
) -> None:
    driver = await open_case(site)
    await done(site, driver, "cw.aktobe", StepKind.PREVENTIVE_TALK)
    await confirm(site, driver)
    await done(site, driver, "cw.aktobe", StepKind.PUBLIC_STATEMENT)
    await driver.wait_for("public_statement.approval-1")
    await sign_in(site, "sv.aktobe")

    page = await site.http.get("/board")
    export = await site.http.get("/board.csv")

    assert page.status_code == 200 and export.status_code == 200
    text = text_of(page.text)
    assert "Қамту: Ақтөбе облысы" in text
    assert "Кезеңдер бойынша ашық істер" in text and "Шаралар (¶11)" in text
    assert "Бекітуді күтуде" in text and "Қоғамға ақпарат беру" in text
    assert "Медиана" in text and "90-процентиль" in text
    assert "Павлодар облысы" not in text
    assert page.text.count("<svg") == page.text.count("<table")  # a chart per table
    assert 'role="img"' in page.text and "<script" not in page.text
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in export.headers["content-disposition"]
    exported = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert exported[0] == ["Басшы тақтасы", "Ақтөбе облысы"]
    assert exported[1:] == shown_rows(page.text)


async def test_the_board_is_in_english_when_switched(site: WebStack) -> None:
    await sign_in(site, "sv.committee")
    page = text_of((await site.http.get("/board?lang=en")).text)
    export = (await site.http.get("/board.csv")).content.decode("utf-8-sig")

    assert "Scope: all regions" in page and "Open cases by stage" in page
    assert export.startswith("Supervisor board,all regions")


async def test_a_case_worker_may_not_see_the_board(site: WebStack) -> None:
    await sign_in(site, "cw.aktobe")

    assert (await site.http.get("/board")).status_code == 403
    assert (await site.http.get("/board.csv")).status_code == 403
    assert 'href="/board"' not in (await site.http.get("/")).text


def table_of(page: str, key: str) -> list[list[str]]:
    """The header and rows of one section's table."""
    table = re.search(rf'<table id="t-{key}">(.*?)</table>', page, re.S)
    assert table, key
    return [[text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)]


ZHEZKAZGAN, SATPAYEV = "621000000", "621800000"  # KATO codes; the board shows their names


def seed_two_regions(site: WebStack) -> None:
    """Regions no other test reports in: Ulytau with overdue steps in two districts and
    three reports notified 10, 20 and 40 s after they came in; Mangystau with one."""
    now = datetime.now(UTC)
    late, received = now - timedelta(hours=2), now - timedelta(days=1)
    cases = [
        (Region.ULYTAU, ZHEZKAZGAN, [make_step("preventive_talk", due_at=late),
                                       make_step("safety_assessment",
                                                 StepKind.SAFETY_ASSESSMENT, due_at=late)]),
        (Region.ULYTAU, SATPAYEV, [make_step("preventive_talk", due_at=late),
                                     make_step("police_decision", StepKind.POLICE_DECISION,
                                               due_at=now + timedelta(days=2))]),
        (Region.ULYTAU, SATPAYEV, []),
        (Region.MANGYSTAU, "471000000", [make_step("police_decision", StepKind.POLICE_DECISION,
                                               due_at=late)]),
    ]
    for n, (region, district, steps) in enumerate(cases):
        case_id = f"{region.code}-2026-9{n:06d}"
        with session_scope(site.engine) as session:
            project_case(session, view=make_view(
                case_id, steps=steps, region=region, district=district, received_at=received,
                stage=Stage.POLICE_CHECK))
        if region == Region.ULYTAU:
            send_notice(site.engine, case_id, received + timedelta(seconds=10 * 2**n))


async def test_the_national_board_counts_overdue_steps_by_region_and_drills_down(
    site: WebStack,
) -> None:
    seed_two_regions(site)
    await sign_in(site, "sv.committee")

    page = (await site.http.get("/board?lang=en")).text
    overdue = table_of(page, "overdue")
    header, rows = overdue[0], {row[0]: row[1:] for row in overdue[1:]}

    assert "Overdue steps by region and clause (¶10–¶11)" in text_of(page)
    assert header[:2] == ["Region", "All clauses"]
    clauses = header[2:]
    assert clauses == sorted(clauses, key=lambda c: ("–" in c, c)) and "¶10.2" in clauses
    assert len(rows) == len(overdue) - 1  # one row per region
    ulytau = dict(zip(["total", *clauses], rows["Ulytau Region"], strict=True))
    assert (ulytau["total"], ulytau["¶10.2"], ulytau["¶11.2"], ulytau["¶11"]) == (
        "3", "2", "1", "0")
    assert rows["Mangystau Region"][0] == "1"
    assert "Zhezkazgan" not in page and "Satpayev" not in page  # districts: one click away
    assert ZHEZKAZGAN not in page
    assert '<a href="/board?region=ulytau">Ulytau Region</a>' in page
    assert page.count("<svg") == page.count("<table")

    region_page = (await site.http.get("/board?region=ulytau")).text
    assert "Scope: Ulytau Region" in text_of(region_page)
    assert table_of(region_page, "overdue")[1:] == [
        ["Ulytau Region", "Zhezkazgan city", "¶10.2", "1"],
        ["Ulytau Region", "Zhezkazgan city", "¶11.2", "1"],
        ["Ulytau Region", "Satpayev city", "¶10.2", "1"],
    ]
    assert 'href="/board.csv?region=ulytau"' in region_page
    assert '<a href="/board">Back to all regions</a>' in region_page
    # Reports of the last 30 days, notified after 10, 20 and 40 s: the median is the second.
    assert table_of(region_page, "first_notice")[1:] == [
        ["Median", "20 s"], ["90th percentile", "40 s"]]
    assert "Reports received in the last 30 days" in text_of(region_page)
    assert "3 measured; first notice not yet sent: 0." in text_of(region_page)


async def test_the_national_export_holds_the_summary_shown_and_every_district(
    site: WebStack,
) -> None:
    seed_two_regions(site)
    await sign_in(site, "sv.committee")

    page = (await site.http.get("/board?lang=ru")).text
    export = (await site.http.get("/board.csv")).content.decode("utf-8-sig")
    exported = list(csv.reader(io.StringIO(export)))

    shown = shown_rows(page)
    detail_at = exported.index(["Просроченные шаги по регионам, районам и пунктам"])
    detail_end = detail_at + exported[detail_at:].index([])
    assert exported[0] == ["Панель руководителя", "все регионы"]
    assert exported[1:detail_at - 1] + exported[detail_end:] == shown
    detail = exported[detail_at + 1:detail_end]
    assert detail[0] == ["Регион", "Район", "Пункт", "Количество"]
    assert [row for row in detail if row[0] == "Улытауская область"] == [
        ["Улытауская область", "город Жезказган", "¶10.2", "1"],
        ["Улытауская область", "город Жезказган", "¶11.2", "1"],
        ["Улытауская область", "город Сатпаев", "¶10.2", "1"],
    ]


async def test_a_regional_supervisor_sees_only_their_own_regions_board(site: WebStack) -> None:
    await sign_in(site, "sv.aktobe")

    own = await site.http.get("/board?region=aktobe&lang=en")
    other = await site.http.get("/board?region=pavlodar")
    unknown = await site.http.get("/board.csv?region=atlantis")

    assert own.status_code == 200 and "Scope: Aktobe Region" in text_of(own.text)
    assert "Back to all regions" not in own.text
    assert other.status_code == 403 and "Your board covers your own region only." in other.text
    assert unknown.status_code == 404
