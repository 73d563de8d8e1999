"""The case page: facts, the child only for the region's people, the checklist, notices, the
timeline, and a supervisor's approvals decided from it."""

import re
from datetime import UTC, datetime

from schemas.activities import Channel, NoticeKind, NoticeRequest, Recipient
from schemas.case import StepStatus
from schemas.regions import Region
from schemas.report import Category
from schemas.steps import StepKind
from store.db import session_scope
from store.outbox import mark_sent, reserve_notice
from tests.api.calls import confirm, done, open_case
from tests.pages.browsing import page_showing, sign_in, submit, text_of
from tests.support.factories import CANARY_NAME
from tests.support.scenarios import CaseDriver, valid_outcome
from tests.support.web_stack import WebStack

STATEMENT = valid_outcome(StepKind.PUBLIC_STATEMENT)["text"]


async def statement_waiting(site: WebStack) -> CaseDriver:
    """A confirmed case whose public statement waits for a supervisor."""
    driver = await open_case(site)
    await done(site, driver, "cw.aktobe", StepKind.PREVENTIVE_TALK)
    await confirm(site, driver)
    await done(site, driver, "cw.aktobe", StepKind.PUBLIC_STATEMENT)
    await driver.wait_for("public_statement.approval-1")
    return driver


async def test_the_case_page_shows_facts_steps_notices_and_history(site: WebStack) -> None:
    driver = await statement_waiting(site)
    await sign_in(site, "sv.aktobe")

    page = await page_showing(site, f"/cases/{driver.case_id}", "Қоғамға ақпарат беру")

    text = text_of(page)
    assert f"{driver.case_id} ісі" in text
    assert "Ақтөбе облысы" in text and "Физикалық зорлық-зомбылық" in text
    assert "Өмірге немесе денсаулыққа қауіп бар" in text
    assert CANARY_NAME in text  # a supervisor of the region sees the child
    assert "¶10.1 Бұзушылық туралы хабарлама → Бала құқықтары жөніндегі уәкіл" in text
    assert "¶10.2 Профилактикалық әңгіме орындалды" in text
    assert "Жіберілген хабарламалар" in text and "жіберілді" in text
    assert "¶10 Ашылды Хабарлама қабылданды" in text and "Тапсырма орындалды" in text
    assert "Хабарлама қабылданды: іс ашылды" in text  # the record, in Kazakh too
    # Who looked at the case: collapsed (a busy case's trail runs to hundreds of rows).
    assert re.search(r'<details class="audit">\s*<summary><h2 id="audit">Іске кім қол жеткізді',
                     page)
    # dd.mm.yyyy on a Kazakh page, with Almaty's offset as notices and the CLI write it
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d \(UTC\+05:00\)", text)


async def test_the_child_is_shown_only_to_the_people_who_work_the_case(site: WebStack) -> None:
    driver = await open_case(site)

    await sign_in(site, "admin")
    admin = await page_showing(site, f"/cases/{driver.case_id}", driver.case_id)
    await sign_in(site, "cw.pavlodar")
    other_region = await site.http.get(f"/cases/{driver.case_id}")

    assert CANARY_NAME not in admin and "Ақтөбе облысы" in text_of(admin)
    assert other_region.status_code == 403 and CANARY_NAME not in other_region.text


async def test_a_supervisor_approves_the_statement_from_the_case_page(site: WebStack) -> None:
    driver = await statement_waiting(site)
    await sign_in(site, "sv.aktobe")
    await page_showing(site, "/", "Бекіту: Қоғамға ақпарат беру")  # the inbox names the draft
    case_url = f"/cases/{driver.case_id}"
    page = await page_showing(site, case_url, "Сіздің шешіміңізді күтуде")
    assert STATEMENT in text_of(page)

    response = await submit(site, f"/tasks/{driver.case_id}/public_statement.approval-1",
                            {"approved": "true", "reason": ""}, form_page=case_url)

    assert response.headers["location"] == case_url
    after = text_of((await site.http.get(case_url)).text)
    assert "Бекітілді: Қоғамға ақпарат беру." in after
    assert "Сіздің шешіміңізді күтуде" not in after
    approval = (await driver.view()).step("public_statement.approval-1")
    assert approval.status == StepStatus.DONE and approval.actor == "sv.aktobe"


async def test_sending_a_draft_back_needs_a_reason(site: WebStack) -> None:
    driver = await statement_waiting(site)
    await sign_in(site, "sv.aktobe")
    case_url = f"/cases/{driver.case_id}"
    await page_showing(site, case_url, "Сіздің шешіміңізді күтуде")

    response = await submit(site, f"/tasks/{driver.case_id}/public_statement.approval-1",
                            {"approved": "false", "reason": ""}, form_page=case_url)

    assert response.status_code == 422
    assert "Қайтару үшін себебін жазыңыз" in text_of(response.text)  # in Kazakh
    assert STATEMENT in text_of(response.text)  # the draft stays in view


async def test_supervisors_see_who_accessed_the_case_and_case_workers_do_not(
    site: WebStack
) -> None:
    driver = await open_case(site)
    await sign_in(site, "cw.pavlodar")
    refused = await site.http.get(f"/cases/{driver.case_id}?lang=en")
    assert refused.status_code == 403
    await sign_in(site, "cw.aktobe")
    worker_view = text_of(await page_showing(site, f"/cases/{driver.case_id}?lang=en",
                                             "History"))
    assert "Who accessed this case" not in worker_view

    await sign_in(site, "sv.aktobe")
    page = await page_showing(site, f"/cases/{driver.case_id}?lang=en", "Who accessed")
    text = text_of(page)
    assert f"GET /cases/{driver.case_id}" in text  # the case worker's read, and this one
    assert "cw.pavlodar" in text and "403" in text  # the refused look from another region
    assert "integration:" in text  # the intake that opened the case


async def test_the_case_page_says_which_channel_delivered_each_notice(site: WebStack) -> None:
    driver = await open_case(site)
    await driver.wait_delivered("notice.akimat")
    now = datetime.now(UTC)
    req = NoticeRequest(
        idempotency_key=f"{driver.case_id}:notice.police:police#1", case_id=driver.case_id,
        step_key="notice.police", clause="¶10.3", kind=NoticeKind.REFERRAL,
        recipient=Recipient.POLICE, region=Region.AKTOBE, district="153200000",
        category=Category.PHYSICAL_VIOLENCE, urgent=True, rank=1)
    with session_scope(site.engine) as session:
        reserve_notice(session, req=req, address="+77010000002", now=now, channel=Channel.SMS)
        mark_sent(session, idempotency_key=req.idempotency_key, message_id="<m>", now=now,
                  delivery="delivered")
    await sign_in(site, "sv.aktobe")

    page = await page_showing(site, f"/cases/{driver.case_id}", "Жіберілген хабарламалар")

    text = text_of(page)
    assert "эл. пошта" in text  # the ¶10.1 alarms went by e-mail
    assert "SMS-хабар жіберілді (телефонға жеткізілді)" in text
