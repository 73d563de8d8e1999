"""Every store test runs twice: on a SQLite file and on the PostgreSQL server.

Each test session gets its own PostgreSQL database, dropped at the end, so dropping and
recreating tables never disturbs another suite (or another run of this one) on the server.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from store.db import create_schema, make_engine
from tests.support.postgres import POSTGRES_SERVER, empty_schema, run_on_server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this session; skips PostgreSQL tests if the server is unreachable."""
    name = f"store_test_{uuid.uuid4().hex[:12]}"
    try:
        run_on_server(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL at {POSTGRES_SERVER} is unreachable: {exc.orig}")
    yield f"{POSTGRES_SERVER}/{name}"
    run_on_server(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A store with empty tables, on the backend named by the test's parameter."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        engine = make_engine(request.getfixturevalue("postgres_url"))
        empty_schema(engine)
    create_schema(engine)
    yield engine
    engine.dispose()
