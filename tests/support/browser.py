"""A real browser for end-to-end tests: Debian's Chromium driven by Playwright (no browser is
downloaded), and the web app under uvicorn on a loopback port, as ``ombudsflow web`` runs it."""

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright, expect
from pydantic import SecretStr
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import Transport
from commands.demo import DemoCredentials
from ombudsflow.codec import KeyRing
from ombudsflow.config import Settings
from tests.conftest import new_worker
from tests.support.factories import report_data
from tests.support.ports import free_port
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
START_TIMEOUT = 30.0  # seconds for the app to serve
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[str]:
    """The app under uvicorn in a thread; its lifespan connects to Temporal and the store
    from ``settings`` alone, as ``ombudsflow web`` does."""
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1",
                                           port=settings.web_port, log_config=None))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    try:
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn stopped before serving")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the app did not serve on port {settings.web_port} in "
                                     f"{START_TIMEOUT:g} s (its lifespan connects to Temporal "
                                     "and the store)")
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{settings.web_port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)


def site_settings(env: WorkflowEnvironment, engine: Engine, keyring: KeyRing,
                  task_queue: str) -> Settings:
    """The web app's settings for a site on ``env`` and ``engine``, on a free port."""
    return Settings(
        task_queue=task_queue, database_url=str(engine.url), web_port=free_port(),
        temporal_address=env.client.service_client.config.target_host,
        keys=SecretStr(keyring.to_json()), public_base_url="http://127.0.0.1",
    )


@asynccontextmanager
async def browsing(env: WorkflowEnvironment, engine: Engine, keyring: KeyRing,
                   transport: Transport) -> AsyncIterator[tuple[str, Browser]]:
    """A worker on ``env`` (mailing through ``transport``), the site serving from it, and
    Chromium: (the site's base URL, the browser)."""
    async with new_worker(env.client, engine, transport) as worker:
        settings = site_settings(env, engine, keyring, worker.task_queue)
        async with serving(settings) as base, async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                yield base, browser
            finally:
                await browser.close()


async def reported(base: str, demo: DemoCredentials, *, threat: bool = True) -> str:
    """A case reported to the site over the API by the helpline; its number."""
    async with httpx.AsyncClient(base_url=base) as api:
        answer = await api.post("/api/v1/reports", json=report_data(threat=threat),
                                headers={"X-API-Key": demo.api_keys["helpline-111"]})
    assert answer.status_code == 201, answer.text
    case_id: str = answer.json()["case_id"]
    return case_id


async def sign_in(page: Page, base: str, user_id: str, password: str) -> None:
    """Through the sign-in form, in Kazakh (the default language), to the inbox."""
    await page.goto(f"{base}/login")
    await page.get_by_label("Пайдаланушы аты").fill(user_id)
    await page.get_by_label("Құпиясөз").fill(password)
    await page.get_by_role("button", name="Кіру").click()
    await expect(page.get_by_role("heading", name="Тапсырмалар")).to_be_visible()
