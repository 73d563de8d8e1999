"""Cases, for the people who work on them: the list, one case, its timeline, inspections."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel

from schemas.case import Actor
from schemas.outcomes import InspectionOutcome
from schemas.steps import Role
from web.actions import record_inspection
from web.deps import CaseId, ServicesDep, require_role
from web.errors import api_language
from web.i18n import Translator
from web.views import (
    CaseDetail,
    CaseHistory,
    CaseQuery,
    CaseSummary,
    StepView,
    case_detail,
    case_history,
    case_list,
)

router = APIRouter(prefix="/cases", tags=["cases"])
# Admins manage users and integrations deliver decisions: neither reads case facts.
Reader = Annotated[Actor, Depends(require_role(Role.CASE_WORKER, Role.SUPERVISOR))]


class InspectionBody(BaseModel):
    outcome: InspectionOutcome


@router.get("")
async def list_cases_in_scope(
    user: Reader, svc: ServicesDep, query: Annotated[CaseQuery, Query()]
) -> list[CaseSummary]:
    """Cases in your region (all regions nationally), newest first; no personal data."""
    return await case_list(svc, user, query)


@router.get("/{case_id:case_number}", name="read_case")
async def read_case(case_id: CaseId, user: Reader, svc: ServicesDep) -> CaseDetail:
    """The case: facts, steps with clause, deadline and actor, notices; the child's personal
    data for case workers and supervisors of its region."""
    return await case_detail(svc, user, case_id)


@router.get("/{case_id:case_number}/history", name="read_case_history")
async def read_case_history(case_id: CaseId, user: Reader, svc: ServicesDep,
                            request: Request) -> CaseHistory:
    """The case's timeline from its Temporal history, each line with clause, actor and delay,
    its code and parameters, and its text in the Accept-Language (English by default)."""
    t = Translator(api_language(request), districts=svc.districts)
    return await case_history(svc, user, case_id, t)


@router.post("/{case_id:case_number}/inspections", status_code=status.HTTP_201_CREATED)
async def record_case_inspection(
    case_id: CaseId, body: InspectionBody, user: Reader, svc: ServicesDep
) -> StepView:
    """¶11.5: record an inspection the ombudsman took part in."""
    return await record_inspection(svc, user, case_id, body.outcome)
