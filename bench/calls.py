"""Calls: the CPU of the store and mail work every case repeats, one call at a time, apart from
the engine (a SQLite file, no Temporal). A case is projected a dozen times, reserves an outbox
row and composes a mail for each notice, and every audited request appends an audit row; a
change to one of them shows here before it can be told from the noise of a throughput run.

Each figure is the best of five runs of ``calls`` calls, in process CPU time per call.
"""

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

from sqlalchemy import Engine

from activities.mail import machine_mail
from bench.figures import Figure
from schemas.activities import CaseChanges
from schemas.case import Actor
from schemas.regions import Region
from schemas.steps import Role, StepKind
from store.audit import Access, record_access
from store.cases import apply_changes
from store.db import create_schema, make_engine, session_scope
from store.outbox import reserve
from tests.support.factories import make_step, make_view

RUNS = 5
# A notice's length in the three languages (its subject and body as render_notice makes them).
SUBJECT = "¶10.1 Хабарлама / Уведомление / Notice — AKT-2026-000123"
BODY = ("Баланың құқықтарының бұзылуы туралы хабарлама. Уведомление о нарушении прав "
        "ребёнка. Notice of a violation of a child's rights.\n") * 10


def measure(*, calls: int) -> list[Figure]:
    """Each call's CPU, on a fresh store."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'store.db'}")
        create_schema(engine)
        try:
            return [
                Figure("call: a projection of a new case with two steps",
                       _cpu_per_call(_projection(engine), calls), "ms"),
                Figure("call: an outbox reservation", _cpu_per_call(_reservation(engine), calls),
                       "ms"),
                Figure("call: an audit row", _cpu_per_call(_audit_row(engine), calls), "ms"),
                Figure("call: a notice's mail, composed and serialised",
                       _cpu_per_call(_mail, calls), "ms"),
            ]
        finally:
            engine.dispose()


def _cpu_per_call(call: Callable[[], object], calls: int) -> float:
    """The best of ``RUNS`` runs of ``calls`` calls, in milliseconds of CPU per call."""
    best = float("inf")
    for _ in range(RUNS):
        began = time.process_time()
        for _ in range(calls):
            call()
        best = min(best, (time.process_time() - began) / calls)
    return best * 1000


def _projection(engine: Engine) -> Callable[[], object]:
    numbers = count(1)
    steps = [make_step("preventive_talk"), make_step("police_decision", StepKind.POLICE_DECISION)]

    def project() -> bool:
        view = make_view(f"AKT-2026-{next(numbers):06d}", steps=steps)
        changes = CaseChanges(**view.model_dump(exclude={"steps"}), since_version=None,
                              steps=dict(enumerate(view.steps)))
        with session_scope(engine) as session:
            return apply_changes(session, changes=changes)

    return project


def _reservation(engine: Engine) -> Callable[[], object]:
    keys = count(1)

    def reserved() -> object:
        with session_scope(engine) as session:
            return reserve(session, idempotency_key=f"bench:{next(keys)}",
                           owner_id="AKT-2026-000001", step_key="notice.akimat", clause="¶10.1",
                           kind="alarm", recipient="akimat", address="akimat@example.kz",
                           now=datetime.now(UTC))

    return reserved


def _audit_row(engine: Engine) -> Callable[[], object]:
    access = Access(actor=Actor(id="cw.aktobe", role=Role.CASE_WORKER, region=Region.AKTOBE),
                    case_id="AKT-2026-000001", action="GET /api/v1/cases/AKT-2026-000001",
                    source="127.0.0.1", result=200)

    def recorded() -> int:
        with session_scope(engine) as session:
            return record_access(session, access)

    return recorded


def _mail() -> bytes:
    return machine_mail(subject=SUBJECT, sender="ombudsflow@example.kz",
                        to="akimat@example.kz", message_id="<bench@ombudsflow.example>",
                        now=datetime.now(UTC), clause="¶10.1", body=BODY,
                        headers={"X-Ombudsflow-Case": "AKT-2026-000123"}).as_bytes()
