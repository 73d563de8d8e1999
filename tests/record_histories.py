"""Record event histories of the current workflow code for the replay test (`make histories`).

Run it once per workflow version, before changing the workflow: add the new files, keep the
old ones, so every history ever produced by a released version keeps replaying. Recorded
without the encryption codec (the replay test must not need a key), with a fictional child.
"""

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from ombudsflow.client import data_converter, ensure_search_attributes
from store.db import create_schema, make_engine
from tests.conftest import new_worker, temporal_binary
from tests.scenarios import CaseDriver, confirmed_with_danger, not_confirmed, open_case

HISTORIES = Path(__file__).parent / "histories"
FICTIONAL_CHILD = {"full_name": "Arman Replaybekov", "birth_date": "2015-06-01",
                   "sex": "male"}

Scenario = Callable[[CaseDriver, WorkflowEnvironment], Awaitable[None]]


async def _confirmed(driver: CaseDriver, env: WorkflowEnvironment) -> None:
    await confirmed_with_danger(driver, env.sleep)


async def _not_confirmed(driver: CaseDriver, env: WorkflowEnvironment) -> None:
    await not_confirmed(driver)


SCENARIOS: dict[str, tuple[Scenario, dict[str, object]]] = {
    "confirmed_with_danger": (_confirmed, {}),
    "not_confirmed": (_not_confirmed, {"cohabiting_parent": False, "threat": False}),
}


async def record(version: str) -> list[Path]:
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/store.db")
        create_schema(engine)
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=temporal_binary("temporal-test-server"),
            data_converter=data_converter(None),
        )
        try:
            await ensure_search_attributes(env.client, env.client.namespace)
            for name, (scenario, report) in SCENARIOS.items():
                async with new_worker(env.client, engine, FileTransport(Path(tmp))) as worker:
                    driver = await open_case(env.client, engine, worker.task_queue,
                                             child=FICTIONAL_CHILD, **report)
                    await scenario(driver, env)
                    handle: WorkflowHandle[object, object] = driver.handle
                    await handle.result()
                    history = await handle.fetch_history()
                path = HISTORIES / f"{version}-{name}.json"
                path.write_text(history.to_json())
                written.append(path)
        finally:
            await env.shutdown()
    return written


if __name__ == "__main__":
    for path in asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else "v1")):
        sys.stdout.write(f"recorded {path}\n")
