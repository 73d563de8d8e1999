"""The periodic work of Order No. 149 a Temporal Schedule starts, one workflow per clause:
¶8 the half-yearly information, ¶6.1 the annual plan, ¶6.10 the half-yearly briefing, and
seed 002's monthly district control.

Read a report's ``_procedure`` first. What they share (``Periodic``): the period is the one
before the time the schedule meant to run (``TemporalScheduledStartTime``), so a backfilled
run reports on its own period, and the report is kept in the store as it changes.

The drafts and decisions are the procedure toolkit's tasks (``DraftedAndDecided``): each is a
task of the inbox (``report_step``), claimed, handed over and completed like a case's, under
its deadlines (``schemas/reporting.py: DEADLINES``) with the reminder to its holder, the
regional supervisor told past the second and the Commissioner past the third; a decision is
four eyes, and a rejection returns the draft with the reason. The report (``ReportView``) is
read off its tasks at every change and projected with them.

Reports started before this are ``workflows/reporting_v1.py``'s.
"""

from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from activities.calendar import WorkingDayActivities
    from activities.reporting import ReportingActivities
    from ombudsflow.local_time import LOCAL_TIME
    from schemas.activities import Deadlines, Recipient
    from schemas.case import CaseFacts, CaseView, PoliceFinding, Stage, Step
    from schemas.errors import RejectedAction
    from schemas.outcomes import ApprovalOutcome
    from schemas.privacy import identifiers_in
    from schemas.refusals import Reason
    from schemas.report import Category
    from schemas.reporting import (
        DEADLINES,
        PERIOD_OF,
        Briefing,
        BriefingCompletion,
        MailKind,
        NarrativeOutcome,
        PlanOutcome,
        ReportChanges,
        ReportingInput,
        ReportKind,
        ReportMail,
        ReportStatus,
        ReportView,
        report_id,
    )
    from schemas.steps import StepKind

from workflows.approvals import decisions, drafted_and_approved
from workflows.completions import completes, reject
from workflows.procedure import CaseWorkflow

SCHEDULED_AT = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=2),
                                maximum_interval=timedelta(minutes=2)),
}
# ¶8 goes to the Commissioner, the Committee and the akim; monthly control to the regional
# ombudsman and the akimat.
HALF_YEAR_RECIPIENTS = (Recipient.COMMISSIONER, Recipient.COMMITTEE, Recipient.AKIMAT)
CONTROL_RECIPIENTS = (Recipient.SUPERVISOR, Recipient.AKIMAT)
# A reminder or escalation about a report's task still unsent after this is late.
NOTICE_ESCALATION = timedelta(minutes=15)
# What a report is waiting for while a task of each kind is open (else: a supervisor).
WAITING_ON = {StepKind.PLAN_AGREEMENT: ReportStatus.AGREEING}


def opened(kind: ReportKind, inp: ReportingInput) -> ReportView:
    """The report of ``kind`` a workflow opens now: for ``inp.period``, else the period
    before the time its schedule meant to run."""
    scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_AT)
    period = inp.period or PERIOD_OF[kind](scheduled or workflow.info().start_time)
    return ReportView(
        report_id=report_id(kind, inp.region, period), workflow_id=workflow.info().workflow_id,
        kind=kind, clause=kind.clause, region=inp.region, period=period,
        status=ReportStatus.DRAFTING, opened_at=workflow.now())


class Periodic:
    """One report of one region and period, held in ``view``."""

    kind: ClassVar[ReportKind]
    view: ReportView

    @workflow.query(name="report")
    def report(self) -> ReportView:
        return self.view

    async def save(self) -> None:
        await workflow.execute_activity_method(ReportingActivities.save_report, self.view,
                                               **ACTIVITY)

    async def mail(self, kind: MailKind, recipient: Recipient) -> None:
        await workflow.execute_activity_method(
            ReportingActivities.send_report_mail,
            ReportMail(kind=kind, recipient=recipient, report=self.view), **ACTIVITY)


@workflow.defn
class MonthlyControlWorkflow(Periodic):
    """Seed 002: on the first working day of the month, each district's alarms registered
    late, tasks overdue (who holds each, how long), plans not reviewed on time and reports
    without a preventive talk, to the regional ombudsman and the akimat."""

    kind = ReportKind.MONTHLY_CONTROL

    @workflow.init
    def __init__(self, inp: ReportingInput) -> None:
        self.view = opened(self.kind, inp)

    @workflow.run
    async def run(self, inp: ReportingInput) -> ReportView:
        view = self.view
        start = await workflow.execute_activity_method(
            WorkingDayActivities.first_working_morning, view.period.end, **ACTIVITY)
        if start > workflow.now():
            await workflow.sleep(start - workflow.now())
        view.control = await workflow.execute_activity_method(
            ReportingActivities.compute_district_control, view, **ACTIVITY)
        for recipient in CONTROL_RECIPIENTS:
            await self.mail(MailKind.DELIVERY, recipient)
        view.status, view.delivered_at = ReportStatus.DONE, workflow.now()
        await self.save()
        return view


