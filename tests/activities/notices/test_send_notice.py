"""The ``send_notice`` activity against a real SMTP server on loopback and a SQLite store."""

from datetime import datetime

import pytest
from aiosmtplib import SMTPConnectError
from sqlalchemy import Engine
from structlog.testing import capture_logs
from temporalio.testing import ActivityEnvironment

from activities.directory import Directory
from activities.notices import NoticeActivities, message_id_for
from schemas.activities import NoticeKind, Recipient
from schemas.regions import Region
from schemas.steps import Role
from store.db import session_scope
from store.models import Case
from store.outbox import as_utc, case_notices
from store.users import create_user, remember_language
from tests.activities.notices.conftest import BASE_URL, CASE_ID, MAIL_FROM, RequestFactory
from tests.support.smtp import SmtpServer


def first_notice_at(engine: Engine, case_id: str) -> datetime | None:
    with session_scope(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.first_notice_at


async def test_alarm_arrives_once_at_the_directory_address_citing_the_clause_in_three_languages(
    notices: NoticeActivities, smtp: SmtpServer, directory: Directory,
    make_request: RequestFactory,
) -> None:
    req = make_request(recipient=Recipient.AKIMAT)

    result = await ActivityEnvironment().run(notices.send_notice, req)

    akimat = directory.authority(Recipient.AKIMAT, Region.AKTOBE)
    assert [m["To"] for m in smtp.inbox.messages] == [akimat.email]
    assert smtp.inbox.envelope_recipients == [[akimat.email]]
    mail = smtp.inbox.messages[0]
    body = mail.get_content()
    assert body.count("¶10.1") >= 3
    assert "2024 жылғы 19 маусымдағы № 149 бұйрық" in body
    assert "приказ № 149 от 19 июня 2024 года" in body
    assert "Order No. 149 of 19 June 2024" in body
    assert body.index("Ақтөбе облысы") < body.index("Актюбинская область") < body.index(
        "Aktobe Region"
    )
    assert f"{BASE_URL}/cases/{CASE_ID}" in body
    assert CASE_ID in mail["Subject"] and "¶10.1" in mail["Subject"]
    assert mail["From"] == MAIL_FROM
    assert mail["Message-ID"] == message_id_for(req.idempotency_key) == result.message_id
    assert mail["X-Ombudsflow-Idempotency-Key"] == req.idempotency_key
    assert mail["X-Ombudsflow-Case"] == CASE_ID
    assert mail["X-Ombudsflow-Clause"] == "¶10.1"
    assert result.address == akimat.email and not result.already_sent


async def test_a_retry_of_a_sent_notice_delivers_nothing_and_reports_already_sent(
    notices: NoticeActivities, smtp: SmtpServer, engine: Engine, make_request: RequestFactory,
) -> None:
    req = make_request()
    first = await ActivityEnvironment().run(notices.send_notice, req)

    again = await ActivityEnvironment().run(notices.send_notice, req)

    assert len(smtp.inbox.messages) == 1
    assert again.already_sent
    assert (again.address, again.message_id, again.sent_at) == (
        first.address, first.message_id, first.sent_at,
    )
    with session_scope(engine) as session:
        [notice] = case_notices(session, CASE_ID)
    assert (notice.status, notice.attempts) == ("sent", 2)


async def test_each_recipient_gets_its_own_mail(
    notices: NoticeActivities, smtp: SmtpServer, directory: Directory,
    make_request: RequestFactory,
) -> None:
    recipients = [Recipient.COMMISSIONER, Recipient.COMMITTEE, Recipient.AKIMAT]

    for recipient in recipients:
        await ActivityEnvironment().run(notices.send_notice, make_request(recipient=recipient))

    expected = [directory.authority(r, Region.AKTOBE).email for r in recipients]
    assert [m["To"] for m in smtp.inbox.messages] == expected
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == 3


async def test_with_smtp_down_the_failure_is_recorded_and_a_later_retry_delivers_once(
    notices: NoticeActivities, smtp: SmtpServer, engine: Engine, make_request: RequestFactory,
) -> None:
    req = make_request(recipient=Recipient.COMMITTEE)
    smtp.stop()

    with pytest.raises(SMTPConnectError):
        await ActivityEnvironment().run(notices.send_notice, req)

    with session_scope(engine) as session:
        [failed] = case_notices(session, CASE_ID)
    assert failed.status == "pending" and failed.sent_at is None
    assert failed.last_error and "SMTPConnect" in failed.last_error
    assert "¶10.1" not in failed.last_error  # nothing of the message itself

    smtp.start()
    result = await ActivityEnvironment().run(notices.send_notice, req)
    await ActivityEnvironment().run(notices.send_notice, req)

    assert len(smtp.inbox.messages) == 1 and not result.already_sent
    with session_scope(engine) as session:
        [sent] = case_notices(session, CASE_ID)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 3, None)


