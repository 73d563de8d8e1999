"""The Temporal Web UI as ``make run`` serves it: the dev server started with the stack's own
command line (its UI on loopback, under /temporal), a worker, and the web app under uvicorn in
front of it. Signed-in case workers and supervisors read decoded cases there; nobody else gets
in, and nothing is written through it."""

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import async_playwright, expect
from pydantic import SecretStr
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecutionStatus

from activities.transports import FileTransport
from commands.demo import DemoCredentials
from commands.devstack import answering, temporal_server_argv
from ombudsflow.client import connect
from ombudsflow.codec import KeyRing
from ombudsflow.config import TEMPORAL_UI_PATH, Settings
from schemas.regions import Region
from store.audit import case_trail
from store.db import session_scope
from tests.conftest import new_worker
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, serving, sign_in
from tests.support.factories import CANARY_NAME, report_data
from tests.support.ports import free_port
from tests.support.scenarios import CaseDriver
from web.security import issue_token

START_TIMEOUT = 30.0
UI_TIMEOUT_MS = 20_000  # the UI's first load compiles a few MB of JavaScript


@dataclass
class Site:
    base: str
    settings: Settings
    client: Client
    engine: Engine
    credentials: DemoCredentials

    def session(self, user_id: str) -> httpx.AsyncClient:
        """A browser-like client holding ``user_id``'s session cookie."""
        http = httpx.AsyncClient(base_url=self.base)
        http.cookies.set("ombudsflow_session", issue_token(self.settings, user_id))
        return http

    async def report(self, region: Region = Region.AKTOBE) -> CaseDriver:
        async with httpx.AsyncClient(base_url=self.base) as http:
            response = await http.post(
                "/api/v1/reports", json=report_data(region=region),
                headers={"X-API-Key": self.credentials.api_keys["helpline-111"]})
        assert response.status_code == 201, response.text
        case = CaseDriver(self.client, response.json()["case_id"])
        await case.wait_for("preventive_talk")
        return case


