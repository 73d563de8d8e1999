"""Rate limits for sign-in and intake: a sliding window per caller, answered with 429 and
``Retry-After`` when exceeded.

Kept in the process's memory: with several web replicas each enforces its own share, which
still stops password guessing and a runaway integration; put a shared limiter (e.g. at the
reverse proxy) in front when one caller must be limited across replicas.
"""

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, status

from ombudsflow.config import Settings
from web.metrics import rate_limited
from web.refuses import refuses


class SlidingWindow:
    """At most ``limit`` events per ``window`` seconds for each key; ``name`` labels its
    refusals in the metrics (web.metrics)."""

    def __init__(self, name: str, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name, self.limit, self.window, self._clock = name, limit, window, clock
        self._events: defaultdict[str, deque[float]] = defaultdict(deque)

    def retry_after(self, key: str) -> float:
        """Record an event for ``key``; 0 if allowed, else seconds until one would be."""
        now = self._clock()
        events = self._events[key]
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return events[0] + self.window - now
        events.append(now)
        return 0.0


@refuses(429)
def enforce(window: SlidingWindow, key: str, what: str) -> None:
    """Raise 429 with the wait when ``key`` has used up ``window``."""
    wait = window.retry_after(key)
    if wait > 0:
        rate_limited(window.name)
        seconds = max(1, round(wait))
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many {what}: at most {window.limit} per {window.window:.0f} s; "
            f"try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


@dataclass(frozen=True)
class RateLimits:
    """The app's limits, one set per web process (kept on ``app.state``)."""

    sign_ins: SlidingWindow
    reports: SlidingWindow

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimits":
        return cls(sign_ins=SlidingWindow("sign_ins", settings.sign_ins_per_minute, 60),
                   reports=SlidingWindow("reports", settings.reports_per_minute, 60))


def limits_of(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.limits
    return limits
