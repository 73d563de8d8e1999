"""What people read of a ¶6.2 appeal, for the API and the appeal page alike: its header as
the store last projected it, the appeal with the applicant (personal data: only for the people
of its region, or national ones), and its steps live from the workflow."""

from datetime import datetime

from fastapi import HTTPException, status
from pydantic import BaseModel

from schemas.appeal import Appeal
from schemas.case import Actor, Step
from store.appeals import get_appeal, procedure_steps, stored_appeal
from store.models import Appeal as AppealRow
from web.deps import Services, ensure_covers, in_store
from web.refuses import refuses


class AppealSummary(BaseModel):
    appeal_id: str
    kind: str
    channel: str
    region: str
    district: str
    received_at: datetime
    registered_at: datetime | None
    stage: str
    due_at: datetime | None
    overdue: bool
    verdict: str | None
    term_met: bool | None
    working_days_late: int | None
    case_id: str | None
    repeat_of: str | None = None

    @classmethod
    def of(cls, row: AppealRow) -> "AppealSummary":
        return cls.model_validate(row, from_attributes=True)


class AppealDetail(AppealSummary):
    """The appeal with the applicant (personal data: only for its region's people)."""

    taken_by: str
    appeal: Appeal
    steps: list[Step]


async def appeal_steps(svc: Services, appeal_id: str) -> list[Step]:
    """The appeal's steps live from its workflow; as last projected if it cannot answer."""
    live = await svc.cases.read(appeal_id)
    if live is not None:
        return live.steps
    return await in_store(svc.engine, lambda s: procedure_steps(s, appeal_id))


@refuses(404)
async def readable(svc: Services, user: Actor, appeal_id: str) -> AppealRow:
    row = await in_store(svc.engine, lambda s: get_appeal(s, appeal_id))
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no appeal {appeal_id}")
    ensure_covers(user, stored_appeal(row).region)
    return row


async def appeal_detail(svc: Services, user: Actor, appeal_id: str) -> AppealDetail:
    """The appeal as ``user`` may read it (404 unknown, 403 another region's)."""
    row = await readable(svc, user, appeal_id)
    steps = await appeal_steps(svc, appeal_id)
    return AppealDetail.model_validate({**AppealSummary.of(row).model_dump(),
                                        "taken_by": row.taken_by, "appeal": stored_appeal(row),
                                        "steps": steps})
