"""The web app over the real stack for API and page tests: a Temporal server with a worker,
the SQLite store, demo users and keys, and an HTTP client talking to the ASGI app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.transports import FileTransport, Transport
from commands.demo import DemoCredentials
from ombudsflow.config import Settings
from tests.conftest import new_worker
from web.app import create_app
from web.deps import Services
from web.security import issue_token


@dataclass
class WebStack:
    http: httpx.AsyncClient
    settings: Settings
    credentials: DemoCredentials
    worker: Worker
    engine: Engine
    mail_dir: Path
    client: Client

    def as_user(self, user_id: str) -> dict[str, str]:
        """Headers of a signed-in demo user (a fresh token, as /auth/token would issue)."""
        return {"Authorization": f"Bearer {issue_token(self.settings, user_id)}"}

    def as_key(self, name: str) -> dict[str, str]:
        return {"X-API-Key": self.credentials.api_keys[name]}


@asynccontextmanager
async def web_stack(client: Client, engine: Engine, credentials: DemoCredentials,
                    mail_dir: Path, *, transport: Transport | None = None
                    ) -> AsyncIterator[WebStack]:
    """The stack; notices go as files under ``mail_dir`` unless ``transport`` is given."""
    async with new_worker(client, engine, transport or FileTransport(mail_dir)) as worker:
        settings = Settings(task_queue=worker.task_queue, database_url=str(engine.url),
                            public_base_url="http://testserver")
        app = create_app(settings, services=Services(settings=settings, client=client,
                                                      engine=engine))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://testserver") as http:
            yield WebStack(http=http, settings=settings, credentials=credentials,
                           worker=worker, engine=engine, mail_dir=mail_dir, client=client)
