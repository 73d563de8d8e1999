"""Users and integration keys: created by the CLI, read by the web app to authenticate."""

from collections.abc import Collection
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import update
from sqlmodel import Session, col, select

from schemas.regions import Region
from schemas.steps import Role
from store.models import ApiKey, User


class AlreadyExists(Exception):
    """A user or key with that id exists."""


def create_user(session: Session, *, user_id: str, display_name: str, role: Role,
                region: Region | None, password_hash: str, email: str | None = None) -> User:
    if session.get(User, user_id) is not None:
        raise AlreadyExists(f"user {user_id!r} exists")
    user = User(id=user_id, display_name=display_name, role=role.value,
                region=region.value if region else None, password_hash=password_hash,
                email=email, created_at=datetime.now(UTC))
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: str) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


class Contact(NamedTuple):
    """How to write to a person: their name, e-mail and language (None: not on file)."""

    name: str
    email: str | None
    language: str | None


def user_contact(session: Session, user_id: str) -> Contact | None:
    """An active user's contact; None when no such user."""
    user = get_user(session, user_id)
    return Contact(user.display_name, user.email, user.language) if user is not None else None


def remember_language(session: Session, user_id: str, language: str) -> None:
    """``language`` is the one the person reads the pages in now."""
    session.execute(update(User).where(col(User.id) == user_id).values(language=language))


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.id)))


def case_workers(session: Session, region: Region) -> list[User]:
    """The active case workers of ``region``: whom its tasks may be handed to."""
    return list(session.exec(select(User).where(
        User.role == Role.CASE_WORKER.value, User.region == region.value, User.active,
    ).order_by(User.id)))


def create_api_key(session: Session, *, key_id: str, name: str, secret_hash: str,
                   scopes: Collection[str], channels: Collection[str]) -> ApiKey:
    if session.get(ApiKey, key_id) is not None:
        raise AlreadyExists(f"key {key_id!r} exists")
    key = ApiKey(id=key_id, name=name, secret_hash=secret_hash, scopes=",".join(sorted(scopes)),
                 channels=",".join(sorted(channels)), created_at=datetime.now(UTC))
    session.add(key)
    session.flush()
    return key


def get_api_key(session: Session, key_id: str) -> ApiKey | None:
    key = session.get(ApiKey, key_id)
    return key if key is not None and key.active else None
