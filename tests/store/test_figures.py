"""The ¶8 figures and the monthly district control over a store seeded with known cases."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from schemas.case import StepStatus
from schemas.regions import Region
from schemas.reporting import Count, OnTime, Period
from schemas.steps import StepKind
from store import models
from store.db import session_scope
from store.figures import district_control, half_year_figures
from store.models import Case, Notice, Publication, Step
from tests.support.factories import ALGA

H2 = Period(start=date(2026, 7, 1), end=date(2027, 1, 1), label="2026-H2")
IN = datetime(2026, 9, 1, 6, tzinfo=UTC)
BEFORE = datetime(2026, 6, 30, 18, 59, tzinfo=UTC)  # 23:59 in Almaty: still H1
AFTER = datetime(2026, 12, 31, 19, 0, tzinfo=UTC)  # 00:00 on 1 January in Almaty: H3
KST, AKT = "591610000", "153200000"  # a Kostanay and an Aktobe district code


def _case(case_id: str, *, received: datetime, region: Region = Region.AKTOBE,
          district: str = AKT, category: str = "neglect", channel: str = "telegram",
          first_notice_seconds: float | None = None, closed: datetime | None = None,
          police: str = "pending", opened: datetime | None = None) -> Case:
    return Case(case_id=case_id, region=region.value, district=district, category=category,
                channel=channel, received_at=received, opened_at=opened or received,
                closed_at=closed, first_notice_seconds=first_notice_seconds,
                police_finding=police)


def _step(case: Case, kind: StepKind, clause: str, *, done: datetime | None,
          due: datetime | None = None, n: int = 0, claimed_by: str | None = None) -> Step:
    return Step(id=f"{case.case_id}/{kind.value}-{n}", case_id=case.case_id,
                key=f"{kind.value}-{n}", kind=kind.value, clause=clause,
                status=StepStatus.DONE.value if done else StepStatus.OPEN.value,
                assignee="case_worker", region=case.region, district=case.district,
                opened_at=case.received_at, due_at=due, done_at=done, claimed_by=claimed_by)


def _seed(engine: Engine) -> None:
    a = _case("AKT-1", received=IN, first_notice_seconds=60, police="confirmed")
    b = _case("AKT-2", received=IN, category="bullying", channel="school",
              first_notice_seconds=120, closed=IN + timedelta(days=10))
    c = _case("AKT-3", received=IN, first_notice_seconds=600, police="not_confirmed")
    old = _case("AKT-4", received=BEFORE, first_notice_seconds=5)  # open at the end
    late = _case("AKT-5", received=AFTER)
    other = _case("KST-1", received=IN, region=Region.KOSTANAY, district=KST)
    day = timedelta(days=1)
    steps = [
        _step(a, StepKind.POLICE_DECISION, "¶11", done=IN + day, due=IN + 2 * day),
        _step(c, StepKind.POLICE_DECISION, "¶11", done=IN + 3 * day, due=IN + 2 * day),
        _step(a, StepKind.PREVENTIVE_TALK, "¶10.2", done=IN + day, due=IN + 2 * day),
        _step(a, StepKind.SAFE_PLACEMENT, "¶11.7", done=IN + day, due=IN + 2 * day),
        _step(a, StepKind.KDN_DECISION, "¶11.7", done=IN + 4 * day, due=IN + 2 * day),
        _step(a, StepKind.PSYCHOLOGICAL_SUPPORT, "¶11.3", done=IN + day, due=IN + 2 * day),
        _step(a, StepKind.PLAN_REVIEW, "¶11.3", done=IN + 30 * day, due=IN + 31 * day),
        _step(c, StepKind.PSYCHOLOGICAL_SUPPORT, "¶11.3", done=IN + day, due=IN + 2 * day),
        _step(c, StepKind.PLAN_REVIEW, "¶11.3", done=IN + 30 * day, due=IN + 31 * day),
        _step(c, StepKind.PLAN_REVIEW, "¶11.3", done=None, due=IN + 61 * day, n=1),
        _step(late, StepKind.SAFE_PLACEMENT, "¶11.7", done=AFTER + day),
        _step(other, StepKind.SAFE_PLACEMENT, "¶11.7", done=IN + day, due=IN + 2 * day),
    ]
    notices = [Notice(idempotency_key=f"{cid}:rec:{n}", case_id=cid, step_key="rec",
                      clause="¶11.6", kind=kind, recipient="akimat", address="a@b.kz",
                      status=status, created_at=IN, sent_at=IN + day if status == "sent"
                      else None)
               for cid, kind, status, n in (("AKT-1", "recommendations", "sent", 0),
                                            ("AKT-1", "recommendations", "pending", 1),
                                            ("AKT-1", "alarm", "sent", 2),
                                            ("KST-1", "recommendations", "sent", 3))]
    publications = [Publication(case_id="AKT-1", step_key="public_statement", clause="¶11.1",
                                text="…", approved_by="s", approved_at=IN + day),
                    Publication(case_id="AKT-4", step_key="public_statement", clause="¶11.1",
                                text="…", approved_by="s", approved_at=BEFORE)]
    with session_scope(engine) as session:
        session.add_all([a, b, c, old, late, other])
        session.flush()
        session.add_all([*steps, *notices, *publications])


def test_every_half_year_figure_counts_the_seeded_cases(engine: Engine) -> None:
    _seed(engine)
    with session_scope(engine) as session:
        f = half_year_figures(session, H2, Region.AKTOBE)
        national = half_year_figures(session, H2, None)
    assert f.reports_by_category == [Count(key="bullying", count=1),
                                     Count(key="neglect", count=2)]
    assert f.reports_by_channel == [Count(key="school", count=1),
                                    Count(key="telegram", count=2)]
    assert f.reports_by_region == [Count(key="aktobe", count=3)]
    assert f.reports_by_district == [Count(key=AKT, count=3)]
    assert (f.first_notice_median_seconds, f.first_notice_p90_seconds) == (120, 600)
    assert f.steps_on_time == [OnTime(clause="¶10.2", done=1, on_time=1),
                               OnTime(clause="¶11", done=2, on_time=1),
                               OnTime(clause="¶11.3", done=4, on_time=4),
                               OnTime(clause="¶11.7", done=2, on_time=1)]
    assert (f.police_confirmations, f.police_refusals) == (1, 1)
    assert (f.safe_placements, f.kdn_decisions) == (1, 1)
    assert (f.rehabilitation_plans_opened, f.rehabilitation_plans_completed) == (2, 1)
    assert (f.recommendations_sent, f.publications) == (1, 1)
    assert f.cases_open_at_end == 3  # AKT-1, AKT-3 and AKT-4 (from H1); AKT-2 closed
    assert (f.appeals.received, f.appeals.answered, f.appeals.answered_on_time) == (0, 0, 0)
    assert national.reports_by_region == [Count(key="aktobe", count=3),
                                          Count(key="kostanay", count=1)]
    assert (national.safe_placements, national.recommendations_sent) == (2, 2)


def test_district_control_names_who_holds_each_overdue_task(engine: Engine) -> None:
    received = datetime(2026, 11, 3, 4, tzinfo=UTC)
    late = _case("AKT-7", received=received, opened=received + timedelta(days=2))
    on_time = _case("AKT-8", received=received)
    with session_scope(engine) as session:
        session.add_all([late, on_time])
        session.flush()
        session.add_all([
            _step(late, StepKind.PREVENTIVE_TALK, "¶10.2", done=None,
                  due=received + timedelta(days=3), claimed_by="aigerim"),
            _step(on_time, StepKind.PREVENTIVE_TALK, "¶10.2", done=received,
                  due=received + timedelta(days=3)),
            _step(on_time, StepKind.PLAN_REVIEW, "¶11.3", done=received + timedelta(days=9),
                  due=received + timedelta(days=5)),
        ])
    november = Period(start=date(2026, 11, 1), end=date(2026, 12, 1), label="2026-11")
    now = received + timedelta(days=3, hours=50)
    with session_scope(engine) as session:
        [row] = district_control(session, november, Region.AKTOBE, now)
    assert row.district == AKT
    assert row.alarms_registered_late == 1
    assert [(t.case_id, t.held_by, t.overdue_hours) for t in row.tasks_overdue] == [
        ("AKT-7", "aigerim", 50)]
    assert row.plans_not_reviewed_on_time == 1
    assert row.reports_without_preventive_talk == 1


def test_appeals_are_counted_by_when_received_and_answered(engine: Engine) -> None:
    """¶6.2 appeals (issue 12's table): received in the period, answered in it, and of those
    answered within their term."""
    with session_scope(engine) as session:
        for n, (region, received, closed, met) in enumerate([
                ("aktobe", IN, IN + timedelta(days=5), True),
                ("aktobe", IN, IN + timedelta(days=40), False),
                ("aktobe", IN, None, None),
                ("aktobe", BEFORE, IN, True),  # received in H1, answered in H2
                ("kostanay", IN, IN, True)]):
            session.add(models.Appeal(
                channel="e_otinish", external_ref=f"ZT-{n}", kind="appeal", region=region,
                district=ALGA, received_at=received, closed_at=closed, term_met=met))
    with session_scope(engine) as session:
        counted = half_year_figures(session, H2, Region.AKTOBE).appeals
    assert (counted.received, counted.answered, counted.answered_on_time) == (3, 3, 2)
