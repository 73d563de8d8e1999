"""Dates as people type and read them on the pages: dd.mm.yyyy (05.12.2026) and, with a
time, dd.mm.yyyy hh:mm on Kazakhstan's clock, as Kazakh and Russian write them, in every
language; the JSON API keeps ISO 8601. Every date a page takes is read here, so each field
refuses the same things the same way."""

import re
from datetime import date, datetime, time

from fastapi import HTTPException, status

from ombudsflow.local_time import LOCAL_TIME

# The pattern a date input asks the browser to hold it to (the server reads ISO too).
DAY_PATTERN = r"\d{1,2}\.\d{1,2}\.\d{4}"
_TYPED = re.compile(r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
# The same with a time (the server reads ISO 8601 too: a browser's own picker, a copied value).
MOMENT_PATTERN = DAY_PATTERN + r" \d{1,2}:\d{2}"
_TYPED_MOMENT = re.compile(r"(?P<day>\S+)\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})")


class NotADay(ValueError):
    """Neither dd.mm.yyyy nor yyyy-mm-dd, or no such day (31.02.2026)."""


def read_day(typed: str) -> date:
    """The day ``typed`` as dd.mm.yyyy (one-digit day and month too), or as ISO yyyy-mm-dd
    (what a browser's own date picker or a copied API value sends)."""
    text = typed.strip()
    try:
        if written := _TYPED.fullmatch(text):
            return date(int(written["year"]), int(written["month"]), int(written["day"]))
        if _ISO.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise NotADay(f"not a date written dd.mm.yyyy: {typed[:20]!r}")


def iso_or_typed(typed: str) -> str:
    """A day typed dd.mm.yyyy as a contract's ISO date; anything else as typed, for the
    contract's model to refuse with its field (a form shows it beside its input)."""
    try:
        return read_day(typed).isoformat()
    except NotADay:
        return typed


def page_day(typed: str, *, field: str) -> date:
    """``read_day`` for a page's ``field``: anything else is a 422 whose message (the locale
    key ``error.day.<field>``) names the field in the reader's language."""
    try:
        return read_day(typed)
    except NotADay:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"error.day.{field}") from None


def shown_day(value: date | None) -> str:
    """A day as a date input shows it: 05.12.2026; empty for None."""
    return "" if value is None else f"{value:%d.%m.%Y}"


def read_moment(typed: str) -> datetime:
    """The moment ``typed`` as dd.mm.yyyy hh:mm on Kazakhstan's clock, or as ISO 8601 (its
    offset kept; none: Kazakhstan's clock)."""
    text = typed.strip()
    try:
        if written := _TYPED_MOMENT.fullmatch(text):
            at = time(int(written["hour"]), int(written["minute"]))
            return datetime.combine(read_day(written["day"]), at, tzinfo=LOCAL_TIME)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise NotADay(f"not a moment written dd.mm.yyyy hh:mm: {typed[:20]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TIME)


def iso_moment_or_typed(typed: str) -> str:
    """A moment typed dd.mm.yyyy hh:mm as a contract's ISO 8601; anything else as typed, for
    the contract's model to refuse with its field."""
    try:
        return read_moment(typed).isoformat()
    except NotADay:
        return typed


def shown_moment(value: datetime | None) -> str:
    """A moment as a date-and-time input shows it, on Kazakhstan's clock: 05.12.2026 14:30."""
    return "" if value is None else f"{value.astimezone(LOCAL_TIME):%d.%m.%Y %H:%M}"
