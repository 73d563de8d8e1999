"""Hand-offs in a real browser (Debian's Chromium, as ``test_browser_inbox.py``), in Kazakh: a
supervisor reassigns a case worker's task to a colleague (a reason is required first), and the
case page's history says so; a case worker delegates a task, the colleague completes it, it is
returned with a reason (required), completed again and accepted, and the case page's history
shows both people: the colleague's work and the holder's completion."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, expect
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from commands.demo import DemoCredentials
from ombudsflow.codec import KeyRing
from ombudsflow.credentials import hash_password
from schemas.regions import Region
from schemas.steps import Role
from store.db import session_scope
from store.users import create_user
from tests.pages.test_browser import now_local
from tests.pages.test_browser_inbox import inbox_showing
from tests.support.browser import browsing, needs_chromium, reported, sign_in
from tests.support.scenarios import CaseDriver

pytestmark = needs_chromium
CW, SV = "cw.aktobe", "sv.aktobe"
TALK = "Профилактикалық әңгіме"
COLLEAGUE_PASSWORD = "colleague-password-1"


def colleague(engine: Engine) -> str:
    """A second case worker of Aktobe, who signs in."""
    user_id = f"cw.aktobe{uuid.uuid4().hex[:6]}"
    with session_scope(engine) as session:
        create_user(session, user_id=user_id, display_name="Dina (case worker, Aktobe)",
                    role=Role.CASE_WORKER, region=Region.AKTOBE,
                    password_hash=hash_password(COLLEAGUE_PASSWORD))
    return user_id


@asynccontextmanager
async def reported_case(env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials,
                        mail_dir: Path, keyring: KeyRing
                        ) -> AsyncIterator[tuple[str, str, Browser]]:
    """The site, a case reported over the API, and a browser: (base URL, case, browser)."""
    async with browsing(env, engine, keyring, FileTransport(mail_dir)) as (base, browser):
        yield base, await reported(base, demo), browser


async def person(browser: Browser, base: str, user_id: str, password: str) -> Page:
    page = await browser.new_page()
    await sign_in(page, base, user_id, password)
    return page


async def claims_the_talk(page: Page, base: str, case_id: str) -> None:
    await inbox_showing(page, base, case_id)
    row = page.locator("tr", has=page.locator(f'a[href="/tasks/{case_id}/preventive_talk"]'))
    await row.get_by_role("button", name="Алу").click()
    await expect(row.locator("td.holder")).to_contain_text(CW)


async def fills_the_talk(page: Page, notes: str) -> None:
    await page.select_option('[name="talks.0.party"]', "parent")
    await page.fill('[name="talks.0.held_at"]', now_local())
    await page.select_option('[name="talks.0.responsibility_explained"]', "true")
    await page.fill('[name="notes"]', notes)
    await page.get_by_role("button", name="Тапсырманы орындау").click()


async def test_a_supervisor_reassigns_a_task_with_a_reason_in_the_browser(
    time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials, mail_dir: Path,
    keyring: KeyRing,
) -> None:
    other = colleague(engine)
    async with reported_case(time_env, engine, demo, mail_dir, keyring) as (base, case_id,
                                                                            browser):
        worker = await person(browser, base, CW, demo.passwords[CW])
        await claims_the_talk(worker, base, case_id)

        supervisor = await person(browser, base, SV, demo.passwords[SV])
        await supervisor.goto(f"{base}/cases/{case_id}")
        await supervisor.get_by_role("link", name=TALK).click()
        await expect(supervisor.get_by_role("button", name="Тапсырманы орындау")
                     ).to_have_count(0)
        await supervisor.get_by_label("Маман").select_option(other)
        await supervisor.get_by_role("button", name="Қайта тағайындау").click()
        await expect(supervisor.locator("#e-handoff-reason")).to_have_text("себебін жазыңыз")
        await supervisor.get_by_label("Себебі").fill("Айгүл демалыста.")
        await supervisor.get_by_role("button", name="Қайта тағайындау").click()
        await expect(supervisor.locator(".flash")).to_have_text(
            f"Тапсырма қайта тағайындалды: {TALK}.")
        line = supervisor.locator("tr", has_text="Айгүл демалыста.")
        await expect(line).to_contain_text(
            f"{TALK}: {CW} орнына {other} тағайындалды: Айгүл демалыста.")
        await expect(line).to_contain_text("Тапсырманы беру")
        await expect(line).to_contain_text("¶10.2")

        await worker.goto(base + "/")
        await expect(worker.locator(f'a[href="/tasks/{case_id}/preventive_talk"]')
                     ).to_have_count(0)
        taker = await person(browser, base, other, COLLEAGUE_PASSWORD)
        await inbox_showing(taker, base, case_id)
        row = taker.locator("tr", has=taker.locator(
            f'a[href="/tasks/{case_id}/preventive_talk"]'))
        await expect(row.locator("td.holder")).to_contain_text(other)


async def test_a_delegated_task_is_returned_then_accepted_in_the_browser(
    time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials, mail_dir: Path,
    keyring: KeyRing,
) -> None:
    other = colleague(engine)
    async with reported_case(time_env, engine, demo, mail_dir, keyring) as (base, case_id,
                                                                            browser):
        task = f"{base}/tasks/{case_id}/preventive_talk"
        holder = await person(browser, base, CW, demo.passwords[CW])
        await claims_the_talk(holder, base, case_id)
        await holder.goto(task)
        await holder.locator("#f-handoff-delegate").select_option(other)
        await holder.get_by_label("Әріптеске ескертпе").fill("Отбасы сізге жақын тұрады.")
        await holder.get_by_role("button", name="Беру", exact=True).click()
        await expect(holder.locator(".flash")).to_have_text(
            f"Тапсырма әріптеске берілді: {TALK}.")

        delegate = await person(browser, base, other, COLLEAGUE_PASSWORD)
        await inbox_showing(delegate, base, case_id)
        await delegate.locator(f'a[href="/tasks/{case_id}/preventive_talk"]').click()
        await expect(delegate.locator("#handoff-note")).to_contain_text(
            f"Бұл тапсырманы сізге {CW} берді")
        await expect(delegate.locator("#handoff-note")).to_contain_text(
            "Отбасы сізге жақын тұрады.")
        await fills_the_talk(delegate, "Ата-анасы екеуі де келді.")
        await expect(delegate.locator(".flash")).to_have_text(f"Тексеруге жіберілді: {TALK}.")

        # Back to the holder for review: returning it needs a reason.
        await holder.goto(task)
        await expect(holder.get_by_role("heading", name=f"{other} орындады")).to_be_visible()
        await expect(holder.locator("body")).to_contain_text("Ата-анасы екеуі де келді.")
        await expect(holder.get_by_role("button", name="Тапсырманы орындау")).to_have_count(0)
        await holder.get_by_role("button", name="Әріптеске қайтару").click()
        await expect(holder.locator("#e-handoff-reason")).to_have_text("себебін жазыңыз")
        await holder.get_by_label("Себебі").fill("Мектептің нөмірін жазыңыз.")
        await holder.get_by_role("button", name="Әріптеске қайтару").click()
        await expect(holder.locator(".flash")).to_have_text(f"Әріптеске қайтарылды: {TALK}.")

        await delegate.goto(task)
        await fills_the_talk(delegate, "Ата-анасы келді; 12-мектеп.")
        await expect(delegate.locator(".flash")).to_have_text(f"Тексеруге жіберілді: {TALK}.")

        await holder.goto(task)
        await expect(holder.locator("body")).to_contain_text("Ата-анасы келді; 12-мектеп.")
        await holder.get_by_role("button", name="Қабылдау").click()
        await expect(holder.locator(".flash")).to_have_text(f"Орындалды: {TALK}.")

        # The case page's history shows both: the colleague's work, the holder's completion.
        history = holder.locator("table", has=holder.locator("th", has_text="Оқиға"))
        await expect(history).to_contain_text(
            f"{TALK}: {other} орындады, {CW} тексеруін күтуде")
        await expect(history).to_contain_text(
            f"{TALK}: {other} пысықтауға қайтарылды: Мектептің нөмірін жазыңыз.")
        await expect(history).to_contain_text(
            f"{TALK}: {CW} {other} орындаған жұмысты қабылдады")
        completed = holder.locator("tr", has_text=f"Орындалды: {TALK}")
        await expect(completed).to_contain_text(CW)
        step = (await CaseDriver(time_env.client, case_id).view()).step("preventive_talk")
        assert step.actor == CW
        assert step.outcome is not None and step.outcome["notes"] == "Ата-анасы келді; 12-мектеп."
