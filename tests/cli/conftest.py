"""Run the ``ombudsflow`` command in-process against the dev server, a worker on a fresh task
queue and a SQLite store, configured the way a user would: through ``OMBUDSFLOW_*`` variables."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from structlog.stdlib import ProcessorFormatter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.transports import FileTransport
from ombudsflow.cli import main
from ombudsflow.codec import KeyRing
from ombudsflow.config import get_settings
from tests.conftest import new_worker


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


class Cli:
    """``await cli("task", "list")`` runs ``main`` in a thread (it runs its own event loop, as
    from a shell) while the worker keeps running on the test's loop."""

    def __init__(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        self._capsys = capsys
        self._tmp_path = tmp_path

    async def __call__(self, *argv: str) -> Result:
        get_settings.cache_clear()  # the environment may have changed since the last run
        self._capsys.readouterr()
        code = await asyncio.to_thread(main, list(argv))
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def file(self, name: str, data: Any) -> str:
        """Write ``data`` as JSON to a file in the test's folder; its path, for an argument."""
        path = self._tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return str(path)


@pytest.fixture
def cli_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keyring: KeyRing, engine: Engine
) -> Iterator[None]:
    """Settings for the command: the test key ring, the test store, files under tmp_path."""
    for name, value in {
        "OMBUDSFLOW_KEYS": keyring.to_json(),
        "OMBUDSFLOW_DATABASE_URL": str(engine.url),
        "OMBUDSFLOW_KEYS_FILE": str(tmp_path / "var" / "keys.json"),
        "OMBUDSFLOW_MAIL_DIR": str(tmp_path / "mail"),
        "OMBUDSFLOW_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    yield
    get_settings.cache_clear()
    # The command pointed logging at the captured stderr, which closes after the test.
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h.formatter, ProcessorFormatter)]:
        root.removeHandler(handler)


@pytest.fixture
def cli(cli_settings: None, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Cli:
    return Cli(capsys, tmp_path)


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
