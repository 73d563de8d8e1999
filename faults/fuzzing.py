"""The HTTP API fuzzed with schemathesis: every operation of ``/openapi.json``, generated
inputs, against the web app as a real process on a stack, signed in with the demo credentials
twice over (a case worker with the helpline's key; a supervisor with the police system's key),
so every operation is reached by someone allowed to use it. No answer may be a 5xx."""

import asyncio
import re
import sys
import sysconfig
from pathlib import Path

import httpx

from commands.demo import seed_demo
from faults.sizes import Size
from faults.stack import START_TIMEOUT, Process, StoreKind, open_stack
from faults.tally import Outcome
from tests.support.ports import free_port

SCHEMATHESIS = Path(sysconfig.get_paths()["scripts"]) / "schemathesis"
WEB_ARGV = [sys.executable, "-m", "commands.main", "web"]
SIGN_INS = (("cw.aktobe", "helpline-111"), ("sv.aktobe", "police-system"))
RUN_TIMEOUT = 900.0  # seconds for one schemathesis run


async def api_fuzzing(size: Size, store: StoreKind) -> Outcome:
    """Run schemathesis with at most ``size.fuzz_examples`` generated requests per operation
    and phase, once per sign-in; its reports are kept in the stack's folder."""
    outcome = Outcome(f"API fuzzing ({store})")
    async with open_stack("api-fuzzing", store, workers=1) as stack:
        credentials = seed_demo(stack.engine, stack.folder / "demo-credentials.json")
        base = f"http://127.0.0.1:{free_port()}"
        web = Process("web", WEB_ARGV, folder=stack.folder,
                      env=stack.env | {"OMBUDSFLOW_WEB_PORT": base.rpartition(":")[2]})
        await web.start()
        try:
            for user, key in SIGN_INS:
                token = await asyncio.wait_for(
                    _sign_in(base, user, credentials.passwords[user]), START_TIMEOUT)
                code, report = await _schemathesis(
                    base, size.fuzz_examples, token, credentials.api_keys[key],
                    stack.folder / f"schemathesis-{user}.txt")
                tested = re.search(r"\d+ generated[^\n]*", report)
                outcome.notes.append(f"as {user} with {key}: "
                                     f"{tested.group(0) if tested else 'nothing generated'}")
                if code != 0:
                    outcome.problems.append(f"schemathesis as {user} exited {code}; see "
                                            f"{stack.folder}/schemathesis-{user}.txt")
        finally:
            await web.close()
        stack.keep = not outcome.ok
    return outcome


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


async def _schemathesis(base: str, examples: int, token: str, key: str, report: Path
                        ) -> tuple[int, str]:
    """schemathesis's exit status (0: no check failed) and its report, also written out."""
    process = await asyncio.create_subprocess_exec(
        str(SCHEMATHESIS), "run", f"{base}/openapi.json", "--checks", "not_a_server_error",
        "--max-examples", str(examples), "--request-timeout", "30", "--seed", "149",
        "--header", f"Authorization: Bearer {token}", "--header", f"X-API-Key: {key}",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, cwd=report.parent,
    )
    output, _ = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)
    text = output.decode(errors="replace")
    await asyncio.to_thread(report.write_text, text)
    return process.returncode or 0, text
