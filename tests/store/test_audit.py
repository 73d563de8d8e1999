"""The audit trail: every access appended, in order, and any tampering detected."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, delete, update
from sqlmodel import col

from commands.main import main
from ombudsflow.config import get_settings
from schemas.case import Actor
from schemas.regions import Region
from schemas.steps import Role
from store.audit import Access, ChainBroken, case_trail, record_access, verify_chain
from store.db import session_scope
from store.models import AuditEvent

WORKER = Actor(id="cw.aktobe", role=Role.CASE_WORKER, region=Region.AKTOBE)


def access(case_id: str = "AKT-2026-000001", action: str = "read case", result: int = 200
           ) -> Access:
    return Access(actor=WORKER, case_id=case_id, action=action, source="127.0.0.1",
                  result=result)


def fill(engine: Engine, n: int) -> None:
    for i in range(n):
        with session_scope(engine) as session:
            record_access(session, access(action=f"action {i}"))


def test_a_case_trail_lists_its_accesses_newest_first(engine: Engine) -> None:
    fill(engine, 3)
    with session_scope(engine) as session:
        record_access(session, access(case_id="AKT-2026-000002"))
        trail = case_trail(session, "AKT-2026-000001")
        assert [e.action for e in trail] == ["action 2", "action 1", "action 0"]
        assert trail[0].role == "case_worker" and trail[0].region == "aktobe"
        assert verify_chain(session) == 4


def test_an_overlong_action_is_recorded_cut_to_the_column(engine: Engine) -> None:
    path = "POST /api/v1/approvals/AKT-2026-000001/" + "k" * 100 + "/approve"
    with session_scope(engine) as session:
        record_access(session, access(action=path, result=403))
        [event] = case_trail(session, "AKT-2026-000001")
        assert len(event.action) == 100 and event.action == path[:99] + "…"
        assert event.result == 403 and verify_chain(session) == 1


def test_concurrent_appenders_keep_one_unbroken_chain(engine: Engine) -> None:
    def append(i: int) -> None:
        with session_scope(engine) as session:
            record_access(session, access(action=f"parallel {i}"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(append, range(40)))
    with session_scope(engine) as session:
        assert verify_chain(session) == 40


@pytest.mark.parametrize(("tamper", "says"), [
    (lambda s: s.execute(update(AuditEvent).where(col(AuditEvent.seq) == 2)
                         .values(result=403)), "row 2 was changed"),
    (lambda s: s.execute(update(AuditEvent).where(col(AuditEvent.seq) == 2)
                         .values(actor_id="someone-else")), "row 2 was changed"),
    (lambda s: s.execute(delete(AuditEvent).where(col(AuditEvent.seq) == 3)), "row 3 is missing"),
    (lambda s: s.execute(delete(AuditEvent).where(col(AuditEvent.seq) == 5)),
     "rows after 4 were removed"),
])
def test_an_edited_or_deleted_row_is_detected(engine: Engine, tamper: object, says: str) -> None:
    fill(engine, 5)
    with session_scope(engine) as session:
        tamper(session)  # type: ignore[operator]
    with session_scope(engine) as session, pytest.raises(ChainBroken, match=says):
        verify_chain(session)


def test_the_verify_command_reports_an_intact_and_a_broken_chain(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(engine, 3)
    monkeypatch.setenv("OMBUDSFLOW_DATABASE_URL",
                       engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        assert main(["audit", "verify"]) == 0
        assert "3 rows" in capsys.readouterr().out
        with session_scope(engine) as session:
            session.execute(update(AuditEvent).where(col(AuditEvent.seq) == 1)
                            .values(action="nothing to see"))
        assert main(["audit", "verify"]) == 2
        assert "row 1 was changed" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
