"""The follow-up day a task's holder chooses, and its bounds: a day of Almaty's calendar after
today (today's tasks are in view already) and at most a year ahead (a task put off longer is
a task forgotten). Checked here for the API and the pages alike, once the task is known to be
the asker's: who may not set it hears 404/403/409 first, whatever the day."""

from datetime import date, datetime, timedelta
from enum import StrEnum

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from ombudsflow.local_time import LOCAL_TIME
from web.refuses import refuses

FURTHEST = timedelta(days=365)


class FollowUpDay(BaseModel):
    """When the holder follows the task up: out of their inbox's default view until then,
    and reminded by e-mail that morning."""

    on: date = Field(description="a day (Almaty) after today, at most a year ahead (else "
                     "422 naming on)", examples=["2026-12-05"])


class OutOfBounds(StrEnum):
    """Why a day is refused; the value is the pages' locale key (``error.<value>``)."""

    NOT_AFTER_TODAY = "follow_up_not_after_today"
    TOO_FAR = "follow_up_too_far"


def out_of_bounds(on: date) -> OutOfBounds | None:
    """Why ``on`` may not be a follow-up day now, or None."""
    today = datetime.now(LOCAL_TIME).date()
    if on <= today:
        return OutOfBounds.NOT_AFTER_TODAY
    return OutOfBounds.TOO_FAR if on > today + FURTHEST else None


@refuses(422)
def ensure_within_bounds(on: date) -> None:
    """422 naming ``on`` for a day out of bounds (the API's words)."""
    today = datetime.now(LOCAL_TIME).date()
    reasons = {OutOfBounds.NOT_AFTER_TODAY: f"must be after today ({today}, Almaty)",
               OutOfBounds.TOO_FAR: f"must be at most a year ahead (by {today + FURTHEST})"}
    if (refused := out_of_bounds(on)) is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"on: {reasons[refused]}")
