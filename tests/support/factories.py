"""Test data: valid reports, IINs and acting users; store rows and case views (their times are
fixed, so ordering is deliberate). Every child here is fictional."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from activities.districts import load_districts
from schemas.activities import NoticeKind, NoticeRequest, Recipient
from schemas.case import Actor, CaseFacts, CaseView, PoliceFinding, Stage, Step, StepStatus
from schemas.procedure import spec_of
from schemas.regions import Region
from schemas.report import Category, Sex, ViolationReport
from schemas.steps import Role, StepKind
from store.db import session_scope
from store.outbox import mark_sent, reserve_notice

# A name no real text would contain: tests search logs, histories and mails for it.
CANARY_NAME = "Zhanserikova Aigerimka Canarytest"


def make_iin(birth: date, sex: Sex, serial: int = 1) -> str:
    """A valid IIN for ``birth`` and ``sex`` (the first serial whose check digit exists)."""
    century_sex = {1800: 1, 1900: 3, 2000: 5}[birth.year // 100 * 100] + (sex == Sex.FEMALE)
    for n in range(serial, serial + 100):
        body = f"{birth:%y%m%d}{century_sex}{n:04d}"
        digits = [int(c) for c in body]
        check = sum(d * i for i, d in enumerate(digits, start=1)) % 11
        if check == 10:
            weights = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
            check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if check != 10:
            return body + str(check)
    raise AssertionError("no valid serial found")


# KATO codes of the bundled district directory.
ALGA = "153200000"
KHROMTAU = "156000000"


def first_district(region: Region) -> str:
    """The code of ``region``'s first district in the bundled directory."""
    return load_districts().of_region(region)[0].code


CHILD_BIRTH = date(2014, 3, 9)
CANARY_IIN = make_iin(CHILD_BIRTH, Sex.FEMALE, serial=4321)


def report_data(
    *,
    external_ref: str | None = None,
    region: Region = Region.AKTOBE,
    cohabiting_parent: bool = True,
    threat: bool = True,
    received_at: datetime | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A report as an integration would send it (JSON-shaped); a fresh external_ref each
    time unless given, since (channel, external_ref) identifies a case."""
    violator = {"relation": "father" if cohabiting_parent else "teacher",
                "lives_with_child": cohabiting_parent}
    data: dict[str, Any] = {
        "channel": "helpline_111",
        "external_ref": external_ref or f"T-{uuid.uuid4()}",
        "received_at": (received_at or datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "region": region.value,
        "district": ALGA if region == Region.AKTOBE else first_district(region),
        "child": {
            "full_name": CANARY_NAME,
            "birth_date": CHILD_BIRTH.isoformat(),
            "sex": "female",
            "iin": CANARY_IIN,
            "school": "School-lyceum No. 77 Zerde",
            "address": "Abylai Khan street 5, apt 12",
        },
        "alleged_violators": [violator],
        "category": "physical_violence",
        "threat_to_life_or_health": threat,
        "description": "The child came to school with bruises and said she is afraid to go home.",
        "reporter": {"anonymous": True},
    }
    data.update(overrides)
    return data


def worker_of(region: Region = Region.AKTOBE, name: str = "cw-aigul") -> Actor:
    return Actor(id=name, role=Role.CASE_WORKER, region=region)


def supervisor_of(region: Region | None = Region.AKTOBE, name: str = "sv-marat") -> Actor:
    return Actor(id=name, role=Role.SUPERVISOR, region=region)


POLICE_SYSTEM = Actor(id="police-integration", role=Role.INTEGRATION, region=None)


CANARY_APPLICANT = "Applicantova Saule Canarytest"
CANARY_APPLICANT_PHONE = "+7 701 555 0199"
CANARY_APPLICANT_ADDRESS = "Canary street 17, Aktobe"


def appeal_data(*, external_ref: str | None = None, received_at: datetime | None = None,
                violation: bool = False, **overrides: Any) -> dict[str, Any]:
    """An appeal as e-Otinish would send it (JSON-shaped), about a child's schooling; with
    ``violation`` it reports a violation against the child (a ¶10 case opens)."""
    data: dict[str, Any] = {
        "kind": "appeal",
        "channel": "e_otinish",
        "external_ref": external_ref or f"ZT-{uuid.uuid4()}",
        "received_at": (received_at or datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "region": Region.AKTOBE.value,
        "district": ALGA,
        "applicant": {"name": CANARY_APPLICANT, "relation": "parent",
                      "email": "saule.canary@example.kz", "phone": CANARY_APPLICANT_PHONE,
                      "address": CANARY_APPLICANT_ADDRESS, "language": "kk"},
        "substance": "My daughter has been refused a place at the district school for months.",
        "attachments": ["the school's refusal letter"],
    }
    if violation:
        data["child"] = report_data()["child"]
        data["violation"] = {"category": "physical_violence", "threat_to_life_or_health": True,
                             "alleged_violators": [{"relation": "teacher",
                                                    "lives_with_child": False}]}
    data.update(overrides)
    return data


# Store rows and case views, for the store's and the pages' tests ---------------------------------

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
