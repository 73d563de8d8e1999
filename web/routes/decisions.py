"""Decisions other bodies deliver from their own systems: the police answer on the facts
(¶11) and the KDN's decision (¶11.7). The same updates as the task forms, acted by the key."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from schemas.outcomes import KdnDecisionOutcome, PoliceDecisionOutcome
from schemas.steps import StepKind
from web.actions import deliver_decision
from web.deps import Integration, ServicesDep, require_key
from web.views import StepView

router = APIRouter(tags=["decisions"])
RESPONSES: dict[int | str, dict[str, str]] = {
    409: {"description": "already decided, or the case is not waiting for this decision"},
}


class PoliceDecision(BaseModel):
    case_id: str = Field(max_length=32)
    outcome: PoliceDecisionOutcome


class KdnDecision(BaseModel):
    case_id: str = Field(max_length=32)
    outcome: KdnDecisionOutcome


@router.post("/police-decisions", responses=RESPONSES)
async def deliver_police_decision(
    body: PoliceDecision, key: Annotated[Integration, Depends(require_key("police_decisions"))],
    svc: ServicesDep, request: Request,
) -> StepView:
    """¶11: the police confirm the facts (the ¶11 measures follow) or do not."""
    request.state.case_id = body.case_id
    return await deliver_decision(svc, key.actor, body.case_id, StepKind.POLICE_DECISION,
                                  body.outcome.model_dump(mode="json"))


@router.post("/kdn-decisions", responses=RESPONSES)
async def deliver_kdn_decision(
    body: KdnDecision, key: Annotated[Integration, Depends(require_key("kdn_decisions"))],
    svc: ServicesDep, request: Request,
) -> StepView:
    """¶11.7: the KDN decides, ending the temporary placement."""
    request.state.case_id = body.case_id
    return await deliver_decision(svc, key.actor, body.case_id, StepKind.KDN_DECISION,
                                  body.outcome.model_dump(mode="json"))
