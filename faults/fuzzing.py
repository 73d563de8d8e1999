"""The HTTP API fuzzed with schemathesis and all its checks (``faults/schemathesis.toml``):
every operation of ``/openapi.json``, generated inputs, against the web app as a real process
on a stack. Each operation gets the credential it asks for: an integration key allowed every
scope and channel, or the bearer token of a signed-in person (a national supervisor, who may
use every operation for case work; the full run also as a case worker; the admin's operations,
webhook subscriptions, as the admin). Every answer must be as documented (status, body,
headers, content type), valid inputs accepted (``faults.fuzz_hooks`` makes generated reports
consistent), invalid ones refused, none a 5xx."""

import asyncio
import os
import re
import sys
import sysconfig
from pathlib import Path

import httpx

from commands.demo import seed_demo
from faults.fuzz_hooks import COLLEAGUE
from faults.sizes import Size
from faults.stack import START_TIMEOUT, Process, Stack, StoreKind, open_stack
from faults.tally import Outcome
from ombudsflow.credentials import new_api_key
from schemas.regions import Region
from schemas.report import Channel
from schemas.steps import Role
from store.db import session_scope
from store.users import create_api_key, create_user
from tests.support.ports import free_port

SCHEMATHESIS = Path(sysconfig.get_paths()["scripts"]) / "schemathesis"
CONFIG = Path(__file__).with_name("schemathesis.toml")
REPOSITORY = Path(__file__).resolve().parents[1]  # where the hooks' modules are imported from
WEB_ARGV = [sys.executable, "-m", "commands.main", "web"]
KEY_SCOPES = ("reports", "police_decisions", "kdn_decisions")
ADMIN = "admin"  # the demo user who manages webhook subscriptions
RUN_TIMEOUT = 900.0  # seconds for one schemathesis run
SUMMARY = re.compile(r"(\d+) generated, (?:\d+ found (\d+) unique failures?|\d+ passed)")


async def api_fuzzing(size: Size, store: StoreKind) -> Outcome:
    """Run schemathesis with at most ``size.fuzz_examples`` generated requests per operation
    and phase, once per person of ``size.fuzz_as``; its reports are kept in the stack's
    folder."""
    outcome = Outcome(f"API fuzzing ({store})")
    async with open_stack("api-fuzzing", store, workers=1) as stack:
        credentials = seed_demo(stack.engine, stack.folder / "demo-credentials.json")
        _colleagues(stack)
        key = _fuzzing_key(stack)
        base = f"http://127.0.0.1:{free_port()}"
        web = Process("web", WEB_ARGV, folder=stack.folder,
                      env=stack.env | {"OMBUDSFLOW_WEB_PORT": base.rpartition(":")[2]})
        await web.start()
        try:
            admin = await asyncio.wait_for(
                _sign_in(base, ADMIN, credentials.passwords[ADMIN]), START_TIMEOUT)
            for user in size.fuzz_as:
                token = await _sign_in(base, user, credentials.passwords[user])
                code, report = await _schemathesis(base, size.fuzz_examples, token, admin, key,
                                                   stack.folder / f"schemathesis-{user}.txt")
                outcome.notes.append(f"as {user}: {_figures(report)}")
                if code != 0:
                    outcome.problems.append(f"schemathesis as {user} exited {code}; see "
                                            f"{stack.folder}/schemathesis-{user}.txt")
        finally:
            await web.close()
        stack.keep = not outcome.ok
    return outcome


def _colleagues(stack: Stack) -> None:
    """A case worker in every region, for the hand-offs the fuzzing makes (``COLLEAGUE``)."""
    with session_scope(stack.engine) as session:
        for region in Region:
            create_user(session, user_id=COLLEAGUE.format(region=region.value),
                        display_name=f"Fuzzing colleague, {region.value}",
                        role=Role.CASE_WORKER, region=region, password_hash="!")


def _fuzzing_key(stack: Stack) -> str:
    """A key for every integration operation and every channel, so none is refused by scope."""
    key_id, secret, secret_hash = new_api_key()
    with session_scope(stack.engine) as session:
        create_api_key(session, key_id=key_id, name="fuzzing", secret_hash=secret_hash,
                       scopes=KEY_SCOPES, channels=[c.value for c in Channel])
    return secret


async def _sign_in(base: str, user: str, password: str) -> str:
    """A bearer token from the sign-in endpoint, once the web app answers."""
    async with httpx.AsyncClient(base_url=base) as http:
        while True:
            try:
                answer = await http.post("/api/v1/auth/token",
                                         data={"username": user, "password": password})
            except httpx.TransportError:
                await asyncio.sleep(0.5)
                continue
            answer.raise_for_status()
            token: str = answer.json()["access_token"]
            return token


async def _schemathesis(base: str, examples: int, token: str, admin: str, key: str,
                        report: Path) -> tuple[int, str]:
    """schemathesis's exit status (0: no check failed) and its report, also written out."""
    env = os.environ | {"OMBUDSFLOW_FUZZ_TOKEN": token, "OMBUDSFLOW_FUZZ_ADMIN_TOKEN": admin,
                        "OMBUDSFLOW_FUZZ_KEY": key,
                        "PYTHONPATH": str(REPOSITORY)}
    process = await asyncio.create_subprocess_exec(
        str(SCHEMATHESIS), "--config-file", str(CONFIG), "--no-color", "run",
        f"{base}/openapi.json", "--max-examples", str(examples),
        "--request-timeout", "30", "--seed", "149", "--workers", "1",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, cwd=report.parent, env=env,
    )
    output, _ = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)
    text = output.decode(errors="replace")
    await asyncio.to_thread(report.write_text, text)
    return process.returncode or 0, text


def _figures(report: str) -> str:
    """Operations tested, requests generated, failures found, from schemathesis's summary."""
    tested = re.search(r"Tested: (\d+)", report)
    summary = SUMMARY.search(report)
    if tested is None or summary is None:
        return "no summary (see its report)"
    failures = summary.group(2) or "0"
    return f"{tested.group(1)} operations, {summary.group(1)} requests, {failures} failures"
