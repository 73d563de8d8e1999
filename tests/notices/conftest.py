"""Real things for notice tests: an SMTP server on loopback, a SQLite store, the directory."""

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from activities.directory import Directory
from activities.notices import NoticeActivities
from activities.transports import SmtpTransport
from schemas.activities import NoticeKind, NoticeRequest, Recipient
from schemas.regions import Region
from schemas.report import Category
from store.db import create_schema, make_engine, session_scope
from store.models import Case

BASE_URL = "https://ombudsflow.example"
MAIL_FROM = "ombudsflow@ombudsman.example"
CASE_ID = "AKT-2026-000123"

RequestFactory = Callable[..., NoticeRequest]


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelope_recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelope_recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(_free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A store of this test's own (the root one is shared by the session): the tests count
    outbox rows and attempts, and reuse one case number and its idempotency keys."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def directory() -> Directory:
    return Directory.load()


@pytest.fixture
def notices(engine: Engine, smtp: SmtpServer, directory: Directory) -> NoticeActivities:
    return NoticeActivities(
        engine, SmtpTransport("127.0.0.1", smtp.port, timeout=5.0), directory,
        base_url=BASE_URL, mail_from=MAIL_FROM,
    )


@pytest.fixture
def make_request() -> RequestFactory:
    """Notice requests for one Aktobe case; keyword overrides change any field."""

    def make(**overrides: Any) -> NoticeRequest:
        recipient = overrides.get("recipient", Recipient.AKIMAT)
        step_key = overrides.get("step_key", "notice")
        fields: dict[str, Any] = {
            "idempotency_key": f"{CASE_ID}:{step_key}:{recipient}",
            "case_id": CASE_ID,
            "step_key": step_key,
            "clause": "¶10.1",
            "kind": NoticeKind.ALARM,
            "recipient": recipient,
            "region": Region.AKTOBE,
            "district": "Алгинский район",
            "category": Category.PHYSICAL_VIOLENCE,
            "urgent": True,
        }
        return NoticeRequest(**(fields | overrides))

    return make


@pytest.fixture
def case_row(engine: Engine) -> str:
    """A projected case row for ``CASE_ID`` with no notice yet."""
    with session_scope(engine) as session:
        session.add(
            Case(
                case_id=CASE_ID, region=Region.AKTOBE.value, district="Алгинский район",
                category=Category.PHYSICAL_VIOLENCE.value, channel="helpline_111",
                received_at=datetime(2026, 3, 2, 4, 0, tzinfo=UTC),
            )
        )
    return CASE_ID
