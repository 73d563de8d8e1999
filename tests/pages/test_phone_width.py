"""At a phone's width (390 × 844 px, in a real browser: Debian's Chromium) nothing a case
worker or a supervisor opens scrolls sideways, in Kazakh or Russian: the inbox with its
filters, a task form of each kind of input, the case page with its steps and history, the
appeal page, the operator's appeal form, the board and the reports. A table wider than the
screen scrolls inside its own box; the page does not.

One stack serves every reader: a time-skipping server, a worker and the web app under
uvicorn, with a case just reported, a case a month into its ¶11.3 plan and an appeal."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from playwright.async_api import Browser, ViewportSize, expect
from sqlalchemy import Engine

from activities.transports import FileTransport
from commands.demo import DemoCredentials
from ombudsflow.codec import KeyRing
from schemas.steps import StepKind
from tests.api.test_appeals import E_OTINISH
from tests.conftest import time_skipping
from tests.support.browser import browsing, needs_chromium, reported, sign_in
from tests.support.clock import skip
from tests.support.factories import appeal_data
from tests.support.scenarios import CaseDriver

pytestmark = needs_chromium
PHONE = ViewportSize(width=390, height=844)
# What a person types without spaces: a link to a school's letter, a police reference.
LONG_WORD = "https://school-42.aktobe.example.kz/letters/" + "x" * 80


@dataclass(frozen=True)
class Site:
    base: str
    browser: Browser
    passwords: dict[str, str]
    new_case: str  # just reported: the ¶10.2 talk is open
    month_on: str  # a month after the ¶11.3 plan: its review, the meeting, a draft to approve
    appeal: str

    def pages(self, user: str) -> list[str]:
        """What ``user`` opens in a day's work."""
        n, m, a = self.new_case, self.month_on, self.appeal
        shared = [f"/cases/{m}", f"/cases/{n}", f"/appeals/{a}", "/reports"]
        if user.startswith("sv."):
            return ["/", f"/tasks/{m}/public_statement.approval-1", *shared, "/board"]
        return ["/", "/?urgent=true&kind=preventive_talk",  # the filters, and saving them
                f"/tasks/{n}/preventive_talk",  # selects, date and time, text areas
                f"/tasks/{m}/coordination_meeting",  # a date, repeated rows
                f"/tasks/{m}/plan_review-1",  # checkboxes
                f"/tasks/{a}/appeal_triage", *shared, "/appeals/new"]


@pytest.fixture(scope="module")
async def site(keyring: KeyRing, engine: Engine, demo: DemoCredentials,
               tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    mail = FileTransport(tmp_path_factory.mktemp("mail"))
    async with time_skipping(keyring) as env, browsing(env, engine, keyring, mail) as (base,
                                                                                    browser):
        ids = [await reported(base, demo, threat=threat) for threat in (False, True)]
        async with httpx.AsyncClient(base_url=base) as api:
            appealed = await api.post(
                "/api/v1/appeals", json=appeal_data(substance=f"See {LONG_WORD}"),
                headers={"X-API-Key": demo.api_keys[E_OTINISH]})
        assert appealed.status_code == 201, appealed.text
        appeal = appealed.json()["appeal_id"]
        await CaseDriver(env.client, appeal).wait_for("appeal_triage")
        driver = CaseDriver(env.client, ids[1])
        await driver.complete(StepKind.PREVENTIVE_TALK, notes=f"Minutes: {LONG_WORD}")
        await driver.complete(StepKind.POLICE_DECISION, police_reference=LONG_WORD[-60:])
        await driver.complete(StepKind.SAFETY_ASSESSMENT, child_in_danger=False, measures=[])
        await driver.complete(StepKind.PUBLIC_STATEMENT)
        await driver.complete(StepKind.PSYCHOLOGICAL_SUPPORT)
        await skip(env, timedelta(days=31))  # the plan's review is due; others are late
        await driver.wait_for("plan_review-1")
        yield Site(base, browser, demo.passwords, new_case=ids[0], month_on=ids[1],
                   appeal=appeal)


@pytest.mark.parametrize(("user", "language"), [
    ("cw.aktobe", "kk"), ("cw.aktobe", "ru"), ("sv.aktobe", "kk"), ("sv.aktobe", "ru"),
])
async def test_no_page_scrolls_sideways_on_a_phone(site: Site, user: str, language: str
                                                   ) -> None:
    page = await site.browser.new_page(viewport=PHONE)
    await sign_in(page, site.base, user, site.passwords[user])
    await page.goto(f"{site.base}/?lang={language}")  # remembered for the pages after
    too_wide = {}
    for path in site.pages(user):
        response = await page.goto(site.base + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        await expect(page.locator("html")).to_have_attribute("lang", language)
        if path.startswith("/tasks/"):  # the form itself, not its case after a redirect
            await expect(page.locator("form.task")).to_be_visible()
        wide = await page.evaluate("document.documentElement.scrollWidth")
        if wide > PHONE["width"]:
            too_wide[path] = wide
    await page.close()
    assert not too_wide, f"pages wider than {PHONE['width']} px: {too_wide}"
