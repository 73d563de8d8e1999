"""The supervisor board's counts: grouped in SQL, scoped to regions, on SQLite and PostgreSQL."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col

from schemas.activities import NoticeKind, Recipient
from schemas.case import Stage, Step, StepStatus
from schemas.regions import Region
from schemas.steps import StepKind
from store.board import (
    FIRST_NOTICE_WINDOW,
    approvals_waiting,
    first_notice_delays,
    open_cases_by_stage,
    overdue_by_region,
    overdue_steps,
)
from store.cases import project_case
from store.db import session_scope
from store.models import Case
from tests.support.factories import T0, make_step, make_view, send_notice

NOW = T0 + timedelta(days=5)
LATE = NOW - timedelta(hours=1)
AKTOBE = [Region.AKTOBE]


def project(engine: Engine, case_id: str, steps: list[Step], *,
            first_notice_after: timedelta | None = None, **view: Any) -> None:
    with session_scope(engine) as session:
        project_case(session, view=make_view(case_id, steps=steps, **view))
    if first_notice_after is not None:
        received: datetime = view.get("received_at", T0)
        send_notice(engine, case_id, received + first_notice_after)


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
    ], stage=Stage.RESPONSE, district="156000000",
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
    ], region=Region.PAVLODAR, district="551800000", stage=Stage.RESPONSE,
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
            ("aktobe", "153200000", "¶10.1", 1),
            ("aktobe", "153200000", "¶10.2", 1),
            ("aktobe", "153200000", "¶11", 1),
            ("aktobe", "156000000", "¶11.2", 1),
        ]
        assert [r[:2] for r in overdue_steps(session, regions=None, now=NOW)][-1] == (
            "pavlodar", "551800000")
        assert overdue_steps(session, regions=AKTOBE, now=LATE - timedelta(seconds=1)) == []


def test_the_national_summary_counts_overdue_steps_by_region_and_clause(
    engine: Engine,
) -> None:
    seed(engine)
    project(engine, "PAV-2026-000007", [
        make_step("preventive_talk", due_at=LATE),
        make_step("safety_assessment", StepKind.SAFETY_ASSESSMENT, due_at=LATE),
        make_step("police_decision", StepKind.POLICE_DECISION, due_at=NOW + timedelta(days=1)),
    ], region=Region.PAVLODAR, district="551000000", stage=Stage.RESPONSE)
    with session_scope(engine) as session:
        national = overdue_by_region(session, regions=None, now=NOW)
        aktobe = overdue_by_region(session, regions=AKTOBE, now=NOW)

    # Aktobe's two districts summed per clause; Pavlodar's two districts likewise; the
    # ¶11 answer not yet due is not counted.
    assert national == [
        ("aktobe", "¶10.1", 1), ("aktobe", "¶10.2", 1), ("aktobe", "¶11", 1),
        ("aktobe", "¶11.2", 1),
        ("pavlodar", "¶10.2", 2), ("pavlodar", "¶11.2", 1),
    ]
    assert aktobe == national[:4]


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
        aktobe = first_notice_delays(session, regions=AKTOBE, now=NOW)
        national = first_notice_delays(session, regions=None, now=NOW)
        nowhere = first_notice_delays(session, regions=[Region.ULYTAU], now=NOW)
    # Aktobe: 30 s, 1 min, 2 min, 10 min; one case still waiting for its first notice.
    assert (aktobe.measured, aktobe.waiting) == (4, 1)
    assert aktobe.median == timedelta(minutes=1) and aktobe.p90 == timedelta(minutes=10)
    assert aktobe.since == NOW - FIRST_NOTICE_WINDOW
    assert national.measured == 5 and national.p90 == timedelta(hours=3)
    assert nowhere.measured == 0 and nowhere.median is None and nowhere.p90 is None


def test_first_notice_delays_count_the_reports_of_the_last_30_days_only(
    engine: Engine,
) -> None:
    seed(engine)
    edge = NOW - FIRST_NOTICE_WINDOW
    project(engine, "AKT-2026-000008", [], stage=Stage.CLOSED, received_at=edge,
            first_notice_after=timedelta(seconds=5, milliseconds=250))
    project(engine, "AKT-2026-000009", [], stage=Stage.CLOSED,
            received_at=edge - timedelta(seconds=1), first_notice_after=timedelta(days=1))
    project(engine, "AKT-2026-000010", [], stage=Stage.NOTIFICATION,
            received_at=edge - timedelta(days=3))  # old and never notified: not counted

    with session_scope(engine) as session:
        aktobe = first_notice_delays(session, regions=AKTOBE, now=NOW)

    # 5.25 s, 30 s, 1 min, 2 min, 10 min: the day-long delay was reported a second too early.
    assert (aktobe.measured, aktobe.waiting) == (5, 1)
    assert aktobe.median == timedelta(minutes=1) and aktobe.p90 == timedelta(minutes=10)
    with session_scope(engine) as session:
        month_later = first_notice_delays(session, regions=AKTOBE, now=NOW + timedelta(days=30))
    assert month_later.measured == 0 and month_later.waiting == 0


def test_the_first_alarm_sent_stamps_the_delay_once(engine: Engine) -> None:
    project(engine, "AKT-2026-000001", [], stage=Stage.NOTIFICATION)
    # A ¶10.3 referral goes first: not the alarm, no stamp.
    send_notice(engine, "AKT-2026-000001", T0 + timedelta(minutes=5),
                kind=NoticeKind.REFERRAL, recipient=Recipient.POLICE)
    with session_scope(engine) as session:
        case = session.get(Case, "AKT-2026-000001")
        assert case is not None and case.first_notice_seconds is None

    send_notice(engine, "AKT-2026-000001", T0 + timedelta(seconds=42, milliseconds=125))
    send_notice(engine, "AKT-2026-000001", T0 + timedelta(minutes=7), recipient=Recipient.COMMITTEE)
    send_notice(engine, "AKT-2026-000001", T0 + timedelta(minutes=9))  # a retry of the first

    with session_scope(engine) as session:
        case = session.get(Case, "AKT-2026-000001")
        assert case is not None
    assert case.first_notice_at == T0 + timedelta(seconds=42, milliseconds=125)
    assert case.first_notice_seconds == 42.125


def test_a_case_stamped_without_its_delay_gets_the_delay_of_its_stamp(engine: Engine) -> None:
    """A worker of the previous version may stamp ``first_notice_at`` alone after the
    migration; the next alarm fills in the delay from that stamp, not from itself."""
    project(engine, "AKT-2026-000001", [], stage=Stage.NOTIFICATION)
    with session_scope(engine) as session:
        session.exec(update(Case).where(col(Case.case_id) == "AKT-2026-000001")
                     .values(first_notice_at=T0 + timedelta(seconds=3)))

    send_notice(engine, "AKT-2026-000001", T0 + timedelta(minutes=2), recipient=Recipient.COMMITTEE)

    with session_scope(engine) as session:
        case = session.get(Case, "AKT-2026-000001")
        assert case is not None
    assert case.first_notice_at == T0 + timedelta(seconds=3)
    assert case.first_notice_seconds == 3.0
