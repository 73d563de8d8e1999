"""Saved inbox filters: one person's named filters, kept as the inbox's query string."""

from sqlmodel import Session, col, select

from store.models import SavedFilter

# A person keeps at most this many; the page lists them all.
MAX_FILTERS = 20


class TooManyFilters(Exception):
    """The person already keeps ``MAX_FILTERS`` filters."""


def save_filter(session: Session, *, user_id: str, name: str, query: str) -> SavedFilter:
    """Keep ``query`` under ``name`` for ``user_id``, replacing one of the same name."""
    found = session.exec(select(SavedFilter).where(
        col(SavedFilter.user_id) == user_id, col(SavedFilter.name) == name)).first()
    if found is None:
        if len(list_filters(session, user_id=user_id)) >= MAX_FILTERS:
            raise TooManyFilters(user_id)
        found = SavedFilter(user_id=user_id, name=name, query=query)
    found.query = query
    session.add(found)
    session.flush()
    return found


def list_filters(session: Session, *, user_id: str) -> list[SavedFilter]:
    return list(session.exec(select(SavedFilter).where(col(SavedFilter.user_id) == user_id)
                             .order_by(col(SavedFilter.name))))


def delete_filter(session: Session, *, user_id: str, name: str) -> bool:
    """Forget the filter; False when there was none of that name."""
    found = session.exec(select(SavedFilter).where(
        col(SavedFilter.user_id) == user_id, col(SavedFilter.name) == name)).first()
    if found is None:
        return False
    session.delete(found)
    return True
