"""Notices by SMS through the Mobizon and SMSC.kz adapters, against a fake provider on
loopback speaking their formats over real HTTP, and a SQLite outbox."""

from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.directory import Directory
from activities.districts import load_districts
from activities.notices import NoticeActivities, message_id_for
from activities.sms import MobizonGateway, SmscGateway, SmsError, SmsGateway, SmsState
from activities.texts import SMS_LANGUAGES, SMS_SEGMENT, render_sms
from activities.transports import SmtpTransport
from schemas.activities import NO_SUCH_CHANNEL, Channel, NoticeKind, Recipient
from schemas.regions import Region
from schemas.report import Category
from store.db import session_scope
from store.outbox import case_notices, notice_attempts
from tests.activities.notices.conftest import BASE_URL, CASE_ID, MAIL_FROM, RequestFactory
from tests.support.factories import CANARY_IIN, CANARY_NAME
from tests.support.sms import MOBIZON_KEY, SMSC_LOGIN, SMSC_PASSWORD, SmsProvider
from tests.support.smtp import SmtpServer

AKIMAT_PHONE = "+77010000001"


def with_channels(directory: Directory, recipient: Recipient, region: Region,
                  *channels: Channel, phone: str = AKIMAT_PHONE) -> Directory:
    """``directory`` with ``recipient`` of ``region`` reachable on ``channels``, in order."""
    entry = directory.authority(recipient, region).model_copy(
        update={"phone": phone, "channels": channels})
    entries = directory.regions[region] | {recipient: entry}
    return directory.model_copy(update={"regions": directory.regions | {region: entries}})


def smsc(provider: SmsProvider) -> SmsGateway:
    return SmscGateway(provider.url, SMSC_LOGIN, SMSC_PASSWORD, timeout=2.0)


def mobizon(provider: SmsProvider) -> SmsGateway:
    return MobizonGateway(provider.url, MOBIZON_KEY, timeout=2.0)


def activities(engine: Engine, smtp: SmtpServer, directory: Directory, gateway: SmsGateway
               ) -> NoticeActivities:
    return NoticeActivities(
        engine, SmtpTransport("127.0.0.1", smtp.port, timeout=2.0),
        with_channels(directory, Recipient.AKIMAT, Region.AKTOBE, Channel.SMS, Channel.EMAIL),
        districts=load_districts(), base_url=BASE_URL, mail_from=MAIL_FROM, sms=gateway,
        sms_status_wait=1.0,
    )


@pytest.mark.parametrize("gateway", [smsc, mobizon], ids=["smsc", "mobizon"])
async def test_an_alarm_goes_by_sms_in_kazakh_and_russian_and_its_delivery_is_recorded(
    gateway: Callable[[SmsProvider], SmsGateway], sms_provider: SmsProvider, engine: Engine,
    smtp: SmtpServer,
    directory: Directory, make_request: RequestFactory,
) -> None:
    notices = activities(engine, smtp, directory, gateway(sms_provider))
    req = make_request(recipient=Recipient.AKIMAT)

    result = await ActivityEnvironment().run(notices.send_notice, req)

    assert (result.channel, result.address) == (Channel.SMS, AKIMAT_PHONE)
    assert smtp.inbox.messages == []
    assert [s.phone for s in sms_provider.received] == ["77010000001"] * 2
    kk, ru = (s.text for s in sms_provider.received)
    assert kk == f"ШҰҒЫЛ ¶10.1 физ. зорлық {BASE_URL}/cases/{CASE_ID}"
    assert ru == f"СРОЧНО ¶10.1 физ. насилие {BASE_URL}/cases/{CASE_ID}"
    with session_scope(engine) as session:
        [notice] = case_notices(session, CASE_ID)
        [attempt] = notice_attempts(session, req.idempotency_key)
    assert (notice.status, notice.channel, notice.delivery) == ("sent", "sms", "delivered")
    assert (attempt.channel, attempt.result, attempt.delivery) == ("sms", "sent", "delivered")
    assert attempt.provider_ids == ",".join(s.provider_id for s in sms_provider.received)


async def test_an_sms_the_provider_reports_undeliverable_is_sent_again_under_the_same_id(
    sms_provider: SmsProvider, engine: Engine, smtp: SmtpServer, directory: Directory,
    make_request: RequestFactory,
) -> None:
    notices = activities(engine, smtp, directory, smsc(sms_provider))
    req = make_request(recipient=Recipient.AKIMAT)
    sms_provider.smsc_status = 20  # "impossible to deliver"

    with pytest.raises(SmsError):
        await ActivityEnvironment().run(notices.send_notice, req)
    sms_provider.smsc_status = 1
    await ActivityEnvironment().run(notices.send_notice, req)

    first, second = sms_provider.received[:2], sms_provider.received[2:]
    assert [s.client_id for s in first] == [s.client_id for s in second]
    with session_scope(engine) as session:
        attempts = notice_attempts(session, req.idempotency_key)
    assert [(a.attempt, a.result, a.delivery) for a in attempts] == [
        (1, "failed", "failed"), (2, "sent", "delivered")]


