"""Webhooks: the events other systems (a police system, the Committee's) subscribe to, and the
payload they receive — ids, codes and clauses, never anything a person typed."""

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, Field

from schemas.regions import Region
from schemas.report import Category


class EventType(StrEnum):
    CASE_OPENED = "case.opened"
    NOTICE_ALARM = "notice.alarm"  # ¶10.1
    NOTICE_REFERRAL = "notice.referral"  # ¶10.3
    POLICE_ANSWER_REQUESTED = "police.answer_requested"  # ¶11
    ESCALATION = "escalation"  # a task or a notice late: the supervisor told
    CASE_CLOSED = "case.closed"


class WebhookEvent(BaseModel):
    """One event of one case. ``event_id`` is fixed by the case, the type and the step, so a
    retried or repeated publication carries the same ``webhook-id``."""

    event_id: str
    type: EventType
    case_id: str
    occurred_at: AwareDatetime
    clause: str | None = None
    step_key: str | None = None
    recipient: str | None = None  # a directory key (notices, escalations)
    region: Region
    district: str  # a code of the district directory
    category: Category
    urgent: bool

    @staticmethod
    def id_for(case_id: str, type_: EventType, step_key: str | None) -> str:
        digest = hashlib.sha256(f"{case_id}|{type_.value}|{step_key or ''}".encode())
        return f"msg_{digest.hexdigest()[:32]}"

    def payload(self) -> dict[str, object]:
        """The body, shaped as Standard Webhooks suggests: type, timestamp, data."""
        data = self.model_dump(mode="json", exclude={"event_id", "type", "occurred_at"},
                               exclude_none=True)
        return {"type": self.type.value, "timestamp": self.occurred_at.isoformat(),
                "data": data}


SUBSCRIPTION_ID = r"[a-z0-9][a-z0-9_.\-]*"  # also a path segment (web.paths)


class SubscriptionIn(BaseModel):
    """An admin's subscription: where to post and which events."""

    id: str = Field(min_length=1, max_length=64, pattern=f"^{SUBSCRIPTION_ID}$",
                    description="a name for the subscriber, e.g. police-aktobe")
    url: AnyHttpUrl
    events: list[EventType] = Field(min_length=1)


class Subscription(BaseModel):
    id: str
    url: str
    events: list[EventType]
    created_at: datetime


class NewSubscription(Subscription):
    """Shown once, when created: the signing secret (``whsec_…``, Standard Webhooks)."""

    secret: str
