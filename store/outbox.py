"""The notification outbox: a row per notice, keyed by its idempotency key.

The row is reserved before sending and marked after, so a retried activity (Temporal retries
until delivery) finds ``sent`` and sends nothing. Single upserts and conditional updates, not
read-then-write, settle two workers racing on the same notice.
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import case as sql_case
from sqlalchemy import func, literal, update
from sqlmodel import Session, col, select

from schemas.activities import Channel, NoticeKind, NoticeRequest
from store.db import insert_in, table_of
from store.models import Case, Notice, NoticeAttempt, UtcDateTime

PENDING = "pending"
HELD = "held"  # a late notice's escalation kept for the supervisor's next digest
SENT = "sent"
FAILED = "failed"  # an attempt's result
# Enough to diagnose a relay's refusal; the caller passes an error summary, never a message.
MAX_ERROR_CHARS = 1000
NOTICES, CASES = table_of(Notice), table_of(Case)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive value (SQLite returns them) is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def reserve_notice(
    session: Session, *, req: NoticeRequest, address: str, now: datetime,
    channel: Channel = Channel.EMAIL,
) -> Notice:
    """Reserve a case's notice (``reserve``)."""
    return reserve(session, idempotency_key=req.idempotency_key, owner_id=req.case_id,
                   step_key=req.step_key, clause=req.clause, kind=req.kind.value,
                   recipient=req.recipient.value, address=address, now=now, channel=channel)


def reserve(
    session: Session, *, idempotency_key: str, owner_id: str, step_key: str, clause: str,
    kind: str, recipient: str, address: str, now: datetime, channel: Channel = Channel.EMAIL,
) -> Notice:
    """Insert the notice's row if absent and count this attempt; return the row.
    ``owner_id`` is what the notice is about: a case's number, or a periodic report's id.

    While the notice is pending the address and channel follow the directory, so a corrected
    entry applies to the next retry; once sent, the row keeps where and how it went.
    """
    values = {"idempotency_key": idempotency_key, "case_id": owner_id, "step_key": step_key,
              "clause": clause, "kind": kind, "recipient": recipient, "address": address,
              "channel": channel.value, "status": PENDING, "attempts": 1,
              "created_at": as_utc(now)}
    # On the connection, not the session: the ORM's RETURNING into a tracked object cost as
    # much as the statement itself.
    row = session.connection().execute(
        _reserve_statement(session.get_bind().dialect.name), values).one()
    return Notice.model_validate(row._asdict())


@cache
def _reserve_statement(dialect: str) -> Any:
    """``reserve``'s upsert, built once (its values are the execution's parameters): building
    it, the ``excluded`` columns above all, cost about what running it did."""
    insert = insert_in(dialect, Notice)
    return insert.on_conflict_do_update(
        index_elements=["idempotency_key"],
        set_={
            "attempts": col(Notice.attempts) + 1,
            **{name: sql_case((col(Notice.status) == PENDING, insert.excluded[name]),
                              else_=NOTICES.c[name])
               for name in ("address", "channel")},
        },
    ).returning(*NOTICES.c)


def mark_sent(session: Session, *, idempotency_key: str, message_id: str, now: datetime,
              delivery: str | None = None, provider_ids: str | None = None) -> None:
    """Record delivery (and the attempt that made it, with the provider's ids and delivery
    report where there are some); the first ¶10.1 alarm also stamps the case's
    ``first_notice_at`` and its delay from the report, ``first_notice_seconds``.

    One conditional UPDATE, so of the alarms delivered at once only the first stamps the
    case, and a retry stamps nothing. A case stamped before the delay was kept (a worker of
    the previous version, after the migration) gets the delay of its existing stamp.
    """
    connection = session.connection()
    sent_at = as_utc(now)
    marked = connection.execute(
        update(NOTICES)
        .where(NOTICES.c.idempotency_key == idempotency_key, NOTICES.c.status == PENDING)
        .values(status=SENT, message_id=message_id, sent_at=sent_at, last_error=None,
                delivery=delivery)
        .returning(NOTICES.c.kind, NOTICES.c.case_id)
    ).first()
    if marked is None:  # sent already (a retry), or never reserved
        reserved = connection.execute(
            select(NOTICES.c.status).where(NOTICES.c.idempotency_key == idempotency_key)
        ).first()
        if reserved is None:
            raise LookupError(f"no notice reserved under {idempotency_key!r}")
        return
    _record_attempt(session, idempotency_key, at=sent_at, result=SENT, delivery=delivery,
                    provider_ids=provider_ids)
    if marked.kind == NoticeKind.ALARM:
        first = func.coalesce(CASES.c.first_notice_at, literal(sent_at, UtcDateTime()))
        connection.execute(
            update(CASES)
            .where(CASES.c.case_id == marked.case_id, CASES.c.first_notice_seconds.is_(None))
            .values(first_notice_at=first,
                    first_notice_seconds=seconds_between(session, first, CASES.c.received_at))
        )


