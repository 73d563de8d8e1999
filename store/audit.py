"""The audit trail of case access: append-only and hash-chained.

Each row's hash is SHA-256 over the previous hash and the row's fields, so changing, deleting or
reordering any row is detected by ``verify_chain``. Appenders are serialised by updating the one
``AuditHead`` row first (a row lock on PostgreSQL, the write lock on SQLite).
"""

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from pydantic import BaseModel, field_validator
from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from schemas.case import Actor
from store.db import table_of
from store.models import AuditEvent, AuditHead

GENESIS = "0" * 64  # the head's hash before the first row (migration 0002 writes it)
ACTION_CHARS = 100  # the length of ``AuditEvent.action``
VERIFY_BATCH = 1000
_HEAD, _EVENTS = table_of(AuditHead), table_of(AuditEvent)


class Access(BaseModel):
    """What is recorded about one access."""

    actor: Actor
    case_id: str | None
    action: str
    source: str
    result: int

    @field_validator("action")
    @classmethod
    def _fits(cls, action: str) -> str:
        """A request path longer than the column (a 100-character task key in it) is cut,
        not refused: the access is recorded all the same."""
        return action if len(action) <= ACTION_CHARS else action[:ACTION_CHARS - 1] + "…"


def _digest(prev_hash: str, seq: int, at: datetime, access: Access) -> str:
    fields = [seq, at.astimezone(UTC).isoformat(), access.actor.id, access.actor.role.value,
              access.actor.region.value if access.actor.region else None, access.case_id,
              access.action, access.source, access.result]
    return hashlib.sha256((prev_hash + json.dumps(fields)).encode()).hexdigest()


def record_access(session: Session, access: Access, *, now: datetime | None = None) -> int:
    """Append one row to the chain (in the caller's transaction); its sequence number.

    Core statements on the session's connection: the head's UPDATE … RETURNING takes the row
    lock and reads the tip at once (SQLite ≥ 3.35 and PostgreSQL alike). Through the ORM (a
    load and a flush) the row cost 0.84 ms of CPU against 0.49, on every audited request."""
    connection = session.connection()
    head = connection.execute(
        update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + 1)
        .returning(_HEAD.c.seq, _HEAD.c.hash)).one_or_none()
    if head is None:
        raise RuntimeError("the audit head row is missing: run the store's migrations")
    seq, prev_hash = int(head.seq), str(head.hash)
    at = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    digest = _digest(prev_hash, seq, at, access)
    connection.execute(insert(_EVENTS).values(
        seq=seq, at=at, actor_id=access.actor.id, role=access.actor.role.value,
        region=access.actor.region.value if access.actor.region else None,
        case_id=access.case_id, action=access.action, source=access.source,
        result=access.result, prev_hash=prev_hash, hash=digest))
    connection.execute(update(_HEAD).where(_HEAD.c.id == 1).values(hash=digest))
    return seq


def case_trail(session: Session, case_id: str, *, limit: int = 200) -> list[AuditEvent]:
    """A case's accesses, newest first."""
    query = (select(AuditEvent).where(AuditEvent.case_id == case_id)
             .order_by(col(AuditEvent.seq).desc()).limit(limit))
    return list(session.exec(query))


class ChainBroken(Exception):
    """The audit trail was edited, reordered or cut; the message says where."""


def verify_chain(session: Session) -> int:
    """Check every row against its predecessor and the head; return how many rows were checked.
    Raises ``ChainBroken`` at the first row that does not follow."""
    prev, expected_seq = GENESIS, 1
    for row in _rows(session):
        if row.seq != expected_seq:
            raise ChainBroken(f"row {expected_seq} is missing (next is {row.seq})")
        if row.prev_hash != prev:
            raise ChainBroken(f"row {row.seq} does not follow row {row.seq - 1}")
        access = Access(
            actor=Actor(id=row.actor_id, role=row.role, region=row.region),
            case_id=row.case_id, action=row.action, source=row.source, result=row.result)
        if _digest(prev, row.seq, row.at, access) != row.hash:
            raise ChainBroken(f"row {row.seq} was changed after it was written")
        prev, expected_seq = row.hash, expected_seq + 1
    head = session.get(AuditHead, 1)
    if head is None:
        raise ChainBroken("the chain's head row is missing")
    if head.seq != expected_seq - 1 or head.hash != prev:
        raise ChainBroken(f"rows after {expected_seq - 1} were removed (the head is at {head.seq})")
    return expected_seq - 1


def _rows(session: Session) -> Iterator[AuditEvent]:
    after = 0
    while True:
        batch = list(session.exec(select(AuditEvent).where(col(AuditEvent.seq) > after)
                                  .order_by(col(AuditEvent.seq)).limit(VERIFY_BATCH)))
        if not batch:
            return
        yield from batch
        after = batch[-1].seq
