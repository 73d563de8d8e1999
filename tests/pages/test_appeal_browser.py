"""A ¶6.2 appeal end to end in a real browser (Debian's Chromium, driven by Playwright, against
uvicorn on a loopback port): an operator registers a walk-in appeal from the form, a case
worker triages it and drafts the answer from the inbox, a supervisor approves it; the
applicant's ticket and answer arrive at the SMTP server, in Kazakh as she asked."""

from pathlib import Path

from playwright.async_api import Page, expect
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import SmtpTransport
from commands.demo import DemoCredentials
from ombudsflow.codec import KeyRing
from tests.pages.test_browser import ARTIFACTS, now_local, open_from_inbox, shoot
from tests.support.browser import browsing, needs_chromium, sign_in
from tests.support.ports import free_port
from tests.support.scenarios import CaseDriver
from tests.support.smtp import SmtpServer

pytestmark = needs_chromium
APPLICANT_EMAIL = "walkin.applicant@example.kz"
SUBMIT = "Тапсырманы орындау"


async def operator_registers(page: Page, base: str) -> str:
    await page.get_by_role("link", name="Өтінішті тіркеу").click()
    await page.select_option('[name="channel"]', "walk_in")
    await page.fill('[name="received_at"]', now_local())
    await page.fill('[name="name"]', "Gulnara Walkinova")
    await page.select_option('[name="relation"]', "parent")
    await page.fill('[name="email"]', APPLICANT_EMAIL)
    await page.select_option('[name="language"]', "kk")
    await page.fill('[name="substance"]', "The school refuses my son a place in the first grade.")
    await page.get_by_role("button", name="Тіркеу").click()
    await expect(page.locator("h1")).to_contain_text("өтініші")
    await shoot(page, "appeal-registered")
    return page.url.rsplit("/", 1)[-1]


async def test_a_walk_in_appeal_is_registered_triaged_answered_and_mailed_in_the_browser(
    time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials, keyring: KeyRing,
    tmp_path: Path,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    smtp = SmtpServer(free_port())
    smtp.start()
    try:
        async with browsing(time_env, engine, keyring,
                            SmtpTransport("127.0.0.1", smtp.port, timeout=5)) as (base, browser):
            page = await browser.new_page()
            await sign_in(page, base, "cw.aktobe", demo.passwords["cw.aktobe"])
            appeal_id = await operator_registers(page, base)

            await open_from_inbox(page, base, appeal_id, "appeal_triage")
            await page.select_option('[name="within_competence"]', "true")
            await page.get_by_role("button", name=SUBMIT).click()
            await expect(page.locator("h1")).to_contain_text(appeal_id)
            await open_from_inbox(page, base, appeal_id, "appeal_answer")
            await page.select_option('[name="verdict"]', "upheld")
            await page.fill('[name="text"]', "The school will admit your son on Monday.")
            await page.get_by_role("button", name=SUBMIT).click()
            await expect(page.locator(".flash")).to_contain_text("Өтінішке жауап")

            supervisor = await browser.new_page()
            await sign_in(supervisor, base, "sv.aktobe", demo.passwords["sv.aktobe"])
            await open_from_inbox(supervisor, base, appeal_id, "appeal_answer.approval-1")
            await supervisor.locator('button[name="approved"][value="true"]').click()
            await CaseDriver(time_env.client, appeal_id).result()
            await supervisor.goto(f"{base}/appeals/{appeal_id}")
            await expect(supervisor.locator("h1")).to_contain_text("Жабылды")
            await shoot(supervisor, "appeal-answered")
    finally:
        smtp.stop()

    letters = [m for m in smtp.inbox.messages if str(m["To"]) == APPLICANT_EMAIL]
    subjects = sorted(str(m["Subject"]) for m in letters)
    assert subjects == [f"Өтінішке жауап: {appeal_id}", f"Өтінішті тіркеу талоны: {appeal_id}"]
