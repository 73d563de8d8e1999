"""Record event histories of the current workflow code for the replay test (`make histories`).

Run it once per workflow version, after changing the workflow: it adds files under the next
version number and keeps the old ones, so every history ever produced by a released version
keeps replaying. Recorded without the encryption codec (the replay test must not need a key),
with a fictional child.
"""

import asyncio
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from ombudsflow.client import data_converter, ensure_search_attributes
from ombudsflow.codec import KeyRing
from store.db import create_schema, make_engine
from tests.conftest import new_worker
from tests.scenarios import (
    CaseDriver,
    confirmed_with_danger,
    not_confirmed,
    open_case,
    twelve_months,
)
from tests.servers import temporal_binary

HISTORIES = Path(__file__).parent / "histories"
FICTIONAL_CHILD = {"full_name": "Arman Replaybekov", "birth_date": "2015-06-01",
                   "sex": "male"}

Scenario = Callable[[CaseDriver, WorkflowEnvironment], Awaitable[None]]


async def _confirmed(driver: CaseDriver, env: WorkflowEnvironment) -> None:
    await confirmed_with_danger(driver, env.sleep)


async def _not_confirmed(driver: CaseDriver, env: WorkflowEnvironment) -> None:
    await not_confirmed(driver)


async def _twelve_months(driver: CaseDriver, env: WorkflowEnvironment) -> None:
    await twelve_months(driver, env.sleep)


SCENARIOS: dict[str, tuple[Scenario, dict[str, object]]] = {
    "confirmed_with_danger": (_confirmed, {}),
    "not_confirmed": (_not_confirmed, {"cohabiting_parent": False, "threat": False}),
    "twelve_months": (_twelve_months, {}),
}


@dataclass
class Recorder:
    """A time-skipping server and a store, to run scenarios to their end."""

    env: WorkflowEnvironment
    engine: Engine
    mail_dir: Path

    async def history(self, name: str) -> WorkflowHistory:
        """Run the scenario ``name`` on a fresh case; its closed workflow's history."""
        scenario, report = SCENARIOS[name]
        async with new_worker(self.env.client, self.engine,
                              FileTransport(self.mail_dir)) as worker:
            driver = await open_case(self.env.client, self.engine, worker.task_queue,
                                     child=FICTIONAL_CHILD, **report)
            await scenario(driver, self.env)
            handle: WorkflowHandle[object, object] = driver.handle
            await handle.result()
            return await handle.fetch_history()


@asynccontextmanager
async def recorder(keyring: KeyRing | None = None) -> AsyncIterator[Recorder]:
    """A recorder whose histories are sealed with ``keyring`` (None: in clear)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/store.db")
        create_schema(engine)
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=temporal_binary("temporal-test-server"),
            data_converter=data_converter(keyring),
        )
        try:
            await ensure_search_attributes(env.client, env.client.namespace)
            yield Recorder(env, engine, Path(tmp))
        finally:
            await env.shutdown()
            engine.dispose()


def next_version() -> str:
    """``v<n>`` one past the newest recorded version: old histories are never overwritten."""
    numbers = [int(p.stem.split("-", 1)[0].removeprefix("v")) for p in HISTORIES.glob("v*.json")]
    return f"v{max(numbers, default=0) + 1}"


async def record(version: str) -> list[Path]:
    written = []
    async with recorder() as rec:
        for name in SCENARIOS:
            path = HISTORIES / f"{version}-{name}.json"
            path.write_text((await rec.history(name)).to_json())
            written.append(path)
    return written


if __name__ == "__main__":
    for path in asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else next_version())):
        sys.stdout.write(f"recorded {path}\n")