def seconds_between(session: Session, later: Any, earlier: Any) -> Any:
    """``later - earlier`` in seconds, as a SQL expression of the session's dialect: exact
    to the microsecond on PostgreSQL, to the millisecond on SQLite (julianday's precision)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)


def recently_escalated(session: Session, *, address: str, since: datetime) -> bool:
    """Whether an escalation was mailed to ``address`` at or after ``since`` (alone or in a
    digest)."""
    stmt = select(NOTICES.c.idempotency_key).where(
        NOTICES.c.status == SENT, NOTICES.c.kind == NoticeKind.ESCALATION.value,
        NOTICES.c.address == address, NOTICES.c.sent_at >= as_utc(since)).limit(1)
    return session.connection().execute(stmt).first() is not None


def hold(session: Session, *, idempotency_key: str) -> None:
    """Keep a reserved escalation for the next digest instead of sending it."""
    session.execute(update(Notice).where(col(Notice.idempotency_key) == idempotency_key,
                                         col(Notice.status) == PENDING).values(status=HELD))


class Held(NamedTuple):
    """An escalation held for a digest, with the region of the case it is about."""

    notice: Notice
    region: str


def held(session: Session) -> list[Held]:
    """Every escalation held for a digest, by address, oldest first."""
    stmt = (select(Notice, Case.region).join(Case, col(Case.case_id) == col(Notice.case_id))
            .where(col(Notice.status) == HELD)
            .order_by(col(Notice.address), col(Notice.created_at), col(Notice.idempotency_key)))
    return [Held(notice, region) for notice, region in session.exec(stmt)]


def mark_digested(session: Session, *, idempotency_keys: list[str], message_id: str,
                  now: datetime) -> None:
    """Record held escalations as sent in the digest ``message_id`` (each with its attempt);
    ones a previous attempt marked are left as they are."""
    marked = session.connection().execute(
        update(NOTICES)
        .where(NOTICES.c.idempotency_key.in_(idempotency_keys), NOTICES.c.status == HELD)
        .values(status=SENT, message_id=message_id, sent_at=as_utc(now), last_error=None)
        .returning(NOTICES.c.idempotency_key)
    ).scalars().all()
    for key in marked:
        _record_attempt(session, key, at=as_utc(now), result=SENT, delivery=None)


def mark_failed(session: Session, *, idempotency_key: str, error: str, now: datetime,
                delivery: str | None = None) -> None:
    """Record why delivery failed, on the row and as an attempt; the row stays pending for
    the next retry."""
    failed = session.execute(
        update(Notice)
        .where(col(Notice.idempotency_key) == idempotency_key, col(Notice.status) == PENDING)
        .values(last_error=error[:MAX_ERROR_CHARS], delivery=delivery)
    )
    if failed.rowcount:  # type: ignore[attr-defined]
        _record_attempt(session, idempotency_key, at=as_utc(now), result=FAILED,
                        delivery=delivery, error=error[:MAX_ERROR_CHARS])


def _record_attempt(session: Session, idempotency_key: str, *, at: datetime, result: str,
                    delivery: str | None, provider_ids: str | None = None,
                    error: str | None = None) -> None:
    """An attempt row with the notice's current count, channel and address."""
    notice = session.connection().execute(
        select(NOTICES.c.attempts, NOTICES.c.channel, NOTICES.c.address)
        .where(NOTICES.c.idempotency_key == idempotency_key)
    ).one()
    session.add(NoticeAttempt(
        idempotency_key=idempotency_key, attempt=notice.attempts, channel=notice.channel,
        address=notice.address, at=at, result=result, delivery=delivery,
        provider_ids=provider_ids, error=error,
    ))


def notice_attempts(session: Session, idempotency_key: str) -> list[NoticeAttempt]:
    """The attempts of one notice, in order."""
    stmt = (select(NoticeAttempt).where(NoticeAttempt.idempotency_key == idempotency_key)
            .order_by(col(NoticeAttempt.id)))
    return list(session.exec(stmt))


def case_notices(session: Session, case_id: str) -> list[Notice]:
    """The notices of a case (or of a periodic report: ``case_id`` is then its report id),
    in the order they were first attempted."""
    stmt = (
        select(Notice)
        .where(Notice.case_id == case_id)
        .order_by(col(Notice.created_at), col(Notice.idempotency_key))
    )
    return list(session.exec(stmt))

