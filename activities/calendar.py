"""Deadlines on Kazakhstan's working-day calendar.

Deadline arithmetic lives in an activity, not in workflow code, because it depends on the
holiday tables of the installed ``holidays`` package: an upgrade that corrects a date would
change what a replayed workflow computes. As an activity, the result is recorded in history
once and replays never recompute it.

How ``holidays`` models Kazakhstan (country "KZ", checked against holidays 0.109):

* public holidays per the Labour Code: New Year (1–2 Jan), Orthodox Christmas, 8 March,
  Nauryz (21–23 March), 1 May, 7 May, 9 May, Capital Day (6 July), Constitution Day, Republic
  Day (25 October), Independence Day (16 December), and the first day of Kurban Ait (Eid
  al-Adha; future years are astronomical estimates until the government confirms them);
* a holiday on a Saturday or Sunday moves to the next working day ("observed" entries);
* the government's yearly transfers of days off are listed per year: the weekday that becomes
  a day off is a holiday ("Day off (substituted from …)") and the Saturday worked in exchange is
  in ``weekend_workdays``. ``HolidayBase.is_working_day`` honours both, so a transferred working
  Saturday counts as a working day here.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays
from temporalio import activity

from ombudsflow.local_time import LOCAL_TIME
from schemas.activities import DeadlineRequest, Deadlines
from schemas.appeal import LatenessRequest, RegistrationRequest
from schemas.policy import Span, Unit

# A deadline of n working days ends when the n-th working day's office hours end.
END_OF_WORKING_DAY = time(18, 0)
# An appeal registered on the next working day is registered when the office opens.
START_OF_WORKING_DAY = time(9, 0)


@lru_cache(maxsize=32)
def _kz_holidays(year: int) -> holidays.HolidayBase:
    # expand=False: a cached table is never mutated, so activity threads can share it.
    return holidays.country_holidays("KZ", years=year, expand=False)


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day in Kazakhstan (see the module docstring)."""
    return bool(_kz_holidays(day.year).is_working_day(day))


def nth_working_day_after(day: date, n: int) -> date:
    """The n-th working day after ``day`` (``day`` itself never counts)."""
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def add_span(start: datetime, span: Span) -> datetime:
    """``start`` plus ``span``, in UTC; working days end at 18:00 Almaty time."""
    if start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    match span.unit:
        case Unit.HOURS:
            end = start + timedelta(hours=span.amount)
        case Unit.DAYS:
            end = start + timedelta(days=span.amount)
        case Unit.WORKING_DAYS:
            last_day = nth_working_day_after(start.astimezone(LOCAL_TIME).date(), span.amount)
            end = datetime.combine(last_day, END_OF_WORKING_DAY, tzinfo=LOCAL_TIME)
    return end.astimezone(UTC)


def registration_time(received: datetime, closes_at_hour: int) -> datetime:
    """APPC art. 64: an appeal is registered when it arrives; after ``closes_at_hour``
    (Almaty) or on a non-working day, when the next working day opens. In UTC."""
    local = received.astimezone(LOCAL_TIME)
    if is_working_day(local.date()) and local.time() < time(closes_at_hour):
        return received.astimezone(UTC)
    day = nth_working_day_after(local.date(), 1)
    return datetime.combine(day, START_OF_WORKING_DAY, tzinfo=LOCAL_TIME).astimezone(UTC)


def working_days_late(due: datetime, done: datetime) -> int:
    """How many working days ``done`` came after ``due``: the working days after due's
    (Almaty) date up to and including done's; 0 when on time."""
    if done <= due:
        return 0
    day, last = due.astimezone(LOCAL_TIME).date(), done.astimezone(LOCAL_TIME).date()
    late = 0
    while day < last:
        day += timedelta(days=1)
        late += is_working_day(day)
    return late


class CalendarActivities:
    """Deadline computation as a (sync) activity, so workflow code stays deterministic."""

    @activity.defn(name="compute_deadlines")
    def compute_deadlines(self, req: DeadlineRequest) -> Deadlines:
        """When a task started at ``req.start`` is due and when it escalates."""
        chain = req.deadline.chain
        return Deadlines(
            due_at=add_span(req.start, req.deadline.due),
            escalate_at=add_span(req.start, req.deadline.escalate),
            committee_at=add_span(req.start, chain.committee) if chain else None,
        )

    @activity.defn(name="appeal_registration_time")
    def registration_time(self, req: RegistrationRequest) -> datetime:
        """APPC art. 64: when an appeal received at ``req.received_at`` is registered."""
        return registration_time(req.received_at, req.closes_at_hour)

    @activity.defn(name="working_days_late")
    def working_days_late(self, req: LatenessRequest) -> int:
        """How many working days past ``req.due_at`` it was done."""
        return working_days_late(req.due_at, req.done_at)

# The hour a day's periodic work starts, on Kazakhstan's clock.
START_OF_WORKING_DAY = time(9, 0)


def first_working_day_from(day: date) -> date:
    """``day`` if it is a working day, else the next one."""
    return day if is_working_day(day) else nth_working_day_after(day, 1)


class WorkingDayActivities:
    """When periodic work starts, computed here for the same reason as deadlines."""

    @activity.defn(name="first_working_morning")
    def first_working_morning(self, day: date) -> datetime:
        """09:00 Almaty time on the first working day from ``day`` (monthly control wakes on
        the 1st, a holiday or weekend perhaps, and starts on the first working day)."""
        start = datetime.combine(first_working_day_from(day), START_OF_WORKING_DAY,
                                 tzinfo=LOCAL_TIME)
        return start.astimezone(UTC)
