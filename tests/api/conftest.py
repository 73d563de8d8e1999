"""The API over the real stack: a time-skipping Temporal server with a worker, the session's
store with the demo users and keys, and an HTTP client on the ASGI app.

Every API test runs on both stores, a SQLite file and a PostgreSQL database: the production
paths differ between them (two 500s were once found only on PostgreSQL). One store of each per
session, as one store serves one Temporal namespace (case numbers come from it); the tests run
on SQLite first, then all again on PostgreSQL.
"""

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from ombudsflow.demo import DemoCredentials
from store.db import create_schema, make_engine
from tests.web_stack import WebStack, web_stack


@pytest.fixture(scope="session",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           postgres_database: Callable[[str], str]) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.db'}"
    else:
        url = postgres_database("api_test")
    engine = make_engine(url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
async def api(time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials,
              mail_dir: Path) -> AsyncIterator[WebStack]:
    async with web_stack(time_env.client, engine, demo, mail_dir) as stack:
        yield stack
