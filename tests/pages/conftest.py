"""The pages over the real stack: a time-skipping Temporal server with a worker, the session's
SQLite store with the demo users and keys, and an HTTP client on the ASGI app that keeps
cookies, as a browser does."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from commands.demo import DemoCredentials
from tests.support.web_stack import WebStack, web_stack


@pytest.fixture
async def site(time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials,
               mail_dir: Path) -> AsyncIterator[WebStack]:
    async with web_stack(time_env.client, engine, demo, mail_dir) as stack:
        yield stack
