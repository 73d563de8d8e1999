"""Dates on the pages are typed and shown as dd.mm.yyyy in every language (ISO is read too),
and a date that is neither is refused naming its field in the reader's language; the holder
puts a task off on the inbox until a day, and finds it under "all" until then."""

import re
from datetime import datetime, timedelta

from ombudsflow.local_time import LOCAL_TIME
from schemas.steps import StepKind
from tests.api.calls import confirm, done, open_case
from tests.pages.browsing import error_of, page_showing, sign_in, submit, text_of
from tests.support.web_stack import WebStack


def typed(days_from_today: int) -> str:
    return f"{datetime.now(LOCAL_TIME).date() + timedelta(days=days_from_today):%d.%m.%Y}"


def input_value(page: str, name: str) -> str:
    found = re.search(rf'<input [^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    assert found, f"no input {name}"
    return found.group(1)


async def test_the_due_before_filter_is_typed_and_shown_back_as_dd_mm_yyyy(
        site: WebStack) -> None:
    await sign_in(site, "cw.aktobe")

    russian = await site.http.get("/", params={"due_before": "05.12.2026", "lang": "ru"})
    assert russian.status_code == 200
    assert input_value(russian.text, "due_before") == "05.12.2026"
    assert 'placeholder="дд.мм.гггг"' in russian.text
    for written in ("2026-12-05", "2026-12-05T00:00:00+05:00"):  # ISO; a saved filter's link
        page = (await site.http.get("/", params={"due_before": written, "lang": "kk"})).text
        assert input_value(page, "due_before") == "05.12.2026"
    assert 'placeholder="кк.аа.жжжж"' in page

    refused = await site.http.get("/", params={"due_before": "2026/12/05", "lang": "ru"})
    assert refused.status_code == 422
    assert "«Срок до»: введите дату в виде дд.мм.гггг, например 05.12.2026." in text_of(
        refused.text)


async def test_a_task_forms_date_is_typed_and_shown_back_as_dd_mm_yyyy(site: WebStack) -> None:
    driver = await open_case(site)
    await confirm(site, driver)
    await done(site, driver, "cw.aktobe", StepKind.SAFETY_ASSESSMENT, child_in_danger=False,
               measures=[])
    await driver.wait_for("psychological_support")
    await sign_in(site, "cw.aktobe")
    url = f"/tasks/{driver.case_id}/psychological_support"
    form = (await site.http.get(url)).text
    assert re.search(r'<input type="text" inputmode="numeric" pattern="[^"]+" maxlength="10" '
                     r'placeholder="кк.аа.жжжж" id="f-plan-0-due" name="plan.0.due"', form)
    outcome = {"education_organisation": "School No. 5", "assessment": "Anxious, sleeps badly.",
               "legal_consultation_held": "true", "plan.0.action": "Weekly sessions",
               "plan.0.owner": "School psychologist"}

    bad = await submit(site, url, {**outcome, "plan.0.due": "31.02.2027"})
    assert bad.status_code == 422
    assert error_of(bad.text, "plan.0.due") == (
        "Күнін кк.аа.жжжж түрінде көрсетіңіз, мысалы 05.12.2026.")
    kept = await submit(site, url, {**outcome, "plan.0.due": "05.12.2027",
                                    "legal_consultation_held": "false"})
    assert kept.status_code == 422 and input_value(kept.text, "plan.0.due") == "05.12.2027"

    completed = await submit(site, url, {**outcome, "plan.0.due": "05.12.2027"})
    assert completed.status_code == 303, text_of(completed.text)
    step = (await driver.view()).step("psychological_support")
    assert step.outcome is not None and step.outcome["plan"][0]["due"] == "2027-12-05"
    assert step.kind == StepKind.PSYCHOLOGICAL_SUPPORT


async def test_a_task_forms_date_and_time_is_typed_as_dd_mm_yyyy_hh_mm_on_almatys_clock(
        site: WebStack) -> None:
    """The time a preventive talk was held: typed as people write it, read on Kazakhstan's
    clock, refused in the reader's language when it is no moment, shown back as typed."""
    driver = await open_case(site)
    await sign_in(site, "cw.aktobe")
    url = f"/tasks/{driver.case_id}/preventive_talk"
    form = (await site.http.get(url)).text
    assert re.search(r'<input type="text" pattern="[^"]+" maxlength="16" '
                     r'placeholder="кк.аа.жжжж сс:мм" id="f-talks-0-held_at"', form)
    # A minute ahead: typed to the minute, it is still after the report came in a moment ago.
    held = datetime.now(LOCAL_TIME) + timedelta(minutes=1)
    outcome = {"talks.0.party": "parent", "talks.0.responsibility_explained": "true",
               "notes": "Talked with the mother about the school."}

    bad = await submit(site, url, {**outcome, "talks.0.held_at": f"{held:%d.%m.%Y} 25:00"})
    assert bad.status_code == 422
    assert error_of(bad.text, "talks.0.held_at") == (
        "Күні мен уақытын кк.аа.жжжж сс:мм түрінде жазыңыз, мысалы 05.12.2026 14:30.")
    assert input_value(bad.text, "talks.0.held_at") == f"{held:%d.%m.%Y} 25:00"

    completed = await submit(site, url, {**outcome, "talks.0.held_at": f"{held:%d.%m.%Y %H:%M}"})
    assert completed.status_code == 303, text_of(completed.text)
    talk = (await driver.view()).step("preventive_talk").outcome
    assert talk is not None
    assert datetime.fromisoformat(talk["talks"][0]["held_at"]) == held.replace(second=0,
                                                                              microsecond=0)


async def test_the_holder_puts_a_task_off_until_a_day_typed_on_the_inbox(
        site: WebStack) -> None:
    driver = await open_case(site)
    await sign_in(site, "cw.aktobe")
    task = f"/tasks/{driver.case_id}/preventive_talk"
    listing = f"/?case_id={driver.case_id}"
    await page_showing(site, listing, "¶10.2")
    assert (await submit(site, f"{task}/claim", {}, form_page=listing)).status_code == 303
    follow = f"{task}/follow-up"

    wrong = await submit(site, follow, {"on": "32.13.2026"}, form_page=listing)
    assert wrong.status_code == 422 and "«Тапсырмаға қайта оралу күні»: күнді кк.аа.жжжж " \
        "түрінде енгізіңіз" in text_of(wrong.text)
    today = await submit(site, follow, {"on": typed(0)}, form_page=listing)
    assert today.status_code == 422 and "бүгіннен кейінгі күнді таңдаңыз" in text_of(today.text)

    put_off = await submit(site, follow, {"on": typed(2)}, form_page=listing)
    assert put_off.status_code == 303
    default = await site.http.get(listing)
    assert "Тапсырма кейінге қалдырылды: Профилактикалық әңгіме" in text_of(default.text)
    assert f'href="{task}"' not in default.text
    everything = (await site.http.get(f"{listing}&all=true")).text
    assert f"Қайта оралу: {typed(2)}" in text_of(everything)
    assert input_value(everything, "on") == typed(2)

    cleared = await submit(site, follow, {"clear": "true"}, form_page=f"{listing}&all=true")
    assert cleared.status_code == 303
    assert f'href="{task}"' in (await site.http.get(listing)).text
