"""Each task's deadlines in a running case fall on Kazakhstan's working days.

A case is opened on the eve of a holiday stretch and walked through every kind of task on
that same day; each step's due and escalation times must be the dates below, worked out by
hand from the Labour Code's holidays (and their moves off weekends), not by the calendar code.
A policy entry turned from working days into calendar days, or the holidays lost, fails here.

The time-skipping server's clock only moves forward, so each window is used while it is
still ahead; `test_a_holiday_window_is_still_ahead` says when to add the next one.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cases.intake import parse_report, submit_report
from schemas.case import Step
from schemas.procedure import DeadlinePolicy
from schemas.steps import StepKind
from tests.support.clock import skip
from tests.support.factories import report_data
from tests.support.scenarios import CaseDriver, close

# Kazakhstan's single time zone since 1 March 2024; a working day's deadline is its 18:00.
ALMATY = timezone(timedelta(hours=5), "Almaty")
END_OF_DAY = time(18, 0, tzinfo=ALMATY)
OPENED_AT = time(10, 0, tzinfo=ALMATY)

# Each task kind's deadline policy, in the n-th working day after the day it opens
# (due, escalation), or in hours; as the Order's policy sets them (schemas/procedure.py).
WORKING_DAYS: dict[StepKind, tuple[int, int]] = {
    StepKind.PREVENTIVE_TALK: (3, 5),
    StepKind.POLICE_DECISION: (3, 10),
    StepKind.PUBLIC_STATEMENT: (1, 2),
    StepKind.KDN_DECISION: (10, 20),
    StepKind.PSYCHOLOGICAL_SUPPORT: (5, 10),
    StepKind.PLAN_REVIEW: (3, 7),
    StepKind.COORDINATION_MEETING: (10, 15),
    StepKind.RECOMMENDATIONS: (10, 15),
    StepKind.APPROVAL: (1, 3),
    StepKind.CLOSURE: (5, 10),
    StepKind.CLOSURE_APPROVAL: (3, 5),
}
HOURS: dict[StepKind, tuple[int, int]] = {
    StepKind.SAFETY_ASSESSMENT: (24, 48),
    StepKind.SAFE_PLACEMENT: (6, 12),
}
NOTICE_DELAY = timedelta(minutes=15)  # a ¶10.1/¶10.3/¶11.6 notice undelivered → supervisor


@dataclass(frozen=True)
class Window:
    """A day before holidays, and the n-th working day after it, counted on a calendar."""

    opened: date
    working_day: dict[int, date]


WINDOWS = {
    # Wed 30 Dec 2026: New Year 1–2 Jan (Fri, Sat), the Saturday's day off moved to Mon 4 Jan,
    # Orthodox Christmas Thu 7 Jan.
    "new-year-2027": Window(date(2026, 12, 30), {
        1: date(2026, 12, 31), 2: date(2027, 1, 5), 3: date(2027, 1, 6), 5: date(2027, 1, 11),
        7: date(2027, 1, 13), 10: date(2027, 1, 18), 15: date(2027, 1, 25),
        20: date(2027, 2, 1)}),
    # Fri 19 Mar 2027: the weekend, Nauryz 21–23 Mar (Sun–Tue), Sunday's day off moved to
    # Wed 24 Mar; work resumes Thu 25 Mar.
    "nauryz-2027": Window(date(2027, 3, 19), {
        1: date(2027, 3, 25), 2: date(2027, 3, 26), 3: date(2027, 3, 29), 5: date(2027, 3, 31),
        7: date(2027, 4, 2), 10: date(2027, 4, 7), 15: date(2027, 4, 14),
        20: date(2027, 4, 21)}),
}


def opening(window: Window) -> datetime:
    return datetime.combine(window.opened, OPENED_AT)


async def walk_every_task_kind(driver: CaseDriver, env: WorkflowEnvironment) -> None:
    """The confirmed path with danger, each task done as soon as it opens; the plan review
    comes an hour after the plan (the case's policy), so every task opens the same day."""
    for kind in (StepKind.PREVENTIVE_TALK, StepKind.POLICE_DECISION,
                 StepKind.SAFETY_ASSESSMENT, StepKind.SAFE_PLACEMENT,
                 StepKind.PUBLIC_STATEMENT):
        await driver.complete(kind)
    await driver.complete(StepKind.APPROVAL, "public_statement.approval-1")
    await driver.complete(StepKind.KDN_DECISION)
    await driver.complete(StepKind.PSYCHOLOGICAL_SUPPORT)
    await driver.complete(StepKind.COORDINATION_MEETING)
    await driver.complete(StepKind.RECOMMENDATIONS)
    await driver.complete(StepKind.APPROVAL, "recommendations.approval-1")
    await skip(env, timedelta(hours=1, minutes=1))
    await driver.complete(StepKind.PLAN_REVIEW, "plan_review-1", items_done=[0, 1])
    await close(driver)


def expected(window: Window, step: Step) -> tuple[datetime, datetime]:
    """The step's (due, escalation) times, from the hand-made tables above."""
    if step.kind in HOURS:
        due, escalate = HOURS[step.kind]
        return step.opened_at + timedelta(hours=due), step.opened_at + timedelta(hours=escalate)
    if step.kind in (StepKind.NOTICE, StepKind.REFERRAL):
        return step.opened_at + NOTICE_DELAY, step.opened_at + NOTICE_DELAY
    due, escalate = WORKING_DAYS[step.kind]
    return (datetime.combine(window.working_day[due], END_OF_DAY),
            datetime.combine(window.working_day[escalate], END_OF_DAY))


def test_a_holiday_window_is_still_ahead() -> None:
    assert any(opening(w).date() > date.today() for w in WINDOWS.values()), (
        "every holiday window below is past: add the next one, worked out by hand")


@pytest.mark.parametrize("name", list(WINDOWS))
async def test_every_task_kind_is_due_on_the_working_days_worked_out_by_hand(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, name: str
) -> None:
    window = WINDOWS[name]
    start = opening(window)
    now = await time_env.get_current_time()
    if start <= now:
        pytest.skip(f"{name} opens {start:%Y-%m-%d}, before the server's clock")
    await skip(time_env, start - now)
    submission = await submit_report(
        time_env.client, engine, parse_report(report_data()), task_queue=time_worker.task_queue,
        policy=DeadlinePolicy(plan_review_every=timedelta(hours=1)))
    driver = CaseDriver(time_env.client, submission.case_id)

    await walk_every_task_kind(driver, time_env)
    view = await driver.view()

    assert {s.kind for s in view.steps} >= set(WORKING_DAYS) | set(HOURS)
    assert all(s.opened_at.astimezone(ALMATY).date() == window.opened for s in view.steps)
    found = {s.key: (s.due_at, s.escalate_at) for s in view.steps if s.kind != StepKind.INSPECTION}
    assert found == {s.key: expected(window, s) for s in view.steps
                     if s.kind != StepKind.INSPECTION}
