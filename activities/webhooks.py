"""Events to subscribed systems, signed per Standard Webhooks: ``deliver_case_events`` posts
what a case's projections queued (``publish_event`` the events of cases started before they
were queued), retried by the workflow for up to its patience, and the POST every delivery makes.

Each request carries ``webhook-id`` (fixed by the event: the same on every retry, so a receiver
drops repeats), ``webhook-timestamp`` (this attempt's) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of id.timestamp.body>`` under the subscriber's ``whsec_`` secret).
A 2xx answer is a delivery; anything else, or no answer, is retried.
"""

import base64
import json
import secrets
from datetime import UTC, datetime

import httpx
import structlog
from sqlalchemy import Engine
from standardwebhooks import Webhook
from temporalio import activity

from schemas.webhooks import WebhookEvent
from store.db import in_session
from store.models import WebhookDelivery, WebhookSubscription
from store.outbox import SENT
from store.webhooks import (
    begin_delivery,
    count_attempt,
    end_delivery,
    pending_deliveries,
    subscribers,
)


class WebhookRefused(Exception):
    """The subscriber did not take the event (an error status, or no answer)."""


def new_secret() -> str:
    """A signing secret in Standard Webhooks' form: ``whsec_`` and 32 random bytes, base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


async def post_signed(url: str, secret: str, *, message_id: str, payload: dict[str, object],
                      now: datetime, within: float = 10.0) -> None:
    """POST ``payload`` to ``url`` signed with ``secret``; raise unless the answer is 2xx."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
    }
    try:
        async with httpx.AsyncClient(timeout=within) as client:
            response = await client.post(url, content=body.encode(), headers=headers)
    except httpx.HTTPError as exc:
        raise WebhookRefused(f"{type(exc).__name__} from the subscriber") from None
    if not response.is_success:
        raise WebhookRefused(f"the subscriber answered {response.status_code}")


class WebhookActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="publish_event")
    async def publish_event(self, event: WebhookEvent) -> int:
        """Post ``event`` to each subscriber of its type that has not taken it yet; raise
        (and retry) while any refuses. Returns how many subscribers have it. (Cases started
        before their events were queued by the projection publish this way.)"""
        log = structlog.get_logger(__name__).bind(case_id=event.case_id, event=event.type.value,
                                                  webhook_id=event.event_id)
        targets = await in_session(self._engine, subscribers, event.type)
        refused = []
        for sub in targets:
            row = await in_session(self._engine, begin_delivery, event, sub.id)
            if row.status != SENT and not await self._post(row, sub, event.payload()):
                refused.append(sub.id)
        self._raise_if_refused(log, refused)
        log.info("event_published", subscribers=len(targets))
        return len(targets)

    @activity.defn(name="deliver_case_events")
    async def deliver_case_events(self, case_id: str) -> int:
        """Post each of the case's queued events to each subscriber still waiting for it;
        raise (and retry) while any refuses. Returns how many were posted."""
        log = structlog.get_logger(__name__).bind(case_id=case_id)
        refused, posted = [], 0
        for row, sub in await in_session(self._engine, pending_deliveries, case_id):
            await in_session(self._engine, count_attempt, row.event_id, sub.id)
            assert row.payload is not None  # pending_deliveries selects queued rows only
            if await self._post(row, sub, json.loads(row.payload)):
                posted += 1
            else:
                refused.append(sub.id)
        self._raise_if_refused(log, refused)
        log.info("events_delivered", deliveries=posted)
        return posted

    async def _post(self, row: WebhookDelivery, sub: WebhookSubscription,
                    payload: dict[str, object]) -> bool:
        """One delivery's attempt, recorded on its row; True once the subscriber took it."""
        now = datetime.now(UTC)
        try:
            await post_signed(sub.url, sub.secret, message_id=row.event_id, payload=payload,
                              now=now)
        except WebhookRefused as exc:
            await in_session(self._engine, end_delivery, row.event_id, sub.id, now=now,
                                   error=str(exc))
            return False
        await in_session(self._engine, end_delivery, row.event_id, sub.id, now=now, error=None)
        return True

    @staticmethod
    def _raise_if_refused(log: structlog.stdlib.BoundLogger, refused: list[str]) -> None:
        if refused:
            log.warning("webhook_refused", subscribers=refused)
            raise WebhookRefused(f"{len(refused)} subscriber(s) refused: {', '.join(refused)}")
