"""Notices: mail to an authority, delivered whatever it takes.

What it promises: a notice step's mail is sent at once and retried without limit until the
mail server takes it; if it is still undelivered after the escalation delay, the supervisor is
told once, and delivery goes on. Every send runs in the background, and ``settled()`` is true
only when none is in flight, so a case never closes or continues as new with a notice half
sent. The idempotency key of each send is fixed by the case, the step and the recipient, so a
retried activity never mails twice.

On several channels (patch ``notice-channel-fallback``): the notice goes out on the
recipient's first channel in the directory; each time the policy's delay passes with nothing
delivered, the next channel is tried too (the supervisor is told at the first), and the first
channel that delivers closes the step, the others' sends cancelled. Each channel's send has
its own idempotency key (the first keeps the key it always had).

Events for subscribed systems (``workflows.events``): a ¶10.1/¶10.3 notice and every
escalation publish theirs here, the procedure the rest (case opened, police answer requested,
case closed). The procedure never waits for a subscriber: ``delivered()`` covers the notices
only, ``settled()`` (before the case ends or continues as new) the events too.
"""

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.notices import NoticeActivities
    from activities.webhooks import WebhookActivities
    from schemas.activities import (
        NO_SUCH_CHANNEL,
        Level,
        NoticeKind,
        NoticeRequest,
        NoticeResult,
        Recipient,
    )
    from schemas.case import Step
    from schemas.webhooks import EventType, WebhookEvent

from workflows.case import CaseState
from workflows.events import EVENT_OPTIONS, EVENT_PATIENCE, EVENTS_WITH_PROJECTION, WEBHOOK_EVENTS

NOTICE_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    # Unlimited attempts: a notice is never given up on; after the policy's delay the
    # supervisor is told it is late, and delivery goes on until the mail server takes it.
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                                maximum_interval=timedelta(minutes=2)),
}
# Reminders and escalations about a task name it; those about a notice are the notice.
ABOUT_A_TASK = (NoticeKind.REMINDER, NoticeKind.ESCALATION)
# Patch: a notice late on its first channel is tried on the next (``workflow.patched``).
CHANNEL_FALLBACK = "notice-channel-fallback"
EVENT_OF_NOTICE = {NoticeKind.ALARM: EventType.NOTICE_ALARM,
                   NoticeKind.REFERRAL: EventType.NOTICE_REFERRAL,
                   NoticeKind.ESCALATION: EventType.ESCALATION}


