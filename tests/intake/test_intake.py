"""Intake is idempotent by (channel, external_ref): duplicates, even racing ones, find the
case already opened and never start a second workflow."""

import asyncio

from sqlalchemy import Engine, func, select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cases.intake import parse_report, submit_report
from store.db import session_scope
from store.models import Intake
from tests.support.factories import report_data


async def test_the_same_report_twice_gives_the_existing_case(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    report = parse_report(report_data())
    first = await submit_report(time_env.client, engine, report,
                                task_queue=time_worker.task_queue)
    again = await submit_report(time_env.client, engine, report,
                                task_queue=time_worker.task_queue)
    assert first.created and not again.created
    assert again.case_id == first.case_id and first.case_id.startswith("AKT-")


async def test_twenty_racing_duplicates_open_one_case(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    report = parse_report(report_data())
    results = await asyncio.gather(*(
        submit_report(time_env.client, engine, report, task_queue=time_worker.task_queue)
        for _ in range(20)
    ))
    assert len({r.case_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    with session_scope(engine) as session:
        rows = session.scalar(select(func.count()).select_from(Intake).where(
            Intake.external_ref == report.external_ref))  # type: ignore[arg-type]
    assert rows == 1
