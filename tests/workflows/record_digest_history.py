"""Record the escalation digest's history, in clear, for the replay test:
``python -m tests.workflows.record_digest_history``. A file that exists is never rewritten
(a changed workflow gets a ``-v2-`` file beside the old one)."""

import asyncio
import tempfile
import uuid
from pathlib import Path

from activities.transports import FileTransport
from schemas.digests import DigestRun
from tests.conftest import new_worker
from tests.support.record_histories import recorder
from tests.workflows.test_escalation_digest import HISTORIES, hold_late_notices
from workflows.digests import EscalationDigest

NAME = "escalation-digest-v1-two-held"


async def main() -> None:
    path = HISTORIES / f"{NAME}.json"
    if path.exists():
        return
    async with recorder() as rec:
        hold_late_notices(rec.engine, "ULY-2027-000001")
        with tempfile.TemporaryDirectory() as mail:
            async with new_worker(rec.env.client, rec.engine,
                                  FileTransport(Path(mail))) as worker:
                handle = await rec.env.client.start_workflow(
                    EscalationDigest.run, DigestRun(), id=f"{NAME}-{uuid.uuid4()}",
                    task_queue=worker.task_queue)
                await handle.result()
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text((await handle.fetch_history()).to_json())


if __name__ == "__main__":
    asyncio.run(main())
