"""The supervisor board's counts: grouped in SQL, scoped to regions, on SQLite and PostgreSQL."""

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col

from schemas.case import Stage, Step, StepStatus
from schemas.regions import Region
from schemas.steps import StepKind
from store.board import approvals_waiting, first_notice_delays, open_cases_by_stage, overdue_steps
from store.cases import project_case
from store.db import session_scope
from store.models import Case
from tests.store.factories import T0, make_step, make_view

NOW = T0 + timedelta(days=5)
LATE = NOW - timedelta(hours=1)
AKTOBE = [Region.AKTOBE]


def project(engine: Engine, case_id: str, steps: list[Step], *,
            first_notice_after: timedelta | None = None, **view: Any) -> None:
    with session_scope(engine) as session:
        project_case(session, view=make_view(case_id, steps=steps, **view))
        if first_notice_after is not None:
            session.exec(update(Case).where(col(Case.case_id) == case_id)
                         .values(first_notice_at=T0 + first_notice_after))


def seed(engine: Engine) -> None:
    project(engine, "AKT-2026-000001", [
        make_step("preventive_talk", due_at=LATE),
        make_step("police_decision", StepKind.POLICE_DECISION, due_at=LATE),
        make_step("notice.akimat", StepKind.NOTICE, recipient="akimat", due_at=LATE),
    ], stage=Stage.POLICE_CHECK, first_notice_after=timedelta(seconds=30))
    project(engine, "AKT-2026-000002", [
        make_step("preventive_talk", due_at=LATE, status=StepStatus.DONE),
        make_step("safety_assessment", StepKind.SAFETY_ASSESSMENT, due_at=LATE),
        make_step("public_statement", StepKind.PUBLIC_STATEMENT, status=StepStatus.DONE),
        make_step("public_statement.approval-1", StepKind.APPROVAL,
                  subject_key="public_statement", due_at=NOW + timedelta(hours=1)),
    ], stage=Stage.RESPONSE, district="Khromtau district",
        first_notice_after=timedelta(minutes=2))
    project(engine, "AKT-2026-000003", [
        make_step("closure.approval-1", StepKind.CLOSURE_APPROVAL, subject_key="closure"),
    ], stage=Stage.CLOSURE_REVIEW, first_notice_after=timedelta(minutes=10))
    project(engine, "AKT-2026-000004", [], stage=Stage.CLOSED,
            first_notice_after=timedelta(minutes=1))
    project(engine, "AKT-2026-000005", [], stage=Stage.NOTIFICATION)  # no notice yet
    project(engine, "PAV-2026-000006", [
        make_step("preventive_talk", due_at=LATE),
        make_step("public_statement.approval-1", StepKind.APPROVAL,
                  subject_key="public_statement"),
    ], region=Region.PAVLODAR, district="Ekibastuz", stage=Stage.RESPONSE,
        first_notice_after=timedelta(hours=3))


def test_open_cases_are_counted_by_stage_in_procedure_order(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        assert open_cases_by_stage(session, regions=AKTOBE) == [
            (Stage.NOTIFICATION, 1), (Stage.POLICE_CHECK, 1), (Stage.RESPONSE, 1),
            (Stage.CLOSURE_REVIEW, 1),
        ]
        national = dict(open_cases_by_stage(session, regions=None))
    assert national[Stage.RESPONSE] == 2 and Stage.CLOSED not in national


def test_overdue_steps_are_counted_by_region_district_and_clause(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        assert overdue_steps(session, regions=AKTOBE, now=NOW) == [
            ("aktobe", "Alga district", "¶10.1", 1),
            ("aktobe", "Alga district", "¶10.2", 1),
            ("aktobe", "Alga district", "¶11", 1),
            ("aktobe", "Khromtau district", "¶11.2", 1),
        ]
        assert [r[:2] for r in overdue_steps(session, regions=None, now=NOW)][-1] == (
            "pavlodar", "Ekibastuz")
        assert overdue_steps(session, regions=AKTOBE, now=LATE - timedelta(seconds=1)) == []


def test_approvals_waiting_are_counted_by_what_they_decide(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        waiting = approvals_waiting(session, regions=AKTOBE)
        national = approvals_waiting(session, regions=None)
    assert [(r, what, n) for r, what, n, _ in waiting] == [
        ("aktobe", "closure", 1), ("aktobe", "public_statement", 1)]
    assert waiting[0][3] == T0 and waiting[0][3].tzinfo is not None
    assert len(national) == 3


def test_time_to_the_first_notice_has_a_median_and_a_90th_percentile(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        aktobe = first_notice_delays(session, regions=AKTOBE)
        national = first_notice_delays(session, regions=None)
        nowhere = first_notice_delays(session, regions=[Region.ULYTAU])
    # Aktobe: 30 s, 1 min, 2 min, 10 min; one case still waiting for its first notice.
    assert (aktobe.measured, aktobe.waiting) == (4, 1)
    assert aktobe.median == timedelta(minutes=1) and aktobe.p90 == timedelta(minutes=10)
    assert national.measured == 5 and national.p90 == timedelta(hours=3)
    assert nowhere.measured == 0 and nowhere.median is None and nowhere.p90 is None
