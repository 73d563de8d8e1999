"""The inbox: the ¶10.2 talk with its clause, in Kazakh by default and in Russian or English
once switched (the choice is remembered)."""

import re

from tests.api.calls import open_case
from tests.pages.browsing import page_showing, sign_in, submit, text_of
from tests.support.web_stack import WebStack


def talk_row(page: str, case_id: str) -> str:
    """The inbox row of the case's talk, as text."""
    rows = re.findall(r"<tr[^>]*>.*?</tr>", page, re.S)
    found = [text_of(r) for r in rows if f"/tasks/{case_id}/preventive_talk" in r]
    assert len(found) == 1, rows
    return found[0]


async def test_inbox_lists_the_talk_with_its_clause_in_kazakh_by_default(site: WebStack) -> None:
    driver = await open_case(site)
    await sign_in(site, "cw.aktobe")

    page = await page_showing(site, "/", driver.case_id)

    assert '<html lang="kk">' in page
    row = talk_row(page, driver.case_id)
    assert "Профилактикалық әңгіме" in row and "¶10.2" in row
    assert "Ақтөбе облысы, Алға ауданы" in row
    assert f'href="/tasks/{driver.case_id}/preventive_talk"' in page


async def test_the_language_switch_shows_russian_then_english_and_is_remembered(
    site: WebStack,
) -> None:
    driver = await open_case(site)
    await sign_in(site, "cw.aktobe")
    await page_showing(site, "/", driver.case_id)

    russian = (await site.http.get("/?lang=ru")).text
    remembered = (await site.http.get("/")).text
    english = (await site.http.get("/?lang=en")).text

    assert '<html lang="ru">' in russian and '<html lang="ru">' in remembered
    assert "Профилактическая беседа" in talk_row(russian, driver.case_id)
    assert "Входящие" in text_of(remembered)
    assert '<html lang="en">' in english
    row = talk_row(english, driver.case_id)
    assert "Preventive talk" in row and "¶10.2" in row and "Aktobe Region" in row


async def test_the_inbox_shows_only_the_readers_region_and_role(site: WebStack) -> None:
    driver = await open_case(site)
    await sign_in(site, "cw.aktobe")
    await page_showing(site, "/", driver.case_id)

    await sign_in(site, "cw.pavlodar")
    assert driver.case_id not in (await site.http.get("/")).text
    await sign_in(site, "sv.aktobe")  # supervisors decide approvals; the talk is not theirs
    assert driver.case_id not in (await site.http.get("/")).text


async def test_the_filters_narrow_the_inbox_and_a_taken_task_shows_its_holder(
    site: WebStack,
) -> None:
    urgent = await open_case(site, threat=True)
    routine = await open_case(site, threat=False)
    await sign_in(site, "cw.aktobe")
    for driver in (urgent, routine):
        await page_showing(site, f"/?case_id={driver.case_id}", "¶10.2")

    only_urgent = (await site.http.get("/", params={"urgent": "true"})).text
    assert f"/tasks/{urgent.case_id}/preventive_talk" in only_urgent
    assert f"/tasks/{routine.case_id}/" not in only_urgent
    one_case = (await site.http.get("/", params={"case_id": routine.case_id,
                                                 "kind": "preventive_talk"})).text
    assert [r for r in re.findall(r'href="/tasks/([^"]+)"', one_case)
            if not r.endswith(("/claim", "/release"))] == [f"{routine.case_id}/preventive_talk"]
    assert 'option value="preventive_talk" selected' in one_case  # the filter stays chosen
    assert (await site.http.get("/", params={"due_before": "2000-01-01"})).text.count(
        "/preventive_talk\"") == 0

    taken = await submit(site, f"/tasks/{routine.case_id}/preventive_talk/claim", {},
                         form_page="/")
    assert taken.status_code == 303
    mine = (await site.http.get("/", params={"held": "mine"})).text
    assert "cw.aktobe" in talk_row(mine, routine.case_id)
    assert f"/tasks/{urgent.case_id}/preventive_talk\"" not in mine
    nobodys = (await site.http.get("/", params={"held": "unclaimed"})).text
    assert f"/tasks/{routine.case_id}/preventive_talk\"" not in nobodys
    assert "ешкім алмаған" in talk_row(nobodys, urgent.case_id)

    refused = await site.http.get("/", params={"kind": "no_such_kind"})
    assert refused.status_code == 422 and "Сүзгі мәні қабылданбады." in text_of(refused.text)


async def test_a_filter_saved_on_the_page_is_listed_and_applies(site: WebStack) -> None:
    await open_case(site, threat=True)
    await sign_in(site, "cw.aktobe")

    saved = await submit(site, "/filters", {"name": "Шұғыл", "urgent": "true"},
                         form_page="/?urgent=true")

    assert saved.status_code == 303 and saved.headers["location"] == "/?urgent=true"
    page = (await site.http.get("/")).text
    assert '<a href="/?urgent=true">Шұғыл</a>' in page
    listed = await site.http.get("/api/v1/tasks/filters", headers=site.as_user("cw.aktobe"))
    assert {"name": "Шұғыл", "query": "urgent=true"} in listed.json()
    refused = await submit(site, "/filters", {"name": "a/b", "urgent": "true"},
                           form_page="/?urgent=true")
    assert refused.status_code == 422 and "/ ? # & =" in text_of(refused.text)
