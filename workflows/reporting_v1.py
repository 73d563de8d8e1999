"""The periodic work as it ran before it was built on the procedure toolkit: reports whose
workflow started before then finish here, and their recorded histories replay here. New
reports are ``workflows/reporting.py``'s; remove this module once no report of these types is
open (``temporal workflow list --query "WorkflowType IN ('HalfYearReportWorkflow',
'AnnualPlanWorkflow', 'BriefingWorkflow') AND ExecutionStatus = 'Running'"``).

Each kept its own drafting, four-eyes decisions, reminders and escalation (``PeriodicWork``);
updates are refused by their validators before anything enters the history.
"""

from datetime import date, datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from activities.reporting import ReportingActivities
    from schemas.activities import DeadlineRequest, Recipient
    from schemas.case import Actor
    from schemas.errors import RejectedAction
    from schemas.policy import Deadline, working_days
    from schemas.privacy import identifiers_in
    from schemas.refusals import Reason
    from schemas.reporting import (
        BriefingDraft,
        MailKind,
        Narrative,
        PlanDraft,
        ReportDecision,
        ReportingInput,
        ReportKind,
        ReportStatus,
        ReportView,
    )
    from schemas.steps import Role

from workflows.completions import reject
from workflows.reporting import ACTIVITY, HALF_YEAR_RECIPIENTS, Periodic, at_local, opened

# ¶8: the draft is due ten working days after the half-year's report opens; its approval
# three. ¶6.10: the briefing within a month of working days.
DRAFT = Deadline(due=working_days(10), escalate=working_days(15))
APPROVAL = Deadline(due=working_days(3), escalate=working_days(5))
BRIEFING = Deadline(due=working_days(20), escalate=working_days(25))


class PeriodicWork(Periodic):
    """One report of one region and period, held in ``view`` and saved at every change."""

    @workflow.init
    def __init__(self, inp: ReportingInput) -> None:
        """The report opens with the workflow, so the ``report`` query answers at once."""
        self.view = opened(self.kind, inp)

    async def finish(self, status: ReportStatus = ReportStatus.DELIVERED) -> ReportView:
        """The report delivered (or, monthly control, done) now, and saved."""
        self.view.status, self.view.delivered_at = status, workflow.now()
        await self.save()
        return self.view

    async def deadlines(self, deadline: Deadline) -> tuple[datetime, datetime]:
        found = await workflow.execute_activity_method(
            CalendarActivities.compute_deadlines,
            DeadlineRequest(start=workflow.now(), deadline=deadline), **ACTIVITY)
        return found.due_at, found.escalate_at

    async def until(self, status: ReportStatus, *, due: datetime, reminders: list[datetime],
                    escalate_at: datetime, escalate_to: Recipient) -> None:
        """Wait while the report is in ``status`` (``due`` then, as people are shown): remind
        the regional office at each of ``reminders`` and tell ``escalate_to`` once at
        ``escalate_at``, if still waiting."""
        self.view.due_at = due
        await self.save()
        for at, late in [*((r, MailKind.REMINDER) for r in reminders),
                         (escalate_at, MailKind.ESCALATION)]:
            if at <= workflow.now() or not await self._still(status, at):
                continue
            if late == MailKind.REMINDER:
                self.view.reminded_at.append(workflow.now())
                await self.mail(late, Recipient.OMBUDSMAN_OFFICE)
            elif self.view.escalated_at is None:
                self.view.escalated_at = workflow.now()
                await self.mail(late, escalate_to)
            await self.save()
        await workflow.wait_condition(lambda: self.view.status != status)

    async def _still(self, status: ReportStatus, at: datetime) -> bool:
        try:
            await workflow.wait_condition(lambda: self.view.status != status,
                                          timeout=at - workflow.now())
        except TimeoutError:
            return True
        return False

    async def drafted_and_approved(self, draft: Deadline) -> None:
        """Drafting under ``draft``, then a supervisor's decision; a rejection returns it."""
        while True:
            due, escalate = await self.deadlines(draft)
            await self.until(ReportStatus.DRAFTING, due=due, reminders=[due],
                             escalate_at=escalate, escalate_to=Recipient.SUPERVISOR)
            due, escalate = await self.deadlines(APPROVAL)
            await self.until(ReportStatus.APPROVING, due=due, reminders=[due],
                             escalate_at=escalate, escalate_to=Recipient.SUPERVISOR)
            if self.view.status == ReportStatus.APPROVED:
                return

    # Updates' shared checks -------------------------------------------------------------

    def check(self, actor: Actor, role: Role, status: ReportStatus, *,
              national: bool = False) -> None:
        """The report is at ``status`` and ``actor`` may act on it: their role, their region
        (``national``: only a national-level user), and four eyes for a decision."""
        view = self.view
        if view.status != status:
            raise reject(RejectedAction.TASK_CLOSED, Reason.REPORT_NOT_AT_STATUS,
                         clause=view.clause)
        if actor.role != role:
            raise reject(RejectedAction.FORBIDDEN, Reason.REPORT_ROLE, actor=actor.id,
                         role=actor.role.value, clause=view.clause)
        if national and actor.region is not None:
            raise reject(RejectedAction.FORBIDDEN, Reason.NATIONAL_OFFICE_ONLY,
                         clause=view.clause, actor=actor.id, acts_for=actor.region or "")
        if not actor.covers(view.region):
            raise reject(RejectedAction.FORBIDDEN, Reason.OTHER_REGION, actor=actor.id,
                         region=view.region.value, acts_for=actor.region or "")
        if role != Role.CASE_WORKER and actor.id == view.drafted_by:
            raise reject(RejectedAction.FORBIDDEN, Reason.FOUR_EYES_DRAFT, actor=actor.id)

    def drafted(self, actor: Actor, next_status: ReportStatus) -> ReportView:
        """A draft from ``actor`` (its content already in the view) goes on to ``next_status``."""
        self.view.drafted_by, self.view.status = actor.id, next_status
        return self.view

    def decided(self, d: ReportDecision, next_status: ReportStatus) -> ReportView:
        """Move on to ``next_status``, or back to drafting with the reason."""
        if d.approved:
            self.view.status = next_status
            self.view.approved_by = d.actor.id
        else:
            self.view.status, self.view.returned_with = ReportStatus.DRAFTING, d.reason
        return self.view


