"""Report mails go through the notices' outbox (¶8 delivery, reminders, escalations): a retry
after the relay took one sends nothing, a relay that is down leaves the row pending with why,
and the next attempt sends it once; the rows are read back the way the report page reads them.
A real SMTP server on loopback, a fresh store on each backend."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from activities.directory import Directory
from activities.districts import load_districts
from activities.reporting import ReportingActivities
from activities.transports import SmtpTransport
from schemas.activities import Recipient
from schemas.regions import Region
from schemas.reporting import MailKind, Period, ReportKind, ReportMail, ReportStatus, ReportView
from store.db import session_scope
from store.outbox import PENDING, SENT, case_notices, notice_attempts
from tests.support.smtp import SmtpServer
from tests.support.stores import engine, postgres_url

__all__ = ["engine", "postgres_url"]  # a fresh store per test, on each backend

H1 = Period(start=date(2026, 1, 1), end=date(2026, 7, 1), label="2026-H1")
# The longest report id there is: longer than a case number.
REPORT = ReportView(
    report_id="monthly-control-north_kazakhstan-2026-11", kind=ReportKind.MONTHLY_CONTROL,
    clause=ReportKind.MONTHLY_CONTROL.clause, region=Region.NORTH_KAZAKHSTAN,
    period=Period(start=date(2026, 11, 1), end=date(2026, 12, 1), label="2026-11"),
    status=ReportStatus.DONE, opened_at=datetime(2026, 12, 1, 4, tzinfo=UTC))


def _activities(engine: Engine, smtp: SmtpServer) -> ReportingActivities:
    return ReportingActivities(engine, SmtpTransport("127.0.0.1", smtp.port, timeout=5.0),
                               Directory.load(), districts=load_districts(),
                               mail_from="ombudsflow@ombudsman.example")


async def test_a_report_mail_sent_once_is_not_sent_again(engine: Engine,
                                                         smtp: SmtpServer) -> None:
    mail = ReportMail(kind=MailKind.DELIVERY, recipient=Recipient.AKIMAT, report=REPORT)
    first = await _activities(engine, smtp).send_report_mail(mail)
    again = await _activities(engine, smtp).send_report_mail(mail)  # a retried activity
    assert first == again and len(smtp.inbox.messages) == 1
    assert smtp.inbox.messages[0]["Message-ID"] == first
    with session_scope(engine) as session:
        [row] = case_notices(session, REPORT.report_id)
    assert (row.status, row.kind, row.recipient, row.clause, row.attempts) == (
        SENT, "delivery", "akimat", "¶8, seed 002", 2)
    assert row.message_id == first and row.address == smtp.inbox.envelope_recipients[0][0]


async def test_a_relay_that_is_down_leaves_the_mail_pending_then_it_goes_once(
    engine: Engine, smtp: SmtpServer
) -> None:
    mail = ReportMail(kind=MailKind.ESCALATION, recipient=Recipient.SUPERVISOR, report=REPORT)
    smtp.stop()
    with pytest.raises(OSError):
        await _activities(engine, smtp).send_report_mail(mail)
    with session_scope(engine) as session:
        [row] = case_notices(session, REPORT.report_id)
    assert row.status == PENDING and row.attempts == 1 and row.last_error
    smtp.start()
    await _activities(engine, smtp).send_report_mail(mail)
    await _activities(engine, smtp).send_report_mail(mail)
    assert len(smtp.inbox.messages) == 1
    with session_scope(engine) as session:
        [row] = case_notices(session, REPORT.report_id)
        results = [a.result for a in notice_attempts(session, row.idempotency_key)]
    assert (row.status, row.attempts, row.last_error) == (SENT, 3, None)
    assert results == ["failed", "sent"]


async def test_each_reminder_is_a_mail_of_its_own(engine: Engine, smtp: SmtpServer) -> None:
    """The second reminder is not taken for a retry of the first."""
    activities = _activities(engine, smtp)
    first = REPORT.model_copy(update={"reminded_at": []})
    second = REPORT.model_copy(update={"reminded_at": [REPORT.opened_at]})
    for view in (first, second):
        await activities.send_report_mail(ReportMail(
            kind=MailKind.REMINDER, recipient=Recipient.OMBUDSMAN_OFFICE, report=view))
    with session_scope(engine) as session:
        rows = case_notices(session, REPORT.report_id)
    assert [r.status for r in rows] == [SENT, SENT] and len(smtp.inbox.messages) == 2
