"""Scale: many open cases at once, each waiting on its deadlines' timers, some on a closure
approval. How long they take to start and settle, what the worker holds in memory with a
bounded workflow cache, and how large the server's database grows.

Cases come through intake (``submit_report``) across every region, all at once, as a
school-day campaign on the helpline brings them; a case has settled once the store shows its
police-answer task open with its due date and the mail server has its three ¶10.1 notices.
How long the burst's ¶10.1 notices took, for the first report, the median one and the last,
shows whether the first waits behind the thousandth; the escalations to supervisors, and the
mails they got for them, whether a long burst floods them (``activities.digests``). Every
``URGENT_EVERY``-th report names a threat to the child's life or health, so its case goes
ahead of the others (``URGENT`` in ``cases/client.py``); the same three figures for those
show by how much. Every ``APPROVAL_EVERY``-th case is then taken along the short path up to
the closure approval, where it waits.

Settling is allowed as long as it goes on: the run fails only when nothing settles for
``STALL_TIMEOUT``. A progress line every ``PROGRESS_EVERY`` says how far it is.
"""

import asyncio
import itertools
import time
import uuid

from sqlalchemy import Engine
from sqlmodel import col, select

from bench.figures import Figure, write
from bench.stack import Stack, Workers
from cases.intake import parse_report, submit_report
from schemas.activities import NoticeKind, Recipient
from schemas.case import StepStatus
from schemas.procedure import clause_of
from schemas.regions import Region
from schemas.steps import StepKind
from store.db import session_scope
from store.models import Notice, Step
from store.outbox import HELD, SENT
from tests.support.factories import report_data
from tests.support.scenarios import CaseDriver, default_actor, valid_outcome
from workflows.violation_response import ALARM_RECIPIENTS

MEMORY_TARGET_MIB = 1024.0
APPROVAL_EVERY = 50
URGENT_EVERY = 10  # APPROVAL_EVERY is a multiple of it: the cases taken to approval are urgent
STALL_TIMEOUT = 600.0
PROGRESS_EVERY = 60.0
POLL_INTERVAL = 0.2
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
    submitted: dict[str, float] = {}
    urgent: set[str] = set()
    to_approval: list[str] = []

    async def start(n: int) -> None:
        # The simulated people act for Aktobe: the cases they take to approval are Aktobe's.
        approval = n % APPROVAL_EVERY == 0
        region = Region.AKTOBE if approval else next(regions)
        threat = n % URGENT_EVERY == 0
        async with gate:
            # Every other report names a parent living with the child: ¶10.3 referrals too.
            report = parse_report(report_data(region=region, cohabiting_parent=n % 2 == 0,
                                              threat=threat))
            sent = time.perf_counter()
            submission = await submit_report(stack.client, stack.engine, report,
                                             task_queue=task_queue)
        case_ids.append(submission.case_id)
        submitted[submission.case_id] = sent
        if threat:
            urgent.add(submission.case_id)
        if approval:
            to_approval.append(submission.case_id)

    async def intake() -> float:
        async with asyncio.TaskGroup() as group:
            for i in range(cases):
                group.create_task(start(i))
        return time.perf_counter() - began

    began = time.perf_counter()
    taken_in = asyncio.create_task(intake())
    await _settled(stack, worker, case_ids, cases, taken_in, began=began,
                   db_before=db_before)
    started = await taken_in
    settled = time.perf_counter() - began
    notified = _notice_latencies(stack, submitted, urgent)
    escalated, mails = await asyncio.to_thread(_escalation_mails, stack)
    await _to_closure_approval(stack, to_approval, concurrency)
    rss, peak = worker.memory_mib()
    db = stack.temporal_db_mib() - db_before
    return [
        Figure(f"{cases:,} cases: all started", started, "s"),
        Figure(f"{cases:,} cases: all settled (waiting)", settled, "s"),
        Figure("cases settled per second", cases / settled, "cases/s"),
        *(Figure(f"burst: ¶10.1 notices of the {which}", seconds, "s")
          for which, seconds in notified.items()),
        Figure("burst: escalations to supervisors", escalated, ""),
        Figure("burst: supervisors' mails about them (digests included)", mails, ""),
        Figure(f"worker memory, cache of {max_cached_workflows:,}", rss, "MiB",
               MEMORY_TARGET_MIB),
        Figure("worker memory, peak", peak, "MiB", MEMORY_TARGET_MIB),
        Figure(f"server database growth for {cases:,} cases", db, "MiB"),
        Figure("server database per case", db * 1024 / cases, "KiB"),
    ]


async def _settled(stack: Stack, worker: Workers, case_ids: list[str], cases: int,
                   intake: "asyncio.Task[float]", *, began: float, db_before: float) -> None:
    """Wait until all ``cases`` are taken in (into ``case_ids``) and each waits on its tasks
    with its ¶10.1 notices sent, for as long as cases go on settling; say how far it is every
    ``PROGRESS_EVERY``."""
    progress, last_change, reported = (-1, -1, -1), time.monotonic(), time.monotonic()
    before = await worker.metrics()
    while True:
        if intake.done():
            intake.result()  # an intake that failed ends the run with its error
        taken = set(case_ids)
        waiting = await asyncio.to_thread(_waiting_on_police, stack, taken)
        mailed = sum(1 for c in taken if _notified(stack, c))
        if waiting == mailed == len(taken) == cases:
            return
        now = time.monotonic()
        if (len(taken), waiting, mailed) != progress:
            progress, last_change = (len(taken), waiting, mailed), now
        elif now - last_change > STALL_TIMEOUT:
            raise RuntimeError(f"nothing settled for {STALL_TIMEOUT:.0f} s: {waiting} of "
                               f"{len(taken)} cases waiting, {mailed} notified")
        if now - reported >= PROGRESS_EVERY:
            reported = now
            rss, _ = worker.memory_mib()
            metrics = await worker.metrics()
            write(f"    scale: {time.perf_counter() - began:6.0f} s  {len(taken):,} of "
                  f"{cases:,} taken in, {mailed:,} notified, {waiting:,} waiting  worker "
                  f"{rss:.0f} MiB  server database +{stack.temporal_db_mib() - db_before:.0f} "
                  f"MiB  {_cache(metrics, before)}")
            before = metrics
        await asyncio.sleep(1.0)


