"""The follow-up day a task's holder chooses, and its bounds: a day of Almaty's calendar after
today (today's tasks are in view already) and at most a year ahead (a task put off longer is
a task forgotten). Checked here for the API and the pages alike."""

from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from ombudsflow.local_time import LOCAL_TIME

FURTHEST = timedelta(days=365)


class FollowUpDay(BaseModel):
    """When the holder follows the task up: out of their inbox's default view until then,
    and reminded by e-mail that morning."""

    on: date = Field(description="a day (Almaty) after today, at most a year ahead",
                     examples=["2026-12-05"])

    @field_validator("on")
    @classmethod
    def _within_bounds(cls, on: date) -> date:
        today = datetime.now(LOCAL_TIME).date()
        if on <= today:
            raise PydanticCustomError("follow_up_not_after_today",
                                      "must be after today ({today}, Almaty)",
                                      {"today": today.isoformat()})
        if on > today + FURTHEST:
            raise PydanticCustomError("follow_up_too_far",
                                      "must be at most a year ahead (by {last})",
                                      {"last": (today + FURTHEST).isoformat()})
        return on
