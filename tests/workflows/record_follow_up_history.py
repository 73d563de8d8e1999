"""Record the follow-up reminders' history, in clear, for the replay test:
``python -m tests.workflows.record_follow_up_history``. A file that exists is never rewritten
(a changed workflow gets a ``-v2-`` file beside the old one)."""

import asyncio
import tempfile
import uuid
from pathlib import Path

from activities.transports import FileTransport
from schemas.follow_ups import FollowUpRun
from tests.conftest import new_worker
from tests.support.record_histories import recorder
from tests.workflows.test_follow_up_reminders import DAY, HISTORIES, put_off
from workflows.follow_ups import FollowUpReminders

NAME = "follow-up-reminders-v1-named-day"


async def main() -> None:
    path = HISTORIES / f"{NAME}.json"
    if path.exists():
        return
    async with recorder() as rec:
        put_off(rec.engine, "AKT-2027-000001", DAY)
        with tempfile.TemporaryDirectory() as mail:
            async with new_worker(rec.env.client, rec.engine,
                                  FileTransport(Path(mail))) as worker:
                handle = await rec.env.client.start_workflow(
                    FollowUpReminders.run, FollowUpRun(on=DAY), id=f"{NAME}-{uuid.uuid4()}",
                    task_queue=worker.task_queue)
                await handle.result()
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text((await handle.fetch_history()).to_json())


if __name__ == "__main__":
    asyncio.run(main())
