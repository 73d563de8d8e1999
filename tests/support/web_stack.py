"""The web app over the real stack for API and page tests: a Temporal server with a worker,
the SQLite store, demo users and keys, and an HTTP client talking to the ASGI app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.transports import FileTransport, Transport
from commands.demo import DemoCredentials
from ombudsflow.config import Settings
from tests.conftest import new_worker
from tests.support.proxy import Proxy
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
                    mail_dir: Path, *, transport: Transport | None = None,
                    worker_engine: Engine | None = None,
                    **settings_overrides: Any) -> AsyncIterator[WebStack]:
    """The app on ``engine``; its worker on ``worker_engine`` if given (the same store,
    reached another way), else on ``engine``; notices go as files under ``mail_dir`` unless
    ``transport`` is given."""
    async with new_worker(client, worker_engine or engine,
                          transport or FileTransport(mail_dir)) as worker:
        settings = Settings(task_queue=worker.task_queue, database_url=str(engine.url),
                            public_base_url="http://testserver", **settings_overrides)
        app = create_app(settings, services=Services(settings=settings, client=client,
                                                      engine=engine))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://testserver") as http:
            yield WebStack(http=http, settings=settings, credentials=credentials,
                           worker=worker, engine=engine, mail_dir=mail_dir, client=client)


@asynccontextmanager
async def app_through(proxy: Proxy, api: WebStack, update_timeout: float
                      ) -> AsyncIterator[httpx.AsyncClient]:
    """The web app with its Temporal client connected through ``proxy``."""
    await proxy.forward()
    client = await Client.connect(proxy.address, namespace=api.client.namespace,
                                  data_converter=api.client.data_converter)
    settings = api.settings.model_copy(update={"update_timeout_seconds": update_timeout})
    app = create_app(settings, services=Services(settings=settings, client=client,
                                                  engine=api.engine))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await proxy.refuse()
