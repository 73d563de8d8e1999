from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import ActivityEnvironment

from activities.calendar import CalendarActivities, add_span
from ombudsflow.local_time import LOCAL_TIME
from schemas.activities import DeadlineRequest, Deadlines
from schemas.policy import Deadline, Span, days, hours, working_days
from schemas.procedure import default_deadlines
from schemas.steps import StepKind


def almaty(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LOCAL_TIME)


def test_friday_plus_one_working_day_is_monday_end_of_day() -> None:
    friday = almaty(2024, 11, 15)

    assert add_span(friday, working_days(1)) == almaty(2024, 11, 18, 18)


def test_working_day_counts_from_the_local_date_not_the_utc_date() -> None:
    # 20:00 UTC on Thursday is already Friday 01:00 in Almaty.
    thursday_utc = datetime(2024, 11, 14, 20, tzinfo=UTC)

    assert add_span(thursday_utc, working_days(1)) == almaty(2024, 11, 18, 18)


def test_nauryz_and_its_observed_days_are_skipped() -> None:
    # 2025: Nauryz 21 (Fri)–23 (Sun) March, moved days off on 24 and 25 March.
    thursday = almaty(2025, 3, 20)

    assert add_span(thursday, working_days(1)) == almaty(2025, 3, 26, 18)


def test_independence_day_is_skipped() -> None:
    # 16 December 2024 is a Monday.
    friday = almaty(2024, 12, 13)

    assert add_span(friday, working_days(2)) == almaty(2024, 12, 18, 18)


def test_a_transferred_working_saturday_counts() -> None:
    # 4 May 2024 (Sat) was worked in exchange for 8 May (Wed) off.
    friday = almaty(2024, 5, 3)

    assert add_span(friday, working_days(1)) == almaty(2024, 5, 4, 18)
    assert add_span(almaty(2024, 5, 7), working_days(1)) == almaty(2024, 5, 10, 18)


def test_hours_and_calendar_days_ignore_the_calendar() -> None:
    saturday = almaty(2025, 3, 22, 9)

    assert add_span(saturday, hours(6)) == saturday + timedelta(hours=6)
    assert add_span(saturday, days(2)) == saturday + timedelta(days=2)


@pytest.mark.parametrize("span", [hours(1), days(1), working_days(1)])
def test_result_is_utc_aware(span: Span) -> None:
    result = add_span(almaty(2024, 11, 15), span)

    assert result.tzinfo is UTC


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_span(datetime(2024, 11, 15, 10), hours(1))


@pytest.mark.parametrize("step", list(default_deadlines()))
@pytest.mark.parametrize(
    "start", [almaty(2024, 12, 13, 17), almaty(2025, 3, 20, 23), almaty(2025, 12, 31, 9)]
)
def test_default_deadlines_escalate_after_they_fall_due(step: StepKind, start: datetime) -> None:
    deadline = default_deadlines()[step]

    assert add_span(start, deadline.escalate) > add_span(start, deadline.due) > start


def test_compute_deadlines_runs_as_an_activity() -> None:
    start = almaty(2024, 11, 15)
    request = DeadlineRequest(
        start=start, deadline=Deadline(due=working_days(1), escalate=working_days(2))
    )

    result = ActivityEnvironment().run(CalendarActivities().compute_deadlines, request)

    assert result == Deadlines(
        due_at=almaty(2024, 11, 18, 18), escalate_at=almaty(2024, 11, 19, 18)
    )
