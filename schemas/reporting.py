"""What the regional ombudsman is held to periodically (Order No. 149 ¶6.1, ¶6.10, ¶8; seed
002's monthly control), as data: the kinds of periodic work, their periods, the figures of the
¶8 report, the district control rows, and the inputs and updates of the reporting workflows.

Nothing here identifies a child: figures are counts and durations, districts are directory
codes, people are user ids (the staff holding a task, never a child or an applicant).
"""

import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from ombudsflow.local_time import LOCAL_TIME
from schemas.activities import CaseChanges, Recipient
from schemas.case import Actor, CaseView
from schemas.outcomes import Completion
from schemas.policy import Chain, Deadline, days, working_days
from schemas.regions import Region
from schemas.steps import StepKind


class ReportKind(StrEnum):
    """A kind of periodic work; the value opens its report ids and schedule ids."""

    HALF_YEAR = "half-year"  # ¶8: information on the activity, to the Commissioner, ...
    ANNUAL_PLAN = "annual-plan"  # ¶6.1: the work plan for next year, approved by 30 December
    BRIEFING = "briefing"  # ¶6.10: the half-yearly public briefing
    MONTHLY_CONTROL = "monthly-control"  # seed 002: monthly control of the districts

    @property
    def clause(self) -> str:
        return CLAUSES[self]


CLAUSES = {
    ReportKind.HALF_YEAR: "¶8",
    ReportKind.ANNUAL_PLAN: "¶6.1",
    ReportKind.BRIEFING: "¶6.10",
    ReportKind.MONTHLY_CONTROL: "¶8, seed 002",
}


class ReportStatus(StrEnum):
    DRAFTING = "drafting"  # a case worker completes it
    AGREEING = "agreeing"  # ¶6.1: with the national Commissioner
    APPROVING = "approving"  # a supervisor decides (four eyes)
    APPROVED = "approved"  # being delivered or published
    DELIVERED = "delivered"  # sent to its recipients, or published
    DONE = "done"  # monthly control: computed and sent


class Period(BaseModel):
    """Days ``start`` up to (not including) ``end``, on Kazakhstan's clock."""

    start: date
    end: date
    label: str = Field(pattern=r"^\d{4}(-H[12]|-\d{2})?$")  # 2026-H2, 2026-11, 2027

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end: must come after start")
        return self

    @property
    def starts_at(self) -> datetime:
        return _local_midnight(self.start)

    @property
    def ends_at(self) -> datetime:
        return _local_midnight(self.end)


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TIME).astimezone(UTC)


def half_year_before(moment: datetime) -> Period:
    """The half-year that ended last before ``moment`` (¶8, ¶6.10: a run in early January
    reports on July–December, one in early July on January–June)."""
    local = moment.astimezone(LOCAL_TIME).date()
    if local.month >= 7:
        return Period(start=date(local.year, 1, 1), end=date(local.year, 7, 1),
                      label=f"{local.year}-H1")
    return Period(start=date(local.year - 1, 7, 1), end=date(local.year, 1, 1),
                  label=f"{local.year - 1}-H2")


def month_before(moment: datetime) -> Period:
    """The calendar month that ended last before ``moment`` (monthly control)."""
    first = moment.astimezone(LOCAL_TIME).date().replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return Period(start=previous, end=first, label=f"{previous:%Y-%m}")


def year_after(moment: datetime) -> Period:
    """The calendar year after ``moment``'s (¶6.1: the plan opened in December is next
    year's)."""
    year = moment.astimezone(LOCAL_TIME).year + 1
    return Period(start=date(year, 1, 1), end=date(year + 1, 1, 1), label=str(year))


PERIOD_OF = {
    ReportKind.HALF_YEAR: half_year_before,
    ReportKind.BRIEFING: half_year_before,
    ReportKind.MONTHLY_CONTROL: month_before,
    ReportKind.ANNUAL_PLAN: year_after,
}


# A report's id: its kind, its region and its period's label.
REPORT_ID = r"^[a-z_\-]+-\d{4}(?:-H[12]|-\d{2})?$"


def is_report_id(number: str) -> bool:
    """Whether ``number`` is a periodic report's id (its tasks are numbered under it)."""
    return re.fullmatch(REPORT_ID, number) is not None


def report_id(kind: ReportKind, region: Region, period: Period) -> str:
    """``half-year-aktobe-2026-H2``: one report per kind, region and period."""
    return f"{kind.value}-{region.value}-{period.label}"


