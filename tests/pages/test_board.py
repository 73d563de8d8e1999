"""The supervisor board: for supervisors only, scoped to their region, and its CSV export
holds exactly the rows the page shows."""

import csv
import io
import re

from schemas.steps import StepKind
from tests.api.calls import confirm, done, open_case
from tests.pages.browsing import sign_in, text_of
from tests.web_stack import WebStack


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
