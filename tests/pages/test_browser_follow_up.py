"""Dates in a real browser (Debian's Chromium): the inbox's due-before filter typed as
05.12.2026 is shown back so, in Russian; a case worker takes a task and puts it off until a
day typed dd.mm.yyyy, finds it gone from the default view and back under "all" with its
day, and a day the browser lets through but the server refuses is named in Russian."""

from datetime import datetime, timedelta
from pathlib import Path

from playwright.async_api import expect
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from commands.demo import DemoCredentials
from ombudsflow.codec import KeyRing
from ombudsflow.local_time import LOCAL_TIME
from tests.pages.test_browser_inbox import inbox_showing
from tests.support.browser import browsing, needs_chromium, reported, sign_in

pytestmark = needs_chromium


async def test_a_task_is_put_off_until_a_day_typed_dd_mm_yyyy(
    time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials, mail_dir: Path,
    keyring: KeyRing,
) -> None:
    async with browsing(time_env, engine, keyring, FileTransport(mail_dir)) as (base, browser):
        case_id = await reported(base, demo)
        page = await browser.new_page()
        await sign_in(page, base, "cw.aktobe", demo.passwords["cw.aktobe"])
        await inbox_showing(page, base, case_id)
        await page.goto(f"{base}/?lang=ru")

        due = page.get_by_label("Срок до")
        await expect(due).to_have_attribute("placeholder", "дд.мм.гггг")
        await due.fill("05.12.2026")
        await page.get_by_role("button", name="Показать").click()
        await expect(page.get_by_label("Срок до")).to_have_value("05.12.2026")

        await page.goto(f"{base}/?case_id={case_id}")
        talk = page.locator("tr", has=page.locator(
            f'a[href="/tasks/{case_id}/preventive_talk"]'))
        await talk.get_by_role("button", name="Взять").click()
        await expect(talk.locator("td.holder")).to_contain_text("cw.aktobe")
        later = datetime.now(LOCAL_TIME).date() + timedelta(days=3)
        await talk.get_by_label("Дата возврата к задаче").fill(f"{later:%d.%m.%Y}")
        await talk.get_by_role("button", name="Отложить").click()
        await expect(page.locator(".flash")).to_contain_text("Задача отложена")
        await expect(page.locator(
            f'a[href="/tasks/{case_id}/preventive_talk"]')).to_have_count(0)

        await page.goto(f"{base}/?case_id={case_id}&all=true")
        await expect(talk).to_contain_text(f"Вернуться: {later:%d.%m.%Y}")
        await expect(talk.get_by_label("Дата возврата к задаче")).to_have_value(
            f"{later:%d.%m.%Y}")
        await talk.get_by_label("Дата возврата к задаче").fill("31.02.2027")
        await talk.get_by_role("button", name="Отложить").click()
        await expect(page.locator("body")).to_contain_text(
            "«Дата возврата к задаче»: введите дату в виде дд.мм.гггг")
