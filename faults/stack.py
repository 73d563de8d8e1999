"""The system under fault, as separate processes on loopback that a scenario can kill, stop and
start again: the Temporal dev server on its SQLite file, worker processes (``python -m
commands.main worker``, configured only through ``OMBUDSFLOW_*`` variables, as in production),
a real SMTP server, and the store: a SQLite file, or a throwaway PostgreSQL database that can be
made to refuse connections.

Everything lives in a fresh folder under ``test-artifacts/faults/``, removed when the scenario
ends well and kept (with the processes' logs) when it fails or asks to keep it.
"""

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from sqlalchemy import Engine
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from commands.devstack import answering, temporal_server_argv
from ombudsflow.client import connect
from ombudsflow.codec import KeyRing
from ombudsflow.config import Settings
from store.db import create_schema, make_engine
from tests.support.ports import free_port
from tests.support.postgres import POSTGRES_SERVER, run_on_server
from tests.support.smtp import SmtpServer

StoreKind = Literal["sqlite", "postgresql"]
ARTIFACTS = Path("test-artifacts") / "faults"
KEYRING_FILE = "keyring.json"  # the run's encryption keys, kept with its folder
START_TIMEOUT = 30.0  # seconds for the dev server to answer
STOP_TIMEOUT = 15.0  # seconds a process gets after SIGTERM before it is killed
WORKER_ARGV = [sys.executable, "-m", "commands.main", "worker"]


class Process:
    """A child process that can be killed (SIGKILL), stopped (SIGTERM) and started again; its
    output is appended to one log across restarts."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], folder: Path) -> None:
        self.name, self.argv, self.env, self.folder = name, argv, env, folder
        self.starts = 0
        self._process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def start(self) -> None:
        if self._log is None:
            self._log = (self.folder / f"{self.name}.log").open("ab")
        self._process = await asyncio.create_subprocess_exec(
            *self.argv, env=self.env, cwd=self.folder, stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log, stderr=self._log, process_group=0,
        )
        self.starts += 1

    async def kill(self) -> None:
        """``kill -9``: no clean-up, no goodbye to the server."""
        await self._end(signal.SIGKILL)

    async def stop(self) -> None:
        await self._end(signal.SIGTERM)

    async def close(self) -> None:
        await self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None

    async def _end(self, sig: signal.Signals) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.send_signal(sig)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()


class Store:
    """The store's URL for every process; on PostgreSQL, a database of its own that can refuse
    connections for a while, as when its server is down or unreachable."""

    def __init__(self, kind: StoreKind, folder: Path) -> None:
        self.kind = kind
        self.name = f"faults_{uuid.uuid4().hex[:12]}"
        if kind == "sqlite":
            self.url = f"sqlite:///{(folder / 'store.db').resolve()}"
        else:
            run_on_server(f'CREATE DATABASE "{self.name}"')
            self.url = f"{POSTGRES_SERVER}/{self.name}"

    def go_down(self) -> None:
        """Refuse new connections and end every open one (the pools find them dead)."""
        self._postgres_only()
        run_on_server(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        run_on_server("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()")

    def come_back(self) -> None:
        self._postgres_only()
        run_on_server(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def drop(self) -> None:
        if self.kind == "postgresql":
            run_on_server(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _postgres_only(self) -> None:
        if self.kind != "postgresql":
            raise RuntimeError("only a PostgreSQL store can be taken down")


@dataclass
class Stack:
    folder: Path
    settings: Settings
    keyring: KeyRing
    store: Store
    engine: Engine
    smtp: SmtpServer
    server: Process
    workers: list[Process]
    client: Client
    env: dict[str, str]  # the OMBUDSFLOW_* variables every process of the stack gets
    keep: bool = False  # keep the folder (logs, Temporal's file) afterwards: something went wrong

    async def restart_server(self, down_for: float) -> float:
        """SIGTERM the dev server, leave it down for ``down_for`` seconds, start it on the same
        file and ports; once it answers, return the event-loop time it was started at."""
        await self.server.stop()
        await asyncio.sleep(down_for)
        started = asyncio.get_running_loop().time()
        await self.server.start()
        await asyncio.wait_for(answering(self.settings), START_TIMEOUT)
        return started

    async def revive_workers(self) -> int:
        """Start workers that exited, as ``restart: unless-stopped`` does; how many were."""
        dead = [w for w in self.workers if not w.running]
        for worker in dead:
            await worker.start()
        return len(dead)


@contextlib.asynccontextmanager
async def open_stack(scenario: str, store: StoreKind, *, workers: int = 2,
                     extra: Mapping[str, str] | None = None) -> AsyncIterator[Stack]:
    """Start the server, the SMTP server and ``workers`` worker processes on a new store (with
    the ``extra`` settings, by their names in ``Settings``); stop everything at the end,
    newest first."""
    folder = ARTIFACTS / f"{scenario.replace(' ', '-')}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True)
    key_id = "faults-" + secrets.token_hex(4)
    keyring = KeyRing(active=key_id, keys={key_id: secrets.token_bytes(32)})
    # Kept with the folder: a history saved there is encrypted, and replays only with its keys.
    (folder / KEYRING_FILE).write_text(keyring.to_json())
    the_store = Store(store, folder)
    smtp = SmtpServer(free_port())
    overrides = {
        "temporal_address": f"127.0.0.1:{free_port()}",
        "temporal_ui_url": f"http://127.0.0.1:{free_port()}",
        "task_queue": f"faults-{uuid.uuid4()}",
        "database_url": the_store.url,
        "mail_transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp.port),
        "keys": keyring.to_json(),
        "log_level": "WARNING",
        **(extra or {}),
    }
    settings = Settings.model_validate(overrides)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDSFLOW_")}
    env |= {f"OMBUDSFLOW_{k.upper()}": v for k, v in overrides.items()}
    engine = make_engine(the_store.url)
    server = Process("temporal", temporal_server_argv(settings, folder.resolve() / "temporal.db"),
                     env=env, folder=folder)
    pool = [Process(f"worker-{i + 1}", WORKER_ARGV, env=env, folder=folder)
            for i in range(workers)]
    processes = [server, *pool]
    clean = False
    try:
        create_schema(engine)  # once, before the workers race to do it
        smtp.start()
        await server.start()
        await asyncio.wait_for(answering(settings), START_TIMEOUT)
        for worker in pool:
            await worker.start()
        client = await connect(settings, keyring)
        await asyncio.wait_for(_polled_by(client, settings.task_queue, workers), START_TIMEOUT)
        stack = Stack(folder=folder, settings=settings, keyring=keyring, store=the_store,
                      engine=engine, smtp=smtp, server=server, workers=pool, client=client,
                      env=env)
        yield stack
        clean = not stack.keep
    finally:
        for process in reversed(processes):
            await process.close()
        smtp.stop()
        engine.dispose()
        the_store.drop()
        if clean:
            shutil.rmtree(folder, ignore_errors=True)


async def _polled_by(client: Client, task_queue: str, count: int) -> None:
    """Return once ``count`` workers poll ``task_queue``: a fault before then would hit a
    worker still starting, which exits when the store is down (its supervisor restarts it)."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace, task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
    while len((await client.workflow_service.describe_task_queue(request)).pollers) < count:
        await asyncio.sleep(0.2)
