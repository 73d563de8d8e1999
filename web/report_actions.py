"""What people do to a periodic report, for the API and the pages alike: find it in their
scope, and send a draft or a decision to its workflow, whose validators have the last word."""

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from schemas.case import Actor
from schemas.reporting import (
    Briefing,
    BriefingDraft,
    Narrative,
    NarrativeSection,
    PlanDraft,
    PlanItem,
    ReportDecision,
    ReportKind,
    ReportStatus,
    ReportView,
)
from store.outbox import case_notices
from store.reports import get_report
from web.deps import Services, in_store
from web.refuses import refuses
from web.views import ReportMailView


class PlanBody(BaseModel):
    """¶6.1: the plan's items, as the API takes them and the plan form is built from."""

    items: list[PlanItem] = Field(min_length=1, max_length=200)


@refuses(403, 404)
async def report_in_scope(svc: Services, user: Actor, report_id: str) -> ReportView:
    view = await in_store(svc.engine, lambda s: get_report(s, report_id))
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no activity report {report_id!r}")
    if not user.covers(view.region):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"{user.id} acts for {user.region}; this report belongs to "
                            f"{view.region.value}")
    return view


async def report_mails(svc: Services, view: ReportView) -> list[ReportMailView]:
    """The report's mails as the outbox holds them (sent or still retried), oldest first."""
    rows = await in_store(svc.engine, lambda s: case_notices(s, view.report_id))
    return [ReportMailView.model_validate(r) for r in rows]


# A workflow update: its validators refuse (schemas/errors.py), or Temporal does not answer.
@refuses(403, 404, 409, 422, 503)
async def send(svc: Services, view: ReportView, update: str, arg: BaseModel) -> ReportView:
    """Run ``update`` on the report's workflow with ``arg``; the report as it is after."""
    handle = svc.client.get_workflow_handle(view.workflow_id, result_type=ReportView)
    result: ReportView = await handle.execute_update(update, arg, result_type=ReportView)
    return result


async def submit_narrative(svc: Services, user: Actor, view: ReportView,
                           sections: dict[NarrativeSection, str]) -> ReportView:
    """¶8: the case worker's sections (a ``ValidationError`` names a section too short)."""
    return await send(svc, view, "submit_narrative", Narrative(actor=user, sections=sections))


async def submit_plan(svc: Services, user: Actor, view: ReportView, items: list[PlanItem]
                      ) -> ReportView:
    """¶6.1: the plan's items; it goes to the national Commissioner for agreement."""
    return await send(svc, view, "submit_plan", PlanDraft(actor=user, items=items))


async def submit_briefing(svc: Services, user: Actor, view: ReportView, briefing: Briefing
                          ) -> ReportView:
    """¶6.10: the briefing held and its public summary (the workflow checks it)."""
    draft = BriefingDraft(actor=user, **briefing.model_dump())
    return await send(svc, view, "submit_briefing", draft)


async def decide(svc: Services, user: Actor, view: ReportView, *, approved: bool,
                 reason: str) -> ReportView:
    """A supervisor's approval or return; for a ¶6.1 plan awaiting agreement, the national
    Commissioner's office's agreement."""
    decision = ReportDecision(actor=user, approved=approved, reason=reason)
    if view.kind == ReportKind.ANNUAL_PLAN:
        update = "agree_plan" if view.status == ReportStatus.AGREEING else "approve_plan"
    else:
        update = "decide_report"
    return await send(svc, view, update, decision)
