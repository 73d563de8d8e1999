"""Tasks: a step a person completes, with a working-day deadline and its escalation chain.

What it promises: ``task()`` opens the step (or finds it, on a resumed case) with its
deadlines already computed, reminds its holder (the case worker who claimed it, else the
regional office) once at its due time and escalates to the supervisor once at the second
deadline while it is still open, and returns the step when it is closed (by the update that
completes it); a deadline moved while those two wait (an extension) is waited for anew. A kind
whose deadline has a chain (the policy's, fixed when the case opens) goes on: the national
Committee at the third deadline, a repeated reminder every N working days while still open,
and, in an urgent case, the supervisor when nobody has claimed the task a few hours after it
opened. The repeated reminders count from the due date, and begin only once the task is
past it. Nothing is sent twice after continue-as-new: what was sent is on the step.

Cases opened before chains existed have no chain in their policy and keep the two levels;
their replay never reaches the ``escalation-chain`` patch.
Cases that ran before ``reminder-to-holder`` remind the office. A chain's rungs still wait for
the deadlines as they were when the task opened (waiting for a moved one is left to do).
"""

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from activities.store import StoreActivities
    from schemas.activities import (
        DeadlineRequest,
        Deadlines,
        Level,
        NoticeKind,
        Recipient,
        TaskRef,
    )
    from schemas.case import Step
    from schemas.policy import Chain, Deadline, working_days
    from schemas.steps import StepKind

from workflows.case import STORE_OPTIONS, CaseState
from workflows.notices import Notices

CALENDAR_OPTIONS: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=10)}
# Patches: a case started before one keeps replaying the way it ran (``workflow.patched``).
# Deadlines come from a local activity: computed in the worker, no round trip to the server.
LOCAL_DEADLINES = "deadlines-as-local-activity"
# A task opens with its deadlines already known, so the store is sent it once, not twice.
DEADLINES_FIRST = "deadlines-before-the-task-opens"
# A deadline with a chain: the Committee, repeated reminders, the unclaimed urgent task.
ESCALATION_CHAIN = "escalation-chain"
# Reminders go to the task's holder when someone has claimed it (the office when nobody has).
REMINDER_TO_HOLDER = "reminder-to-holder"
# The repeated reminders begin once the task is past its due date, not when it opens: most
# tasks close before they are due, and the calendar was asked for their first repeat anyway
# (a local activity, so an activation to replay, per task: 4 of a short case's 22 results).
REPEAT_AFTER_DUE = "repeated-reminders-after-due"

# Each rung: the notice, to whom, and the idempotency key's suffix (the first two as before
# chains, so a resumed case never sends them again).
RUNGS: dict[Level, tuple[NoticeKind, Recipient, str]] = {
    Level.DUE: (NoticeKind.REMINDER, Recipient.OMBUDSMAN_OFFICE, "reminder"),
    Level.SUPERVISOR: (NoticeKind.ESCALATION, Recipient.SUPERVISOR, "escalation"),
    Level.COMMITTEE: (NoticeKind.ESCALATION, Recipient.COMMITTEE, "committee"),
    Level.REPEATED: (NoticeKind.REMINDER, Recipient.OMBUDSMAN_OFFICE, "repeat"),
    Level.UNCLAIMED: (NoticeKind.ESCALATION, Recipient.SUPERVISOR, "unclaimed"),
}


