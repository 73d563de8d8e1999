"""Scale: many open cases at once, each waiting on its deadlines' timers, some on a closure
approval. How long they take to start and settle, what the worker holds in memory with a
bounded workflow cache, and how large the server's database grows.

Cases come through intake (``submit_report``) across every region; a case has settled once
the store shows its police-answer task open with its due date and the mail server has its
three ¶10.1 notices. Every ``APPROVAL_EVERY``-th case is then taken along the short path up
to the closure approval, where it waits.
"""

import asyncio
import itertools
import time
import uuid

from sqlmodel import col, select

from bench.figures import Figure
from bench.stack import Stack
from bench.throughput import OpenTasks, short_path
from ombudsflow.intake import parse_report, submit_report
from schemas.regions import Region
from schemas.steps import StepKind, clause_of
from store.db import session_scope
from store.models import Step
from tests.factories import report_data
from tests.scenarios import CaseDriver
from workflows.violation_response import ALARM_RECIPIENTS

MEMORY_TARGET_MIB = 1024.0
APPROVAL_EVERY = 50
SETTLE_TIMEOUT = 1800.0
ALARM = clause_of(StepKind.NOTICE)


async def measure(stack: Stack, *, cases: int, concurrency: int,
                  max_cached_workflows: int) -> list[Figure]:
    task_queue = f"bench-scale-{uuid.uuid4()}"
    worker = await stack.case_worker(task_queue,
                                     worker_max_cached_workflows=str(max_cached_workflows))
    db_before = stack.temporal_db_mib()
    regions = itertools.cycle(Region)
    gate = asyncio.Semaphore(concurrency)
    case_ids: list[str] = []

    async def start() -> None:
        async with gate:
            report = parse_report(report_data(region=next(regions)))
            submission = await submit_report(stack.client, stack.engine, report,
                                             task_queue=task_queue)
            case_ids.append(submission.case_id)

    began = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(cases):
            group.create_task(start())
    started = time.perf_counter() - began
    await _settled(stack, set(case_ids))
    settled = time.perf_counter() - began
    await _to_closure_approval(stack, case_ids[::APPROVAL_EVERY], concurrency)
    rss, peak = worker.memory_mib()
    db = stack.temporal_db_mib() - db_before
    return [
        Figure(f"{cases:,} cases: all started", started, "s"),
        Figure(f"{cases:,} cases: all settled (waiting)", settled, "s"),
        Figure("cases settled per second", cases / settled, "cases/s"),
        Figure(f"worker memory, cache of {max_cached_workflows:,}", rss, "MiB",
               MEMORY_TARGET_MIB),
        Figure("worker memory, peak", peak, "MiB", MEMORY_TARGET_MIB),
        Figure(f"server database growth for {cases:,} cases", db, "MiB"),
        Figure("server database per case", db * 1024 / cases, "KiB"),
    ]


async def _settled(stack: Stack, case_ids: set[str]) -> None:
    """Wait until every case waits on its tasks with its ¶10.1 notices sent."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    notices = len(ALARM_RECIPIENTS)
    while True:
        waiting = await asyncio.to_thread(_waiting_on_police, stack, case_ids)
        mailed = sum(1 for c in case_ids if len(stack.mail.accepted.get((c, ALARM), ())) >= notices)
        if waiting == mailed == len(case_ids):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {waiting} of {len(case_ids)} cases waiting, {mailed} "
                               f"notified after {SETTLE_TIMEOUT:.0f} s")
        await asyncio.sleep(1.0)


def _waiting_on_police(stack: Stack, case_ids: set[str]) -> int:
    with session_scope(stack.engine) as session:
        rows = session.exec(select(Step.case_id).where(
            col(Step.key) == StepKind.POLICE_DECISION.value, col(Step.due_at).is_not(None)))
        return sum(1 for case_id in rows if case_id in case_ids)


async def _to_closure_approval(stack: Stack, case_ids: list[str], concurrency: int) -> None:
    """Take ``case_ids`` along the short path to their closure approval, and leave them there."""
    tasks = OpenTasks(stack.engine)
    path = short_path()[:-1]
    gate = asyncio.Semaphore(concurrency)

    async def one(case_id: str) -> None:
        async with gate:
            driver = CaseDriver(stack.client, case_id)
            for action in path:
                await tasks.opened(case_id, action.key)
                await driver.send(action.kind, action.key, action.actor, action.outcome)
            await tasks.opened(case_id, short_path()[-1].key)

    poller = asyncio.create_task(tasks.run())
    try:
        async with asyncio.TaskGroup() as group:
            for case_id in case_ids:
                group.create_task(one(case_id))
    finally:
        poller.cancel()

