"""Cases per second, end to end: the case workflow against the bare workflow, same server,
same run, same number of cases with the same number in flight.

The case workflow is driven through the public API as the people and systems involved act on
it: they find their tasks in their inbox (``GET /api/v1/tasks``, read for all cases in flight
every ``POLL_INTERVAL``) and complete them; the police system answers "not confirmed", so each
case takes the short path. The bare workflow gets its updates straight away. The two run in
alternating rounds, so a neighbour's load on the machine falls on both alike.
"""

import asyncio
import collections
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowHistory

from bench.api import CASE_WORKER, HELPLINE, POLICE, SUPERVISOR, Api, running_api
from bench.bare import UPDATES, BareWorkflow
from bench.figures import Figure, Goal, percentiles
from bench.stack import Stack, Usage, Workers, usage
from schemas.steps import StepKind
from tests.support.factories import report_data
from tests.support.scenarios import valid_outcome

POLL_INTERVAL = 0.2
TARGET_RATIO = 0.8
# What the two workflows' histories are compared on, per case.
COUNTED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activities",
    EventType.EVENT_TYPE_MARKER_RECORDED: "local activities",
    EventType.EVENT_TYPE_TIMER_STARTED: "timers",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "workflow tasks",
}
LOCAL_ACTIVITY_MARKER = "core_local_activity"

RunCase = Callable[[], Awaitable[WorkflowHandle[Any, Any]]]


class Inbox:
    """What the simulated people see of their tasks: their inbox through the API, read for
    all cases in flight at once every ``POLL_INTERVAL``."""

    def __init__(self, api: Api) -> None:
        self._api = api
        self._waiting: dict[tuple[str, str, str], asyncio.Future[None]] = {}

    async def opened(self, user: str, case_id: str, key: str) -> None:
        """Return once ``user``'s inbox shows the task ``key`` of ``case_id`` with its due
        date."""
        future = asyncio.get_running_loop().create_future()
        self._waiting[(user, case_id, key)] = future
        await future

    async def run(self) -> None:
        while True:
            for user in {u for u, _, _ in self._waiting}:
                response = await self._api.call("GET /tasks", "GET", "/api/v1/tasks",
                                                params={"limit": 200},
                                                headers=self._api.as_user(user))
                for task in response.json():
                    future = self._waiting.pop((user, task["case_id"], task["key"]), None)
                    if future is not None and task["due_at"] is not None:
                        future.set_result(None)
                    elif future is not None:
                        self._waiting[(user, task["case_id"], task["key"])] = future
            await asyncio.sleep(POLL_INTERVAL)


async def run_cases(cases: int, concurrency: int, one: RunCase) -> WorkflowHandle[Any, Any]:
    """Run ``cases`` cases to their end, ``concurrency`` at a time; the last one's handle."""
    gate = asyncio.Semaphore(concurrency)

    async def gated() -> WorkflowHandle[Any, Any]:
        async with gate:
            return await one()

    async with asyncio.TaskGroup() as group:
        runs = [group.create_task(gated()) for _ in range(cases)]
    return runs[-1].result()


def case_runner(stack: Stack, api: Api, inbox: Inbox) -> RunCase:
    """One case through the public API, as the people and systems involved act on it: the
    helpline reports, the police system answers "not confirmed", the case worker holds the
    talk and writes the closing summary, a supervisor approves the closure."""
    talk, closure = (valid_outcome(k) for k in (StepKind.PREVENTIVE_TALK, StepKind.CLOSURE))
    police = valid_outcome(StepKind.POLICE_DECISION, confirmed=False)

    async def one() -> WorkflowHandle[Any, Any]:
        response = await api.call("POST /reports", "POST", "/api/v1/reports",
                                  json=report_data(cohabiting_parent=False, threat=False),
                                  headers=api.as_key(HELPLINE))
        case_id = response.json()["case_id"]
        await inbox.opened(CASE_WORKER, case_id, StepKind.POLICE_DECISION.value)
        await api.call("POST /police-decisions", "POST", "/api/v1/police-decisions",
                       json={"case_id": case_id, "outcome": police}, headers=api.as_key(POLICE))
        for key, outcome in (("preventive_talk", talk), ("closure", closure)):
            await inbox.opened(CASE_WORKER, case_id, key)
            await api.call("POST /tasks/{id}/{key}/complete", "POST",
                           f"/api/v1/tasks/{case_id}/{key}/complete", json={"outcome": outcome},
                           headers=api.as_user(CASE_WORKER))
        await inbox.opened(SUPERVISOR, case_id, "closure.approval-1")
        await api.call("POST /approvals/{id}/{key}/approve", "POST",
                       f"/api/v1/approvals/{case_id}/closure.approval-1/approve",
                       headers=api.as_user(SUPERVISOR))
        handle: WorkflowHandle[Any, Any] = stack.client.get_workflow_handle(case_id)
        await handle.result()
        return handle

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
    """What ``COUNTED`` counts in a closed workflow's history, and its size in bytes."""
    history = await handle.fetch_history()
    return event_counts(history), sum(e.ByteSize() for e in history.events)


def event_counts(history: WorkflowHistory) -> dict[str, int]:
    """What ``COUNTED`` counts in ``history``."""
    return dict(collections.Counter(
        COUNTED[e.event_type] for e in history.events if e.event_type in COUNTED and (
            e.event_type != EventType.EVENT_TYPE_MARKER_RECORDED
            or e.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER)))


async def measure(stack: Stack, *, cases: int, concurrency: int, rounds: int) -> list[Figure]:
    """Both workflows, warmed up with ``concurrency`` cases each, then ``cases`` each in
    ``rounds`` alternating rounds."""
    case_queue, bare_queue = f"bench-case-{uuid.uuid4()}", f"bench-bare-{uuid.uuid4()}"
    async with running_api(stack, task_queue=case_queue) as api:
        inbox = Inbox(api)
        runners: dict[str, tuple[Workers, RunCase]] = {
            "bare": (await stack.bare_worker(bare_queue),
                     bare_runner(await stack.bare_client(), bare_queue)),
            "case": (await stack.case_worker(case_queue), case_runner(stack, api, inbox)),
        }
        poller = asyncio.create_task(inbox.run())
        try:
            last = {name: await run_cases(concurrency, concurrency, run)
                    for name, (_, run) in runners.items()}
            api.timings.clear()
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
        *[f for f in percentiles(api.timings["POST /tasks/{id}/{key}/complete"],
                                 "API POST /tasks/{id}/{key}/complete, under this load")
          if not f.name.endswith("p90")],
    ]
