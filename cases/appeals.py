"""Intake of appeals and complaints (¶6.2): a validated appeal becomes a numbered appeal and
its running workflow, and, when it reports a violation against a child, a ¶10 case opened at
once through the reports' own intake (its notices wait for no one's triage), linked both ways.

Idempotent by (channel, external_ref) at every step: the store numbers the appeal once, the
case is the report intake's (channel, ``appeal/<number>``), the link is a column written
again with the same value, and the workflow starts with an ID-conflict policy.
"""

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.districts import load_districts
from cases.intake import submit_report
from cases.repeats import REPEAT_WINDOW, applicant_key
from ombudsflow import constants
from ombudsflow.config import get_settings
from schemas.appeal import Appeal, AppealChannel, AppealInput, AppealPolicy
from schemas.districts import Districts
from schemas.report import DISTRICTS, INTAKE_NOW, Channel, Reporter, ViolationReport
from store.appeals import link_case, register_appeal
from store.db import session_scope

# The report channel of the ¶10 case an appeal opens.
REPORT_CHANNELS = {
    AppealChannel.E_OTINISH: Channel.OTHER, AppealChannel.HELPLINE_111: Channel.HELPLINE_111,
    AppealChannel.TELEGRAM: Channel.TELEGRAM, AppealChannel.WALK_IN: Channel.WALK_IN,
    AppealChannel.WRITTEN: Channel.OTHER, AppealChannel.TELEPHONE: Channel.OTHER,
}


class AppealSubmission(BaseModel):
    appeal_id: str
    created: bool
    case_id: str | None  # the ¶10 case it opened


def parse_appeal(data: dict[str, Any] | str, *, districts: Districts | None = None,
                 now: datetime | None = None) -> Appeal:
    """Validate an appeal as received: not received in the future, its district a code of
    its region in ``districts`` (by default the directory the settings name)."""
    context = {INTAKE_NOW: now or datetime.now(UTC),
               DISTRICTS: districts or load_districts(get_settings().districts_file)}
    if isinstance(data, str):
        return Appeal.model_validate_json(data, context=context)
    return Appeal.model_validate(data, context=context)


def violation_report(appeal: Appeal, appeal_id: str) -> ViolationReport:
    """The ¶10 report an appeal about a violation against a child makes."""
    assert appeal.violation is not None and appeal.child is not None
    applicant = appeal.applicant
    reporter = (Reporter(anonymous=True) if applicant.anonymous else
                Reporter(name=applicant.name, phone=applicant.phone, email=applicant.email))
    return ViolationReport(
        channel=REPORT_CHANNELS[appeal.channel], external_ref=f"appeal/{appeal_id}",
        received_at=appeal.received_at, region=appeal.region, district=appeal.district,
        child=appeal.child, alleged_violators=appeal.violation.alleged_violators,
        category=appeal.violation.category,
        threat_to_life_or_health=appeal.violation.threat_to_life_or_health,
        description=appeal.substance, reporter=reporter,
    )


async def submit_appeal(client: Client, engine: Engine, appeal: Appeal, *, taken_by: str,
                        task_queue: str, policy: AppealPolicy | None = None,
                        secret: bytes | None = None) -> AppealSubmission:
    """Register ``appeal`` (or find it registered), linked to the applicant's last appeal
    within a year when ``secret`` (the deployment's) keys the match, open its ¶10 case if it
    reports a violation, and start its workflow."""
    key = applicant_key(appeal.applicant, secret) if secret is not None else None

    def register() -> tuple[str, bool]:
        with session_scope(engine) as session:
            return register_appeal(session, appeal=appeal, taken_by=taken_by,
                                   applicant_key=key, repeat_window=REPEAT_WINDOW)

    appeal_id, created = await asyncio.to_thread(register)
    case_id = None
    if appeal.violation is not None:
        case = await submit_report(client, engine, violation_report(appeal, appeal_id),
                                   task_queue=task_queue)
        case_id = case.case_id

        def link() -> None:
            with session_scope(engine) as session:
                link_case(session, appeal_id=appeal_id, case_id=case.case_id)

        await asyncio.to_thread(link)
    inp = AppealInput(appeal_id=appeal_id, appeal=appeal, taken_by=taken_by, case_id=case_id,
                      policy=policy or AppealPolicy())
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            constants.APPEAL_WORKFLOW_TYPE, inp, id=appeal_id, task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
    return AppealSubmission(appeal_id=appeal_id, created=created, case_id=case_id)
