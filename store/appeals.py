"""Appeals and complaints (¶6.2) in the store: numbered and kept by the intake, projected by
their workflow's activity, read by the API and the pages.

Written idempotently as cases are (``INSERT … ON CONFLICT``): the same (channel,
external_ref) always gets the same number, and a projection never goes back a version.
"""

import json
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import case as sql_case
from sqlalchemy import func, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from schemas.activities import CaseChanges
from schemas.appeal import Appeal as AppealSchema
from schemas.case import Step as ProcedureStep
from schemas.case import StepStatus
from schemas.regions import Region
from schemas.steps import StepKind
from store.cases import _insert_if_absent, upsert_steps
from store.db import table_of
from store.models import Appeal, AppealStep

APPEAL_TABLE = table_of(Appeal)
# Where an appeal stands, as the store derives it from its steps (the pages name each).
APPEAL_STAGES = ("registration", "triage", "forwarding", "consideration", "closed")
# The outbox's recipient of letters to the applicant (their address is the appeal's).
APPLICANT = "applicant"
COMPETENT_BODY = "competent_body"


def register_appeal(session: Session, *, appeal: AppealSchema, taken_by: str,
                    applicant_key: str | None = None,
                    repeat_window: timedelta = timedelta(0)) -> tuple[str, bool]:
    """Number a received appeal: ``(appeal_id, created)``, e.g. ``("AKT-A-2026-000001",
    True)``; the number carries no personal data. The same (channel, external_ref) always
    gets the same number. A new appeal whose ``applicant_key`` matches an appeal received
    within ``repeat_window`` before it is linked to the latest such one as its repeat.
    Commits, so the number is durable before its workflow starts."""
    created = _insert_if_absent(session, Appeal(
        channel=appeal.channel.value, external_ref=appeal.external_ref, kind=appeal.kind.value,
        region=appeal.region.value, district=appeal.district, received_at=appeal.received_at,
        taken_by=taken_by, appeal_json=appeal.model_dump_json(), applicant_key=applicant_key))
    row = session.exec(select(Appeal).where(
        col(Appeal.channel) == appeal.channel.value,
        col(Appeal.external_ref) == appeal.external_ref)).one()
    if created:
        row.appeal_id = f"{appeal.region.code}-A-{appeal.received_at.year}-{row.id:06d}"
        if applicant_key is not None:
            row.repeat_of = session.exec(select(Appeal.appeal_id).where(
                col(Appeal.applicant_key) == applicant_key, col(Appeal.id) != row.id,
                col(Appeal.received_at) <= appeal.received_at,
                col(Appeal.received_at) > appeal.received_at - repeat_window,
            ).order_by(col(Appeal.received_at).desc()).limit(1)).first()
    appeal_id = row.appeal_id
    session.commit()
    assert appeal_id is not None
    return appeal_id, created


def link_case(session: Session, *, appeal_id: str, case_id: str) -> None:
    """The ¶10 case the appeal opened (the case finds its appeal by this column)."""
    session.connection().execute(update(APPEAL_TABLE).where(
        APPEAL_TABLE.c.appeal_id == appeal_id).values(case_id=case_id))


def get_appeal(session: Session, appeal_id: str) -> Appeal | None:
    return session.exec(select(Appeal).where(col(Appeal.appeal_id) == appeal_id)).first()


def appeal_of_case(session: Session, case_id: str) -> Appeal | None:
    """The appeal that opened the ¶10 case ``case_id``, if one did."""
    return session.exec(select(Appeal).where(col(Appeal.case_id) == case_id)).first()


def stored_appeal(row: Appeal) -> AppealSchema:
    """The appeal as received (personal data: only for people entitled to it)."""
    return AppealSchema.model_validate_json(row.appeal_json)


def appeal_steps(session: Session, appeal_id: str) -> list[AppealStep]:
    query = (select(AppealStep).where(col(AppealStep.appeal_id) == appeal_id)
             .order_by(col(AppealStep.position)))
    return list(session.exec(query))


