"""Cases opened and driven the way people drive them, but patiently: while a worker, the server
or a database is down a query or an update may fail or wait, so each is retried until the
driver's timeout; an update keeps its id across retries, so Temporal applies it once."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from cases.intake import parse_report, submit_report
from faults.stack import Stack
from schemas.case import Actor, CaseView, Step
from schemas.steps import StepKind
from tests.support.factories import report_data
from tests.support.scenarios import CaseDriver

T = TypeVar("T")
RETRY_AFTER = 1.0  # seconds between tries of a failed call
# What a fault looks like from the client: the server or the workflow's worker not answering.
TRANSIENT = (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError)
CasePath = Callable[[CaseDriver], Awaitable[None]]


class PatientDriver(CaseDriver):
    """Every call has a deadline and is retried after a transient failure; an update keeps its
    id, so a retry finds the update already applied, or applies one the server admitted and
    then lost (seen across a server restart, when a call without a deadline hangs forever)."""

    poll = 0.25
    timeout = 600.0
    close_timeout = 600.0  # an update is held while the store is away
    rpc_timeout = timedelta(seconds=20)

    async def view(self) -> CaseView:
        return await self._retried(super().view)

    async def send(self, kind: StepKind, key: str, actor: Actor, outcome: dict[str, Any], *,
                   update_id: str | None = None) -> Step:
        return await self._retried(partial(super().send, kind, key, actor, outcome,
                                           update_id=update_id or str(uuid.uuid4())))

    async def result(self) -> CaseView:
        """The workflow's result: the case as it was closed."""
        return await self._retried(partial(self.handle.result, rpc_timeout=self.rpc_timeout))

    async def _retried(self, call: Callable[[], Awaitable[T]]) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while True:
            try:
                return await call()
            except TRANSIENT:
                # The SDK reports its own cancellation as a failed update call: pass it on.
                task = asyncio.current_task()
                if loop.time() > deadline or (task is not None and task.cancelling()):
                    raise
                await asyncio.sleep(RETRY_AFTER)


async def open_cases(stack: Stack, count: int, *, concurrency: int = 10,
                     **report: Any) -> list[PatientDriver]:
    """``count`` new cases through the intake, each from its own report."""
    limit = asyncio.Semaphore(concurrency)

    async def one() -> PatientDriver:
        async with limit:
            submission = await submit_report(
                stack.client, stack.engine, parse_report(report_data(**report)),
                task_queue=stack.settings.task_queue)
        return PatientDriver(stack.client, submission.case_id)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def drive(drivers: Sequence[CaseDriver], path: CasePath, *, concurrency: int = 20
                ) -> list[str]:
    """Take every case along ``path``, ``concurrency`` at a time; what went wrong, per case."""
    limit = asyncio.Semaphore(concurrency)

    async def one(driver: CaseDriver) -> str | None:
        async with limit:
            try:
                await path(driver)
            except Exception as e:
                return f"{driver.case_id}: {type(e).__name__}: {e}"
        return None

    return [p for p in await asyncio.gather(*(one(d) for d in drivers)) if p]


@contextlib.asynccontextmanager
async def driven(drivers: Sequence[CaseDriver], path: CasePath
                 ) -> AsyncIterator["asyncio.Task[list[str]]"]:
    """Drive the cases in the background while the block runs (it awaits the task for their
    problems); a block that fails stops the driving instead of leaving it retrying."""
    task = asyncio.create_task(drive(drivers, path))
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

