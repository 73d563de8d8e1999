"""What people do to a periodic report, for the API and the pages alike: find it in their
scope, and complete its open task of the kind they act on (a draft, or a decision on it) as
any task is completed (``web.handoffs.complete_or_keep``), the workflow's validators having
the last word. The report is answered as the store holds it after, waiting on its next task:
an update returns once its change is projected, and the next task opens a moment later."""

import asyncio
import time
from collections.abc import Collection
from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from schemas.case import Actor, StepStatus
from schemas.procedure import APPROVALS, REPORT_TASKS, may_complete
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
from schemas.steps import Role, StepKind
from store.models import ReportStep
from store.outbox import case_notices
from store.reports import get_report, report_steps
from web.deps import Services, in_store
from web.handoffs import complete_or_keep
from web.i18n import Translator, catalogue
from web.refuses import refuses
from web.views import ReportMailView

# The decisions on a draft: ¶8's and ¶6.10's approval, ¶6.1's agreement then approval.
DECISIONS = REPORT_TASKS & APPROVALS
# Where a report waits on someone's task; between two tasks it has no due date yet.
WAITING_ON_A_TASK = {ReportStatus.DRAFTING, ReportStatus.AGREEING, ReportStatus.APPROVING}
NEXT_TASK_POLL_SECONDS = 0.05


class PlanBody(BaseModel):
    """¶6.1: the plan's items, as the API takes them and the plan form is built from."""

    items: list[PlanItem] = Field(min_length=1, max_length=200)


class ReportRefused(HTTPException):
    """A report action refused before anything is sent, as a locale key and its parameters:
    the API says it in English, a page in the reader's language."""

    def __init__(self, status_code: int, key: str, **params: str) -> None:
        self.key, self.params = key, params
        super().__init__(status_code, catalogue("en")[key].format_map(params))

    def text(self, t: Translator) -> str:
        return t(self.key, **{name: t.param(name, value) for name, value in self.params.items()})


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


async def report_tasks(svc: Services, view: ReportView) -> list[ReportStep]:
    """The report's tasks as last projected, in the order they opened."""
    return await in_store(svc.engine, lambda s: report_steps(s, view.report_id))


@refuses(403, 409)
async def open_task(svc: Services, user: Actor, view: ReportView, kinds: Collection[StepKind]
                    ) -> ReportStep:
    """The report's open task of one of ``kinds`` (409 if none is open now: say, a decision
    while the draft is written), which ``user``'s role does (403)."""
    task = next((t for t in reversed(await report_tasks(svc, view))
                 if t.status == StepStatus.OPEN and StepKind(t.kind) in kinds), None)
    if task is None:
        raise ReportRefused(status.HTTP_409_CONFLICT, "reports.no_open_task",
                            report=view.report_id, expected=",".join(sorted(kinds)))
    if not may_complete(StepKind(task.kind), user.role):
        raise ReportRefused(status.HTTP_403_FORBIDDEN, "refusal.report_role", actor=user.id,
                            role=user.role.value, clause=task.clause)
    return task


async def complete_open(svc: Services, user: Actor, view: ReportView,
                        kinds: Collection[StepKind], outcome: dict[str, Any]) -> ReportView:
    """Complete the report's open task of ``kinds`` with ``outcome``; the report after."""
    if not view.on_toolkit:  # its update answers the report itself
        return await _sent_before_the_toolkit(svc, user, view, kinds, outcome)
    task = await open_task(svc, user, view, kinds)
    await complete_or_keep(svc, user, view.report_id, task.key, outcome, kinds=kinds)
    return await _next_task_open(svc, user, view.report_id)


def _between_tasks(view: ReportView) -> bool:
    """A task was just completed and the next is not open yet: the workflow counts its
    deadlines (working days, an activity) after the completion is projected."""
    return view.status in WAITING_ON_A_TASK and view.due_at is None


