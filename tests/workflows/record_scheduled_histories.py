"""Record, in clear, the histories of the workflows the schedules start for every region at
once, for their replay tests: ``python -m tests.workflows.record_scheduled_histories``
(``make histories``). A file that exists is never rewritten (a changed workflow gets a ``-v2-``
file beside the old one)."""

import asyncio
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine

from activities.transports import FileTransport
from schemas.digests import DigestRun
from schemas.follow_ups import FollowUpRun
from tests.conftest import new_worker
from tests.support.record_histories import recorder
from tests.workflows import test_escalation_digest as digest
from tests.workflows import test_follow_up_reminders as follow_ups
from workflows.digests import EscalationDigest
from workflows.follow_ups import FollowUpReminders

# The file, the workflow's run method, its input, and what the store holds before it runs.
RUNS: list[tuple[Path, Any, BaseModel, Callable[[Engine], None]]] = [
    (follow_ups.HISTORIES / "follow-up-reminders-v1-named-day.json", FollowUpReminders.run,
     FollowUpRun(on=follow_ups.DAY),
     lambda engine: follow_ups.put_off(engine, "AKT-2027-000001", follow_ups.DAY)),
    (digest.HISTORIES / "escalation-digest-v1-two-held.json", EscalationDigest.run,
     DigestRun(), lambda engine: digest.hold_late_notices(engine, "ULY-2027-000001")),
]


async def main() -> None:
    async with recorder() as rec:
        for path, run, given, store_holds in RUNS:
            if path.exists():
                continue
            store_holds(rec.engine)
            with tempfile.TemporaryDirectory() as mail:
                async with new_worker(rec.env.client, rec.engine,
                                      FileTransport(Path(mail))) as worker:
                    handle = await rec.env.client.start_workflow(
                        run, given, id=f"{path.stem}-{uuid.uuid4()}",
                        task_queue=worker.task_queue)
                    await handle.result()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text((await handle.fetch_history()).to_json())


if __name__ == "__main__":
    asyncio.run(main())
