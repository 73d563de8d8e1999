"""Notices: mail to an authority, delivered whatever it takes.

What it promises: a notice step's mail is sent at once and retried without limit until the
mail server takes it; if it is still undelivered after the escalation delay, the supervisor is
told once, and delivery goes on. Every send runs in the background, and ``settled()`` is true
only when none is in flight, so a case never closes or continues as new with a notice half
sent. The idempotency key of each send is fixed by the case, the step and the recipient, so a
retried activity never mails twice.
"""

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.notices import NoticeActivities
    from schemas.activities import Level, NoticeKind, NoticeRequest, NoticeResult, Recipient
    from schemas.case import Step

from workflows.case import CaseState

NOTICE_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    # Unlimited attempts: a notice is never given up on; after the policy's delay the
    # supervisor is told it is late, and delivery goes on until the mail server takes it.
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                                maximum_interval=timedelta(minutes=2)),
}
# Reminders and escalations about a task name it; those about a notice are the notice.
ABOUT_A_TASK = (NoticeKind.REMINDER, NoticeKind.ESCALATION)


class Notices:
    """The notices of one case; ``escalation`` is how long a notice may stay undelivered
    before the supervisor is told."""

    def __init__(self, case: CaseState, *, escalation: timedelta) -> None:
        self._case = case
        self._escalation = escalation
        self._background: list[asyncio.Task[Any]] = []

    def deliver(self, step: Step, kind: NoticeKind, *, body: str | None = None
                ) -> "asyncio.Task[None]":
        """Send a notice step's mail to its recipient and close the step once delivered; if
        undelivered past the escalation delay the supervisor is told, and delivery retries."""

        async def deliver() -> None:
            if not step.is_open():
                return
            assert step.recipient is not None
            recipient = Recipient(step.recipient)
            sending = asyncio.create_task(self.send(step, kind, recipient, body=body))
            if step.escalate_at is None:
                step.escalate_at = step.due_at = step.opened_at + self._escalation
                self._case.changed()
            if step.escalated_at is None:
                try:
                    await workflow.wait_condition(
                        sending.done, timeout=max(step.escalate_at - workflow.now(),
                                                  timedelta(seconds=1)))
                except TimeoutError:
                    self._late(step)
            result = await sending
            step.complete(at=workflow.now(),
                          outcome={"address": result.address, "message_id": result.message_id})
            self._case.changed()

        task = asyncio.create_task(deliver())
        self._background.append(task)
        return task

    def _late(self, step: Step) -> None:
        step.escalated_at = workflow.now()
        self._case.changed()
        self.in_background(self.send(step, NoticeKind.ESCALATION, Recipient.SUPERVISOR,
                                     key=f"{step.key}:{NoticeKind.ESCALATION.value}"))

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run a send alongside the procedure; ``settled()`` waits for it."""
        self._background.append(asyncio.create_task(work))

    def settled(self) -> bool:
        return all(t.done() for t in self._background)

    async def send(self, step: Step, kind: NoticeKind, recipient: Recipient, *,
                   key: str | None = None, body: str | None = None,
                   level: Level | None = None) -> NoticeResult:
        """Mail one notice about ``step`` (its key, unless ``key``, fixes the idempotency
        key) and wait until the mail server has it; ``level``: the rung of a task's
        escalation chain it is."""
        view = self._case.view
        facts = view.facts
        request = NoticeRequest(
            idempotency_key=f"{view.case_id}:{key or step.key}:{recipient.value}",
            case_id=view.case_id, step_key=step.key, clause=step.clause, kind=kind,
            recipient=recipient, region=facts.region, district=facts.district,
            category=facts.category, urgent=facts.threat_to_life_or_health,
            subject_step=step.key if kind in ABOUT_A_TASK and step.assignee is not None
            else None,
            due_at=step.due_at, body=body, level=level,
        )
        return await workflow.execute_activity_method(
            NoticeActivities.send_notice, request, **NOTICE_OPTIONS
        )
