"""``python -m bench.bare_worker ADDRESS TASK_QUEUE``: a worker process for the bare workflow,
started like the case worker so both are measured the same way."""

import asyncio
import sys

from temporalio.client import Client
from temporalio.worker import Worker

from bench.bare import BareWorkflow, noop


async def run(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    worker = Worker(client, task_queue=task_queue, workflows=[BareWorkflow], activities=[noop])
    await worker.run()


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2]))
