"""Events to subscribed systems, signed per Standard Webhooks: the ``publish_event`` activity
(retried without limit by the workflow, like a notice) and the POST every delivery makes.

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
from store.models import WebhookSubscription
from store.outbox import SENT
from store.webhooks import begin_delivery, end_delivery, subscribers


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
        (and retry) while any refuses. Returns how many subscribers have it."""
        log = structlog.get_logger(__name__).bind(case_id=event.case_id, event=event.type.value,
                                                  webhook_id=event.event_id)
        targets = await in_session(self._engine, subscribers, event.type)
        failures, delivered = [], 0
        for sub in targets:
            if not await self._deliver(event, sub):
                failures.append(sub.id)
            else:
                delivered += 1
        if failures:
            log.warning("webhook_refused", subscribers=failures)
            raise WebhookRefused(f"{len(failures)} subscriber(s) refused: {', '.join(failures)}")
        log.info("event_published", subscribers=len(targets))
        return delivered

    async def _deliver(self, event: WebhookEvent, sub: WebhookSubscription) -> bool:
        """One subscriber: skipped if it has the event already; True once it took it."""
        row = await in_session(self._engine, begin_delivery, event, sub.id)
        if row.status == SENT:
            return True
        now = datetime.now(UTC)
        try:
            await post_signed(sub.url, sub.secret, message_id=event.event_id,
                              payload=event.payload(), now=now)
        except WebhookRefused as exc:
            await in_session(self._engine, end_delivery, event.event_id, sub.id, now=now,
                                   error=str(exc))
            return False
        await in_session(self._engine, end_delivery, event.event_id, sub.id, now=now, error=None)
        return True

