import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from schemas.activities import CaseChanges, CaseRecord, Publication
from schemas.case import Stage, StepStatus
from schemas.regions import Region
from schemas.report import Category, ViolationReport
from schemas.steps import StepKind
from store import models
from store.cases import (
    ProjectionGap,
    apply_changes,
    case_steps,
    claim_task,
    get_case,
    list_cases,
    project_case,
    record_case,
    record_publication,
)
from store.db import session_scope
from tests.support.factories import T0, make_report, make_step, make_view

CASE = "AKT-2026-000001"
ALMATY = timezone(timedelta(hours=5))


def record(engine: Engine, report: ViolationReport, case_id: str = CASE) -> bool:
    with session_scope(engine) as session:
        return record_case(session, record=CaseRecord(case_id=case_id, report=report))


def project(engine: Engine, case_id: str = CASE, **view: Any) -> bool:
    with session_scope(engine) as session:
        return project_case(session, view=make_view(case_id, **view))


def stored_case(engine: Engine, case_id: str = CASE) -> models.Case:
    with Session(engine) as session:
        case = get_case(session, case_id)
    assert case is not None
    return case


def stored_steps(engine: Engine, case_id: str = CASE) -> list[models.Step]:
    with Session(engine) as session:
        return case_steps(session, case_id)


# record_case -----------------------------------------------------------------------------


def test_record_case_keeps_facts_and_the_full_report(engine: Engine) -> None:
    report = make_report()

    record(engine, report)

    case = stored_case(engine)
    assert (case.region, case.district, case.category, case.channel) == (
        "aktobe", "153200000", "physical_violence", "helpline_111",
    )
    assert case.threat_to_life_or_health and case.cohabiting_parent
    assert case.received_at == T0
    assert ViolationReport.model_validate_json(case.report_json) == report


def test_record_case_twice_changes_nothing(engine: Engine) -> None:
    first = record(engine, make_report())
    project(engine, version=3, stage=Stage.POLICE_CHECK)

    again = record(engine, make_report(district="Another district"))

    assert first and not again

    case = stored_case(engine)
    assert case.district == "153200000"
    assert (case.version, case.stage) == (3, "police_check")
    assert ViolationReport.model_validate_json(case.report_json).district == "153200000"


def test_record_case_after_a_projection_fills_in_the_report(engine: Engine) -> None:
    project(engine, version=2, stage=Stage.POLICE_CHECK)
    assert stored_case(engine).report_json == ""

    report = make_report()
    kept = record(engine, report)

    assert kept and not record(engine, report)
    case = stored_case(engine)
    assert case.channel == "helpline_111"
    assert ViolationReport.model_validate_json(case.report_json) == report
    assert (case.version, case.stage) == (2, "police_check")


# project_case ----------------------------------------------------------------------------


def test_newer_versions_apply(engine: Engine) -> None:
    record(engine, make_report())

    first = project(engine, version=1)
    second = project(engine, version=2, stage=Stage.RESPONSE, overdue=True,
                     closed_at=T0 + timedelta(days=9))

    case = stored_case(engine)
    assert first and second
    assert (case.version, case.stage, case.overdue) == (2, "response", True)
    assert case.closed_at == T0 + timedelta(days=9)


def test_an_older_or_equal_version_after_a_newer_one_changes_nothing(engine: Engine) -> None:
    talk_done = make_step("talk", status=StepStatus.DONE, done_at=T0 + timedelta(hours=3))
    project(engine, version=5, stage=Stage.RESPONSE, steps=[talk_done])

    late = project(engine, version=4, stage=Stage.NOTIFICATION, steps=[make_step("talk")])
    same = project(engine, version=5, stage=Stage.CLOSED, steps=[make_step("talk")])

    assert not late and not same
    assert stored_case(engine).stage == "response"
    assert [s.status for s in stored_steps(engine)] == ["done"]