async def test_first_notice_at_is_set_by_the_first_alarm_only(
    notices: NoticeActivities, engine: Engine, case_row: str, make_request: RequestFactory,
) -> None:
    referral = make_request(
        kind=NoticeKind.REFERRAL, clause="¶10.3", step_key="referral",
        recipient=Recipient.POLICE,
    )
    await ActivityEnvironment().run(notices.send_notice, referral)
    assert first_notice_at(engine, case_row) is None

    first = await ActivityEnvironment().run(
        notices.send_notice, make_request(recipient=Recipient.COMMISSIONER)
    )
    await ActivityEnvironment().run(
        notices.send_notice, make_request(recipient=Recipient.COMMITTEE)
    )

    stamped = first_notice_at(engine, case_row)
    assert stamped is not None and as_utc(stamped) == first.sent_at


async def test_logs_name_the_case_clause_and_recipient_but_never_the_text(
    notices: NoticeActivities, make_request: RequestFactory,
) -> None:
    recommendations = "Мектеп әкімшілігіне: қорғау жоспарын бекіту."
    req = make_request(
        kind=NoticeKind.RECOMMENDATIONS, clause="¶11.6", step_key="recommendations",
        recipient=Recipient.AKIMAT, body=recommendations,
    )

    with capture_logs() as logs:
        await ActivityEnvironment().run(notices.send_notice, req)

    [sent] = [entry for entry in logs if entry["event"] == "notice_sent"]
    assert (sent["case_id"], sent["clause"], sent["recipient"]) == (CASE_ID, "¶11.6", "akimat")
    assert all(recommendations not in str(entry) for entry in logs)


async def test_a_reminder_to_the_holder_goes_to_their_address_or_the_office_without_one(
    notices: NoticeActivities, smtp: SmtpServer, directory: Directory, engine: Engine,
    make_request: RequestFactory,
) -> None:
    with session_scope(engine) as session:
        create_user(session, user_id="cw.mailed", display_name="Dana Mailed",
                    role=Role.CASE_WORKER, region=Region.AKTOBE, password_hash="-",
                    email="dana.mailed@ombudsman.example")
        create_user(session, user_id="cw.unmailed", display_name="Erlan Unmailed",
                    role=Role.CASE_WORKER, region=Region.AKTOBE, password_hash="-")

    for holder in ("cw.mailed", "cw.unmailed"):
        await ActivityEnvironment().run(notices.send_notice, make_request(
            kind=NoticeKind.REMINDER, recipient=Recipient.HOLDER, holder=holder,
            idempotency_key=f"{CASE_ID}:preventive_talk.1:reminder:{holder}"))

    office = directory.authority(Recipient.OMBUDSMAN_OFFICE, Region.AKTOBE)
    assert [m["To"] for m in smtp.inbox.messages] == ["dana.mailed@ombudsman.example",
                                                      office.email]
    assert "Dana Mailed" in smtp.inbox.messages[0].get_content()
    assert "Erlan Unmailed" in smtp.inbox.messages[1].get_content()


async def test_a_reminder_to_a_holder_whose_language_is_on_file_is_in_it_alone(
    notices: NoticeActivities, smtp: SmtpServer, engine: Engine, make_request: RequestFactory,
) -> None:
    with session_scope(engine) as session:
        create_user(session, user_id="cw.reads.ru", display_name="Dana Ru",
                    role=Role.CASE_WORKER, region=Region.AKTOBE, password_hash="-",
                    email="dana.ru@ombudsman.example")
        remember_language(session, "cw.reads.ru", "ru")

    await ActivityEnvironment().run(notices.send_notice, make_request(
        kind=NoticeKind.REMINDER, recipient=Recipient.HOLDER, holder="cw.reads.ru",
        idempotency_key=f"{CASE_ID}:preventive_talk.1:reminder:cw.reads.ru"))

    body = smtp.inbox.messages[0].get_content()
    assert "Кому: Dana Ru" in body and "Номер дела" in body
    assert "Кімге" not in body and "Case number" not in body
