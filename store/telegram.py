"""Telegram conversations in progress: read (expired ones are gone), written after each
answer, deleted on submission. Each write also deletes every expired conversation, so what a
person typed and never sent does not outlive its expiry by more than the next message."""

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from store.models import Intake, TelegramConversation
from store.outbox import as_utc


def load_conversation(session: Session, chat_id: int, *, now: datetime
                      ) -> tuple[TelegramConversation | None, bool]:
    """The chat's conversation, and whether one had expired (and was deleted)."""
    row = session.get(TelegramConversation, chat_id)
    if row is None:
        return None, False
    if as_utc(row.expires_at) <= as_utc(now):
        session.delete(row)
        return None, True
    return row, False


def save_conversation(session: Session, chat_id: int, *, state_json: str, update_id: int,
                      expires_at: datetime, now: datetime) -> None:
    session.execute(delete(TelegramConversation).where(
        col(TelegramConversation.expires_at) <= as_utc(now)))
    row = session.get(TelegramConversation, chat_id)
    if row is None:
        session.add(TelegramConversation(chat_id=chat_id, state_json=state_json,
                                         last_update_id=update_id, expires_at=expires_at))
        return
    row.state_json, row.last_update_id, row.expires_at = state_json, update_id, expires_at
    session.add(row)


def delete_conversation(session: Session, chat_id: int) -> None:
    session.execute(delete(TelegramConversation).where(
        col(TelegramConversation.chat_id) == chat_id))


def case_of_report(session: Session, *, channel: str, external_ref: str) -> str | None:
    """The case a report opened, if it was received (a retried confirmation finds it)."""
    row = session.exec(select(Intake).where(Intake.channel == channel,
                                            Intake.external_ref == external_ref)).first()
    return row.case_id if row is not None else None
