from datetime import timedelta

import structlog
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.store import StoreActivities
from schemas.activities import CaseRecord, Publication
from schemas.case import Stage
from store import models
from store.cases import case_steps, get_case
from tests.factories import CANARY_NAME
from tests.store.factories import T0, make_report, make_step, make_view

CASE = "AKT-2026-000001"


def test_activities_record_project_and_publish_a_case(engine: Engine) -> None:
    store = StoreActivities(engine)
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
    store = StoreActivities(engine)

    with structlog.testing.capture_logs() as logs:
        ActivityEnvironment().run(
            store.record_case, CaseRecord(case_id=CASE, report=make_report())
        )

    assert [entry["case_id"] for entry in logs] == [CASE]
    assert all(CANARY_NAME not in str(entry) for entry in logs)