class DecidedByASupervisor(PeriodicWork):
    """A report a supervisor approves (four eyes) or returns with the reason (¶8, ¶6.10)."""

    @workflow.update
    async def decide_report(self, d: ReportDecision) -> ReportView:
        """The supervisor approves the draft (not their own) or returns it with the reason;
        the refusals cite the report's clause."""
        return self.decided(d, ReportStatus.APPROVED)

    @decide_report.validator
    def _decision(self, d: ReportDecision) -> None:
        self.check(d.actor, Role.SUPERVISOR, ReportStatus.APPROVING)


@workflow.defn(name="HalfYearReportWorkflow")
class HalfYearReportWorkflow(DecidedByASupervisor):
    """¶8: information on the ombudsman's activity for the half-year, to the Commissioner, the
    Committee and the akim."""

    kind = ReportKind.HALF_YEAR

    @workflow.run
    async def run(self, inp: ReportingInput) -> ReportView:
        view = self.view
        view.figures = await workflow.execute_activity_method(
            ReportingActivities.compute_half_year_figures, view, **ACTIVITY)
        view.plan = await workflow.execute_activity_method(
            ReportingActivities.approved_plan_items, view, **ACTIVITY)  # ¶6.1's, reported on
        await self.drafted_and_approved(DRAFT)
        for recipient in HALF_YEAR_RECIPIENTS:
            await self.mail(MailKind.DELIVERY, recipient)
        return await self.finish()

    @workflow.update
    async def submit_narrative(self, n: Narrative) -> ReportView:
        """¶8: the case worker's sections beside the figures; the report goes for approval."""
        self.view.narrative = dict(n.sections)
        return self.drafted(n.actor, ReportStatus.APPROVING)

    @submit_narrative.validator
    def _narrative(self, n: Narrative) -> None:
        self.check(n.actor, Role.CASE_WORKER, ReportStatus.DRAFTING)


