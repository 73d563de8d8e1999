"""Faults on the SMS channel: the provider down for minutes, then the worker dying after the
provider took an SMS and before the outbox knew. Nothing is lost, and the repeat carries the
same message ids, so the provider (and the phone) can tell it is one notice."""

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.directory import Directory
from activities.notices import message_id_for
from activities.sms import SmscGateway, SmsGateway, SmsState, numeric_id
from activities.transports import FileTransport
from schemas.activities import Channel, Recipient
from schemas.regions import Region
from store.db import session_scope
from store.outbox import case_notices, notice_attempts
from tests.activities.notices.test_sms import with_channels
from tests.conftest import new_worker
from tests.support.clock import skip
from tests.support.ports import free_port
from tests.support.scenarios import open_case
from tests.support.sms import SMSC_LOGIN, SMSC_PASSWORD, SmsProvider


class DiesAfterTheFirstSms:
    """A gateway whose worker dies right after the provider took an SMS: the send never
    returns (the worker is then shut down, cancelling it)."""

    def __init__(self, gateway: SmsGateway) -> None:
        self._gateway = gateway
        self.took_one = asyncio.Event()

    async def send(self, phone: str, text: str, *, message_id: str) -> str:
        await self._gateway.send(phone, text, message_id=message_id)
        self.took_one.set()
        await asyncio.Event().wait()  # the process is gone
        raise AssertionError("unreachable")

    async def state(self, provider_id: str, phone: str) -> SmsState:
        return await self._gateway.state(provider_id, phone)


@pytest.fixture
def provider() -> Iterator[SmsProvider]:
    fake = SmsProvider(free_port())
    yield fake
    fake.stop()


async def test_sms_down_for_minutes_delays_the_notice_and_loses_nothing(
    time_env: WorkflowEnvironment, engine: Engine, provider: SmsProvider, tmp_path: Path
) -> None:
    directory = with_channels(Directory.load(), Recipient.AKIMAT, Region.AKTOBE, Channel.SMS)
    smsc = SmscGateway(provider.url, SMSC_LOGIN, SMSC_PASSWORD, timeout=2.0)
    async with new_worker(time_env.client, engine, FileTransport(tmp_path / "mail"),
                          directory=directory, sms=smsc) as worker:
        case = await open_case(time_env.client, engine, worker.task_queue,
                               cohabiting_parent=False)
        key = f"{case.case_id}:notice.akimat:akimat"
        await skip(time_env, timedelta(minutes=10))  # the provider is down all along
        with session_scope(engine) as session:
            failed = notice_attempts(session, key)
        assert len(failed) >= 5 and {a.result for a in failed} == {"failed"}
        assert (await case.view()).step("notice.akimat").escalated_at is None  # < 15 min

        provider.start()
        await skip(time_env, timedelta(minutes=3))
        await case.wait_delivered("notice.akimat", timeout=60)

    assert [s.client_id for s in provider.received] == sms_ids(key)
    with session_scope(engine) as session:
        [akimat] = [n for n in case_notices(session, case.case_id) if n.recipient == "akimat"]
    assert (akimat.status, akimat.channel, akimat.delivery) == ("sent", "sms", "delivered")


async def test_a_worker_dying_mid_send_leaves_a_repeat_under_the_same_ids(
    dev_env: WorkflowEnvironment, engine: Engine, provider: SmsProvider, tmp_path: Path
) -> None:
    provider.start()
    directory = with_channels(Directory.load(), Recipient.AKIMAT, Region.AKTOBE, Channel.SMS)
    smsc = SmscGateway(provider.url, SMSC_LOGIN, SMSC_PASSWORD, timeout=2.0)
    dying = DiesAfterTheFirstSms(smsc)
    mail = FileTransport(tmp_path / "mail")
    async with new_worker(dev_env.client, engine, mail, directory=directory,
                          sms=dying) as first:
        queue = first.task_queue
        case = await open_case(dev_env.client, engine, queue, cohabiting_parent=False)
        key = f"{case.case_id}:notice.akimat:akimat"
        await asyncio.wait_for(dying.took_one.wait(), 60)
    # The first worker is gone mid-send; another takes its queue.
    async with new_worker(dev_env.client, engine, mail, directory=directory, sms=smsc,
                          task_queue=queue):
        await case.wait_delivered("notice.akimat", "notice.commissioner", "notice.committee",
                                  timeout=90)

    kk, ru = sms_ids(key)
    assert [s.client_id for s in provider.received] == [kk, kk, ru]
    with session_scope(engine) as session:
        rows = {n.recipient: n for n in case_notices(session, case.case_id)}
        attempts = notice_attempts(session, key)
    assert {r.status for r in rows.values()} == {"sent"}  # nothing lost
    assert rows["akimat"].attempts == 2 and rows["akimat"].delivery == "delivered"
    assert [a.result for a in attempts] == ["sent"]  # the dead attempt recorded nothing
    assert attempts[0].provider_ids == f"{kk},{ru}"


def sms_ids(key: str) -> list[str]:
    """The SMSC ids of a notice's two SMS (Kazakh, Russian): fixed by its idempotency key."""
    return [str(numeric_id(f"{message_id_for(key)}{language}")) for language in ("kk", "ru")]
