"""Cases per second, end to end: the case workflow against the bare workflow, same server,
same run, same number of cases with the same number in flight.

Simulated case workers find their tasks the way the inbox does, in the store (one query for
all cases in flight, every ``POLL_INTERVAL``), and close them with the workflow's updates; the
police integration answers "not confirmed", so each case takes the short path.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from bench.bare import UPDATES, BareWorkflow
from bench.figures import Figure, Goal
from bench.stack import Stack
from ombudsflow.intake import parse_report, submit_report
from schemas.case import Actor, StepStatus
from schemas.steps import StepKind
from store.db import session_scope
from store.models import Step
from tests.factories import report_data, supervisor_of
from tests.scenarios import CaseDriver, default_actor, valid_outcome

POLL_INTERVAL = 0.05
TARGET_RATIO = 0.8


@dataclass(frozen=True)
class Action:
    kind: StepKind
    key: str
    actor: Actor
    outcome: dict[str, Any]


def short_path() -> list[Action]:
    """Police not confirmed: their answer, the talk, the closing summary, its approval by a
    supervisor who did none of the steps."""
    return [
        Action(StepKind.POLICE_DECISION, "police_decision", default_actor(StepKind.POLICE_DECISION),
               valid_outcome(StepKind.POLICE_DECISION, confirmed=False)),
        Action(StepKind.PREVENTIVE_TALK, "preventive_talk", default_actor(StepKind.PREVENTIVE_TALK),
               valid_outcome(StepKind.PREVENTIVE_TALK)),
        Action(StepKind.CLOSURE, "closure", default_actor(StepKind.CLOSURE),
               valid_outcome(StepKind.CLOSURE)),
        Action(StepKind.CLOSURE_APPROVAL, "closure.approval-1", supervisor_of(name="sv-dana"),
               valid_outcome(StepKind.CLOSURE_APPROVAL)),
    ]


class OpenTasks:
    """The open human tasks of the cases in flight, as the inbox sees them in the store."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._waiting: dict[tuple[str, str], asyncio.Future[None]] = {}

    async def opened(self, case_id: str, key: str) -> None:
        """Return once the task ``key`` of ``case_id`` is open in the store."""
        future = asyncio.get_running_loop().create_future()
        self._waiting[(case_id, key)] = future
        await future

    async def run(self) -> None:
        while True:
            if self._waiting:
                for found in await asyncio.to_thread(self._open_of, {c for c, _ in self._waiting}):
                    future = self._waiting.pop(found, None)
                    if future is not None:
                        future.set_result(None)
            await asyncio.sleep(POLL_INTERVAL)

    def _open_of(self, case_ids: set[str]) -> list[tuple[str, str]]:
        with session_scope(self._engine) as session:
            rows = session.exec(
                select(Step.case_id, Step.key).where(
                    col(Step.case_id).in_(case_ids), col(Step.status) == StepStatus.OPEN.value,
                    col(Step.assignee).is_not(None))
            )
            return [(case_id, key) for case_id, key in rows]


async def run_cases(cases: int, concurrency: int, one: Callable[[], Awaitable[None]]) -> float:
    """Run ``cases`` cases, ``concurrency`` at a time; the wall time in seconds."""
    gate = asyncio.Semaphore(concurrency)

    async def gated() -> None:
        async with gate:
            await one()

    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(cases):
            group.create_task(gated())
    return time.perf_counter() - started


async def case_throughput(stack: Stack, task_queue: str, cases: int, concurrency: int) -> float:
    """Cases per second of the real case workflow on ``task_queue``."""
    tasks = OpenTasks(stack.engine)
    path = short_path()

    async def one() -> None:
        report = parse_report(report_data(cohabiting_parent=False, threat=False))
        submission = await submit_report(stack.client, stack.engine, report,
                                         task_queue=task_queue)
        driver = CaseDriver(stack.client, submission.case_id)
        for action in path:
            await tasks.opened(submission.case_id, action.key)
            await driver.send(action.kind, action.key, action.actor, action.outcome)
        await driver.handle.result()

    poller = asyncio.create_task(tasks.run())
    try:
        return cases / await run_cases(cases, concurrency, one)
    finally:
        poller.cancel()


async def bare_throughput(stack: Stack, task_queue: str, cases: int, concurrency: int) -> float:
    """Cases per second of the bare workflow on ``task_queue``."""
    client = await stack.bare_client()

    async def one() -> None:
        handle = await client.start_workflow(BareWorkflow.run, id=f"bare-{uuid.uuid4()}",
                                             task_queue=task_queue)
        for task in range(UPDATES):
            await handle.execute_update(BareWorkflow.complete, task)
        await handle.result()

    return cases / await run_cases(cases, concurrency, one)


async def measure(stack: Stack, *, cases: int, concurrency: int, warmup: int) -> list[Figure]:
    """Both workflows on the same server, each warmed up first with ``warmup`` cases."""
    case_queue, bare_queue = f"bench-case-{uuid.uuid4()}", f"bench-bare-{uuid.uuid4()}"
    await stack.case_worker(case_queue)
    await stack.start_worker(f"worker-{bare_queue}", ["-m", "bench.bare_worker", stack.address,
                                                       bare_queue], stack.worker_env(bare_queue),
                             bare_queue)
    await bare_throughput(stack, bare_queue, warmup, concurrency)
    await case_throughput(stack, case_queue, warmup, concurrency)
    bare = await bare_throughput(stack, bare_queue, cases, concurrency)
    case = await case_throughput(stack, case_queue, cases, concurrency)
    return [
        Figure("bare workflow throughput", bare, "cases/s"),
        Figure("case workflow throughput", case, "cases/s"),
        Figure("case / bare throughput", case / bare, "", TARGET_RATIO, Goal.AT_LEAST),
    ]
