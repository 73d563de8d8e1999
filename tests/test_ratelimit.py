"""The sliding window behind the sign-in and intake limits."""

import pytest
from fastapi import HTTPException

from web.ratelimit import SlidingWindow, enforce


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_window_admits_its_limit_then_refuses_until_the_oldest_ages_out() -> None:
    clock = Clock()
    window = SlidingWindow("test", limit=3, window=60, clock=clock)
    assert [window.retry_after("a") for _ in range(3)] == [0, 0, 0]
    clock.now = 20
    assert window.retry_after("a") == 40  # the first event leaves the window at t=60
    assert window.retry_after("b") == 0  # other callers are not affected
    clock.now = 60
    assert window.retry_after("a") == 0


def test_enforce_answers_429_with_retry_after() -> None:
    window = SlidingWindow("test", limit=1, window=60, clock=Clock())
    enforce(window, "k", "sign-in attempts")
    with pytest.raises(HTTPException) as raised:
        enforce(window, "k", "sign-in attempts")
    assert raised.value.status_code == 429
    assert raised.value.headers == {"Retry-After": "60"}
    assert "at most 1 per 60 s" in raised.value.detail