class Tasks:
    """The human tasks of one case, each under its kind's deadline in ``deadlines``."""

    def __init__(self, case: CaseState, notices: Notices, *,
                 deadlines: Mapping[StepKind, Deadline],
                 national: Recipient = Recipient.COMMITTEE) -> None:
        self._case = case
        self._notices = notices
        self._deadlines_of = deadlines
        # Who is told at a chain's third deadline: the Committee of a case or an appeal, the
        # Commissioner of the ombudsman's own periodic work.
        self._national = national

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
            step.committee_at = deadlines.committee_at
            case.changed()
        chain = self._deadlines_of[kind].chain
        if chain is None or not workflow.patched(ESCALATION_CHAIN):
            await self._two_levels(step)
        else:
            await self._chain(step, chain)
        return step

    async def _two_levels(self, step: Step) -> None:
        """A reminder at due, an escalation at the second deadline (a deadline moved meanwhile
        is waited for instead); until the step closes."""
        for level in (Level.DUE, Level.SUPERVISOR):
            if await _reached(step, level):
                self._late(step, level, chained=False)
        await workflow.wait_condition(lambda: not step.is_open())

    async def _chain(self, step: Step, chain: Chain) -> None:
        """Every rung of ``chain`` in turn while the step stays open, with the repeated
        reminders (from the due date on) and the unclaimed-task check alongside; until the
        step closes. The rungs wait for the deadlines as they were when the task opened."""
        after_due = workflow.patched(REPEAT_AFTER_DUE)
        alongside = []
        if chain.repeat_every is not None and not after_due:
            alongside.append(asyncio.create_task(self._repeated(step, chain.repeat_every)))
        if chain.unclaimed_urgent is not None and self._case.view.facts.threat_to_life_or_health:
            alongside.append(asyncio.create_task(self._unclaimed(step, chain.unclaimed_urgent)))
        for level in _DEADLINE_OF:
            at = _deadline(step, level)
            if _sent(step, level) is None and at is not None and not await _closed_by(step, at):
                self._late(step, level, chained=True)
            if (level is Level.DUE and after_due and chain.repeat_every is not None
                    and step.is_open()):
                alongside.append(asyncio.create_task(self._repeated(step, chain.repeat_every)))
        await workflow.wait_condition(lambda: not step.is_open())
        await asyncio.gather(*alongside)

    async def _repeated(self, step: Step, every: int) -> None:
        """A reminder every ``every`` working days after the due one, while still open."""
        while step.is_open() and step.due_at is not None:
            since = step.last_reminded_at or step.due_at
            span = working_days(every)
            then = await self._deadlines_at(Deadline(due=span, escalate=span), since)
            if await _closed_by(step, then.due_at):
                return
            step.reminders_repeated += 1
            self._late(step, Level.REPEATED, chained=True)

    async def _unclaimed(self, step: Step, after: timedelta) -> None:
        """The supervisor is told if nobody has claimed the urgent case's task by then."""
        if step.unclaimed_escalated_at is not None or await _closed_by(step,
                                                                       step.opened_at + after):
            return
        if await self._holder(step) is None and step.is_open():
            self._late(step, Level.UNCLAIMED, chained=True)

    async def _holder(self, step: Step) -> str | None:
        """Who has claimed ``step`` now, as the store says (claims live there)."""
        holder: str | None = await self._case.working(workflow.execute_activity_method(
            StoreActivities.task_holder, TaskRef(case_id=self._case.view.case_id, key=step.key),
            **STORE_OPTIONS))
        return holder

    async def _deadlines(self, kind: StepKind, start: datetime) -> Deadlines:
        return await self._deadlines_at(self._deadlines_of[kind], start)

    async def _deadlines_at(self, deadline: Deadline, start: datetime) -> Deadlines:
        request = DeadlineRequest(start=start, deadline=deadline)
        if workflow.patched(LOCAL_DEADLINES):
            return await self._case.working(workflow.execute_local_activity_method(
                CalendarActivities.compute_deadlines, request, **CALENDAR_OPTIONS))
        return await self._case.working(workflow.execute_activity_method(
            CalendarActivities.compute_deadlines, request, **CALENDAR_OPTIONS))

    def _late(self, step: Step, level: Level, *, chained: bool) -> None:
        """The notice of ``level`` about the late step (see ``RUNGS``), noted on the step."""
        now = workflow.now()
        suffix = RUNGS[level][2]
        if level == Level.REPEATED:
            suffix = f"{suffix}-{step.reminders_repeated}"
        setattr(step, _SENT_AT[level], now)
        self._case.changed()
        self._notices.in_background(self._send(
            step, level, key=f"{step.key}.{step.attempt}:{suffix}", chained=chained))

    async def _send(self, step: Step, level: Level, *, key: str, chained: bool) -> None:
        """Send the rung's notice; a reminder goes to the task's holder, if anyone holds it
        (cases that ran before ``reminder-to-holder``: to the office)."""
        kind, recipient, _ = RUNGS[level]
        if level is Level.COMMITTEE:
            recipient = self._national
        holder = None
        if recipient is Recipient.OMBUDSMAN_OFFICE and workflow.patched(REMINDER_TO_HOLDER):
            holder = await self._holder(step)
            if holder is not None:
                recipient = Recipient.HOLDER
        await self._notices.send(step, kind, recipient, key=key,
                                 level=level if chained else None, holder=holder)


# Where the step notes when each rung went out.
_SENT_AT = {Level.DUE: "reminded_at", Level.SUPERVISOR: "escalated_at",
            Level.COMMITTEE: "committee_escalated_at", Level.REPEATED: "last_reminded_at",
            Level.UNCLAIMED: "unclaimed_escalated_at"}


# The deadline of each rung the chain climbs, in order.
_DEADLINE_OF = {Level.DUE: "due_at", Level.SUPERVISOR: "escalate_at",
                Level.COMMITTEE: "committee_at"}


def _sent(step: Step, level: Level) -> datetime | None:
    sent: datetime | None = getattr(step, _SENT_AT[level])
    return sent


def _deadline(step: Step, level: Level) -> datetime | None:
    at: datetime | None = getattr(step, _DEADLINE_OF[level])
    return at


async def _reached(step: Step, level: Level) -> bool:
    """Whether ``step`` is still open at its deadline for ``level`` (not yet sent), waiting
    until then; a deadline moved meanwhile is waited for instead."""
    while _sent(step, level) is None and (at := _deadline(step, level)) is not None:
        if await _closed_by(step, at, moved=lambda: _deadline(step, level) != at):
            return False
        if _deadline(step, level) == at:
            return True
    return False


async def _closed_by(step: Step, at: datetime, *,
                     moved: Callable[[], bool] | None = None) -> bool:
    """Whether ``step`` is closed by ``at``, waiting until then if need be (or until
    ``moved()``, if given, is true: then False, and the caller waits for the new deadline)."""
    remaining = at - workflow.now()
    if remaining <= timedelta(0):
        return not step.is_open()
    try:
        await workflow.wait_condition(
            lambda: not step.is_open() or (moved is not None and moved()),
            timeout=remaining)
    except TimeoutError:
        return False
    return not step.is_open()
