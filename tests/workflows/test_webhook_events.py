"""A case's events reach a subscribed system through the workflow: opened, the ¶10.1 notices,
the police answer requested, closed — each once, signed, with ids and codes only, queued with
the projections (no work at all when nobody subscribes)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from activities.webhooks import new_secret
from schemas.webhooks import EventType, SubscriptionIn
from store.db import session_scope
from store.webhooks import case_deliveries, create_subscription, remove_subscription
from tests.conftest import new_worker
from tests.support.factories import CANARY_IIN, CANARY_NAME
from tests.support.ports import free_port
from tests.support.scenarios import CaseDriver, not_confirmed, open_case
from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver(engine: Engine) -> Iterator[WebhookReceiver]:
    """A subscriber to every event, for this test only (the store is the session's)."""
    fake = WebhookReceiver(free_port(), secret=new_secret())
    fake.start()
    with session_scope(engine) as session:
        sub = create_subscription(session, SubscriptionIn(
            id=f"committee-{free_port()}", url=fake.url, events=list(EventType),
        ), secret=fake.secret, now=datetime.now(UTC))
    yield fake
    with session_scope(engine) as session:
        remove_subscription(session, sub.id)
    fake.stop()


async def test_a_subscriber_hears_of_a_case_from_opening_to_closing_once_each(
    time_env: WorkflowEnvironment, engine: Engine, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    case = await short_case_closed(time_env, engine, tmp_path)

    assert sorted(receiver.types()) == sorted([
        "case.opened", "notice.alarm", "notice.alarm", "notice.alarm",
        "police.answer_requested", "case.closed"])
    assert len(set(receiver.ids())) == len(receiver.received) and receiver.bad_signatures == 0
    assert all(r.payload["data"]["case_id"] == case.case_id for r in receiver.received)
    police = next(r for r in receiver.received if r.payload["type"] == "police.answer_requested")
    assert police.payload["data"]["clause"] == "¶11"
    for r in receiver.received:
        assert CANARY_NAME not in r.raw and CANARY_IIN not in r.raw
    # The events went with the projections: fewer deliveries than events, none one by one.
    activities = await scheduled_activities(case)
    assert "publish_event" not in activities
    assert 0 < activities.count("deliver_case_events") < len(receiver.received)


async def test_without_a_subscriber_a_case_does_no_delivery_work(
    time_env: WorkflowEnvironment, engine: Engine, tmp_path: Path
) -> None:
    case = await short_case_closed(time_env, engine, tmp_path)

    activities = await scheduled_activities(case)
    assert "send_notice" in activities
    assert not {"publish_event", "deliver_case_events"} & set(activities)


async def short_case_closed(time_env: WorkflowEnvironment, engine: Engine, tmp_path: Path
                            ) -> CaseDriver:
    """A case on the short path (the police do not confirm), run until it closes."""
    async with new_worker(time_env.client, engine, FileTransport(tmp_path / "mail")) as worker:
        case = await open_case(time_env.client, engine, worker.task_queue,
                               cohabiting_parent=False)
        await not_confirmed(case)
        await case.result()
    return case


async def scheduled_activities(case: CaseDriver) -> list[str]:
    """The activity types the case's workflow scheduled, in order."""
    history = await case.handle.fetch_history()
    return [e.activity_task_scheduled_event_attributes.activity_type.name
            for e in history.events if e.HasField("activity_task_scheduled_event_attributes")]


async def test_a_subscriber_that_is_down_holds_up_no_case(
    time_env: WorkflowEnvironment, engine: Engine, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    receiver.refusing = True
    async with new_worker(time_env.client, engine, FileTransport(tmp_path / "mail")) as worker:
        case = await open_case(time_env.client, engine, worker.task_queue,
                               cohabiting_parent=False)
        await not_confirmed(case)  # the closure opens and is approved: nobody waits
        closed = await case.view()

    assert closed.stage == "closed" and closed.closed_at is not None
    assert receiver.received == []
    with session_scope(engine) as session:
        deliveries = case_deliveries(session, case.case_id)
    assert deliveries and {d.status for d in deliveries} == {"pending"}
    # Queued with the case's changes; those tried so far say why they wait (the rest are
    # tried at the delivery's next attempt, which takes every delivery of the case pending).
    tried = [d for d in deliveries if d.attempts]
    assert tried and all(d.last_error == "the subscriber answered 503" for d in tried)
