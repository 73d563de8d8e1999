"""The API over the real stack: a time-skipping Temporal server with a worker, the session's
store with the demo users and keys, and an HTTP client on the ASGI app.

Every API test runs on both stores, a SQLite file and a PostgreSQL database: the production
paths differ between them (two 500s were once found only on PostgreSQL). One store of each per
session, as one store serves one Temporal namespace (case numbers come from it); the tests run
on SQLite first, then all again on PostgreSQL.

Every answer an API test receives is held to ``/openapi.json``: its status must be documented
for the operation, and its body and headers must be as documented, so no test can pass on an
answer a client generated from the document would mis-parse.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from commands.demo import DemoCredentials, seed_demo
from store.db import create_schema, make_engine
from tests.support.web_stack import WebStack, web_stack


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


@pytest.fixture(scope="session")
def demo(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> DemoCredentials:
    """The demo users and keys in each store the API tests run on. Overridden here, or a
    session's demo seeded earlier in another store (by a test outside tests/api) would be
    reused: pytest caches a session fixture by its own parameters, not its dependencies'."""
    return seed_demo(engine, tmp_path_factory.mktemp("demo") / "credentials.json")


@pytest.fixture
async def api(time_env: WorkflowEnvironment, engine: Engine, demo: DemoCredentials,
              mail_dir: Path) -> AsyncIterator[WebStack]:
    async with web_stack(time_env.client, engine, demo, mail_dir) as stack:
        document = (await stack.http.get("/openapi.json")).json()
        stack.http.event_hooks["response"].append(as_documented(
            schemathesis.openapi.from_dict(document)))
        yield stack


def as_documented(contract: OpenApiSchema) -> Callable[[httpx.Response], Awaitable[None]]:
    """A response hook failing the call whose answer the document does not describe."""

    async def check(response: httpx.Response) -> None:
        request = response.request
        operation = contract.find_operation_by_path(request.method, request.url.path)
        if operation is None:
            return  # a page or a static file: not part of the API's contract
        await response.aread()
        documented = operation.definition.raw["responses"]
        assert str(response.status_code) in documented, (
            f"{operation.label} answered {response.status_code}, documented only "
            f"{sorted(documented)}: {response.text}")
        operation.validate_response(response)
        headers = documented[str(response.status_code)].get("headers", {})
        missing = [h for h, spec in headers.items() if spec.get("required")
                   and h not in response.headers]
        assert not missing, f"{operation.label} {response.status_code} without {missing}"

    return check