class ReportingInput(BaseModel):
    """A reporting workflow's argument, fixed by its schedule. ``period`` None: the period
    before the time the schedule meant to run (so a backfilled run reports on its own
    period, not on today's). ``carried_*`` are set only by continue-as-new."""

    region: Region
    period: Period | None = None
    # Continue-as-new past this many history events (Temporal suggests it at 4,096).
    history_limit: int = Field(default=4000, ge=200)
    carried_case: CaseView | None = None
    carried_report: "ReportView | None" = None


# ¶8 figures --------------------------------------------------------------------------------


class Count(BaseModel):
    """One row of a breakdown: a closed-set value (a category, a channel, a district code,
    a clause) and how many."""

    key: str
    count: int


class OnTime(BaseModel):
    """Tasks of one clause done in the period, and how many of them by their due time."""

    clause: str
    done: int
    on_time: int


class Appeals(BaseModel):
    """¶6.2 appeals: zero until the appeals table exists (see ``store.figures.appeals``)."""

    received: int = 0
    answered: int = 0
    answered_on_time: int = 0


class HalfYearFigures(BaseModel):
    """The ¶8 report's figures for one region (or the country) and period, each defined once
    in ``store/figures.py`` under the same name."""

    reports_by_category: list[Count]
    reports_by_channel: list[Count]
    reports_by_region: list[Count]
    reports_by_district: list[Count]
    first_notice_median_seconds: float | None  # ¶10.1: report → first notice
    first_notice_p90_seconds: float | None
    steps_on_time: list[OnTime]
    police_confirmations: int  # ¶11: facts confirmed
    police_refusals: int
    safe_placements: int  # ¶11.7
    kdn_decisions: int  # ¶11.7
    rehabilitation_plans_opened: int  # ¶11.3
    rehabilitation_plans_completed: int
    recommendations_sent: int  # ¶11.6
    publications: int  # ¶11.1, ¶13
    cases_open_at_end: int
    appeals: Appeals = Field(default_factory=Appeals)

    @property
    def reports_received(self) -> int:
        return sum(c.count for c in self.reports_by_category)


# Monthly district control (seed 002) -------------------------------------------------------


class OverdueTask(BaseModel):
    """A task past its due time at the control: who holds it (the claimant, else the role
    it waits on), and for how long."""

    case_id: str
    clause: str
    kind: str
    held_by: str
    overdue_hours: int


class DistrictControl(BaseModel):
    """One district's month: what seed 002 holds the district deputy akims to."""

    district: str  # a directory code
    alarms_registered_late: int
    tasks_overdue: list[OverdueTask]
    plans_not_reviewed_on_time: int
    reports_without_preventive_talk: int


class MonthlyControl(BaseModel):
    region: Region
    period: Period
    computed_at: AwareDatetime
    districts: list[DistrictControl]


# People's decisions on a report -----------------------------------------------------------


class NarrativeSection(StrEnum):
    """¶8 sections a case worker writes beside the figures."""

    SUMMARY = "summary"
    CASES_OF_NOTE = "cases_of_note"
    COOPERATION = "cooperation"
    PLAN_PROGRESS = "plan_progress"  # ¶6.1: what became of the approved plan's items
    PROPOSALS = "proposals"


class NarrativeOutcome(BaseModel):
    """¶8: the sections a case worker writes beside the figures."""

    sections: dict[NarrativeSection, str] = Field(min_length=1)

    @model_validator(mode="after")
    def _sections_have_text(self) -> Self:
        for section, text in self.sections.items():
            if not 10 <= len(text.strip()) <= 8000:
                raise ValueError(f"sections.{section.value}: 10 to 8000 characters")
        return self


class Narrative(NarrativeOutcome):
    """The update of reports opened before the toolkit (``workflows/reporting_v1.py``)."""

    actor: Actor


class ReportDecision(BaseModel):
    """A supervisor's (¶8, ¶6.10, ¶6.1 approval) or the Commissioner's (¶6.1 agreement)
    decision; a rejection says why."""

    actor: Actor
    approved: bool
    reason: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _rejection_says_why(self) -> Self:
        if not self.approved and len(self.reason.strip()) < 3:
            raise ValueError("reason: say why the draft goes back")
        return self


class PlanItem(BaseModel):
    """¶6.1: one activity of the annual plan."""

    activity: str = Field(min_length=3, max_length=500)
    clause: str = Field(pattern=r"^¶\d+(\.\d+)?$")
    responsible: str = Field(min_length=2, max_length=200)
    quarter: int = Field(ge=1, le=4)
    expected_result: str = Field(min_length=3, max_length=500)


class PlanOutcome(BaseModel):
    """¶6.1: the plan's items."""

    items: list[PlanItem] = Field(min_length=1, max_length=200)