def _cache(now: dict[str, float], before: dict[str, float]) -> str:
    """The workers' cache and queues since ``before``: cases evicted, and tasks for a case
    no longer in the cache (each rebuilt from its history); how long workflow tasks and
    activities waited for a worker, on average."""
    def grew(name: str) -> float:  # a counter's samples may carry the _total suffix
        return sum(now.get(n, 0.0) - before.get(n, 0.0) for n in (name, f"{name}_total"))

    def mean_ms(histogram: str) -> float:
        count = grew(f"{histogram}_count")
        return grew(f"{histogram}_sum") / count if count else 0.0

    return (f"cache {now.get('temporal_sticky_cache_size', 0):.0f}, "
            f"{grew('temporal_sticky_cache_total_forced_eviction'):.0f} evicted, "
            f"{grew('temporal_sticky_cache_miss'):.0f} missed; waits: "
            f"workflow task "
            f"{mean_ms('temporal_workflow_task_schedule_to_start_latency'):.0f} ms, activity "
            f"{mean_ms('temporal_activity_schedule_to_start_latency'):.0f} ms")


def _notified(stack: Stack, case_id: str) -> bool:
    return len(stack.mail.accepted.get((case_id, ALARM), ())) >= len(ALARM_RECIPIENTS)


def _notice_latencies(stack: Stack, submitted: dict[str, float], urgent: set[str]
                      ) -> dict[str, float]:
    """Seconds from report to its last ¶10.1 notice: for the burst's first report, its median
    one and its last, in the order they were taken in, among the others and the urgent."""
    in_order = sorted(submitted, key=submitted.__getitem__)
    latencies: dict[str, float] = {}
    for which, cases in (("report", [c for c in in_order if c not in urgent]),
                         ("urgent report", [c for c in in_order if c in urgent])):
        latency = [max(stack.mail.accepted[(c, ALARM)]) - submitted[c] for c in cases]
        if latency:
            latencies |= {f"first {which}": latency[0],
                          f"median {which}": latency[len(latency) // 2],
                          f"last {which}": latency[-1]}
    return latencies


def _escalation_mails(stack: Stack) -> tuple[int, int]:
    """The escalations to supervisors (of late notices and late tasks), and the mails they got
    or will get for them: one each sent alone, one per digest, one per supervisor with
    escalations still held."""
    with session_scope(stack.engine) as session:
        rows = session.exec(select(Notice.status, Notice.message_id, Notice.address).where(
            col(Notice.kind) == NoticeKind.ESCALATION.value,
            col(Notice.recipient) == Recipient.SUPERVISOR.value)).all()
    mails = ({m for status, m, _ in rows if status == SENT}
             | {a for status, _, a in rows if status == HELD})
    return len(rows), len(mails)


def _waiting_on_police(stack: Stack, case_ids: set[str]) -> int:
    with session_scope(stack.engine) as session:
        rows = session.exec(select(Step.case_id).where(
            col(Step.key) == StepKind.POLICE_DECISION.value, col(Step.due_at).is_not(None)))
        return sum(1 for case_id in rows if case_id in case_ids)


class OpenTasks:
    """The open tasks of the cases being driven, read from the store (where the inbox reads
    them) for all of them at once every ``POLL_INTERVAL``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._waiting: dict[tuple[str, str], asyncio.Future[None]] = {}

    async def opened(self, case_id: str, key: str) -> None:
        """Return once the task ``key`` of ``case_id`` is open in the store, with its due date."""
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


async def _to_closure_approval(stack: Stack, case_ids: list[str], concurrency: int) -> None:
    """Take ``case_ids`` along the short path (the police do not confirm) to their closure
    approval, through the workflow's updates, and leave them waiting there."""
    tasks = OpenTasks(stack.engine)
    path = [(kind, valid_outcome(kind, **overrides)) for kind, overrides in (
        (StepKind.POLICE_DECISION, {"confirmed": False}), (StepKind.PREVENTIVE_TALK, {}),
        (StepKind.CLOSURE, {}))]
    gate = asyncio.Semaphore(concurrency)

    async def one(case_id: str) -> None:
        async with gate:
            driver = CaseDriver(stack.client, case_id)
            # After a burst the notices' backlog still holds the workers: an update may wait
            # minutes for its workflow task, as long as anything is moving.
            driver.close_timeout = STALL_TIMEOUT
            for kind, outcome in path:
                await tasks.opened(case_id, kind.value)
                await driver.send(kind, kind.value, default_actor(kind), outcome)
            await tasks.opened(case_id, "closure.approval-1")

    poller = asyncio.create_task(tasks.run())
    try:
        async with asyncio.TaskGroup() as group:
            for case_id in case_ids:
                group.create_task(one(case_id))
    finally:
        poller.cancel()
