"""The Temporal Schedules of the periodic work, one per kind and region, of the morning's
follow-up reminders, in Asia/Almaty time, and of the supervisors' digest of late notices,
created or brought up to date by ``sync()`` (the worker at start, ``ombudsflow schedules
sync``). A schedule only wakes its workflow; the workflow works out its period (or day) from
the time the schedule meant (``TemporalScheduledStartTime``), and monthly control its working
day.

Policies (see the README): runs of different periods are independent, so overlapping runs are
all allowed (a ¶8 report still awaiting approval never holds up the next half-year's); a run
the server missed (it was down) is still started within ``CATCHUP_WINDOW`` of its time, older
ones are left to an operator's backfill. A worker that was down does not lose a run: the
server starts the workflow, and it waits in the task queue until a worker takes it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from schemas.digests import DIGEST_EVERY, DigestRun
from schemas.follow_ups import FollowUpRun
from schemas.regions import Region
from schemas.reporting import ReportingInput, ReportKind
from workflows.digests import EscalationDigest
from workflows.follow_ups import FollowUpReminders
from workflows.reporting import WORKFLOW_OF

TIME_ZONE = "Asia/Almaty"
CATCHUP_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class When:
    """The months, day of month and hour (Almaty time) a kind of work wakes."""

    months: tuple[int, ...]
    day: int
    hour: int

    def spec(self) -> ScheduleSpec:
        return ScheduleSpec(
            calendars=[ScheduleCalendarSpec(
                month=[ScheduleRange(m) for m in self.months],
                day_of_month=[ScheduleRange(self.day)], hour=[ScheduleRange(self.hour)])],
            time_zone_name=TIME_ZONE)


EVERY_MONTH = tuple(range(1, 13))
WHEN: dict[ReportKind, When] = {
    # ¶8: early January and early July, for the half-year just ended (after the New Year
    # holidays of 1–2 January).
    ReportKind.HALF_YEAR: When(months=(1, 7), day=5, hour=9),
    # ¶6.1: the plan for next year opens on 1 December; approved by 30 December.
    ReportKind.ANNUAL_PLAN: When(months=(12,), day=1, hour=9),
    # ¶6.10: a briefing task each half-year, opened with the ¶8 report's figures in hand.
    ReportKind.BRIEFING: When(months=(1, 7), day=10, hour=9),
    # Seed 002: wakes at the start of the 1st; the workflow waits for the first working day.
    ReportKind.MONTHLY_CONTROL: When(months=EVERY_MONTH, day=1, hour=0),
}


# The morning's follow-up reminders (issue 14): every day, before the working day opens at
# 09:00, the holders of tasks put off until today are reminded; the workflow names the day.
FOLLOW_UPS = "follow-up-reminders"
FOLLOW_UP_TIME = ScheduleCalendarSpec(hour=[ScheduleRange(8)], minute=[ScheduleRange(30)])
# A morning missed while the server was down is still mailed that day, never days later.
FOLLOW_UP_CATCHUP = timedelta(hours=12)

# The late notices' escalations held for a digest (activities.digests): every DIGEST_EVERY;
# a run while the last still mails is skipped, a missed one is not caught up (the next one
# carries what it would have).
DIGESTS = "escalation-digest"


class Synced(StrEnum):
    CREATED = "created"
    UPDATED = "updated"


def schedule_id(kind: ReportKind, region: Region) -> str:
    """``half-year-aktobe``; the workflows it starts are this id plus their scheduled time."""
    return f"{kind.value}-{region.value}"


def schedule_of(kind: ReportKind, region: Region, *, task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            WORKFLOW_OF[kind].__name__,  # each is defined under its class's name
            ReportingInput(region=region), id=schedule_id(kind, region),
            task_queue=task_queue),
        spec=WHEN[kind].spec(),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.ALLOW_ALL,
                              catchup_window=CATCHUP_WINDOW))


def follow_up_schedule(*, task_queue: str) -> Schedule:
    """One schedule for every region: the workflow reads each region's follow-ups."""
    return Schedule(
        action=ScheduleActionStartWorkflow(FollowUpReminders.run, FollowUpRun(),
                                           id=FOLLOW_UPS, task_queue=task_queue),
        spec=ScheduleSpec(calendars=[FOLLOW_UP_TIME], time_zone_name=TIME_ZONE),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.ALLOW_ALL,
                              catchup_window=FOLLOW_UP_CATCHUP))


def digest_schedule(*, task_queue: str) -> Schedule:
    """One schedule for every supervisor: the activity reads what the outbox holds."""
    return Schedule(
        action=ScheduleActionStartWorkflow(EscalationDigest.run, DigestRun(), id=DIGESTS,
                                           task_queue=task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=DIGEST_EVERY)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP,
                              catchup_window=timedelta(minutes=1)))


async def sync(client: Client, *, task_queue: str, regions: Iterable[Region] = tuple(Region),
               kinds: Iterable[ReportKind] = tuple(ReportKind)) -> dict[str, Synced]:
    """Create each schedule (the periodic work's of ``kinds`` and ``regions``, the follow-up
    reminders' and the digests'), or bring an existing one to what this code says (its state,
    paused or not, is kept). Returns what was done to each, by schedule id."""
    wanted = {schedule_id(kind, region): schedule_of(kind, region, task_queue=task_queue)
              for kind in kinds for region in regions}
    wanted[FOLLOW_UPS] = follow_up_schedule(task_queue=task_queue)
    wanted[DIGESTS] = digest_schedule(task_queue=task_queue)
    done: dict[str, Synced] = {}
    for sid, schedule in wanted.items():
        try:
            await client.create_schedule(sid, schedule)
            done[sid] = Synced.CREATED
        except ScheduleAlreadyRunningError:
            await client.get_schedule_handle(sid).update(_to(schedule))
            done[sid] = Synced.UPDATED
    return done


def _to(wanted: Schedule) -> Callable[[ScheduleUpdateInput], ScheduleUpdate]:
    def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
        wanted.state = current.description.schedule.state
        return ScheduleUpdate(schedule=wanted)

    return update
