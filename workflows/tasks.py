"""Tasks: a step a person completes, with a working-day deadline, a reminder and an
escalation.

What it promises: ``task()`` opens the step (or finds it, on a resumed case) with its
deadlines already computed, reminds the regional office once at its due time and escalates to
the supervisor once at the second deadline while it is still open, and returns the step when
it is closed (by the update that completes it). Nothing is sent twice after continue-as-new:
what was sent is on the step.
"""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from schemas.activities import DeadlineRequest, Deadlines, NoticeKind, Recipient
    from schemas.case import Step
    from schemas.policy import Deadline
    from schemas.steps import StepKind

from workflows.case import CaseState
from workflows.notices import Notices

CALENDAR_OPTIONS: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=10)}
# Patches: a case started before one keeps replaying the way it ran (``workflow.patched``).
# Deadlines come from a local activity: computed in the worker, no round trip to the server.
LOCAL_DEADLINES = "deadlines-as-local-activity"
# A task opens with its deadlines already known, so the store is sent it once, not twice.
DEADLINES_FIRST = "deadlines-before-the-task-opens"


class Tasks:
    """The human tasks of one case, each under its kind's deadline in ``deadlines``."""

    def __init__(self, case: CaseState, notices: Notices, *,
                 deadlines: Mapping[StepKind, Deadline]) -> None:
        self._case = case
        self._notices = notices
        self._deadlines_of = deadlines

    async def task(self, kind: StepKind, key: str | None = None, *,
                   subject: Step | None = None, term: Deadlines | None = None) -> Step:
        """Open (or find) the task ``key`` (by default the kind's name) and wait until it is
        closed, reminding at its due time and escalating at the second deadline. ``subject``:
        the step an approval decides, whose clause it takes; ``term``: its deadlines when the
        law fixes them (an appeal's run from its receipt), not counted from its opening. A
        deadline moved while the task is open (an extension) is waited for anew."""
        case = self._case
        clause, subject_key = (subject.clause, subject.key) if subject else (None, None)
        if (key or kind.value) not in case.steps and workflow.patched(DEADLINES_FIRST):
            opened = workflow.now()
            step = case.open(kind, key, clause=clause, subject_key=subject_key,
                             opened_at=opened,
                             deadlines=term or await self._deadlines(kind, opened))
        else:
            step = case.open(kind, key, clause=clause, subject_key=subject_key)
        if not step.is_open():
            return step
        if step.due_at is None:
            deadlines = term or await self._deadlines(kind, step.opened_at)
            step.due_at, step.escalate_at = deadlines.due_at, deadlines.escalate_at
            case.changed()
        for late in (NoticeKind.REMINDER, NoticeKind.ESCALATION):
            if await self._late_at(step, late):
                self._late(step, late)
        await workflow.wait_condition(lambda: not step.is_open())
        return step

    async def _late_at(self, step: Step, late: NoticeKind) -> bool:
        """Whether ``step`` is still open at its deadline for ``late`` (not yet sent),
        waiting until then; a deadline moved meanwhile is waited for instead."""
        def deadline() -> datetime | None:
            return step.due_at if late == NoticeKind.REMINDER else step.escalate_at

        def sent() -> datetime | None:
            return step.reminded_at if late == NoticeKind.REMINDER else step.escalated_at

        while sent() is None and (at := deadline()) is not None:
            if await _closed_by(step, at, deadline=deadline):
                return False
            if deadline() == at:
                return True
        return False

    async def _deadlines(self, kind: StepKind, start: datetime) -> Deadlines:
        request = DeadlineRequest(start=start, deadline=self._deadlines_of[kind])
        if workflow.patched(LOCAL_DEADLINES):
            return await workflow.execute_local_activity_method(
                CalendarActivities.compute_deadlines, request, **CALENDAR_OPTIONS)
        return await workflow.execute_activity_method(
            CalendarActivities.compute_deadlines, request, **CALENDAR_OPTIONS)

    def _late(self, step: Step, late: NoticeKind) -> None:
        """Reminder to the regional office, or escalation to the regional ombudsman."""
        now = workflow.now()
        if late == NoticeKind.REMINDER:
            step.reminded_at, recipient = now, Recipient.OMBUDSMAN_OFFICE
        else:
            step.escalated_at, recipient = now, Recipient.SUPERVISOR
        self._case.changed()
        self._notices.in_background(self._notices.send(
            step, late, recipient, key=f"{step.key}.{step.attempt}:{late.value}"))


async def _closed_by(step: Step, at: datetime, *,
                     deadline: Callable[[], datetime | None]) -> bool:
    """Whether ``step`` is closed by ``at``, waiting until then if need be (or until
    ``deadline()`` is no longer ``at``: then False, and the caller waits for the new one)."""
    remaining = at - workflow.now()
    if remaining <= timedelta(0):
        return not step.is_open()
    try:
        await workflow.wait_condition(lambda: not step.is_open() or deadline() != at,
                                      timeout=remaining)
    except TimeoutError:
        return False
    return not step.is_open()