def test_steps_are_upserted_in_view_order(engine: Engine) -> None:
    project(engine, version=1, steps=[
        make_step("notice", StepKind.NOTICE, recipient="commissioner"),
        make_step("talk"),
    ])
    outcome = {"talks": [{"party": "parent", "held_at": "2026-03-03T10:00:00Z"}], "notes": "ok"}

    project(engine, version=2, steps=[
        make_step("notice", StepKind.NOTICE, status=StepStatus.DONE, recipient="commissioner"),
        make_step("talk", status=StepStatus.DONE, actor="cw-aigul", outcome=outcome),
        make_step("police", StepKind.POLICE_DECISION, due_at=T0 + timedelta(days=3)),
    ])

    steps = stored_steps(engine)
    assert [(s.id, s.position, s.status) for s in steps] == [
        (f"{CASE}/notice", 0, "done"),
        (f"{CASE}/talk", 1, "done"),
        (f"{CASE}/police", 2, "open"),
    ]
    notice, talk, police = steps
    assert (notice.assignee, notice.recipient, notice.clause) == (None, "commissioner", "¶10.1")
    assert (talk.actor, talk.assignee) == ("cw-aigul", "case_worker")
    assert talk.outcome_json is not None and json.loads(talk.outcome_json) == outcome
    assert police.outcome_json is None
    assert (police.region, police.district) == ("aktobe", "153200000")


def test_a_claim_survives_projections_while_open_and_ends_with_the_step(engine: Engine) -> None:
    project(engine, version=1, steps=[make_step("talk")])
    with session_scope(engine) as session:
        claim_task(session, task_id=f"{CASE}/talk", user_id="cw-aigul")

    project(engine, version=2, steps=[make_step("talk", reminded_at=T0 + timedelta(days=3))])
    still_claimed = stored_steps(engine)[0].claimed_by
    project(engine, version=3, steps=[make_step("talk", status=StepStatus.DONE)])

    assert still_claimed == "cw-aigul"
    assert stored_steps(engine)[0].claimed_by is None


# apply_changes: what changed since the version the store holds --------------------------


def changes(since: int | None, version: int, steps: dict[int, Any], **view: Any
            ) -> CaseChanges:
    full = make_view(CASE, version=version, **view)
    return CaseChanges(**full.model_dump(exclude={"steps"}), since_version=since, steps=steps)


def apply(engine: Engine, projection: CaseChanges) -> bool:
    with session_scope(engine) as session:
        return apply_changes(session, changes=projection)


def test_changed_steps_apply_on_top_of_their_base_version(engine: Engine) -> None:
    record(engine, make_report())
    apply(engine, changes(0, 1, {0: make_step("notice", StepKind.NOTICE), 1: make_step("talk")}))

    applied = apply(engine, changes(1, 2, {1: make_step("talk", status=StepStatus.DONE)},
                                    stage=Stage.POLICE_CHECK))

    assert applied and stored_case(engine).stage == "police_check"
    assert [(s.key, s.position, s.status) for s in stored_steps(engine)] == [
        ("notice", 0, "open"), ("talk", 1, "done")]


def test_changes_applied_already_are_not_applied_again(engine: Engine) -> None:
    apply(engine, changes(0, 1, {0: make_step("talk")}))
    apply(engine, changes(1, 2, {0: make_step("talk", status=StepStatus.DONE)}))

    retried = apply(engine, changes(1, 2, {0: make_step("talk", status=StepStatus.DONE)}))
    late = apply(engine, changes(0, 1, {0: make_step("talk")}))

    assert not retried and not late
    assert [s.status for s in stored_steps(engine)] == ["done"]


def test_changes_on_a_version_the_store_lacks_are_refused(engine: Engine) -> None:
    apply(engine, changes(0, 1, {0: make_step("talk")}))

    with pytest.raises(ProjectionGap):
        apply(engine, changes(3, 4, {0: make_step("talk", status=StepStatus.DONE)}))
    full = apply(engine, changes(None, 4, {0: make_step("talk", status=StepStatus.DONE)}))

    assert full and stored_case(engine).version == 4


