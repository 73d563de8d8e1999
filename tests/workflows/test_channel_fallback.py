"""A ¶10.1 notice to a recipient with e-mail then SMS: undelivered by e-mail past the policy's
delay, it goes by SMS (a real loopback provider) and the supervisor is told; a recipient with
e-mail only keeps retrying until the mail server is back."""

import asyncio
from datetime import timedelta

from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.directory import Directory
from activities.sms import SmscGateway
from activities.transports import SmtpTransport
from schemas.activities import Channel, Recipient
from schemas.regions import Region
from store.db import session_scope
from store.outbox import case_notices, notice_attempts
from tests.activities.notices.test_sms import AKIMAT_PHONE, with_channels
from tests.conftest import new_worker
from tests.support.clock import skip
from tests.support.scenarios import open_case
from tests.support.sms import SMSC_LOGIN, SMSC_PASSWORD, SmsProvider
from tests.support.smtp import SmtpServer
from tests.workflows.test_mail_delivery import arrived

SUPERVISOR = "ombudsman@aktobe.ombudsman.example"


async def test_a_notice_late_by_email_goes_by_sms_and_the_supervisor_is_told(
    time_env: WorkflowEnvironment, engine: Engine, smtp: SmtpServer, sms_provider: SmsProvider
) -> None:
    smtp.stop()
    directory = with_channels(Directory.load(), Recipient.AKIMAT, Region.AKTOBE,
                              Channel.EMAIL, Channel.SMS)
    sms = SmscGateway(sms_provider.url, SMSC_LOGIN, SMSC_PASSWORD, timeout=2.0)
    async with new_worker(time_env.client, engine, SmtpTransport("127.0.0.1", smtp.port,
                                                                 timeout=2),
                          directory=directory, sms=sms) as worker:
        case = await open_case(time_env.client, engine, worker.task_queue,
                               cohabiting_parent=False)
        await case.wait_for("notice.akimat", open_=False)
        await skip(time_env, timedelta(minutes=14))
        assert sms_provider.received == []

        await skip(time_env, timedelta(minutes=2))
        await case.wait_delivered("notice.akimat", timeout=60)
        view = await case.view()
        akimat = view.step("notice.akimat")
        assert akimat.outcome is not None and akimat.outcome["channel"] == "sms"
        assert akimat.escalated_at is not None
        assert view.step("notice.commissioner").is_open()  # e-mail only: still retrying

        smtp.start()
        await case.wait_delivered("notice.commissioner", "notice.committee", timeout=60)
        messages = await arrived(smtp, 5)
        await asyncio.sleep(1)  # a late e-mail to the akimat, if any, would land now

    assert [s.phone for s in sms_provider.received] == [AKIMAT_PHONE.lstrip("+")] * 2
    assert all(case.case_id in s.text and "¶10.1" in s.text for s in sms_provider.received)
    recipients = [str(m["To"]) for m in smtp.inbox.messages]
    assert "akimat@aktobe.gov.example" not in recipients  # its e-mail send was called off
    assert recipients.count(SUPERVISOR) == 3 and len(messages) == 5
    with session_scope(engine) as session:
        rows = {n.idempotency_key: n for n in case_notices(session, case.case_id)}
        email = rows[f"{case.case_id}:notice.akimat:akimat"]
        by_sms = rows[f"{case.case_id}:notice.akimat:akimat#1"]
        assert (email.channel, email.status) == ("email", "pending")
        assert (by_sms.channel, by_sms.status, by_sms.delivery) == ("sms", "sent", "delivered")
        tried = notice_attempts(session, email.idempotency_key)
    assert tried and {(a.channel, a.result) for a in tried} == {("email", "failed")}
