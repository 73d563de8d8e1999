"""The outbox rows, read back the way the supervisor board and the case card read them."""

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine

from store.db import session_scope
from store.outbox import case_notices, mark_failed, mark_sent, reserve_notice
from tests.activities.notices.conftest import CASE_ID, RequestFactory

ALMATY = timezone(timedelta(hours=5))


def test_reserving_twice_keeps_one_row_and_counts_both_attempts(
    engine: Engine, make_request: RequestFactory
) -> None:
    req = make_request()
    now = datetime(2026, 3, 2, 9, 30, tzinfo=ALMATY)

    for _ in range(2):
        with session_scope(engine) as session:
            reserve_notice(session, req=req, address="akimat@aktobe.gov.example", now=now)

    with session_scope(engine) as session:
        [notice] = case_notices(session, CASE_ID)
    assert (notice.attempts, notice.status) == (2, "pending")
    assert notice.created_at.replace(tzinfo=None) == datetime(2026, 3, 2, 4, 30)  # UTC


def test_a_corrected_address_applies_until_the_notice_is_sent(
    engine: Engine, make_request: RequestFactory
) -> None:
    req = make_request()
    now = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    with session_scope(engine) as session:
        reserve_notice(session, req=req, address="typo@aktobe.gov.example", now=now)
        mark_failed(session, idempotency_key=req.idempotency_key, error="SMTPRecipientsRefused",
                    now=now)
    with session_scope(engine) as session:
        fixed = reserve_notice(session, req=req, address="akimat@aktobe.gov.example", now=now)
        mark_sent(session, idempotency_key=req.idempotency_key, message_id="<m>", now=now)
    with session_scope(engine) as session:
        later = reserve_notice(session, req=req, address="other@aktobe.gov.example", now=now)

    assert fixed.address == "akimat@aktobe.gov.example"
    assert (later.address, later.status, later.last_error) == (fixed.address, "sent", None)


def test_a_failure_after_sending_does_not_reopen_the_notice(
    engine: Engine, make_request: RequestFactory
) -> None:
    req = make_request()
    now = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    with session_scope(engine) as session:
        reserve_notice(session, req=req, address="akimat@aktobe.gov.example", now=now)
        mark_sent(session, idempotency_key=req.idempotency_key, message_id="<m>", now=now)
        mark_failed(session, idempotency_key=req.idempotency_key, error="late timeout", now=now)

    with session_scope(engine) as session:
        [notice] = case_notices(session, CASE_ID)
    assert (notice.status, notice.last_error, notice.message_id) == ("sent", None, "<m>")