class DraftedAndDecided(Periodic, CaseWorkflow):
    """A report a case worker drafts and ``deciders`` decide in turn, on the toolkit: the
    report's tasks are a case's steps (the case is the report: its number the report's id,
    its region the report's, no district and no child), projected with the report."""

    draft: ClassVar[StepKind]
    deciders: ClassVar[tuple[StepKind, ...]]

    @workflow.init
    def __init__(self, inp: ReportingInput) -> None:
        self.view = inp.carried_report or opened(self.kind, inp)
        view = self.view
        view.on_toolkit = True
        case = inp.carried_case or CaseView(
            case_id=view.report_id, version=0,
            facts=CaseFacts(region=view.region, district="", category=Category.OTHER,
                            threat_to_life_or_health=False, cohabiting_parent=False,
                            received_at=view.opened_at),
            stage=Stage.RESPONSE, police_finding=PoliceFinding.PENDING,
            opened_at=view.opened_at, overdue=False, steps=[])
        self.start(case, deadlines=DEADLINES, notice_escalation=NOTICE_ESCALATION, child=None,
                   derive=self._derive, projection=ReportingActivities.project_report,
                   changes=self._changes, national=Recipient.COMMISSIONER)

    async def ran(self, inp: ReportingInput) -> ReportView:
        """The report once its ``_procedure`` has run (each type's ``run``), continued as new
        if its history grows long; at once, naming the other, if another workflow holds the
        report already (its schedule triggered or backfilled twice for one period)."""
        holder = await workflow.execute_activity_method(ReportingActivities.hold_report,
                                                        self.view, **ACTIVITY)
        if holder != self.view.workflow_id:
            self.view.duplicate_of = holder
            return self.view
        if not await self.state.run(self._procedure, settled=self.notices.settled,
                                    history_limit=inp.history_limit):
            workflow.continue_as_new(inp.model_copy(update={
                "carried_case": self.state.view, "carried_report": self.view}))
        return self.view

    async def _procedure(self) -> None:
        raise NotImplementedError

    async def drafted_and_decided(self) -> None:
        """The draft, once every decider has approved it."""
        await drafted_and_approved(self.state, self.tasks, self.draft, *self.deciders,
                                   term=self.term)

    def term(self, kind: StepKind) -> Deadlines | None:
        """The deadlines the law fixes for a task of ``kind`` (None: from its opening)."""
        return None

    def finish(self) -> None:
        """The report delivered (or published) now, and closed."""
        self.view.status, self.view.delivered_at = ReportStatus.DELIVERED, workflow.now()
        self.state.view.closed_at = workflow.now()
        self.state.advance(Stage.CLOSED)

    def read(self, draft: Step) -> None:
        """Bring the report's content up to ``draft``'s last attempt."""
        raise NotImplementedError

    def _changes(self, **fields: Any) -> ReportChanges:
        return ReportChanges(**fields, report=self.view.model_copy(deep=True))

    def _derive(self, case: CaseView) -> None:
        """The report as its tasks say: the draft's content, where it waits and until when,
        who drafted and approved it, why it was returned, when people were reminded."""
        view = self.view
        steps = {s.key: s for s in case.steps}
        view.reminded_at = sorted(s.reminded_at for s in case.steps if s.reminded_at)
        view.escalated_at = min((s.escalated_at for s in case.steps if s.escalated_at),
                                default=None)
        draft = steps.get(self.draft.value)
        if draft is None or view.delivered_at is not None:
            return
        if draft.outcome is not None:
            self.read(draft)
        view.drafted_by = draft.actor
        view.returned_with = draft.note.removeprefix("rejected: ") if draft.note else None
        view.status, waiting = self._waiting(draft, steps)
        view.due_at = waiting.due_at if waiting is not None else None
        if view.status == ReportStatus.APPROVED:
            view.approved_by = steps[decisions(draft, self.deciders)[-1][1]].actor

    def _waiting(self, draft: Step, steps: dict[str, Step]
                 ) -> tuple[ReportStatus, Step | None]:
        """Where the draft's current attempt is, and the open task it waits on."""
        if draft.is_open():
            return ReportStatus.DRAFTING, draft
        for kind, key in decisions(draft, self.deciders):
            status = WAITING_ON.get(kind, ReportStatus.APPROVING)
            decision = steps.get(key)
            if decision is None or decision.is_open():
                return status, decision
            if not decision.outcome_as(ApprovalOutcome).approved:
                return ReportStatus.DRAFTING, None  # being returned
        return ReportStatus.APPROVED, None


