"""Intake latency: from ``POST /api/v1/reports`` to the three ¶10.1 notices accepted by the
SMTP server (its own timestamps), with reports arriving at a steady rate whether or not the
earlier ones are done. Each report is followed, as at a helpline desk, by a look at the case
page and at the inbox, so the API's own latencies are measured under the same load.
"""

import asyncio
import time
import uuid

from bench.api import HELPLINE, Api, running_api
from bench.figures import Figure, percentiles
from bench.stack import Stack
from schemas.procedure import clause_of
from schemas.regions import Region
from schemas.steps import StepKind
from tests.support.factories import report_data
from workflows.violation_response import ALARM_RECIPIENTS

NOTICE_P50_TARGET = 0.250
NOTICE_P99_TARGET = 1.0
DRAIN_TIMEOUT = 60.0
# Reports go to a region of their own, so their open tasks stay out of other inboxes.
REGION = Region.PAVLODAR
READER = "cw.pavlodar"
ALARM = clause_of(StepKind.NOTICE)


async def measure(stack: Stack, *, rates: list[float], duration: float) -> list[Figure]:
    """Each rate in turn, for ``duration`` seconds, on one case worker."""
    task_queue = f"bench-intake-{uuid.uuid4()}"
    await stack.case_worker(task_queue)
    figures: list[Figure] = []
    async with running_api(stack, task_queue=task_queue) as api:
        await _sustain(api, rate=1, seconds=3)  # warm-up: imports, caches, connections
        for rate in rates:
            api.timings.clear()
            submitted = await _sustain(api, rate=rate, seconds=duration)
            latencies, missing = await _notice_latencies(stack, submitted)
            at = f"at {rate:g}/s"
            last = rate == max(rates)
            figures += percentiles(latencies, f"report → ¶10.1 notices {at}", targets={
                50: NOTICE_P50_TARGET * 1000, 99: NOTICE_P99_TARGET * 1000} if last else {})
            if missing:
                figures.append(Figure(f"reports without their notices {at}", missing, "", 0))
            for name, samples in api.timings.items():
                figures += [f for f in percentiles(samples, f"API {name} {at}")
                            if not f.name.endswith("p90")]
    return figures


async def _sustain(api: Api, *, rate: float, seconds: float) -> dict[str, float]:
    """Reports at ``rate`` per second for ``seconds``; when each was sent, by case number."""
    submitted: dict[str, float] = {}

    async def report() -> None:
        started = time.perf_counter()
        response = await api.call("POST /reports", "POST", "/api/v1/reports",
                                  json=report_data(region=REGION), headers=api.as_key(HELPLINE))
        case_id = response.json()["case_id"]
        submitted[case_id] = started
        await api.call("GET /cases/{id}", "GET", f"/api/v1/cases/{case_id}",
                       headers=api.as_user(READER))
        await api.call("GET /tasks", "GET", "/api/v1/tasks", headers=api.as_user(READER))

    loop = asyncio.get_running_loop()
    start = loop.time()
    async with asyncio.TaskGroup() as group:
        for i in range(max(1, round(rate * seconds))):
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            group.create_task(report())
    return submitted


async def _notice_latencies(stack: Stack, submitted: dict[str, float]
                            ) -> tuple[list[float], int]:
    """Seconds from each report to its last ¶10.1 notice accepted, once all are in (or the
    drain timeout passes); and how many reports still lack theirs."""
    accepted = stack.mail.accepted
    deadline = time.monotonic() + DRAIN_TIMEOUT

    def complete(case_id: str) -> bool:
        return len(accepted.get((case_id, ALARM), [])) >= len(ALARM_RECIPIENTS)

    while not all(complete(c) for c in submitted) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    latencies = [max(accepted[(c, ALARM)]) - sent for c, sent in submitted.items()
                 if complete(c)]
    return latencies, len(submitted) - len(latencies)
