"""The system under measurement, on loopback: a Temporal dev server on a SQLite file, the store
on SQLite, a real SMTP server that timestamps what it accepts, and workers in their own
processes (as in production), whose CPU time and memory are read while they run."""

import asyncio
import compileall
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
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

import workflows
from bench.profile import finish, spy
from commands.devstack import temporal_server_argv
from ombudsflow.client import data_converter
from ombudsflow.codec import KeyRing
from ombudsflow.config import Settings
from store.db import create_schema, make_engine
from tests.support.ports import free_port
from tests.support.postgres import POSTGRES_SERVER, run_on_server

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
POLL = 0.2


class MailLog:
    """An aiosmtpd handler that keeps only when each message was accepted, by case and clause
    (``perf_counter`` seconds): thousands of parsed messages would weigh on the driver."""

    def __init__(self) -> None:
        self.accepted: dict[tuple[str, str], list[float]] = defaultdict(list)
        self._parser = BytesHeaderParser(policy=policy.default)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.perf_counter()
        headers = self._parser.parsebytes(envelope.content)
        self.accepted[(str(headers["X-Ombudsflow-Case"]),
                       str(headers["X-Ombudsflow-Clause"]))].append(at)
        return "250 Message accepted for delivery"


@dataclass
class Child:
    """A server or worker process of the stack; its output goes to a log file."""

    name: str
    process: asyncio.subprocess.Process
    log: Path
    metrics_port: int | None = None  # where a worker serves the SDK's Prometheus metrics

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User plus system CPU time so far (Linux ``/proc``; else ``ps``, to the second)."""
        stat = Path(f"/proc/{self.pid}/stat")
        if stat.exists():
            fields = stat.read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        clock = _ps(self.pid, "time").replace("-", ":").split(":")
        return sum(float(part) * unit for part, unit in
                   zip(reversed(clock), (1, 60, 3600, 86400), strict=False))

    def memory_mib(self) -> tuple[float, float]:
        """Resident memory now and at its peak, in MiB (Linux ``/proc``; else ``ps``, now)."""
        status = Path(f"/proc/{self.pid}/status")
        if status.exists():
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
            return _kib(fields["VmRSS"]) / 1024, _kib(fields["VmHWM"]) / 1024
        rss = float(_ps(self.pid, "rss")) / 1024
        return rss, rss

    def check_running(self) -> None:
        if self.process.returncode is not None:
            raise RuntimeError(f"the {self.name} exited with {self.process.returncode}; "
                               f"see {self.log}")

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@dataclass
class Workers:
    """The worker processes serving one task queue, measured together."""

    processes: list[Child]

    def cpu_seconds(self) -> float:
        return sum(p.cpu_seconds() for p in self.processes)

    def memory_mib(self) -> tuple[float, float]:
        """The largest process's resident memory now, and the largest peak."""
        now, peak = zip(*(p.memory_mib() for p in self.processes), strict=True)
        return max(now), max(peak)

    async def metrics(self) -> dict[str, float]:
        """The SDK's metrics summed over the processes, by sample name (labels dropped):
        counters, gauges, and each histogram's ``_sum`` and ``_count``."""
        totals: dict[str, float] = defaultdict(float)
        async with httpx.AsyncClient() as http:
            for child in self.processes:
                if child.metrics_port is None:
                    continue
                text = (await http.get(f"http://127.0.0.1:{child.metrics_port}/metrics")).text
                for family in text_string_to_metric_families(text):
                    for sample in family.samples:
                        if not sample.name.endswith("_bucket"):
                            totals[sample.name] += sample.value
        return totals