def test_changes_for_a_case_the_store_never_saw_create_its_row(engine: Engine) -> None:
    assert apply(engine, changes(0, 1, {0: make_step("talk")}))
    assert (stored_case(engine).version, stored_case(engine).region) == (1, "aktobe")


# Timestamps ------------------------------------------------------------------------------


def test_timestamps_come_back_aware_and_in_utc(engine: Engine) -> None:
    received = datetime(2026, 3, 2, 14, 0, tzinfo=ALMATY)  # 09:00 UTC
    due = datetime(2026, 3, 5, 18, 0, tzinfo=ALMATY)
    project(engine, version=1, received_at=received, steps=[make_step("talk", due_at=due)])

    case = stored_case(engine)
    step = stored_steps(engine)[0]

    for moment, expected in ((case.received_at, received), (step.due_at, due),
                             (step.opened_at, T0)):
        assert moment == expected
        assert moment is not None and moment.utcoffset() == timedelta(0)
    assert case.received_at.hour == 9


# Publications ----------------------------------------------------------------------------


def test_a_publication_is_recorded_once(engine: Engine) -> None:
    record(engine, make_report())
    publication = Publication(
        case_id=CASE, step_key="statement", clause="¶11.1, ¶13",
        text="The akimat and the police have taken measures to protect a child in Alga.",
        approved_by="sv-marat", approved_at=T0 + timedelta(days=4),
    )

    for _ in range(2):
        with session_scope(engine) as session:
            record_publication(session, publication=publication)

    with Session(engine) as session:
        rows = session.exec(select(models.Publication)).all()
    assert [(r.case_id, r.step_key, r.text, r.approved_at) for r in rows] == [
        (CASE, "statement", publication.text, publication.approved_at)
    ]


# list_cases ------------------------------------------------------------------------------


def seed_cases(engine: Engine) -> None:
    project(engine, case_id="AKT-2026-000001", received_at=T0)
    project(engine, case_id="AKT-2026-000002", received_at=T0 + timedelta(days=1),
            district="156000000", stage=Stage.RESPONSE, overdue=True)
    project(engine, case_id="AST-2026-000003", received_at=T0 + timedelta(days=2),
            region=Region.ASTANA, district="711300000", category=Category.NEGLECT)


def case_ids(engine: Engine, **filters: Any) -> list[str]:
    filters.setdefault("regions", None)
    with Session(engine) as session:
        return [c.case_id for c in list_cases(session, **filters)]


def test_list_cases_newest_first_within_the_callers_regions(engine: Engine) -> None:
    seed_cases(engine)

    assert case_ids(engine) == ["AST-2026-000003", "AKT-2026-000002", "AKT-2026-000001"]
    assert case_ids(engine, regions=[Region.AKTOBE]) == ["AKT-2026-000002", "AKT-2026-000001"]
    assert case_ids(engine, regions=[]) == []
    assert case_ids(engine, limit=1, offset=1) == ["AKT-2026-000002"]


def test_list_cases_filters(engine: Engine) -> None:
    seed_cases(engine)

    assert case_ids(engine, district="156000000") == ["AKT-2026-000002"]
    assert case_ids(engine, stage=Stage.NOTIFICATION) == ["AST-2026-000003", "AKT-2026-000001"]
    assert case_ids(engine, overdue=True) == ["AKT-2026-000002"]
    assert case_ids(engine, overdue=False) == ["AST-2026-000003", "AKT-2026-000001"]
    assert case_ids(engine, category=Category.NEGLECT) == ["AST-2026-000003"]
    assert case_ids(
        engine,
        received_from=T0 + timedelta(days=1),
        received_to=(T0 + timedelta(days=2)).astimezone(ALMATY),
    ) == ["AKT-2026-000002"]
