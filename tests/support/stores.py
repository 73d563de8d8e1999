"""Empty stores on both backends, a fresh one per test: for the tests of the store and of the
activities that write it, which number their cases from 1 (the session's shared store would
already hold those numbers). Import both fixtures where they are wanted."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.db import create_schema, make_engine
from tests.support.postgres import empty_schema


@pytest.fixture(scope="session")
def postgres_url(postgres_database: Callable[[str], str]) -> str:
    """This session's database for the store tests (skipped if the server is unreachable)."""
    return postgres_database("store_test")


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
