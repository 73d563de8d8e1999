"""The morning's follow-up reminders: the workflow a daily schedule starts and its activity's
input and result. Dates and counts only: who is reminded of what is read from the store."""

from datetime import date

from pydantic import BaseModel, Field


class FollowUpRun(BaseModel):
    """What the daily schedule starts the reminders with: nothing, so the day is the one the
    schedule meant (``TemporalScheduledStartTime`` on Almaty's calendar); an operator may name
    a day to send a missed morning's reminders."""

    on: date | None = None


class FollowUpMailing(BaseModel):
    """Mail every holder whose follow-up day is ``on``."""

    on: date


class FollowUpsMailed(BaseModel):
    """What a morning's mailing did: mails sent now, and mails a previous attempt sent."""

    on: date
    sent: int = Field(ge=0)
    already_sent: int = Field(ge=0)
