"""The inbox in a real browser (Debian's Chromium, as ``test_browser.py``): the task of a case
with a threat to life or health comes first with its badge; a case worker takes a task with
its button, the inbox shows them holding it, and gives it back; a filter is saved and applied
from its link (at a phone's width: test_phone_width.py). A supervisor's approval form
shows the draft with two buttons: returning it needs a reason, and the next version is
approved."""

import asyncio
from pathlib import Path

from playwright.async_api import Page, expect
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from commands.demo import DemoCredentials
from ombudsflow.codec import KeyRing
from schemas.steps import StepKind
from tests.pages.test_browser import open_from_inbox
from tests.support.browser import browsing, needs_chromium, reported, sign_in
from tests.support.scenarios import CaseDriver, valid_outcome

pytestmark = needs_chromium


async def inbox_showing(page: Page, base: str, *case_ids: str) -> None:
    """The inbox once every case's talk has reached it (tasks are projected a moment after
    the workflow opens them)."""
    for _ in range(100):
        await page.goto(base + "/")
        found = [await page.locator(f'a[href="/tasks/{c}/preventive_talk"]').count()
                 for c in case_ids]
        if all(found):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the inbox never showed the talks of {case_ids}")


async def test_the_inbox_orders_by_priority_and_takes_and_gives_back_tasks(
    time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials, mail_dir: Path,
    keyring: KeyRing,
) -> None:
    async with browsing(time_env, engine, keyring, FileTransport(mail_dir)) as (base, browser):
        cases = {name: await reported(base, demo, threat=threat)
                 for name, threat in (("routine", False), ("urgent", True))}
        page = await browser.new_page()
        await sign_in(page, base, "cw.aktobe", demo.passwords["cw.aktobe"])
        await inbox_showing(page, base, *cases.values())

        # The urgent case's talk first, with its badge, though both are due alike.
        links = page.locator('tbody a[href$="/preventive_talk"]')
        hrefs = [await links.nth(i).get_attribute("href") for i in range(await links.count())]
        ours = [h for h in hrefs if h and any(c in h for c in cases.values())]
        assert ours[0] == f"/tasks/{cases['urgent']}/preventive_talk", ours
        urgent = page.locator("tr", has=page.locator(
            f'a[href="/tasks/{cases["urgent"]}/preventive_talk"]'))
        await expect(urgent).to_contain_text("Өмірге немесе денсаулыққа қауіп бар")
        await expect(urgent).to_contain_text("ешкім алмаған")

        await urgent.get_by_role("button", name="Алу").click()
        await expect(page.locator("body")).to_contain_text("Тапсырманы алдыңыз")
        await expect(urgent.locator("td.holder")).to_contain_text("cw.aktobe")
        await urgent.get_by_role("button", name="Қайтару").click()
        await expect(page.locator("body")).to_contain_text("Тапсырма қайтарылды")
        await expect(urgent.locator("td.holder")).to_contain_text("ешкім алмаған")

        # Only the urgent ones, saved under a name, then applied from its link.
        await page.get_by_label("Өмірге немесе денсаулыққа қауіп бар").check()
        await page.get_by_role("button", name="Көрсету").click()
        await expect(page.locator(
            f'a[href="/tasks/{cases["routine"]}/preventive_talk"]')).to_have_count(0)
        await page.get_by_label("Сүзгілерді осы атпен сақтау").fill("Шұғылдар")
        await page.get_by_role("button", name="Сақтау").click()
        await expect(page.locator(".flash")).to_have_text("Сүзгілер сақталды.")
        await page.goto(base + "/")
        await page.get_by_role("link", name="Шұғылдар").click()
        await expect(page.locator(
            f'a[href="/tasks/{cases["urgent"]}/preventive_talk"]')).to_have_count(1)
        await expect(page.locator(
            f'a[href="/tasks/{cases["routine"]}/preventive_talk"]')).to_have_count(0)


async def test_an_approval_is_returned_with_a_reason_then_approved_in_the_browser(
    time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials, mail_dir: Path,
    keyring: KeyRing,
) -> None:
    async with browsing(time_env, engine, keyring, FileTransport(mail_dir)) as (base, browser):
        driver = CaseDriver(time_env.client, await reported(base, demo))
        for kind in (StepKind.PREVENTIVE_TALK, StepKind.POLICE_DECISION,
                     StepKind.PUBLIC_STATEMENT):
            await driver.complete(kind)
        page = await browser.new_page()
        await sign_in(page, base, "sv.aktobe", demo.passwords["sv.aktobe"])

        await open_from_inbox(page, base, driver.case_id, "public_statement.approval-1")
        draft = valid_outcome(StepKind.PUBLIC_STATEMENT)["text"]
        await expect(page.locator("body")).to_contain_text(draft)
        await expect(page.get_by_role("button", name="Тапсырманы орындау")).to_have_count(0)
        await page.get_by_role("button", name="Пысықтауға қайтару").click()
        await expect(page.locator("body")).to_contain_text("Қайтару үшін себебін жазыңыз")
        await page.get_by_label("Себебі", exact=True).fill("Ауданды атаңыз.")
        await page.get_by_role("button", name="Пысықтауға қайтару").click()
        await expect(page.locator(".flash")).to_have_text(
            "Пысықтауға қайтарылды: Қоғамға ақпарат беру.")

        await driver.complete(StepKind.PUBLIC_STATEMENT)
        await open_from_inbox(page, base, driver.case_id, "public_statement.approval-2")
        await page.get_by_role("button", name="Бекіту").click()
        await expect(page.locator(".flash")).to_have_text("Бекітілді: Қоғамға ақпарат беру.")
        approval = (await driver.view()).step("public_statement.approval-1")
        assert approval.outcome == {"approved": False, "reason": "Ауданды атаңыз."}