@dataclass
class Stack:
    root: Path
    server: Child
    client: Client  # the system's own: pydantic payloads sealed by the encryption codec
    keyring: KeyRing
    engine: Engine
    database_url: str
    temporal_db: Path
    mail: MailLog
    smtp_port: int
    profile: Path | None = None  # py-spy records each worker into a flame graph here
    worker_processes: int = 1  # per task queue, as replicas of one deployment
    children: list[Child] = field(default_factory=list)
    recorders: list["subprocess.Popen[bytes]"] = field(default_factory=list)

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

    async def workers(self, name: str, argv: list[str], env: Mapping[str, str],
                      task_queue: str, *, metrics: bool = False) -> "Workers":
        """Start ``worker_processes`` worker processes on ``task_queue``, each serving the
        SDK's metrics on a port of its own if ``metrics``; return once they poll it."""
        processes = []
        for _ in range(self.worker_processes):
            port = free_port() if metrics else None
            if port is not None:
                env = {**env, "OMBUDSFLOW_WORKER_METRICS_ADDRESS": f"127.0.0.1:{port}"}
            child = await _spawn(name, [sys.executable, *argv], self.root, env)
            child.metrics_port = port
            self.children.append(child)
            processes.append(child)
            if self.profile is not None:
                self.recorders.append(
                    spy(child.pid, self.profile / f"{name.replace(' ', '-')}-{child.pid}.svg"))
        request = DescribeTaskQueueRequest(
            namespace=self.client.namespace, task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while (len((await self.client.workflow_service.describe_task_queue(request)).pollers)
               < len(processes)):
            for child in processes:
                child.check_running()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {name}s do not poll {task_queue}; see {self.root}")
            await asyncio.sleep(POLL)
        return Workers(processes)

    async def case_worker(self, task_queue: str, **settings: str) -> "Workers":
        """The production worker (``python -m workers.main``) on ``task_queue``."""
        return await self.workers("case worker", ["-m", "workers.main"],
                                  self.worker_env(task_queue, **settings), task_queue,
                                  metrics=True)

    async def bare_worker(self, task_queue: str) -> "Workers":
        return await self.workers("bare worker", ["-m", "bench.bare_worker", self.address,
                                                  task_queue], os.environ, task_queue)

    def temporal_db_mib(self) -> float:
        """The dev server's database with its write-ahead log, in MiB."""
        files = [self.temporal_db, self.temporal_db.with_name(self.temporal_db.name + "-wal")]
        return sum(f.stat().st_size for f in files if f.exists()) / 2**20


def compile_workflows() -> None:
    """Write the workflow modules' bytecode, as the image's ``pip install`` does: the sandbox
    imports them afresh for every workflow it starts, and without a ``.pyc`` (a checkout run
    with PYTHONDONTWRITEBYTECODE) compiles the source each time, ~9 ms a case."""
    compileall.compile_dir(Path(workflows.__file__).parent, quiet=1)


@contextlib.asynccontextmanager
async def running_stack(root: Path | None = None, profile: Path | None = None,
                        worker_processes: int = 1, store: str = "sqlite"
                        ) -> AsyncIterator[Stack]:
    """Everything started in a fresh folder (a temporary one unless given), stopped after;
    ``worker_processes`` per task queue; the store on SQLite in that folder or, with
    ``store="postgresql"``, in a fresh database on the local PostgreSQL server (dropped
    after); with ``profile``, each worker is recorded into a flame graph there."""
    with contextlib.ExitStack() as cleanup:
        if root is None:
            root = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        compile_workflows()
        key_id = "bench-" + secrets.token_hex(4)
        keyring = KeyRing(active=key_id, keys={key_id: secrets.token_bytes(32)})
        database_url = _store_url(store, root, cleanup)
        engine = make_engine(database_url)
        cleanup.callback(engine.dispose)
        create_schema(engine)
        mail = MailLog()
        smtp_port = free_port()
        controller = Controller(mail, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        cleanup.callback(controller.stop)
        temporal_db = root / "temporal.db"
        address = f"127.0.0.1:{free_port()}"
        server_settings = Settings(temporal_address=address,
                                   temporal_ui_url=f"http://127.0.0.1:{free_port()}")
        server = await _spawn("Temporal dev server",
                              temporal_server_argv(server_settings, temporal_db), root, os.environ)
        stack: Stack | None = None
        try:
            client = await _connect(address, keyring, server)
            stack = Stack(root=root, server=server, client=client, keyring=keyring,
                          engine=engine, database_url=database_url, temporal_db=temporal_db,
                          mail=mail, smtp_port=smtp_port, profile=profile,
                          worker_processes=worker_processes)
            yield stack
        finally:
            for child in reversed(stack.children if stack else []):
                await child.stop()
            for recorder in stack.recorders if stack else []:
                finish(recorder)
            await server.stop()


def _store_url(store: str, root: Path, cleanup: contextlib.ExitStack) -> str:
    if store == "sqlite":
        return f"sqlite:///{root / 'store.db'}"
    if store != "postgresql":
        raise ValueError(f"store: sqlite or postgresql, not {store!r}")
    name = "bench_" + secrets.token_hex(4)
    run_on_server(f"CREATE DATABASE {name}")
    cleanup.callback(run_on_server, f"DROP DATABASE {name} WITH (FORCE)")
    return f"{POSTGRES_SERVER}/{name}"


async def _spawn(name: str, argv: list[str], root: Path, env: Mapping[str, str]) -> Child:
    log = root / f"{name.replace(' ', '-')}.log"
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *argv, env=dict(env), stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
        )
    return Child(name, process, log)


async def _connect(address: str, keyring: KeyRing, server: Child) -> Client:
    """A client once the server answers (its port opens before gRPC serves)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            return await Client.connect(address, data_converter=data_converter(keyring))
        except RuntimeError:
            server.check_running()
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(POLL)


def _kib(value: str) -> float:
    return float(value.split()[0])


def _ps(pid: int, column: str) -> str:
    out = subprocess.run(["ps", "-o", f"{column}=", "-p", str(pid)], capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


@dataclass(frozen=True)
class Usage:
    """Wall time and CPU time per process (the driver's includes the SMTP server's thread)."""

    wall: float
    cpu: dict[str, float]

    def __sub__(self, other: "Usage") -> "Usage":
        return Usage(self.wall - other.wall,
                     {name: self.cpu[name] - other.cpu[name] for name in self.cpu})

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(self.wall + other.wall,
                     {name: self.cpu[name] + other.cpu.get(name, 0.0) for name in self.cpu})


def usage(**children: Child | Workers) -> Usage:
    """Now, for the driver (this process) and ``children``, by the names given."""
    cpu = {"driver": time.process_time(), **{k: c.cpu_seconds() for k, c in children.items()}}
    return Usage(time.perf_counter(), cpu)
