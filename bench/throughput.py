"""Cases per second, end to end: the case workflow against the bare workflow, same server,
same run, same number of cases with the same number in flight.

Simulated case workers find their tasks the way the inbox does, in the store (one query for
all cases in flight, every ``POLL_INTERVAL``), and close them with the workflow's updates; the
police integration answers "not confirmed", so each case takes the short path. The two run in
alternating rounds, so a neighbour's load on the machine falls on both alike.
"""

import asyncio
import collections
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle

from bench.bare import UPDATES, BareWorkflow
from bench.figures import Figure, Goal
from bench.stack import Child, Stack, Usage, usage
from ombudsflow.intake import parse_report, submit_report
from schemas.case import Actor, StepStatus
from schemas.steps import StepKind
from store.db import session_scope
from store.models import Step
from tests.factories import report_data, supervisor_of
from tests.scenarios import CaseDriver, default_actor, valid_outcome

POLL_INTERVAL = 0.1
TARGET_RATIO = 0.8
# What must match between the two workflows' histories for the comparison to hold.
COUNTED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activities",
    EventType.EVENT_TYPE_TIMER_STARTED: "timers",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
}

RunCase = Callable[[], Awaitable[WorkflowHandle[Any, Any]]]


@dataclass(frozen=True)
class Action:
    kind: StepKind
    key: str
    actor: Actor
    outcome: dict[str, Any]


def short_path() -> list[Action]:
    """Police not confirmed: their answer, the talk, the closing summary, its approval by a
    supervisor who did none of the steps."""
    def action(kind: StepKind, key: str | None = None, actor: Actor | None = None,
               **overrides: Any) -> Action:
        return Action(kind, key or kind.value, actor or default_actor(kind),
                      valid_outcome(kind, **overrides))

    return [
        action(StepKind.POLICE_DECISION, confirmed=False),
        action(StepKind.PREVENTIVE_TALK),
        action(StepKind.CLOSURE),
        action(StepKind.CLOSURE_APPROVAL, "closure.approval-1", supervisor_of(name="sv-dana")),
    ]


class OpenTasks:
    """The open human tasks of the cases in flight, as the inbox shows them: in the store,
    with their due date."""

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
                    col(Step.assignee).is_not(None), col(Step.due_at).is_not(None))
            )
            return [(case_id, key) for case_id, key in rows]


async def run_cases(cases: int, concurrency: int, one: RunCase) -> WorkflowHandle[Any, Any]:
    """Run ``cases`` cases to their end, ``concurrency`` at a time; the last one's handle."""
    gate = asyncio.Semaphore(concurrency)

    async def gated() -> WorkflowHandle[Any, Any]:
        async with gate:
            return await one()

    async with asyncio.TaskGroup() as group:
        runs = [group.create_task(gated()) for _ in range(cases)]
    return runs[-1].result()


def case_runner(stack: Stack, task_queue: str, tasks: OpenTasks) -> RunCase:
    """One case through intake and the short path, closed."""
    path = short_path()

    async def one() -> WorkflowHandle[Any, Any]:
        report = parse_report(report_data(cohabiting_parent=False, threat=False))
        submission = await submit_report(stack.client, stack.engine, report,
                                         task_queue=task_queue)
        driver = CaseDriver(stack.client, submission.case_id)
        for action in path:
            await tasks.opened(submission.case_id, action.key)
            await driver.send(action.kind, action.key, action.actor, action.outcome)
        await driver.handle.result()
        return driver.handle

    return one


def bare_runner(client: Client, task_queue: str) -> RunCase:
    async def one() -> WorkflowHandle[Any, Any]:
        handle = await client.start_workflow(BareWorkflow.run, id=f"bare-{uuid.uuid4()}",
                                             task_queue=task_queue)
        for task in range(UPDATES):
            await handle.execute_update(BareWorkflow.complete, task)
        await handle.result()
        return handle

    return one


async def history_counts(handle: WorkflowHandle[Any, Any]) -> tuple[dict[str, int], int]:
    """Activities, timers and updates in a closed workflow's history, and its size in bytes."""
    history = await handle.fetch_history()
    counts = collections.Counter(COUNTED[e.event_type] for e in history.events
                                 if e.event_type in COUNTED)
    return dict(counts), sum(e.ByteSize() for e in history.events)


async def measure(stack: Stack, *, cases: int, concurrency: int, rounds: int) -> list[Figure]:
    """Both workflows, warmed up with ``concurrency`` cases each, then ``cases`` each in
    ``rounds`` alternating rounds."""
    case_queue, bare_queue = f"bench-case-{uuid.uuid4()}", f"bench-bare-{uuid.uuid4()}"
    tasks = OpenTasks(stack.engine)
    runners: dict[str, tuple[Child, RunCase]] = {
        "bare": (await stack.bare_worker(bare_queue),
                 bare_runner(await stack.bare_client(), bare_queue)),
        "case": (await stack.case_worker(case_queue), case_runner(stack, case_queue, tasks)),
    }
    poller = asyncio.create_task(tasks.run())
    try:
        last = {name: await run_cases(concurrency, concurrency, run)
                for name, (_, run) in runners.items()}
        spent: dict[str, Usage] = {}
        for r in range(rounds):
            size = cases // rounds + (r < cases % rounds)
            for name, (worker, run) in runners.items():
                before = usage(server=stack.server, worker=worker)
                last[name] = await run_cases(size, concurrency, run)
                used = usage(server=stack.server, worker=worker) - before
                spent[name] = spent[name] + used if name in spent else used
    finally:
        poller.cancel()
    (case_counts, case_bytes), (bare_counts, bare_bytes) = [
        await history_counts(last[name]) for name in ("case", "bare")]
    bare, case = cases / spent["bare"].wall, cases / spent["case"].wall
    return [
        Figure("bare workflow throughput", bare, "cases/s"),
        Figure("case workflow throughput", case, "cases/s"),
        Figure("case / bare throughput", case / bare, "", TARGET_RATIO, Goal.AT_LEAST),
        *[Figure(f"{name} CPU per case: {part}", seconds / cases * 1000, "ms")
          for name in ("bare", "case") for part, seconds in spent[name].cpu.items()],
        *[Figure(f"case {what} per case (bare: {bare_counts.get(what, 0)})",
                 case_counts.get(what, 0), "") for what in COUNTED.values()],
        Figure(f"case history per case (bare: {bare_bytes / 1024:.1f} KiB)",
               case_bytes / 1024, "KiB"),
    ]
