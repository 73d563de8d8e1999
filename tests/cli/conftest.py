"""Run the ``ombudsflow`` command in-process, configured the way a user would: through
``OMBUDSFLOW_*`` variables and a config directory of its own. Case commands talk to the real
web app, served by uvicorn on a loopback port over the dev server, a worker on a fresh task
queue and the session's SQLite store with the demo users and keys."""

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine
from structlog.stdlib import ProcessorFormatter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.transports import FileTransport
from commands.demo import DemoCredentials
from commands.main import main
from ombudsflow.codec import KeyRing
from ombudsflow.config import Settings, get_settings
from tests.conftest import new_worker
from tests.support.ports import free_port
from web.app import create_app
from web.deps import Services


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


class Cli:
    """``await cli("task", "list")`` runs ``main`` in a thread (it runs its own event loop, as
    from a shell) while the worker and the web app keep running on the test's loop."""

    def __init__(self, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self._capsys = capsys
        self._tmp_path = tmp_path
        self._monkeypatch = monkeypatch

    async def __call__(self, *argv: str, stdin: str = "") -> Result:
        get_settings.cache_clear()  # the environment may have changed since the last run
        self._monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        self._capsys.readouterr()
        code = await asyncio.to_thread(_exit_status, list(argv))
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def file(self, name: str, data: Any) -> str:
        """Write ``data`` as JSON to a file in the test's folder; its path, for an argument."""
        path = self._tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return str(path)


def _exit_status(argv: list[str]) -> int:
    """``main``'s status, including argparse's for a command line it refuses."""
    try:
        return main(argv)
    except SystemExit as e:
        return int(e.code or 0)


@pytest.fixture
def cli_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keyring: KeyRing, engine: Engine
) -> Iterator[None]:
    """Settings for the command: the test key ring, the test store, files under tmp_path, a
    config directory (the sign-in) of its own."""
    for name, value in {
        "OMBUDSFLOW_KEYS": keyring.to_json(),
        "OMBUDSFLOW_DATABASE_URL": str(engine.url),
        "OMBUDSFLOW_KEYS_FILE": str(tmp_path / "var" / "keys.json"),
        "OMBUDSFLOW_MAIL_DIR": str(tmp_path / "mail"),
        "OMBUDSFLOW_LOG_LEVEL": "WARNING",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OMBUDSFLOW_API_KEY", raising=False)
    monkeypatch.delenv("OMBUDSFLOW_API_URL", raising=False)
    yield
    get_settings.cache_clear()
    # The command pointed logging at the captured stderr, which closes after the test.
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h.formatter, ProcessorFormatter)]:
        root.removeHandler(handler)


@pytest.fixture
def cli(cli_settings: None, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys, tmp_path, monkeypatch)


@pytest.fixture
async def cli_worker(
    dev_env: WorkflowEnvironment, engine: Engine, mail_dir: Path, cli_settings: None,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Worker]:
    """A worker on a fresh task queue, and the command pointed at it and at the dev server."""
    async with new_worker(dev_env.client, engine, FileTransport(mail_dir)) as worker:
        monkeypatch.setenv("OMBUDSFLOW_TEMPORAL_ADDRESS",
                           dev_env.client.service_client.config.target_host)
        monkeypatch.setenv("OMBUDSFLOW_TEMPORAL_NAMESPACE", dev_env.client.namespace)
        monkeypatch.setenv("OMBUDSFLOW_TASK_QUEUE", worker.task_queue)
        yield worker


@dataclass(frozen=True)
class WebApp:
    url: str
    credentials: DemoCredentials

    def key(self, name: str) -> str:
        return self.credentials.api_keys[name]

    def password(self, user_id: str) -> str:
        return self.credentials.passwords[user_id]


@pytest.fixture
async def web_app(
    cli_worker: Worker, dev_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[WebApp]:
    """The web app under uvicorn on a free loopback port, starting cases on the worker's
    queue; the command's default URL points at it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(task_queue=cli_worker.task_queue, database_url=str(engine.url),
                        public_base_url=url)
    app = create_app(settings, services=Services(settings=settings, client=dev_env.client,
                                                  engine=engine))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.02)
    monkeypatch.setenv("OMBUDSFLOW_API_URL", url)
    try:
        yield WebApp(url=url, credentials=demo)
    finally:
        server.should_exit = True
        await serving