@workflow.defn
class HalfYearReport(DraftedAndDecided):
    """¶8: information on the ombudsman's activity for the half-year, to the Commissioner, the
    Committee and the akim."""

    kind = ReportKind.HALF_YEAR
    draft = StepKind.REPORT_NARRATIVE
    deciders = (StepKind.REPORT_APPROVAL,)

    @workflow.run
    async def run(self, inp: ReportingInput) -> ReportView:
        return await self.ran(inp)

    async def _procedure(self) -> None:
        """The figures (and the year's approved ¶6.1 plan, reported on), the narrative
        approved by four eyes, then delivered with its documents."""
        view = self.view
        if view.figures is None:
            view.figures = await self.state.working(workflow.execute_activity_method(
                ReportingActivities.compute_half_year_figures, view, **ACTIVITY))
            view.plan = await self.state.working(workflow.execute_activity_method(
                ReportingActivities.approved_plan_items, view, **ACTIVITY))
            self.state.changed()
        await self.drafted_and_decided()
        for recipient in HALF_YEAR_RECIPIENTS:
            await self.state.working(self.mail(MailKind.DELIVERY, recipient))
        self.finish()

    def read(self, draft: Step) -> None:
        self.view.narrative = dict(draft.outcome_as(NarrativeOutcome).sections)

    draft_report_narrative = completes(StepKind.REPORT_NARRATIVE)
    decide_approval = completes(StepKind.REPORT_APPROVAL)


@workflow.defn
class AnnualPlan(DraftedAndDecided):
    """¶6.1: next year's work plan, agreed with the national Commissioner and approved by the
    regional ombudsman by 30 December: its holder reminded on 20 December, the regional
    ombudsman told on the 27th, the Commissioner once the 30th has passed."""

    kind = ReportKind.ANNUAL_PLAN
    draft = StepKind.PLAN_DRAFT
    deciders = (StepKind.PLAN_AGREEMENT, StepKind.PLAN_APPROVAL)

    @workflow.run
    async def run(self, inp: ReportingInput) -> ReportView:
        return await self.ran(inp)

    async def _procedure(self) -> None:
        await self.drafted_and_decided()
        self.finish()

    def term(self, kind: StepKind) -> Deadlines:
        """¶6.1: every task of the plan is held to December of the year before its own."""
        year = self.view.period.start.year - 1
        return Deadlines(due_at=at_local(date(year, 12, 20), 9),
                         escalate_at=at_local(date(year, 12, 27), 9),
                         committee_at=at_local(date(year, 12, 30), 18))

    def read(self, draft: Step) -> None:
        self.view.plan = list(draft.outcome_as(PlanOutcome).items)

    draft_annual_plan = completes(StepKind.PLAN_DRAFT)
    agree_annual_plan = completes(StepKind.PLAN_AGREEMENT)
    decide_approval = completes(StepKind.PLAN_APPROVAL)


@workflow.defn
class HalfYearBriefing(DraftedAndDecided):
    """¶6.10: the half-yearly public briefing held, its public summary checked for personal
    data, approved (four eyes) and published in the publication register."""

    kind = ReportKind.BRIEFING
    draft = StepKind.BRIEFING
    deciders = (StepKind.BRIEFING_APPROVAL,)

    @workflow.run
    async def run(self, inp: ReportingInput) -> ReportView:
        return await self.ran(inp)

    async def _procedure(self) -> None:
        await self.drafted_and_decided()
        await self.state.working(workflow.execute_activity_method(
            ReportingActivities.publish_briefing, self.view, **ACTIVITY))
        self.finish()

    def read(self, draft: Step) -> None:
        self.view.briefing = draft.outcome_as(Briefing)

    def _no_identifiers(self, c: BriefingCompletion) -> None:
        """The summary and topics are published: nothing in them may identify a person."""
        briefing = c.outcome
        for field, text in (("summary", briefing.summary),
                            *(("topics", t) for t in briefing.topics)):
            if identifiers_in(text, workflow.now().date()):
                raise reject(RejectedAction.INVALID_OUTCOME, Reason.BRIEFING_IDENTIFIERS,
                             field=field)

    draft_briefing = completes(StepKind.BRIEFING, check=_no_identifiers)
    decide_approval = completes(StepKind.BRIEFING_APPROVAL)


def at_local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TIME)


REPORTING_WORKFLOWS = (HalfYearReport, MonthlyControlWorkflow, AnnualPlan, HalfYearBriefing)
WORKFLOW_OF: dict[ReportKind, type[Periodic]] = {w.kind: w for w in REPORTING_WORKFLOWS}