class Notices:
    """The notices of one case; ``escalation`` is how long a notice may stay undelivered
    before the supervisor is told."""

    def __init__(self, case: CaseState, *, escalation: timedelta) -> None:
        self._case = case
        self._escalation = escalation
        self._background: list[asyncio.Task[Any]] = []
        self._events: list[asyncio.Task[None]] = []

    def deliver(self, step: Step, kind: NoticeKind, *, body: str | None = None
                ) -> "asyncio.Task[None]":
        """Send a notice step's mail to its recipient and close the step once delivered; if
        undelivered past the escalation delay the supervisor is told, and delivery retries."""

        async def deliver() -> None:
            if not step.is_open():
                return
            assert step.recipient is not None
            recipient = Recipient(step.recipient)
            if kind in EVENT_OF_NOTICE:
                self.publish(EVENT_OF_NOTICE[kind], step, recipient=recipient)
            if workflow.patched(CHANNEL_FALLBACK):
                result = await self._on_the_first_channel_that_delivers(step, kind, recipient,
                                                                        body)
                step.complete(at=workflow.now(), outcome={
                    "address": result.address, "message_id": result.message_id,
                    "channel": result.channel.value})
                self._case.changed()
                return
            sending = asyncio.create_task(self.send(step, kind, recipient, body=body))
            late_at = self._escalation_times(step)
            if step.escalated_at is None:
                try:
                    await workflow.wait_condition(
                        sending.done, timeout=max(late_at - workflow.now(),
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

    def _escalation_times(self, step: Step) -> datetime:
        """When the notice is late: the policy's delay after the step opened."""
        if step.escalate_at is None:
            step.escalate_at = step.due_at = step.opened_at + self._escalation
            self._case.changed()
        return step.escalate_at

    async def _on_the_first_channel_that_delivers(
        self, step: Step, kind: NoticeKind, recipient: Recipient, body: str | None
    ) -> NoticeResult:
        """Send on the recipient's first channel; at each multiple of the delay still
        undelivered, tell the supervisor (once) and start the next channel, until one delivers
        or there is none left (then the ones started go on retrying)."""
        self._escalation_times(step)
        sends: list[asyncio.Task[NoticeResult]] = []
        exhausted = False
        while True:
            sends.append(asyncio.create_task(
                self.send(step, kind, recipient, body=body, rank=len(sends))))
            next_at = step.opened_at + self._escalation * len(sends)
            while not (delivered := [s for s in sends if _delivered(s)]):
                if (ran_out := [s for s in sends if s.done() and not _delivered(s)]):
                    _raise_unless_no_channel(ran_out[0])
                    sends.remove(ran_out[0])
                    exhausted = True
                    continue
                timeout = None if exhausted else max(next_at - workflow.now(),
                                                     timedelta(seconds=1))
                try:
                    await workflow.wait_condition(lambda: any(s.done() for s in sends),
                                                  timeout=timeout)
                except TimeoutError:
                    if step.escalated_at is None:
                        self._late(step)
                    break
            if delivered:
                for pending in sends:
                    pending.cancel()
                return delivered[0].result()

    def _late(self, step: Step) -> None:
        step.escalated_at = workflow.now()
        self._case.changed()
        self.in_background(self.send(step, NoticeKind.ESCALATION, Recipient.SUPERVISOR,
                                     key=f"{step.key}:{NoticeKind.ESCALATION.value}"))

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run a send alongside the procedure; ``settled()`` waits for it."""
        self._background.append(asyncio.create_task(work))

    def delivered(self) -> bool:
        """No notice (nor escalation) is in flight."""
        return all(t.done() for t in self._background)

    def settled(self) -> bool:
        """No notice and no event is in flight: the case may end or continue as new."""
        return self.delivered() and all(t.done() for t in self._events)

    async def send(self, step: Step, kind: NoticeKind, recipient: Recipient, *,
                   key: str | None = None, body: str | None = None,
                   level: Level | None = None, rank: int = 0,
                   holder: str | None = None) -> NoticeResult:
        """Send one notice about ``step`` on the recipient's channel of ``rank`` (its key,
        unless ``key``, fixes the idempotency key; a fallback's has ``#rank``) and wait until
        the channel has it; ``level``: the rung of a task's escalation chain it is;
        ``holder``: the user id recipient ``holder`` is."""
        if kind is NoticeKind.ESCALATION:
            self.publish(EventType.ESCALATION, step, recipient=recipient)
        view = self._case.view
        facts = view.facts
        suffix = f"#{rank}" if rank else ""
        request = NoticeRequest(
            idempotency_key=f"{view.case_id}:{key or step.key}:{recipient.value}{suffix}",
            case_id=view.case_id, step_key=step.key, clause=step.clause, kind=kind,
            recipient=recipient, region=facts.region, district=facts.district,
            category=facts.category, urgent=facts.threat_to_life_or_health,
            subject_step=step.key if kind in ABOUT_A_TASK and step.assignee is not None
            else None,
            due_at=step.due_at, body=body, level=level, rank=rank, holder=holder,
        )
        return await workflow.execute_activity_method(
            NoticeActivities.send_notice, request, **NOTICE_OPTIONS
        )

    def publish(self, type_: EventType, step: Step | None = None, *,
                recipient: Recipient | None = None, clause: str | None = None) -> None:
        """Publish an event of the case (about ``step``) to its subscribers: with the next
        projection, or (cases that ran before) by an activity of its own in the background;
        a case older than events publishes none."""
        if workflow.patched(EVENTS_WITH_PROJECTION):
            self._case.publish(self._event(type_, step, recipient=recipient, clause=clause))
        elif workflow.patched(WEBHOOK_EVENTS):
            self._events.append(asyncio.create_task(self._publish(
                self._event(type_, step, recipient=recipient, clause=clause))))

    def _event(self, type_: EventType, step: Step | None, *,
               recipient: Recipient | None, clause: str | None) -> WebhookEvent:
        view = self._case.view
        facts = view.facts
        step_key = step.key if step else None
        return WebhookEvent(
            event_id=WebhookEvent.id_for(view.case_id, type_, step_key), type=type_,
            case_id=view.case_id, occurred_at=workflow.now(),
            clause=step.clause if step else clause, step_key=step_key,
            recipient=recipient.value if recipient else None, region=facts.region,
            district=facts.district, category=facts.category,
            urgent=facts.threat_to_life_or_health,
        )

    async def _publish(self, event: WebhookEvent) -> None:
        try:
            await workflow.execute_activity_method(WebhookActivities.publish_event, event,
                                                   **EVENT_OPTIONS)
        except ActivityError:
            workflow.logger.warning("event not taken by every subscriber within %s",
                                    EVENT_PATIENCE, extra={"event": event.type.value})


def _delivered(send: "asyncio.Task[NoticeResult]") -> bool:
    return send.done() and not send.cancelled() and send.exception() is None


def _raise_unless_no_channel(send: "asyncio.Task[NoticeResult]") -> None:
    """A fallback send ends in failure only when the recipient has no channel of its rank;
    anything else is a bug to surface, not to swallow."""
    error = send.exception()
    if not (isinstance(error, ActivityError) and isinstance(error.cause, ApplicationError)
            and error.cause.type == NO_SUCH_CHANNEL):
        send.result()