async def _next_task_open(svc: Services, user: Actor, report_id: str) -> ReportView:
    """The report once the store shows its next task open (a decision sent at once then finds
    it), or as it stands after the update deadline: the completion is made either way."""
    give_up = time.monotonic() + svc.settings.update_timeout_seconds
    view = await report_in_scope(svc, user, report_id)
    while _between_tasks(view) and time.monotonic() < give_up:
        await asyncio.sleep(NEXT_TASK_POLL_SECONDS)
        view = await report_in_scope(svc, user, report_id)
    return view


# The updates of a report whose workflow started before the toolkit (workflows/reporting_v1.py,
# kept until none is open): a draft's by its kind, and the decision by where the report is.
BEFORE_THE_TOOLKIT: dict[StepKind, tuple[str, type[BaseModel]]] = {
    StepKind.REPORT_NARRATIVE: ("submit_narrative", Narrative),
    StepKind.PLAN_DRAFT: ("submit_plan", PlanDraft),
    StepKind.BRIEFING: ("submit_briefing", BriefingDraft),
}


def waiting_before_the_toolkit(user: Actor, view: ReportView) -> tuple[bool, bool]:
    """Whether such a report waits for ``user``'s draft, and for their decision (¶6.1's
    agreement: a national-level supervisor's)."""
    drafting = view.status == ReportStatus.DRAFTING and user.role == Role.CASE_WORKER
    deciding = user.role == Role.SUPERVISOR and (
        view.status == ReportStatus.APPROVING
        or (view.status == ReportStatus.AGREEING and user.region is None))
    return drafting, deciding


def decision_before_the_toolkit(view: ReportView) -> str:
    if view.kind != ReportKind.ANNUAL_PLAN:
        return "decide_report"
    return "agree_plan" if view.status == ReportStatus.AGREEING else "approve_plan"


# A workflow update: its validators refuse (schemas/errors.py), or Temporal does not answer.
@refuses(403, 404, 409, 422, 503)
async def _sent_before_the_toolkit(svc: Services, user: Actor, view: ReportView,
                                   kinds: Collection[StepKind], outcome: dict[str, Any]
                                   ) -> ReportView:
    """Send the draft or decision to the update such a report's workflow answers (a
    ``ValidationError`` names what its model refuses); the report as it answers."""
    arg: BaseModel
    if kinds == DECISIONS:
        update, arg = decision_before_the_toolkit(view), ReportDecision(actor=user, **outcome)
    else:
        [kind] = kinds
        update, model = BEFORE_THE_TOOLKIT[kind]
        arg = model.model_validate({"actor": user, **outcome})
    handle = svc.client.get_workflow_handle(view.workflow_id, result_type=ReportView)
    answered: ReportView = await handle.execute_update(update, arg, result_type=ReportView)
    return answered


async def submit_narrative(svc: Services, user: Actor, view: ReportView,
                           sections: dict[NarrativeSection, str]) -> ReportView:
    """¶8: the case worker's sections (a ``ValidationError`` names a section too short)."""
    return await complete_open(svc, user, view, {StepKind.REPORT_NARRATIVE},
                               {"sections": sections})


async def submit_plan(svc: Services, user: Actor, view: ReportView, items: list[PlanItem]
                      ) -> ReportView:
    """¶6.1: the plan's items; it goes to the national Commissioner for agreement."""
    return await complete_open(svc, user, view, {StepKind.PLAN_DRAFT},
                               {"items": [i.model_dump(mode="json") for i in items]})


async def submit_briefing(svc: Services, user: Actor, view: ReportView, briefing: Briefing
                          ) -> ReportView:
    """¶6.10: the briefing held and its public summary (the workflow checks it)."""
    return await complete_open(svc, user, view, {StepKind.BRIEFING},
                               briefing.model_dump(mode="json"))


async def decide(svc: Services, user: Actor, view: ReportView, *, approved: bool,
                 reason: str) -> ReportView:
    """A supervisor's approval or return of the draft; for a ¶6.1 plan awaiting agreement,
    the national Commissioner's office's agreement."""
    return await complete_open(svc, user, view, DECISIONS,
                               {"approved": approved, "reason": reason})
