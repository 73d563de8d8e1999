"""Replay: how long a worker takes to rebuild a year-long case from its history, as it does
after the case was evicted from its cache (and at every deploy, for the replay test).

The history is recorded here, on the time-skipping server, with the codec, from the current
workflow code: a year of monthly plan reviews and quarterly inspections.
"""

import statistics
import time

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from bench.figures import Figure
from bench.stack import compile_workflows
from bench.throughput import event_counts
from ombudsflow.client import data_converter
from ombudsflow.codec import KeyRing
from tests.support.record_histories import recorder
from workers.sandbox import workflow_runner
from workflows.violation_response import ViolationResponseWorkflow

SCENARIO = "twelve_months"
TARGET_MS = 100.0


async def measure(keyring: KeyRing, *, scenario: str, repeats: int) -> list[Figure]:
    """Record ``scenario`` (``tests/support/record_histories.py``), then replay it ``repeats``
    times, from the workflow modules' bytecode as a deployed worker has it."""
    compile_workflows()
    async with recorder(keyring) as rec:
        [history] = await rec.histories(scenario)  # one run: it does not continue as new
    replayer = Replayer(workflows=[ViolationResponseWorkflow],
                        data_converter=data_converter(keyring), workflow_runner=workflow_runner())
    first = await _replay(replayer, history)
    times = [await _replay(replayer, history) for _ in range(repeats)]
    name = "12-month case" if scenario == SCENARIO else f"{scenario} case"
    return [
        Figure(f"replay {name}: first", first * 1000, "ms"),
        Figure(f"replay {name}: median", statistics.median(times) * 1000, "ms", TARGET_MS),
        Figure(f"{name}: history events", len(history.events), ""),
        Figure(f"{name}: history size", sum(e.ByteSize() for e in history.events) / 1024,
               "KiB"),
        Figure(f"{name}: activity results to replay", _results(history), ""),
    ]


def _results(history: WorkflowHistory) -> int:
    """The activity results the workflow awaited, local ones included: on replay each is an
    activation of its own, and the activations, not the events, set the replay's time."""
    counts = event_counts(history)
    return counts.get("activities", 0) + counts.get("local activities", 0)


async def _replay(replayer: Replayer, history: WorkflowHistory) -> float:
    started = time.perf_counter()
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    elapsed = time.perf_counter() - started
    if result.replay_failure is not None:
        raise RuntimeError(f"the recorded history does not replay: {result.replay_failure}")
    return elapsed
