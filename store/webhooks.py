"""Webhook subscriptions and deliveries: who receives which events, and who has one already.

A delivery row per (event, subscriber), with the body to post, counted before each attempt
and marked sent after: a retried delivery posts only to the subscribers still pending. A case's
events are queued by the projection that records the change they report (``queue_events``, in
its transaction), so an event is never lost nor announced for a change the store lacks.
"""

import json
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from schemas.webhooks import EventType, SubscriptionIn, WebhookEvent
from store.db import insert_for
from store.models import WebhookDelivery, WebhookSubscription
from store.outbox import MAX_ERROR_CHARS, PENDING, SENT, as_utc
from store.users import AlreadyExists


def create_subscription(session: Session, sub: SubscriptionIn, *, secret: str, now: datetime
                        ) -> WebhookSubscription:
    if session.get(WebhookSubscription, sub.id) is not None:
        raise AlreadyExists(f"webhook subscription {sub.id!r} exists")
    row = WebhookSubscription(id=sub.id, url=str(sub.url), secret=secret,
                              events=",".join(e.value for e in sub.events),
                              created_at=as_utc(now))
    session.add(row)
    session.flush()
    return row


def list_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.exec(select(WebhookSubscription).order_by(col(WebhookSubscription.id))))


def get_subscription(session: Session, subscription_id: str) -> WebhookSubscription | None:
    row = session.get(WebhookSubscription, subscription_id)
    return row if row is not None and row.active else None


def remove_subscription(session: Session, subscription_id: str) -> bool:
    """Remove a subscription (its past deliveries stay); False if there was none."""
    removed = session.execute(delete(WebhookSubscription).where(
        col(WebhookSubscription.id) == subscription_id))
    return bool(removed.rowcount)  # type: ignore[attr-defined]


def subscribers(session: Session, event_type: EventType) -> list[WebhookSubscription]:
    """The active subscriptions to ``event_type``."""
    return [s for s in list_subscriptions(session)
            if s.active and event_type.value in s.events.split(",")]


def begin_delivery(session: Session, event: WebhookEvent, subscription_id: str
                   ) -> WebhookDelivery:
    """The delivery's row, this attempt counted (created on the first)."""
    stmt = insert_for(session, WebhookDelivery).values(
        event_id=event.event_id, subscription_id=subscription_id, case_id=event.case_id,
        type=event.type.value, status=PENDING, attempts=1, payload=_body(event),
    ).on_conflict_do_update(
        index_elements=["event_id", "subscription_id"],
        set_={"attempts": col(WebhookDelivery.attempts) + 1},
    )
    session.execute(stmt)
    row = session.get(WebhookDelivery, (event.event_id, subscription_id))
    assert row is not None
    session.refresh(row)
    return row


def queue_events(session: Session, events: list[WebhookEvent]) -> int:
    """A pending delivery of each event to each active subscriber of its type (an event
    queued again stays as it is); returns how many of these events' deliveries are pending."""
    if not events:
        return 0
    for event in events:
        for sub in subscribers(session, event.type):
            session.execute(insert_for(session, WebhookDelivery).values(
                event_id=event.event_id, subscription_id=sub.id, case_id=event.case_id,
                type=event.type.value, status=PENDING, attempts=0, payload=_body(event),
            ).on_conflict_do_nothing(index_elements=["event_id", "subscription_id"]))
    return len(list(session.exec(select(WebhookDelivery.event_id).where(
        col(WebhookDelivery.event_id).in_([e.event_id for e in events]),
        col(WebhookDelivery.status) == PENDING))))


def pending_deliveries(session: Session, case_id: str
                       ) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
    """The case's queued deliveries not yet taken, each with its subscription (still on it)."""
    stmt = (select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription,
                  col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id))
            .where(col(WebhookDelivery.case_id) == case_id,
                   col(WebhookDelivery.status) == PENDING,
                   col(WebhookDelivery.payload).is_not(None),
                   col(WebhookSubscription.active))
            .order_by(col(WebhookDelivery.event_id)))
    return [(d, s) for d, s in session.exec(stmt)]


def count_attempt(session: Session, event_id: str, subscription_id: str) -> None:
    session.execute(update(WebhookDelivery).where(
        col(WebhookDelivery.event_id) == event_id,
        col(WebhookDelivery.subscription_id) == subscription_id,
    ).values(attempts=col(WebhookDelivery.attempts) + 1))


def end_delivery(session: Session, event_id: str, subscription_id: str, *, now: datetime,
                 error: str | None) -> None:
    """Mark the delivery sent, or record why it failed (it stays pending)."""
    values: dict[str, object] = (
        {"status": SENT, "delivered_at": as_utc(now), "last_error": None} if error is None
        else {"last_error": error[:MAX_ERROR_CHARS]})
    session.execute(update(WebhookDelivery).where(
        col(WebhookDelivery.event_id) == event_id,
        col(WebhookDelivery.subscription_id) == subscription_id,
        col(WebhookDelivery.status) == PENDING,
    ).values(**values))


def case_deliveries(session: Session, case_id: str) -> list[WebhookDelivery]:
    stmt = (select(WebhookDelivery).where(WebhookDelivery.case_id == case_id)
            .order_by(col(WebhookDelivery.type), col(WebhookDelivery.subscription_id)))
    return list(session.exec(stmt))


def _body(event: WebhookEvent) -> str:
    return json.dumps(event.payload(), ensure_ascii=False, separators=(",", ":"))
