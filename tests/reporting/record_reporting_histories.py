"""Record one history per reporting workflow type, in clear, for the replay test:
``python -m tests.reporting.record_reporting_histories``. A file that exists is never
rewritten (a changed workflow gets ``-v2-`` files beside the old ones)."""

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from schemas.regions import Region
from schemas.reporting import (
    Briefing,
    BriefingCompletion,
    BriefingDraft,
    Narrative,
    NarrativeCompletion,
    NarrativeOutcome,
    NarrativeSection,
    Period,
    PlanCompletion,
    PlanDraft,
    PlanItem,
    PlanOutcome,
    ReportDecision,
    ReportingInput,
)
from tests.conftest import new_worker
from tests.support.clock import skip
from tests.support.factories import supervisor_of, worker_of
from tests.support.record_histories import recorder
from tests.support.reporting import approve, complete
from workflows.reporting import AnnualPlan, HalfYearBriefing, HalfYearReport, MonthlyControlWorkflow
from workflows.reporting_v1 import AnnualPlanWorkflow, BriefingWorkflow, HalfYearReportWorkflow

HISTORIES = Path(__file__).parent.parent / "histories" / "reporting"
H1 = Period(start=date(2026, 1, 1), end=date(2026, 7, 1), label="2026-H1")
RETURNED = ReportDecision(actor=supervisor_of(), approved=False, reason="Add the KDN figures")
APPROVED = ReportDecision(actor=supervisor_of(), approved=True)


async def _half_year(h: WorkflowHandle[Any, Any], env: WorkflowEnvironment) -> None:
    narrative = Narrative(actor=worker_of(),
                          sections={NarrativeSection.SUMMARY: "Жарты жылдың қорытындысы."})
    await h.execute_update(HalfYearReportWorkflow.submit_narrative, narrative)
    await h.execute_update(HalfYearReportWorkflow.decide_report, RETURNED)
    await skip(env, 60 * 60 * 24 * 30)  # reminded and escalated while back in draft
    await h.execute_update(HalfYearReportWorkflow.submit_narrative, narrative)
    await h.execute_update(HalfYearReportWorkflow.decide_report, APPROVED)


async def _plan(h: WorkflowHandle[Any, Any], env: WorkflowEnvironment) -> None:
    draft = PlanDraft(actor=worker_of(), items=[PlanItem(
        activity="Профилактикалық кездесулер", clause="¶6.1", responsible="Кеңсе",
        quarter=1, expected_result="20 кездесу")])
    national = supervisor_of(region=None, name="commissioner-office")
    await h.execute_update(AnnualPlanWorkflow.submit_plan, draft)
    await h.execute_update(AnnualPlanWorkflow.agree_plan, ReportDecision(
        actor=national, approved=False, reason="Add ¶6.10 briefings"))
    await h.execute_update(AnnualPlanWorkflow.submit_plan, draft)
    await h.execute_update(AnnualPlanWorkflow.agree_plan,
                           ReportDecision(actor=national, approved=True))
    await skip(env, 60 * 60 * 24 * 40)
    await h.execute_update(AnnualPlanWorkflow.approve_plan, APPROVED)


async def _briefing(h: WorkflowHandle[Any, Any], env: WorkflowEnvironment) -> None:
    await h.execute_update(BriefingWorkflow.submit_briefing, BriefingDraft(
        actor=worker_of(), held_on=date(2026, 7, 20), place="Ақтөбе", topics=["буллинг"],
        summary="Брифингте буллингтің алдын алу талқыланды."))
    await h.execute_update(BriefingWorkflow.decide_report, APPROVED)


async def _half_year_v2(h: WorkflowHandle[Any, Any], env: WorkflowEnvironment) -> None:
    narrative = NarrativeOutcome(sections={NarrativeSection.SUMMARY: "Жарты жылдың қорытындысы."})
    await complete(h, "draft_report_narrative", "report_narrative", worker_of(),
                   NarrativeCompletion, narrative)
    await approve(h, "decide_approval", "report_narrative.approval-1", supervisor_of(),
                  approved=False, reason="Add the KDN figures")
    await skip(env, 60 * 60 * 24 * 31)  # reminded, escalated twice while back in draft
    await complete(h, "draft_report_narrative", "report_narrative", worker_of(),
                   NarrativeCompletion, narrative)
    await approve(h, "decide_approval", "report_narrative.approval-2", supervisor_of())


