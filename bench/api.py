"""The public API in this process, on an ASGI client: the way integrations, case workers and
supervisors reach the system, with the demo users and keys of ``make run``."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from bench.stack import Stack
from commands.demo import DemoCredentials, seed_demo
from ombudsflow.config import Settings
from web.app import create_app
from web.deps import SESSION_COOKIE, Services
from web.security import issue_token

HELPLINE = "helpline-111"
POLICE = "police-system"
CASE_WORKER = "cw.aktobe"
SUPERVISOR = "sv.aktobe"
COMMITTEE = "sv.committee"


@dataclass
class Api:
    http: httpx.AsyncClient
    settings: Settings
    credentials: DemoCredentials
    # Seconds each call took, by the name the caller gave it.
    timings: dict[str, list[float]] = field(default_factory=dict)

    def as_user(self, user_id: str) -> dict[str, str]:
        """A signed-in demo user's headers (the token /auth/token would issue)."""
        return {"Authorization": f"Bearer {issue_token(self.settings, user_id)}"}

    def as_page_user(self, user_id: str) -> dict[str, str]:
        """A signed-in demo user's session cookie, as the pages read it."""
        return {"Cookie": f"{SESSION_COOKIE}={issue_token(self.settings, user_id)}"}

    def as_key(self, name: str) -> dict[str, str]:
        return {"X-API-Key": self.credentials.api_keys[name]}

    async def call(self, name: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Make a request, time it under ``name``, and fail on an error status."""
        started = time.perf_counter()
        response = await self.http.request(method, url, **kwargs)
        self.timings.setdefault(name, []).append(time.perf_counter() - started)
        if response.is_error:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.text}")
        return response


@asynccontextmanager
async def running_api(stack: Stack, *, engine: Engine | None = None, task_queue: str = "",
                      reports_per_minute: int = 600) -> AsyncIterator[Api]:
    """The app on ``engine`` (the stack's store unless given), starting cases on
    ``task_queue``."""
    engine = engine or stack.engine
    settings = Settings(task_queue=task_queue, database_url=str(engine.url),
                        public_base_url="http://bench", reports_per_minute=reports_per_minute)
    store = Path(engine.url.database or "store").stem  # a SQLite file's or a database's name
    credentials = seed_demo(engine, stack.root / f"{store}-demo.json")
    app = create_app(settings, services=Services(settings=settings, client=stack.client,
                                                  engine=engine))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bench", timeout=60) as http:
        yield Api(http=http, settings=settings, credentials=credentials)
