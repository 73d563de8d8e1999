"""Real things for notice tests: an SMTP server on loopback, a SQLite store, the directory."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from activities.directory import Directory
from activities.districts import load_districts
from activities.notices import NoticeActivities
from activities.transports import SmtpTransport
from schemas.activities import NoticeKind, NoticeRequest, Recipient
from schemas.districts import Districts
from schemas.regions import Region
from schemas.report import Category
from store.db import create_schema, make_engine, session_scope
from store.models import Case
from tests.support.smtp import SmtpServer

BASE_URL = "https://ombudsflow.example"
MAIL_FROM = "ombudsflow@ombudsman.example"
CASE_ID = "AKT-2026-000123"

RequestFactory = Callable[..., NoticeRequest]


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


@pytest.fixture(scope="session")
def districts() -> Districts:
    return load_districts()


@pytest.fixture
def notices(engine: Engine, smtp: SmtpServer, directory: Directory) -> NoticeActivities:
    return NoticeActivities(
        engine, SmtpTransport("127.0.0.1", smtp.port, timeout=5.0), directory,
        districts=load_districts(), base_url=BASE_URL, mail_from=MAIL_FROM,
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
            "district": "153200000",
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
                case_id=CASE_ID, region=Region.AKTOBE.value, district="153200000",
                category=Category.PHYSICAL_VIOLENCE.value, channel="helpline_111",
                received_at=datetime(2026, 3, 2, 4, 0, tzinfo=UTC),
            )
        )
    return CASE_ID
