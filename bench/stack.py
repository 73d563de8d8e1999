"""The system under measurement, on loopback: a Temporal dev server on a SQLite file, the store
on SQLite, a real SMTP server that timestamps what it accepts, and workers in their own
processes (as in production), whose memory can be read while they run."""

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from ombudsflow.client import data_converter, ensure_search_attributes
from ombudsflow.codec import KeyRing
from ombudsflow.devstack import temporal_binary
from store.db import create_schema, make_engine
from tests.ports import free_port

WORKER_READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


class MailLog:
    """An aiosmtpd handler that keeps only when each message was accepted, by case and clause
    (``perf_counter`` seconds): thousands of parsed messages would weigh on the driver."""

    def __init__(self) -> None:
        self.accepted: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.count = 0
        self._parser = BytesHeaderParser()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.perf_counter()
        headers = self._parser.parsebytes(envelope.content)
        self.accepted[(headers["X-Ombudsflow-Case"], headers["X-Ombudsflow-Clause"])].append(at)
        self.count += 1
        return "250 Message accepted for delivery"


@dataclass
class WorkerProcess:
    """A worker in a child process; its log goes to a file beside the databases."""

    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def memory_mib(self) -> tuple[float, float]:
        """Resident memory now and at its peak, in MiB (Linux ``/proc``; else ``ps``)."""
        status = Path(f"/proc/{self.pid}/status")
        if status.exists():
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
            return _kib(fields["VmRSS"]) / 1024, _kib(fields["VmHWM"]) / 1024
        rss = _ps_rss_kib(self.pid) / 1024
        return rss, rss

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@dataclass
class Stack:
    root: Path
    env: WorkflowEnvironment
    keyring: KeyRing
    engine: Engine
    database_url: str
    temporal_db: Path
    mail: MailLog
    smtp_port: int
    workers: list[WorkerProcess] = field(default_factory=list)

    @property
    def client(self) -> Client:
        """The system's own client: pydantic payloads sealed by the encryption codec."""
        return self.env.client

    @property
    def address(self) -> str:
        return self.client.service_client.config.target_host

    async def bare_client(self) -> Client:
        """A client with the SDK's default converter: the engine without our codec."""
        return await Client.connect(self.address, namespace=self.client.namespace)

    def worker_env(self, task_queue: str, **settings: str) -> dict[str, str]:
        """The environment ``workers.main`` reads its ``Settings`` from."""
        values = {
            "TEMPORAL_ADDRESS": self.address, "TEMPORAL_NAMESPACE": self.client.namespace,
            "TASK_QUEUE": task_queue, "DATABASE_URL": self.database_url,
            "MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp_port),
            "KEYS": self.keyring.to_json(), "LOG_LEVEL": "INFO",
            "PUBLIC_BASE_URL": "http://ombudsflow.bench",
            **{k.upper(): v for k, v in settings.items()},
        }
        return {**os.environ, **{f"OMBUDSFLOW_{k}": v for k, v in values.items()}}

    async def start_worker(self, name: str, argv: list[str], env: Mapping[str, str],
                           task_queue: str) -> WorkerProcess:
        """Start a worker process and return once it polls ``task_queue``."""
        log = self.root / f"{name}.log"
        with log.open("ab") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, *argv, env=dict(env), stdin=asyncio.subprocess.DEVNULL,
                stdout=out, stderr=out,
            )
        worker = WorkerProcess(process, log)
        self.workers.append(worker)
        await self._wait_for_poller(worker, task_queue)
        return worker

    async def case_worker(self, task_queue: str, **settings: str) -> WorkerProcess:
        """The production worker (``workers.main``) on ``task_queue``."""
        return await self.start_worker(f"worker-{task_queue}", ["-m", "workers.main"],
                                       self.worker_env(task_queue, **settings), task_queue)

    def temporal_db_mib(self) -> float:
        """The dev server's database with its write-ahead log, in MiB."""
        files = [self.temporal_db, self.temporal_db.with_name(self.temporal_db.name + "-wal")]
        return sum(f.stat().st_size for f in files if f.exists()) / 2**20

    async def _wait_for_poller(self, worker: WorkerProcess, task_queue: str) -> None:
        request = DescribeTaskQueueRequest(
            namespace=self.client.namespace, task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
        deadline = time.monotonic() + WORKER_READY_TIMEOUT
        while True:
            if worker.process.returncode is not None:
                raise RuntimeError(f"worker exited with {worker.process.returncode}; "
                                   f"see {worker.log}")
            described = await self.client.workflow_service.describe_task_queue(request)
            if described.pollers:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"no worker polls {task_queue}; see {worker.log}")
            await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def running_stack(root: Path | None = None) -> AsyncIterator[Stack]:
    """Everything started in a fresh folder (a temporary one unless given), stopped after."""
    with contextlib.ExitStack() as cleanup:
        if root is None:
            root = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        key_id = "bench-" + secrets.token_hex(4)
        keyring = KeyRing(active=key_id, keys={key_id: secrets.token_bytes(32)})
        database_url = f"sqlite:///{root / 'store.db'}"
        engine = make_engine(database_url)
        create_schema(engine)
        mail = MailLog()
        smtp_port = free_port()
        controller = Controller(mail, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        cleanup.callback(controller.stop)
        temporal_db = root / "temporal.db"
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(temporal_binary()),
            dev_server_database_filename=str(temporal_db),
            data_converter=data_converter(keyring),
            dev_server_log_level="error",
        )
        stack = Stack(root=root, env=env, keyring=keyring, engine=engine,
                      database_url=database_url, temporal_db=temporal_db, mail=mail,
                      smtp_port=smtp_port)
        try:
            await ensure_search_attributes(env.client, env.client.namespace)
            yield stack
        finally:
            for worker in reversed(stack.workers):
                await worker.stop()
            await env.shutdown()
            engine.dispose()


def _kib(value: str) -> float:
    return float(value.split()[0])


def _ps_rss_kib(pid: int) -> float:
    out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())
