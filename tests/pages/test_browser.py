"""End to end in a real browser: Debian's Chromium, driven by Playwright, against uvicorn on a
loopback port, with the app connecting to the test's Temporal server as in production.

A report comes in over the API; the case worker works the inbox through the ¶10.2 talk (first
refused, then accepted), the police answer and the public statement; the supervisor approves
the statement; the rest is driven through the workflow's updates, and the supervisor approves
the closure in the browser. Screenshots of each page go to ``test-artifacts/``.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import Browser, Page, expect
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from commands.demo import DemoCredentials
from ombudsflow.codec import KeyRing
from schemas.case import Stage
from schemas.steps import StepKind
from tests.support.browser import browsing, needs_chromium, reported, sign_in
from tests.support.clock import skip
from tests.support.scenarios import CaseDriver, valid_outcome
from web.dates import shown_moment

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
pytestmark = needs_chromium


def now_local() -> str:
    """Now, as a person types it: dd.mm.yyyy hh:mm on Kazakhstan's clock."""
    return shown_moment(datetime.now(UTC))


async def open_from_inbox(page: Page, base: str, case_id: str, key: str) -> None:
    """Open the task's form from the inbox, once the task has reached it."""
    link = page.locator(f'a[href="/tasks/{case_id}/{key}"]')
    for _ in range(100):
        await page.goto(base + "/")
        if await link.count():
            break
        await asyncio.sleep(0.2)
    await link.click()
    await expect(page.locator("form.task")).to_be_visible()


async def shoot(page: Page, name: str) -> None:
    await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


async def case_worker_works_the_case(browser: Browser, base: str, case_id: str,
                                     password: str) -> None:
    page = await browser.new_page()
    await sign_in(page, base, "cw.aktobe", password)
    await page.keyboard.press("Tab")  # the first stop skips to the content
    await expect(page.get_by_role("link", name="Негізгі мазмұнға өту")).to_be_focused()
    await open_from_inbox(page, base, case_id, "preventive_talk")
    await page.goto(base + "/")
    row = page.locator("tr", has=page.locator(f'a[href="/tasks/{case_id}/preventive_talk"]'))
    await expect(row).to_contain_text("¶10.2")
    await shoot(page, "inbox")

    # ¶10.2: first without explaining responsibility — refused, next to the row.
    await open_from_inbox(page, base, case_id, "preventive_talk")
    await page.select_option('[name="talks.0.party"]', "parent")
    await page.fill('[name="talks.0.held_at"]', now_local())
    await page.select_option('[name="talks.0.responsibility_explained"]', "false")
    await page.fill('[name="notes"]', "Both parents attended.")
    await page.get_by_role("button", name="Тапсырманы орындау").click()
    await expect(page.locator("#e-talks-0")).to_contain_text(
        "¶10.2: заң бойынша жауапкершілігін түсіндіру")
    await expect(page.locator('[name="notes"]')).to_have_value("Both parents attended.")
    await shoot(page, "task-form-error")
    await page.select_option('[name="talks.0.responsibility_explained"]', "true")
    await page.get_by_role("button", name="Тапсырманы орындау").click()
    await expect(page.locator(".flash")).to_have_text("Орындалды: Профилактикалық әңгіме.")

    # ¶11: the police answer, recorded from its form.
    await open_from_inbox(page, base, case_id, "police_decision")
    await page.select_option('[name="confirmed"]', "true")
    await page.fill('[name="police_reference"]', "KUI-2026-0042")
    await page.fill('[name="decided_at"]', now_local())
    await page.get_by_role("button", name="Тапсырманы орындау").click()
    await expect(page.locator(".flash")).to_contain_text("Полицияның фактілер бойынша жауабы")

    # ¶11.1/¶13: the public statement, drafted for the supervisor.
    await open_from_inbox(page, base, case_id, "public_statement")
    await page.fill('[name="text"]', valid_outcome(StepKind.PUBLIC_STATEMENT)["text"])
    await page.get_by_role("button", name="Тапсырманы орындау").click()
    await expect(page.locator(".flash")).to_contain_text("Қоғамға ақпарат беру")
    await page.get_by_role("button", name="Шығу").click()
    await expect(page.locator(".flash")).to_have_text("Сіз жүйеден шықтыңыз.")
    await page.close()


async def supervisor_approves(page: Page, base: str, case_id: str, what: str) -> None:
    """Approve the open approval of ``what`` from the case page."""
    approval = page.locator("article", has_text=what)
    for _ in range(100):
        await page.goto(f"{base}/cases/{case_id}")
        if await approval.count():
            break
        await asyncio.sleep(0.2)
    await approval.get_by_role("button", name="Бекіту").click()
    await expect(page.locator(".flash")).to_have_text(f"Бекітілді: {what}.")


async def test_a_reported_case_is_worked_to_closure_in_the_browser(
    time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials, mail_dir: Path,
    keyring: KeyRing,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    async with browsing(time_env, engine, keyring, FileTransport(mail_dir)) as (base, browser):
        case_id = await reported(base, demo)
        await case_worker_works_the_case(browser, base, case_id,
                                         demo.passwords["cw.aktobe"])

        supervisor = await browser.new_page()
        await sign_in(supervisor, base, "sv.aktobe", demo.passwords["sv.aktobe"])
        await supervisor.goto(f"{base}/board")
        await expect(supervisor.locator("#t-approvals")).to_contain_text(
            "Қоғамға ақпарат беру")
        await shoot(supervisor, "board")
        await supervisor_approves(supervisor, base, case_id, "Қоғамға ақпарат беру")

        driver = CaseDriver(time_env.client, case_id)
        await driver.complete(StepKind.SAFETY_ASSESSMENT, child_in_danger=False, measures=[])
        await driver.complete(StepKind.PSYCHOLOGICAL_SUPPORT)
        await driver.complete(StepKind.COORDINATION_MEETING)
        await driver.complete(StepKind.RECOMMENDATIONS)
        await driver.complete(StepKind.APPROVAL, "recommendations.approval-1")
        await skip(time_env, timedelta(days=31))  # until the ¶11.3 plan review is due
        await driver.complete(StepKind.PLAN_REVIEW, "plan_review-1", items_done=[0, 1])
        await driver.complete(StepKind.CLOSURE)

        await supervisor_approves(supervisor, base, case_id, "Қорытынды анықтама")
        await expect(supervisor.locator("h1")).to_contain_text("Жабылды")
        await expect(supervisor.locator("#history + table")).to_contain_text("Іс жабылды")
        await shoot(supervisor, "case")
        assert (await driver.result()).stage == Stage.CLOSED