@workflow.defn(name="AnnualPlanWorkflow")
class AnnualPlanWorkflow(PeriodicWork):
    """¶6.1: next year's work plan, agreed with the national Commissioner and approved by the
    regional ombudsman by 30 December; reminders on 20 and 27 December, and the Commissioner
    is told if the 30th passes."""

    kind = ReportKind.ANNUAL_PLAN

    @workflow.run
    async def run(self, inp: ReportingInput) -> ReportView:
        view = self.view
        year = view.period.start.year - 1
        reminders = [at_local(date(year, 12, day), 9) for day in (20, 27)]
        deadline = at_local(date(year, 12, 30), 18)
        while view.status != ReportStatus.APPROVED:
            for status in (ReportStatus.DRAFTING, ReportStatus.AGREEING,
                           ReportStatus.APPROVING):
                if view.status == status:
                    await self.until(status, due=deadline, reminders=reminders,
                                     escalate_at=deadline, escalate_to=Recipient.COMMISSIONER)
        return await self.finish()

    @workflow.update
    async def submit_plan(self, p: PlanDraft) -> ReportView:
        """¶6.1: the plan's items; it goes to the Commissioner for agreement."""
        self.view.plan = list(p.items)
        return self.drafted(p.actor, ReportStatus.AGREEING)

    @submit_plan.validator
    def _plan(self, p: PlanDraft) -> None:
        self.check(p.actor, Role.CASE_WORKER, ReportStatus.DRAFTING)

    @workflow.update
    async def agree_plan(self, d: ReportDecision) -> ReportView:
        """¶6.1: the national Commissioner's agreement, or the plan back with the reason."""
        return self.decided(d, ReportStatus.APPROVING)

    @agree_plan.validator
    def _agreement(self, d: ReportDecision) -> None:
        self.check(d.actor, Role.SUPERVISOR, ReportStatus.AGREEING, national=True)

    @workflow.update
    async def approve_plan(self, d: ReportDecision) -> ReportView:
        """¶6.1: the regional ombudsman's approval."""
        return self.decided(d, ReportStatus.APPROVED)

    @approve_plan.validator
    def _approval(self, d: ReportDecision) -> None:
        self.check(d.actor, Role.SUPERVISOR, ReportStatus.APPROVING)
        if d.actor.region is None:
            raise reject(RejectedAction.FORBIDDEN, Reason.REGIONAL_OFFICE_ONLY,
                         clause=self.view.clause, actor=d.actor.id)


@workflow.defn(name="BriefingWorkflow")
class BriefingWorkflow(DecidedByASupervisor):
    """¶6.10: the half-yearly public briefing held, its public summary checked for personal
    data, approved (four eyes) and published in the publication register."""

    kind = ReportKind.BRIEFING

    @workflow.run
    async def run(self, inp: ReportingInput) -> ReportView:
        await self.drafted_and_approved(BRIEFING)
        await workflow.execute_activity_method(ReportingActivities.publish_briefing, self.view,
                                               **ACTIVITY)
        return await self.finish()

    @workflow.update
    async def submit_briefing(self, b: BriefingDraft) -> ReportView:
        """¶6.10: the briefing held and its public summary; it goes for approval."""
        self.view.briefing = b
        return self.drafted(b.actor, ReportStatus.APPROVING)

    @submit_briefing.validator
    def _briefing(self, b: BriefingDraft) -> None:
        self.check(b.actor, Role.CASE_WORKER, ReportStatus.DRAFTING)
        for field, text in (("summary", b.summary), *(("topics", t) for t in b.topics)):
            found = identifiers_in(text, workflow.now().date())
            if found:
                raise reject(RejectedAction.INVALID_OUTCOME, Reason.BRIEFING_IDENTIFIERS,
                             field=field)


# Registered beside today's, under the type names they started with.
REPORTING_WORKFLOWS_V1 = (HalfYearReportWorkflow, AnnualPlanWorkflow, BriefingWorkflow)