async def test_a_provider_down_fails_the_attempt_records_it_and_the_retry_delivers(
    sms_provider: SmsProvider, engine: Engine, smtp: SmtpServer, directory: Directory,
    make_request: RequestFactory,
) -> None:
    notices = activities(engine, smtp, directory, mobizon(sms_provider))
    req = make_request(recipient=Recipient.AKIMAT)
    sms_provider.stop()

    with pytest.raises(SmsError):
        await ActivityEnvironment().run(notices.send_notice, req)
    sms_provider.start()
    await ActivityEnvironment().run(notices.send_notice, req)

    assert [s.client_id for s in sms_provider.received] == [
        f"{message_id_for(req.idempotency_key)}{language}" for language in SMS_LANGUAGES]
    with session_scope(engine) as session:
        attempts = notice_attempts(session, req.idempotency_key)
    assert [(a.result, a.channel) for a in attempts] == [("failed", "sms"), ("sent", "sms")]
    assert attempts[0].error and "ConnectError" in attempts[0].error


async def test_an_sms_still_unconfirmed_is_sent_and_recorded_pending(
    sms_provider: SmsProvider, engine: Engine, smtp: SmtpServer, directory: Directory,
    make_request: RequestFactory,
) -> None:
    notices = activities(engine, smtp, directory, mobizon(sms_provider))
    sms_provider.mobizon_status = "ENQUEUD"

    await ActivityEnvironment().run(notices.send_notice, make_request(recipient=Recipient.AKIMAT))

    with session_scope(engine) as session:
        [notice] = case_notices(session, CASE_ID)
    assert (notice.status, notice.delivery) == ("sent", "pending")


async def test_the_second_channel_is_email_and_a_third_does_not_exist(
    sms_provider: SmsProvider, engine: Engine, smtp: SmtpServer, directory: Directory,
    make_request: RequestFactory,
) -> None:
    notices = activities(engine, smtp, directory, smsc(sms_provider))

    second = await ActivityEnvironment().run(
        notices.send_notice, make_request(recipient=Recipient.AKIMAT, rank=1))
    with pytest.raises(ApplicationError) as third:
        await ActivityEnvironment().run(
            notices.send_notice, make_request(recipient=Recipient.AKIMAT, rank=2))

    assert second.channel == Channel.EMAIL and len(smtp.inbox.messages) == 1
    assert third.value.type == NO_SUCH_CHANNEL and third.value.non_retryable
    assert sms_provider.received == []


async def test_wrong_credentials_are_a_failed_attempt_naming_the_provider_error(
    sms_provider: SmsProvider, engine: Engine, smtp: SmtpServer, directory: Directory,
    make_request: RequestFactory,
) -> None:
    notices = activities(engine, smtp, directory,
                         SmscGateway(sms_provider.url, SMSC_LOGIN, "wrong", timeout=2.0))
    req = make_request(recipient=Recipient.AKIMAT)

    with pytest.raises(SmsError, match="error 2"):
        await ActivityEnvironment().run(notices.send_notice, req)

    assert sms_provider.received == []


@pytest.mark.parametrize("language", SMS_LANGUAGES)
def test_every_sms_fits_one_segment_with_a_short_link_and_holds_no_personal_data(
    language: str, make_request: RequestFactory,
) -> None:
    for kind in NoticeKind:
        for category in Category:
            req = make_request(kind=kind, category=category, clause="¶10.3",
                               body=f"{CANARY_NAME} {CANARY_IIN}")
            text = render_sms(req, language, base_url="https://bala.kz")
            assert len(text) <= SMS_SEGMENT, text
            assert CASE_ID in text and "¶10.3" in text
            assert CANARY_NAME not in text and CANARY_IIN not in text


async def test_mobizon_taking_a_send_for_background_work_or_delivering_part_is_no_failure(
    sms_provider: SmsProvider,
) -> None:
    # Mobizon's own client counts code 100 a success; PDLIVRD (some segments delivered) is
    # not final. The status is asked as that client asks it, ids[0].
    sms_provider.mobizon_code, sms_provider.mobizon_status = 100, "PDLIVRD"
    gateway = mobizon(sms_provider)

    sent = await gateway.send(AKIMAT_PHONE, "test", message_id="notice-1")
    state = await gateway.state(sent, AKIMAT_PHONE)

    assert state is SmsState.PENDING
    assert sms_provider.requests[-1]["ids[0]"] == sent
    assert sms_provider.received[0].client_id == "notice-1"
