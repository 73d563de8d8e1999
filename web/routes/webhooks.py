"""Webhook subscriptions, managed by admins: another system (a police system, the
Committee's) names the events it wants and where; it receives them signed per Standard
Webhooks with the secret shown once, at creation."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, status

from activities.webhooks import new_secret
from schemas.case import Actor
from schemas.steps import Role
from schemas.webhooks import EventType, NewSubscription, Subscription, SubscriptionIn
from store.models import WebhookSubscription
from store.users import AlreadyExists
from store.webhooks import create_subscription, list_subscriptions, remove_subscription
from web.deps import ServicesDep, in_store, require_role
from web.paths import SubscriptionName

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
AdminDep = Annotated[Actor, Depends(require_role(Role.ADMIN))]
SubscriptionId = Annotated[str, Path(max_length=64, pattern=SubscriptionName.pattern(),
                                     description="a subscription's id, e.g. police-aktobe")]


def _view(row: WebhookSubscription) -> Subscription:
    return Subscription(id=row.id, url=row.url, created_at=row.created_at,
                        events=[EventType(e) for e in row.events.split(",")])


@router.post("", status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "a subscription of that id exists"}})
async def subscribe(body: SubscriptionIn, svc: ServicesDep, _: AdminDep) -> NewSubscription:
    """Subscribe ``url`` to ``events``; the answer holds the signing secret, shown only now."""
    secret = new_secret()
    try:
        row = await in_store(svc.engine, lambda s: create_subscription(
            s, body, secret=secret, now=datetime.now(UTC)))
    except AlreadyExists as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return NewSubscription(**_view(row).model_dump(), secret=secret)


@router.get("")
async def subscriptions(svc: ServicesDep, _: AdminDep) -> list[Subscription]:
    """Every subscription, without secrets."""
    return [_view(row) for row in await in_store(svc.engine, list_subscriptions)]


@router.delete("/{subscription_id:subscription}", status_code=status.HTTP_204_NO_CONTENT,
               responses={404: {"description": "no such subscription"}})
async def unsubscribe(subscription_id: SubscriptionId, svc: ServicesDep, _: AdminDep) -> None:
    """Stop sending events to the subscription ``subscription_id``."""
    if not await in_store(svc.engine, lambda s: remove_subscription(s, subscription_id)):
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no webhook subscription {subscription_id!r}")