@pytest.fixture(scope="module")
async def site(engine: Engine, demo: DemoCredentials, keyring: KeyRing,
               tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    folder = tmp_path_factory.mktemp("temporal-ui")
    web_port = free_port()
    settings = Settings(
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_url=f"http://127.0.0.1:{free_port()}",
        web_port=web_port, public_base_url=f"http://127.0.0.1:{web_port}",
        database_url=str(engine.url), keys=SecretStr(keyring.to_json()),
    )
    with (folder / "temporal.log").open("wb") as log:
        server = await asyncio.create_subprocess_exec(
            *temporal_server_argv(settings, folder / "temporal.db"),
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        await asyncio.wait_for(answering(settings), START_TIMEOUT)
        await asyncio.wait_for(ui_listing(settings), START_TIMEOUT)
        client = await connect(settings, keyring)
        async with new_worker(client, engine, FileTransport(folder / "mail")) as worker:
            settings = settings.model_copy(update={"task_queue": worker.task_queue})
            async with serving(settings) as base:
                yield Site(base=base, settings=settings, client=client, engine=engine,
                           credentials=demo)
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 15)


async def ui_listing(settings: Settings) -> None:
    """Return once the UI server lists workflows (it starts after the frontend answers, and
    on a busy machine a while after; until then the proxy can only say 503)."""
    listing = f"{settings.temporal_ui_url}{TEMPORAL_UI_PATH}/api/v1/namespaces/default/workflows"
    async with httpx.AsyncClient() as http:
        while True:
            try:
                if (await http.get(listing)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)


async def test_someone_signed_out_is_sent_to_sign_in(site: Site) -> None:
    case = await site.report()
    async with httpx.AsyncClient(base_url=site.base) as http:
        for path in (f"/temporal/namespaces/default/workflows/{case.case_id}",
                     "/temporal/api/v1/namespaces/default/workflows"):
            response = await http.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=%2Ftemporal%2F")
            assert case.case_id not in response.text


async def test_only_case_workers_and_supervisors_get_in(site: Site) -> None:
    listing = "/temporal/api/v1/namespaces/default/workflows"
    for user in ("cw.aktobe", "sv.pavlodar", "sv.committee"):
        async with site.session(user) as http:
            assert (await http.get(listing)).status_code == 200, user
    async with site.session("admin") as http:
        refused = await http.get(listing)
    assert refused.status_code == 403
    assert "Temporal Web UI тек маман мен басшыға ашық." in refused.text
    async with httpx.AsyncClient(base_url=site.base) as http:
        integration = await http.get(listing, headers={
            "X-API-Key": site.credentials.api_keys["helpline-111"]})
    assert integration.status_code == 403


async def test_a_regional_user_opens_only_their_regions_workflows(site: Site) -> None:
    case = await site.report()  # an Aktobe case
    workflow = f"/temporal/api/v1/namespaces/default/workflows/{case.case_id}"
    async with site.session("cw.aktobe") as http:
        own = await http.get(workflow)
        history = await http.get(f"{workflow}/history")
    async with site.session("cw.pavlodar") as http:
        other = await http.get(workflow)
        other_history = await http.get(f"{workflow}/history")
    assert own.status_code == history.status_code == 200
    assert other.status_code == other_history.status_code == 403
    assert CANARY_NAME not in own.text + history.text  # the server holds ciphertext only
    with session_scope(site.engine) as session:
        trail = case_trail(session, case.case_id)
    opened = {(e.actor_id, e.action, e.result) for e in trail}
    assert ("cw.aktobe", f"GET {workflow}", 200) in opened
    assert ("cw.pavlodar", f"GET {workflow}", 403) in opened


async def test_a_regional_user_lists_only_their_regions_cases(site: Site) -> None:
    aktobe, pavlodar = await site.report(), await site.report(Region.PAVLODAR)
    listing = "/temporal/api/v1/namespaces/default/workflows"
    listed: dict[str, set[str]] = {}
    of_type = "WorkflowType = 'ViolationResponseWorkflow'"
    for user, query in (("cw.aktobe", ""), ("cw.aktobe", of_type), ("sv.committee", "")):
        async with site.session(user) as http:
            response = await http.get(listing, params={"query": query, "pageSize": 1000})
            count = await http.get("/temporal/api/v1/namespaces/default/workflow-count",
                                   params={"query": query})
        assert response.status_code == count.status_code == 200, response.text + count.text
        ids = {e["execution"]["workflowId"] for e in response.json()["executions"]}
        assert int(count.json()["count"]) == len(ids)
        listed[f"{user} {query}"] = ids
    for key, ids in listed.items():
        assert aktobe.case_id in ids, key
        assert (pavlodar.case_id in ids) == key.startswith("sv.committee"), key
    async with site.session("cw.aktobe") as http:  # a search that would escape the narrowing
        escape = await http.get(listing, params={"query": f"{of_type}) OR ({of_type}"})
        # the list spelled past the narrowing's patterns: refused before the UI server sees it
        spelled = [await http.get(path) for path in (
            "/temporal/api/v1/namespaces/default/workflows/",
            "/temporal/api/v1/namespaces/default/%77orkflows")]
    assert escape.status_code == 422  # a query we cannot narrow: refused as bad input
    assert pavlodar.case_id not in escape.text
    for response in spelled:
        assert pavlodar.case_id not in response.text
        assert response.status_code == 403, response.url


async def test_nothing_is_written_through_the_ui(site: Site) -> None:
    """Terminate, cancel, signal, update and reset are refused even when sent as the UI would
    send them (with its CSRF token), and the case runs on; the UI is told to offer none."""
    case = await site.report()
    workflow = f"/temporal/api/v1/namespaces/default/workflows/{case.case_id}"
    async with site.session("sv.committee") as http:
        settings = (await http.get("/temporal/api/v1/settings")).json()
        token = http.cookies["_csrf"]
        for action, body in (("terminate", {"reason": "via the UI"}), ("cancel", {}),
                             ("signal/anything", {}), ("update/complete", {}),
                             ("reset", {"reason": "via the UI"})):
            response = await http.post(f"{workflow}/{action}", json=body,
                                       headers={"X-CSRF-TOKEN": token})
            assert response.status_code == 405, (action, response.text)
        # A query reads (Temporal forbids a query handler to change the workflow): it passes.
        query = await http.post(f"{workflow}/query/case", json={},
                                headers={"X-CSRF-TOKEN": token})
        assert query.status_code == 200, query.text
    assert settings["DisableWriteActions"] is True
    assert settings["WorkflowTerminateDisabled"] is True
    description = await case.handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    history = await case.handle.fetch_history()
    assert not [e for e in history.events if e.HasField(
        "workflow_execution_signaled_event_attributes")]


def test_the_ui_server_listens_on_loopback_only(site: Site) -> None:
    """``make run`` binds the UI to 127.0.0.1: from any other address of this machine it is
    not there, so the web app's sign-in is the way in."""
    port = urlsplit(site.settings.temporal_ui_url).port or 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:  # a UDP "connect" sends nothing: it only picks this machine's outward address
            probe.connect(("198.51.100.1", 9))
        except OSError:
            pytest.skip("this machine has no address but loopback")
        outward = probe.getsockname()[0]
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex((outward, port)) != 0, outward
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) == 0


@needs_chromium
async def test_a_supervisor_reads_a_decoded_case_in_the_ui(site: Site) -> None:
    case = await site.report()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await sign_in(page, site.base, "sv.aktobe", site.credentials.passwords["sv.aktobe"])
        await page.goto(f"{site.base}/cases/{case.case_id}")
        await page.get_by_role("link", name="Бұл іс Temporal Web UI-да").click()
        # The input as the worker sealed it, opened by the codec server for this supervisor.
        await expect(page.locator("body")).to_contain_text(
            f'"case_id": "{case.case_id}"', timeout=UI_TIMEOUT_MS)
        await expect(page.get_by_text(CANARY_NAME).first).to_be_visible()
        # The UI's codec status (a tooltip), and no error shown.
        await expect(page.get_by_text("Codec Server succesfully converted")).to_have_count(1)
        await expect(page.get_by_text("could not connect")).to_have_count(0)
        await expect(page.get_by_role("alert")).to_have_count(0)
        assert page.url.startswith(site.settings.temporal_ui_link(case.case_id))
        await browser.close()


@needs_chromium
async def test_the_ui_refuses_someone_signed_out(site: Site) -> None:
    case = await site.report()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.goto(site.settings.temporal_ui_link(case.case_id))
        await expect(page.get_by_role("button", name="Кіру")).to_be_visible()
        assert page.url.startswith(f"{site.base}/login?next=")
        await browser.close()
