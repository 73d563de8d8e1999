"""Cases, steps and views for store tests. Times are fixed, so ordering is deliberate."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from schemas.activities import NoticeKind, NoticeRequest, Recipient
from schemas.case import CaseFacts, CaseView, PoliceFinding, Stage, Step, StepStatus
from schemas.procedure import spec_of
from schemas.regions import Region
from schemas.report import Category, ViolationReport
from schemas.steps import StepKind
from store.db import session_scope
from store.outbox import mark_sent, reserve_notice
from tests.factories import report_data

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_report(**overrides: Any) -> ViolationReport:
    """A valid report received at ``T0`` (the child's IIN is left out)."""
    data = report_data(received_at=T0, **overrides)
    del data["child"]["iin"]
    return ViolationReport.model_validate(data)


def make_step(
    key: str,
    kind: StepKind = StepKind.PREVENTIVE_TALK,
    *,
    status: StepStatus = StepStatus.OPEN,
    due_at: datetime | None = None,
    **fields: Any,
) -> Step:
    """A step of ``kind`` opened at ``T0``, assigned to whoever the catalogue names."""
    info = spec_of(kind)
    return Step(
        key=key, kind=kind, clause=info.clause, status=status, assignee=info.assignee,
        opened_at=T0, due_at=due_at, **fields,
    )


def make_view(
    case_id: str,
    *,
    version: int = 1,
    steps: list[Step] | None = None,
    region: Region = Region.AKTOBE,
    district: str = "153200000",
    category: Category = Category.PHYSICAL_VIOLENCE,
    received_at: datetime = T0,
    stage: Stage = Stage.NOTIFICATION,
    overdue: bool = False,
    closed_at: datetime | None = None,
) -> CaseView:
    return CaseView(
        case_id=case_id,
        version=version,
        facts=CaseFacts(
            region=region, district=district, category=category,
            threat_to_life_or_health=True, cohabiting_parent=True, received_at=received_at,
        ),
        stage=stage,
        police_finding=PoliceFinding.PENDING,
        opened_at=received_at + timedelta(minutes=1),
        closed_at=closed_at,
        overdue=overdue,
        steps=steps or [],
    )


def send_notice(engine: Engine, case_id: str, at: datetime, *,
                recipient: Recipient = Recipient.COMMISSIONER,
                kind: NoticeKind = NoticeKind.ALARM) -> None:
    """A notice of the case reserved and marked sent at ``at``, as the notice activity does
    (a ¶10.1 alarm unless ``kind`` says otherwise)."""
    step_key = "notice" if kind == NoticeKind.ALARM else f"{kind.value}.preventive_talk"
    req = NoticeRequest(
        idempotency_key=f"{case_id}:{step_key}:{recipient.value}", case_id=case_id,
        step_key=step_key, clause="¶10.1" if kind == NoticeKind.ALARM else "¶10.3",
        kind=kind, recipient=recipient, region=Region.of_case(case_id) or Region.AKTOBE,
        district="153200000", category=Category.PHYSICAL_VIOLENCE, urgent=True,
    )
    with session_scope(engine) as session:
        reserve_notice(session, req=req, address="office@example.gov", now=at)
        mark_sent(session, idempotency_key=req.idempotency_key, message_id="<m>", now=at)
