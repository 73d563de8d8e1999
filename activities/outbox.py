"""Sending a message at most once through the notices' outbox (``store.outbox``): the row is
reserved first (a retry that finds it sent sends nothing), then the message goes, then the row
is marked sent, or failed with the error and the failure raised again for the retry. A crash
between sending and marking sends again under the same ``Message-ID``, fixed by the key.

The ¶10.1 notices (``activities.notices``) keep their own loop: they also track an SMS's
delivery and the provider's ids on the row.
"""

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime

import structlog
from sqlalchemy import Engine

from activities.notices import message_id_for
from schemas.activities import Channel
from store.db import in_session
from store.outbox import SENT, mark_failed, mark_sent, reserve


@dataclass(frozen=True)
class Row:
    """The outbox row of one message: what it is about (``owner_id``: a case's, an appeal's or
    a report's number), to whom, by which channel."""

    idempotency_key: str
    owner_id: str
    step_key: str
    clause: str
    kind: str
    recipient: str
    address: str
    channel: Channel = Channel.EMAIL


async def send_once(engine: Engine, row: Row, now: datetime,
                    send: Callable[[str, str], Awaitable[object]],
                    log: structlog.stdlib.BoundLogger, event: str) -> bool:
    """``send(address, message_id)`` under ``row`` unless it went already: True when sent now,
    False when it had gone. The address is the row's (kept from the first send once sent).
    Logs ``{event}_sent``, ``_already_sent`` or ``_failed`` (the error's class, never the
    message)."""
    key = row.idempotency_key
    notice = await in_session(engine, reserve, now=now, **asdict(row))
    if notice.status == SENT:
        log.info(f"{event}_already_sent")
        return False
    message_id = message_id_for(key)
    try:
        await send(notice.address, message_id)
    except Exception as exc:
        # The class and the transport's own words: enough to diagnose, never the message.
        await in_session(engine, mark_failed, idempotency_key=key,
                         error=f"{type(exc).__name__}: {exc}", now=now)
        log.warning(f"{event}_failed", attempt=notice.attempts, error=type(exc).__name__)
        raise
    await in_session(engine, mark_sent, idempotency_key=key, message_id=message_id, now=now)
    log.info(f"{event}_sent", attempt=notice.attempts, message_id=message_id)
    return True
