from datetime import timedelta

import structlog
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.districts import load_districts
from activities.store import StoreActivities
from schemas.activities import CaseRecord, Publication
from schemas.case import Stage
from schemas.report import ViolationReport
from store import models
from store.cases import case_steps, get_case
from tests.support.factories import ALGA, CANARY_NAME, T0, make_report, make_step, make_view
from tests.support.stores import engine, postgres_url

__all__ = ["engine", "postgres_url"]  # a fresh store per test: these number cases from 1

CASE = "AKT-2026-000001"


def test_activities_record_project_and_publish_a_case(engine: Engine) -> None:
    store = StoreActivities(engine, districts=load_districts())
    env = ActivityEnvironment()
    publication = Publication(
        case_id=CASE, step_key="statement", clause="¶11.1, ¶13",
        text="The akimat and the police have taken measures to protect a child in Alga.",
        approved_by="sv-marat", approved_at=T0 + timedelta(days=4),
    )

    env.run(store.record_case, CaseRecord(case_id=CASE, report=make_report()))
    env.run(store.project_case, make_view(CASE, version=2, stage=Stage.RESPONSE,
                                          steps=[make_step("talk")]))
    env.run(store.project_case, make_view(CASE, version=1))  # a late retry: ignored
    env.run(store.publish_statement, publication)
    env.run(store.publish_statement, publication)

    with Session(engine) as session:
        case = get_case(session, CASE)
        steps = case_steps(session, CASE)
        publications = session.exec(select(models.Publication)).all()
    assert case is not None
    assert (case.version, case.stage) == (2, "response")
    assert case.report_json
    assert [s.key for s in steps] == ["talk"]
    assert len(publications) == 1


def test_activity_logs_name_the_case_and_nothing_of_the_child(engine: Engine) -> None:
    store = StoreActivities(engine, districts=load_districts())

    with structlog.testing.capture_logs() as logs:
        ActivityEnvironment().run(
            store.record_case, CaseRecord(case_id=CASE, report=make_report())
        )

    assert [entry["case_id"] for entry in logs] == [CASE]
    assert all(CANARY_NAME not in str(entry) for entry in logs)


def test_a_case_opened_before_districts_were_codes_is_stored_with_its_code(
    engine: Engine,
) -> None:
    """Its workflow still holds the typed district; the store holds codes only."""
    store = StoreActivities(engine, districts=load_districts())
    case_id = "AKT-2026-000077"
    typed = "Alga district"
    env = ActivityEnvironment()

    env.run(store.record_case, CaseRecord(case_id=case_id, report=make_report(district=typed)))
    env.run(store.project_case, make_view(case_id, district=typed, steps=[make_step("talk")]))

    with Session(engine) as session:
        case = get_case(session, case_id)
        steps = case_steps(session, case_id)
    assert case is not None and case.district == ALGA
    assert ViolationReport.model_validate_json(case.report_json).district == ALGA
    assert [s.district for s in steps] == [ALGA]
