"""Intake over HTTP: integrations (helpline 111, the Telegram chat, …) submit reports."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel

from cases.intake import parse_report, submit_report
from schemas.report import ViolationReport
from web.deps import Integration, ServicesDep, require_key
from web.ratelimit import enforce, limits_of

router = APIRouter(prefix="/reports", tags=["reports"])
ReportsKey = Annotated[Integration, Depends(require_key("reports"))]


class CaseLinks(BaseModel):
    self: str
    history: str
    temporal_ui: str


class ReportAccepted(BaseModel):
    case_id: str
    workflow_id: str
    links: CaseLinks


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        status.HTTP_200_OK: {"model": ReportAccepted,
                             "description": "already received: the case opened for it"},
        status.HTTP_403_FORBIDDEN: {"description": "the key may not report for this channel"},
        status.HTTP_422_UNPROCESSABLE_CONTENT: {
            "description": "each bad field and why; a district that is not a code of the "
                           "report's region names where the codes are listed"},
    },
)
async def submit_violation_report(
    body: ViolationReport, request: Request, response: Response, key: ReportsKey,
    svc: ServicesDep,
) -> ReportAccepted:
    """Report a violation of a child's rights (¶10). Idempotent by (channel, external_ref):
    a repeat, even a concurrent one, answers 200 with the case the first opened."""
    # ``body`` documents and pre-checks the schema; intake validates again with the clock, so
    # a report "received" in the future is refused the same way as any other bad field.
    enforce(limits_of(request).reports, key.key_id, "reports from this key")
    report = parse_report(await request.json(), districts=svc.districts)
    if report.channel.value not in key.channels:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"this key may not report for the {report.channel.value} channel")
    submission = await submit_report(svc.client, svc.engine, report,
                                     task_queue=svc.settings.task_queue)
    if not submission.created:
        response.status_code = status.HTTP_200_OK
    case_id = request.state.case_id = submission.case_id
    return ReportAccepted(
        case_id=case_id,
        workflow_id=submission.workflow_id,
        links=CaseLinks(self=str(request.url_for("read_case", case_id=case_id)),
                        history=str(request.url_for("read_case_history", case_id=case_id)),
                        temporal_ui=svc.settings.temporal_ui_link(case_id)),
    )
