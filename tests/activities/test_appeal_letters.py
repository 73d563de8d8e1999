"""Letters to an applicant (¶6.2): by e-mail to one who gave an address, and the letter's first
paragraph by SMS to one who gave a phone, each once however often the activity runs, with the
appeal's number and nothing of the applicant's."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.appeals import AppealActivities
from activities.sms import SmscGateway
from activities.transports import FileTransport
from cases.appeals import parse_appeal
from schemas.appeal import ApplicantNotice, ApplicantNoticeKind
from store.appeals import register_appeal
from store.db import session_scope
from store.models import Notice
from tests.support.factories import appeal_data
from tests.support.sms import SMSC_LOGIN, SMSC_PASSWORD, SmsProvider

PHONE = "+7 701 555 12 34"


def ticket(engine: Engine, **applicant: object) -> ApplicantNotice:
    """The registration ticket of a new appeal from an applicant with ``applicant``'s contacts."""
    data = appeal_data(applicant={"name": "Aigerim Smsova", "relation": "parent",
                                  "language": "ru", **applicant})
    with session_scope(engine) as session:
        appeal_id, _ = register_appeal(session, appeal=parse_appeal(data), taken_by="cw.aktobe")
    now = datetime.now(UTC)
    return ApplicantNotice(idempotency_key=f"{appeal_id}:ticket", appeal_id=appeal_id,
                           step_key="ticket", clause="¶6.2, APPC art. 64",
                           kind=ApplicantNoticeKind.TICKET, registered_at=now,
                           taken_by="cw.aktobe", due_at=now + timedelta(days=21))


async def test_an_applicant_with_a_phone_gets_the_ticket_by_sms_once(
    engine: Engine, sms_provider: SmsProvider, tmp_path: Path
) -> None:
    letters = AppealActivities(engine, FileTransport(tmp_path), mail_from="o@example.kz",
                               sms=SmscGateway(sms_provider.url, SMSC_LOGIN, SMSC_PASSWORD))
    notice = ticket(engine, phone=PHONE)
    for _ in range(2):  # a retried activity
        result = await ActivityEnvironment().run(letters.send_to_applicant, notice)

    assert result.message_id is None  # no e-mail: nothing mailed
    [sms] = sms_provider.received
    assert sms.phone == "77015551234" and notice.appeal_id in sms.text
    assert "зарегистрировано" in sms.text and "Smsova" not in sms.text
    with session_scope(engine) as session:
        row = session.get(Notice, f"{notice.idempotency_key}:sms")
        assert row is not None and (row.channel, row.status) == ("sms", "sent")


async def test_without_an_sms_provider_or_a_phone_nothing_is_texted(
    engine: Engine, sms_provider: SmsProvider, tmp_path: Path
) -> None:
    with_sms = AppealActivities(engine, FileTransport(tmp_path), mail_from="o@example.kz",
                                sms=SmscGateway(sms_provider.url, SMSC_LOGIN, SMSC_PASSWORD))
    mailed = await ActivityEnvironment().run(with_sms.send_to_applicant,
                                             ticket(engine, email="a.smsova@example.kz"))
    no_sms = AppealActivities(engine, FileTransport(tmp_path), mail_from="o@example.kz")
    await ActivityEnvironment().run(no_sms.send_to_applicant, ticket(engine, phone=PHONE))

    assert mailed.message_id is not None and sms_provider.received == []