def procedure_steps(session: Session, appeal_id: str) -> list[ProcedureStep]:
    """The appeal's steps as its workflow last projected them."""
    return [ProcedureStep.model_validate({
        **row.model_dump(), "outcome": json.loads(row.outcome_json) if row.outcome_json
        else None}) for row in appeal_steps(session, appeal_id)]


def list_appeals(session: Session, *, regions: list[Region] | None, limit: int = 200
                 ) -> list[Appeal]:
    """Appeals newest first, in ``regions`` (None: every region)."""
    query = select(Appeal).where(col(Appeal.appeal_id).is_not(None))
    if regions is not None:
        query = query.where(col(Appeal.region).in_([r.value for r in regions]))
    return list(session.exec(query.order_by(col(Appeal.received_at).desc()).limit(limit)))


def project_appeal(session: Session, *, changes: CaseChanges) -> bool:
    """Apply a projection of an appeal's workflow: its changed steps, and the appeal's
    stage, term and result derived from them. Whether the appeal row moved forward (a late
    retry of an older version changes nothing)."""
    upsert_steps(session, changes, AppealStep)
    stored = session.exec(select(AppealStep).where(
        col(AppealStep.appeal_id) == changes.case_id)).all()
    by_key = {s.key: s for s in stored}
    return bool(session.connection().execute(
        update(APPEAL_TABLE)
        .where(APPEAL_TABLE.c.appeal_id == changes.case_id,
               APPEAL_TABLE.c.version < changes.version)
        .values(version=changes.version, overdue=changes.overdue, closed_at=changes.closed_at,
                **_derived(by_key))
    ).rowcount)


def _derived(steps: dict[str, AppealStep]) -> dict[str, Any]:
    """The appeal's columns read from its steps: stage, registration, term and result."""
    def outcome(key: str) -> dict[str, Any]:
        step = steps.get(key)
        return json.loads(step.outcome_json) if step and step.outcome_json else {}

    registration, result = outcome(StepKind.APPEAL_REGISTRATION), outcome(StepKind.APPEAL_RESULT)
    extensions = [outcome(k) for k in sorted(steps) if k.startswith("appeal_extension")]
    due = extensions[-1]["due_at"] if extensions else registration.get("due_at")
    open_kinds = {s.kind for s in steps.values() if s.status == StepStatus.OPEN.value
                  and s.assignee is not None}
    stage = ("closed" if result else "consideration"
             if open_kinds & {StepKind.APPEAL_ANSWER, StepKind.APPEAL_ANSWER_APPROVAL}
             else "forwarding" if StepKind.APPEAL_FORWARD in open_kinds
             else "triage" if registration else "registration")
    return {
        "stage": stage,
        "registered_at": _when(registration.get("registered_at")),
        "due_at": _when(due),
        "verdict": result.get("verdict"),
        "term_met": result.get("term_met"),
        "working_days_late": result.get("working_days_late"),
    }


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class AppealCounts(NamedTuple):
    """One district's appeals received in a period, for the board."""

    region: str
    district: str
    received: int
    open: int
    due_soon: int
    overdue: int
    answered: int
    on_time: int


def appeal_counts(session: Session, *, regions: list[Region] | None, since: datetime,
                  now: datetime, due_soon_before: datetime) -> list[AppealCounts]:
    """Appeals received since ``since`` by region and district: how many, how many open,
    due before ``due_soon_before``, overdue, answered (or forwarded) and answered in time.
    A withdrawn appeal is neither open nor answered."""
    table = APPEAL_TABLE.c
    still_open = table.closed_at.is_(None)
    answered = table.verdict.is_not(None) & (table.verdict != "withdrawn")

    def count(condition: Any) -> Any:
        return func.sum(sql_case((condition, 1), else_=0))

    query = (sql_select(table.region, table.district, func.count(), count(still_open),
                    count(still_open & (table.due_at >= now) & (table.due_at < due_soon_before)),
                    count(still_open & (table.due_at < now)), count(answered),
                    count(answered & table.term_met.is_(True)))
             .where(table.appeal_id.is_not(None), table.received_at >= since)
             .group_by(table.region, table.district).order_by(table.region, table.district))
    if regions is not None:
        query = query.where(table.region.in_([r.value for r in regions]))
    return [AppealCounts(*row) for row in session.connection().execute(query)]