async def _plan_v2(h: WorkflowHandle[Any, Any], env: WorkflowEnvironment) -> None:
    draft = PlanOutcome(items=[PlanItem(
        activity="Профилактикалық кездесулер", clause="¶6.1", responsible="Кеңсе",
        quarter=1, expected_result="20 кездесу")])
    national = supervisor_of(region=None, name="commissioner-office")
    await complete(h, "draft_annual_plan", "plan_draft", worker_of(), PlanCompletion, draft)
    await approve(h, "agree_annual_plan", "plan_draft.plan_agreement-1", national,
                  approved=False, reason="Add ¶6.10 briefings")
    await complete(h, "draft_annual_plan", "plan_draft", worker_of(), PlanCompletion, draft)
    await approve(h, "agree_annual_plan", "plan_draft.plan_agreement-2", national)
    await skip(env, 60 * 60 * 24 * 40)
    await approve(h, "decide_approval", "plan_draft.approval-2", supervisor_of())


async def _briefing_v2(h: WorkflowHandle[Any, Any], env: WorkflowEnvironment) -> None:
    await complete(h, "draft_briefing", "briefing", worker_of(), BriefingCompletion, Briefing(
        held_on=date(2026, 7, 20), place="Ақтөбе", topics=["буллинг"],
        summary="Брифингте буллингтің алдын алу талқыланды."))
    await approve(h, "decide_approval", "briefing.approval-1", supervisor_of())


async def _nothing(h: WorkflowHandle[Any, Any], env: WorkflowEnvironment) -> None:
    return None


Drive = Callable[[WorkflowHandle[Any, Any], WorkflowEnvironment], Awaitable[None]]
SCENARIOS: dict[str, tuple[object, Period, Drive]] = {
    "half-year-v1-returned-reminded-escalated-delivered": (HalfYearReportWorkflow, H1,
                                                           _half_year),
    "monthly-control-v1-first-working-day": (
        MonthlyControlWorkflow, Period(start=date(2027, 1, 1), end=date(2027, 2, 1),
                                       label="2027-01"), _nothing),
    "annual-plan-v1-returned-escalated-approved": (
        AnnualPlanWorkflow, Period(start=date(2027, 1, 1), end=date(2028, 1, 1), label="2027"),
        _plan),
    "briefing-v1-published": (BriefingWorkflow, H1, _briefing),
}
# On the procedure toolkit (v2), then continuing as new only with no activity in flight
# (v3, workflows.case.QUIET_CONTINUE), then with the repeated reminders begun at the due date
# (v4, workflows.tasks.REPEAT_AFTER_DUE): the same scenarios, recorded again for each version.
TOOLKIT: dict[str, tuple[object, Period, Drive]] = {
    "half-year-{v}-returned-reminded-escalated-delivered": (HalfYearReport, H1, _half_year_v2),
    "annual-plan-{v}-returned-escalated-approved": (
        AnnualPlan, Period(start=date(2027, 1, 1), end=date(2028, 1, 1), label="2027"),
        _plan_v2),
    "briefing-{v}-published": (HalfYearBriefing, H1, _briefing_v2),
}
SCENARIOS.update({name.format(v=version): scenario
                  for version in ("v2-toolkit", "v3-quiet", "v4-after_due")
                  for name, scenario in TOOLKIT.items()})


async def main() -> None:
    async with recorder() as rec:
        for name, (wf, period, drive) in SCENARIOS.items():
            path = HISTORIES / f"{name}.json"
            if path.exists():
                continue
            with tempfile.TemporaryDirectory() as mail:
                async with new_worker(rec.env.client, rec.engine,
                                      FileTransport(Path(mail))) as worker:
                    handle = await rec.env.client.start_workflow(
                        wf.run,  # type: ignore[attr-defined]
                        ReportingInput(region=Region.AKTOBE, period=period),
                        id=name, task_queue=worker.task_queue)  # replayed under its name
                    await drive(handle, rec.env)
                    await handle.result()
                    path.write_text((await handle.fetch_history()).to_json())


if __name__ == "__main__":
    asyncio.run(main())
