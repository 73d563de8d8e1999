"""Events for subscribed systems (a police system, the Committee's): how a case's events leave
its workflow.

Since ``events-with-projection``, an event rides the projection of the change it reports: the
store queues a delivery per subscriber in the same transaction and says how many are pending,
and only then does the case run ``deliver_case_events`` — one activity for all that is queued,
none at all when nobody subscribes. Before it (``webhook-events``), each event was its own
``publish_event`` activity; cases that ran so replay so.

Delivery is retried for up to ``EVENT_PATIENCE`` (a subscriber down longer keeps its
undelivered rows in the store, for an admin to see). The procedure never waits for a
subscriber; only the end of a run does (``idle()``), so a case never closes with an event
half-delivered.
"""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.webhooks import WebhookActivities

# Patch: events published to webhook subscribers, each by its own activity.
WEBHOOK_EVENTS = "webhook-events"
# Patch: events queued by the projection, delivered by one activity per burst.
EVENTS_WITH_PROJECTION = "events-with-projection"
EVENT_PATIENCE = timedelta(days=3)
EVENT_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "schedule_to_close_timeout": EVENT_PATIENCE,
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                                maximum_interval=timedelta(minutes=30)),
}


class Deliveries:
    """The delivery of one case's queued events: one activity at a time, run again if more
    were queued while it ran."""

    def __init__(self, case_id: Callable[[], str]) -> None:
        self._case_id = case_id
        self._queued = False
        self._running: asyncio.Task[None] | None = None

    def queued(self) -> None:
        """The store has deliveries pending: deliver them now, or right after the current run."""
        self._queued = True
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._deliver())

    def idle(self) -> bool:
        return self._running is None or self._running.done()

    async def _deliver(self) -> None:
        while self._queued:
            self._queued = False
            try:
                await workflow.execute_activity_method(
                    WebhookActivities.deliver_case_events, self._case_id(), **EVENT_OPTIONS)
            except ActivityError:
                workflow.logger.warning("events not taken by every subscriber within %s",
                                        EVENT_PATIENCE)
