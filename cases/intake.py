"""Intake: a validated report becomes a numbered case and its running workflow.

Used by the CLI and the API alike. Idempotent by (channel, external_ref): the store's unique
constraint numbers the case once, and the workflow is started with an ID-conflict policy, so
racing duplicates and a retry after a crash between the two all land on the same case.

The case is kept in the store only once its workflow runs: with Temporal away the report is
refused (503) leaving only its number reserved, never a case on the board that nothing works
on; the same report sent again gets that number and opens the case.
"""

import asyncio
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine
from temporalio.client import Client

from activities.districts import load_districts
from cases.client import start_case
from ombudsflow.config import get_settings
from schemas.activities import CaseRecord
from schemas.districts import Districts
from schemas.procedure import CaseInput, DeadlinePolicy
from schemas.report import DISTRICTS, INTAKE_NOW, ViolationReport
from store.cases import record_case, register_intake
from store.db import session_scope


class Submission(BaseModel):
    case_id: str
    workflow_id: str
    created: bool


def parse_report(data: dict[str, Any] | str, *, districts: Districts | None = None,
                 now: datetime | None = None) -> ViolationReport:
    """Validate a report as received, including that it was not received in the future and
    that its district is a code of its region in ``districts`` (by default the directory the
    settings name)."""
    context = {INTAKE_NOW: now or datetime.now(UTC),
               DISTRICTS: districts or load_districts(get_settings().districts_file)}
    if isinstance(data, str):
        return ViolationReport.model_validate_json(data, context=context)
    return ViolationReport.model_validate(data, context=context)


async def submit_report(
    client: Client,
    engine: Engine,
    report: ViolationReport,
    *,
    task_queue: str,
    policy: DeadlinePolicy | None = None,
) -> Submission:
    """Open the case for ``report``, or find the one already opened for it."""

    def register() -> tuple[str, bool]:
        with session_scope(engine) as session:
            return register_intake(
                session, channel=report.channel.value, external_ref=report.external_ref,
                region=report.region, received_at=report.received_at,
            )

    def record(case_id: str) -> bool:
        with session_scope(engine) as session:
            # Kept here, idempotently, so the workflow need not spend an activity on it first.
            return record_case(session, record=CaseRecord(case_id=case_id, report=report))

    case_id, _ = await asyncio.to_thread(register)
    await start_case(client, CaseInput(case_id=case_id, report=report,
                                       policy=policy or DeadlinePolicy(), recorded=True),
                     task_queue=task_queue)
    # Opened by this request if it kept the report: a retry after a refusal still opens it.
    created = await asyncio.to_thread(record, case_id)
    return Submission(case_id=case_id, workflow_id=case_id, created=created)
