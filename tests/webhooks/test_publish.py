"""The ``publish_event`` activity against a loopback receiver that verifies Standard Webhooks
signatures, with a SQLite store."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.directory import Directory
from activities.districts import load_districts
from activities.notices import NoticeActivities
from activities.transports import SmtpTransport
from activities.webhooks import WebhookActivities, WebhookRefused, new_secret
from schemas.activities import Channel, NoticeKind, NoticeRequest, Recipient
from schemas.regions import Region
from schemas.report import Category
from schemas.webhooks import EventType, SubscriptionIn, WebhookEvent
from store.db import create_schema, make_engine, session_scope
from store.outbox import notice_attempts
from store.webhooks import case_deliveries, create_subscription
from tests.support.factories import CANARY_IIN, CANARY_NAME
from tests.support.ports import free_port
from tests.support.smtp import SmtpServer
from tests.support.webhook_receiver import WebhookReceiver

CASE_ID = "AKT-2026-000321"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def receiver(engine: Engine) -> Iterator[WebhookReceiver]:
    """A police system subscribed to ¶10.3 notices and police answers requested."""
    fake = WebhookReceiver(free_port(), secret=new_secret())
    fake.start()
    with session_scope(engine) as session:
        create_subscription(session, SubscriptionIn(
            id="police-aktobe", url=fake.url,
            events=[EventType.NOTICE_REFERRAL, EventType.POLICE_ANSWER_REQUESTED],
        ), secret=fake.secret, now=datetime.now(UTC))
    yield fake
    fake.stop()


def event(type_: EventType = EventType.NOTICE_REFERRAL) -> WebhookEvent:
    return WebhookEvent(
        event_id=WebhookEvent.id_for(CASE_ID, type_, "referral.police"), type=type_,
        case_id=CASE_ID, occurred_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC), clause="¶10.3",
        step_key="referral.police", recipient="police", region=Region.AKTOBE,
        district="153200000", category=Category.PHYSICAL_VIOLENCE, urgent=True)


async def test_a_subscriber_receives_the_event_signed_with_ids_and_codes_only(
    engine: Engine, receiver: WebhookReceiver
) -> None:
    await ActivityEnvironment().run(WebhookActivities(engine).publish_event, event())

    [got] = receiver.received
    assert receiver.bad_signatures == 0
    assert got.webhook_id == event().event_id
    assert got.payload == {
        "type": "notice.referral", "timestamp": "2026-11-30T09:00:00+00:00",
        "data": {"case_id": CASE_ID, "clause": "¶10.3", "step_key": "referral.police",
                 "recipient": "police", "region": "aktobe", "district": "153200000",
                 "category": "physical_violence", "urgent": True}}
    assert CANARY_NAME not in got.raw and CANARY_IIN not in got.raw


async def test_a_refusing_subscriber_fails_the_attempt_and_the_retry_carries_the_same_id(
    engine: Engine, receiver: WebhookReceiver
) -> None:
    publish = WebhookActivities(engine).publish_event
    receiver.refusing = True
    with pytest.raises(WebhookRefused, match="police-aktobe"):
        await ActivityEnvironment().run(publish, event())

    receiver.refusing = False
    await ActivityEnvironment().run(publish, event())
    await ActivityEnvironment().run(publish, event())  # once taken, never posted again

    assert receiver.ids() == [event().event_id]
    with session_scope(engine) as session:
        [delivery] = case_deliveries(session, CASE_ID)
    assert (delivery.status, delivery.attempts) == ("sent", 3)


async def test_a_wrong_secret_is_refused_by_the_receiver(
    engine: Engine, receiver: WebhookReceiver
) -> None:
    receiver.secret = new_secret()  # the subscriber rotated its secret; ours is stale

    with pytest.raises(WebhookRefused):
        await ActivityEnvironment().run(WebhookActivities(engine).publish_event, event())

    assert receiver.bad_signatures == 1 and receiver.received == []
    with session_scope(engine) as session:
        [delivery] = case_deliveries(session, CASE_ID)
    assert delivery.status == "pending" and delivery.last_error == "the subscriber answered 401"


async def test_events_nobody_subscribed_to_go_nowhere(
    engine: Engine, receiver: WebhookReceiver
) -> None:
    taken = await ActivityEnvironment().run(WebhookActivities(engine).publish_event,
                                            event(EventType.CASE_CLOSED))

    assert taken == 0 and receiver.received == []


async def test_a_notice_whose_channel_is_a_webhook_is_posted_signed_to_the_subscription(
    engine: Engine, receiver: WebhookReceiver, smtp: SmtpServer
) -> None:
    directory = Directory.load()
    police = directory.authority(Recipient.POLICE, Region.AKTOBE).model_copy(
        update={"webhook": "police-aktobe", "channels": (Channel.WEBHOOK,)})
    directory = directory.model_copy(update={"regions": directory.regions | {
        Region.AKTOBE: directory.regions[Region.AKTOBE] | {Recipient.POLICE: police}}})
    notices = NoticeActivities(engine, SmtpTransport("127.0.0.1", smtp.port), directory,
                               districts=load_districts(), base_url="https://bala.kz",
                               mail_from="ombudsflow@ombudsman.example")
    req = NoticeRequest(
        idempotency_key=f"{CASE_ID}:referral.police:police", case_id=CASE_ID,
        step_key="referral.police", clause="¶10.3", kind=NoticeKind.REFERRAL,
        recipient=Recipient.POLICE, region=Region.AKTOBE, district="153200000",
        category=Category.PHYSICAL_VIOLENCE, urgent=True)
    receiver.refusing = True
    with pytest.raises(WebhookRefused):
        await ActivityEnvironment().run(notices.send_notice, req)
    receiver.refusing = False

    result = await ActivityEnvironment().run(notices.send_notice, req)

    assert result.channel == Channel.WEBHOOK and smtp.inbox.messages == []
    [got] = receiver.received
    assert got.payload["type"] == "notice.referral"
    assert got.payload["data"]["clause"] == "¶10.3"
    assert got.payload["data"]["link"] == f"https://bala.kz/cases/{CASE_ID}"
    with session_scope(engine) as session:
        attempts = notice_attempts(session, req.idempotency_key)
    assert [(a.channel, a.result) for a in attempts] == [("webhook", "failed"),
                                                         ("webhook", "sent")]
