"""The web app served by uvicorn on loopback with the bot on, a worker on a time-skipping
server, and a fake Bot API: Telegram's side of the chat, over real HTTP both ways."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from ombudsflow.config import Settings
from tests.conftest import new_worker
from tests.support.ports import free_port
from tests.support.telegram_api import TOKEN, FakeBotApi, Sent
from web.app import create_app
from web.deps import Services
from web.telegram import SECRET_HEADER

SECRET = "test-webhook-secret"


@dataclass
class Chat:
    """One person's chat with the bot: what they send, through Telegram's webhook call."""

    http: httpx.AsyncClient
    api: FakeBotApi
    chat_id: int
    updates: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))

    def _person(self) -> dict[str, Any]:
        return {"id": self.chat_id, "is_bot": False, "first_name": "A"}

    async def deliver(self, update: dict[str, Any], *, secret: str = SECRET) -> httpx.Response:
        return await self.http.post("/telegram/webhook", json=update,
                                    headers={SECRET_HEADER: secret})

    def text_update(self, text: str) -> dict[str, Any]:
        n = next(self.updates)
        return {"update_id": n, "message": {
            "message_id": n, "date": 1796040000, "text": text, "from": self._person(),
            "chat": {"id": self.chat_id, "type": "private"}}}

    def press_update(self, value: str) -> dict[str, Any]:
        last = self.last()
        assert value in last.buttons, f"{value!r} not offered: {last.buttons} ({last.text})"
        return {"update_id": next(self.updates), "callback_query": {
            "id": f"q{self.chat_id}", "from": self._person(), "chat_instance": "c", "data": value,
            "message": {"message_id": last.message_id, "date": 1796040000, "text": last.text,
                        "chat": {"id": self.chat_id, "type": "private"}}}}

    async def say(self, text: str) -> None:
        assert (await self.deliver(self.text_update(text))).status_code == 200

    async def press(self, value: str) -> None:
        assert (await self.deliver(self.press_update(value))).status_code == 200

    def last(self) -> Sent:
        return [s for s in self.api.sent if s.chat_id == self.chat_id][-1]


@dataclass
class BotStack:
    http: httpx.AsyncClient
    api: FakeBotApi
    engine: Engine
    settings: Settings

    def chat(self, chat_id: int) -> Chat:
        return Chat(self.http, self.api, chat_id)


@pytest.fixture
async def bot_stack(time_env: WorkflowEnvironment, engine: Engine, tmp_path: Path
                    ) -> AsyncIterator[BotStack]:
    api = FakeBotApi(free_port())
    api.start()
    async with new_worker(time_env.client, engine, FileTransport(tmp_path / "mail")) as worker:
        settings = Settings(task_queue=worker.task_queue, database_url=str(engine.url),
                            public_base_url="http://testserver",
                            telegram_bot_token=SecretStr(TOKEN),
                            telegram_webhook_secret=SecretStr(SECRET),
                            telegram_api_url=api.url)
        app = create_app(settings, services=Services(settings=settings,
                                                      client=time_env.client, engine=engine))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_config=None, lifespan="on"))
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                         timeout=30) as http:
                yield BotStack(http, api, engine, settings)
        finally:
            server.should_exit = True
            await serving
            api.stop()
