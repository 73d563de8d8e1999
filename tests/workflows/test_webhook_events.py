"""A case's events reach a subscribed system through the workflow: opened, the ¶10.1 notices,
the police answer requested, closed — each once, signed, with ids and codes only."""

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
from store.webhooks import create_subscription
from tests.conftest import new_worker
from tests.factories import CANARY_IIN, CANARY_NAME
from tests.ports import free_port
from tests.scenarios import not_confirmed, open_case
from tests.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver(engine: Engine) -> Iterator[WebhookReceiver]:
    fake = WebhookReceiver(free_port(), secret=new_secret())
    fake.start()
    with session_scope(engine) as session:
        create_subscription(session, SubscriptionIn(
            id=f"committee-{free_port()}", url=fake.url, events=list(EventType),
        ), secret=fake.secret, now=datetime.now(UTC))
    yield fake
    fake.stop()


async def test_a_subscriber_hears_of_a_case_from_opening_to_closing_once_each(
    time_env: WorkflowEnvironment, engine: Engine, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    async with new_worker(time_env.client, engine, FileTransport(tmp_path / "mail")) as worker:
        case = await open_case(time_env.client, engine, worker.task_queue,
                               cohabiting_parent=False)
        await not_confirmed(case)
        await case.result()

    assert sorted(receiver.types()) == sorted([
        "case.opened", "notice.alarm", "notice.alarm", "notice.alarm",
        "police.answer_requested", "case.closed"])
    assert len(set(receiver.ids())) == len(receiver.received) and receiver.bad_signatures == 0
    assert all(r.payload["data"]["case_id"] == case.case_id for r in receiver.received)
    police = next(r for r in receiver.received if r.payload["type"] == "police.answer_requested")
    assert police.payload["data"]["clause"] == "¶11"
    for r in receiver.received:
        assert CANARY_NAME not in r.raw and CANARY_IIN not in r.raw