class PlanDraft(PlanOutcome):
    """The update of plans opened before the toolkit (``workflows/reporting_v1.py``)."""

    actor: Actor


class Briefing(BaseModel):
    """¶6.10: the briefing held and its public summary (checked for personal data)."""

    held_on: date
    place: str = Field(min_length=2, max_length=200)
    topics: list[str] = Field(min_length=1, max_length=20)
    summary: str = Field(min_length=20, max_length=4000)


class BriefingDraft(Briefing):
    """The update of briefings opened before the toolkit (``workflows/reporting_v1.py``)."""

    actor: Actor


# The tasks of the periodic work: what completes each (their specs: ``schemas/procedure.py``).


class NarrativeCompletion(Completion):
    outcome: NarrativeOutcome


class PlanCompletion(Completion):
    outcome: PlanOutcome


class BriefingCompletion(Completion):
    outcome: Briefing


def _chain(committee: int) -> Chain:
    """The Commissioner is told at ``committee`` working days; a reminder every two after."""
    return Chain(committee=working_days(committee), unclaimed_urgent=None)


# ¶6.1's deadlines are the law's: counted from 1 December, where the schedule opens the plan,
# they are the reminder on 20 December, the regional ombudsman told on the 27th and the
# Commissioner on the 30th; the workflow fixes them to those days whenever it opens.
_PLAN = Deadline(due=days(19), escalate=days(26),
                 chain=Chain(committee=days(29), repeat_every=None, unclaimed_urgent=None))
# The deadlines of the periodic work's tasks, from when each opens: the draft, then its
# decision. Past the second the regional supervisor is told, past the third the Commissioner.
DEADLINES: dict[StepKind, Deadline] = {
    StepKind.REPORT_NARRATIVE: Deadline(due=working_days(10), escalate=working_days(15),
                                        chain=_chain(20)),
    StepKind.REPORT_APPROVAL: Deadline(due=working_days(3), escalate=working_days(5),
                                       chain=_chain(10)),
    StepKind.BRIEFING: Deadline(due=working_days(20), escalate=working_days(25),
                                chain=_chain(30)),
    StepKind.BRIEFING_APPROVAL: Deadline(due=working_days(3), escalate=working_days(5),
                                         chain=_chain(10)),
    StepKind.PLAN_DRAFT: _PLAN,
    StepKind.PLAN_AGREEMENT: _PLAN,
    StepKind.PLAN_APPROVAL: _PLAN,
}


class MailKind(StrEnum):
    DELIVERY = "delivery"  # the report itself, documents attached
    REMINDER = "reminder"  # the draft or decision is due: to the regional office
    ESCALATION = "escalation"  # past its deadline: to the supervisor (¶6.1: the Commissioner)


class ReportView(BaseModel):
    """What the ``report`` query answers and the store keeps of a report."""

    report_id: str
    workflow_id: str = ""  # where the decisions on it are sent
    kind: ReportKind
    clause: str
    region: Region
    period: Period
    status: ReportStatus
    opened_at: AwareDatetime
    due_at: AwareDatetime | None = None
    drafted_by: str | None = None
    approved_by: str | None = None
    returned_with: str | None = None  # the last rejection's reason
    figures: HalfYearFigures | None = None
    narrative: dict[NarrativeSection, str] = Field(default_factory=dict)
    plan: list[PlanItem] = Field(default_factory=list)
    briefing: Briefing | None = None
    control: MonthlyControl | None = None
    reminded_at: list[AwareDatetime] = Field(default_factory=list)
    escalated_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None
    # A run the schedule started for a report another workflow already holds: that one's id.
    duplicate_of: str | None = None
    # Its drafts and decisions are the toolkit's tasks (False: a report whose workflow started
    # before, ``workflows/reporting_v1.py``, which takes its own updates).
    on_toolkit: bool = False


class ReportChanges(CaseChanges):
    """A projection of a report's workflow: its tasks that changed, as a case's, and the
    report as it stands."""

    report: ReportView


class ReportMail(BaseModel):
    """One mail about ``report`` to one recipient; its idempotency key is fixed by the
    report, the kind, the recipient and (for reminders) how many went before."""

    kind: MailKind
    recipient: Recipient
    report: ReportView

    @property
    def idempotency_key(self) -> str:
        sent_before = len(self.report.reminded_at) if self.kind == MailKind.REMINDER else 0
        return f"{self.report.report_id}:{self.kind.value}-{sent_before}:{self.recipient.value}"


ReportingInput.model_rebuild()
