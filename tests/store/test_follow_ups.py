"""Follow-up dates in the store, on SQLite and PostgreSQL: only the holder of an open task sets
one; the inbox leaves a task out until its day; a release, a hand-off to someone else or a
projection closing the task drops it; the morning's query finds each day's follow-ups of cases
and appeals with the holder's address."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from schemas.activities import CaseChanges
from schemas.case import CaseView, StepStatus
from schemas.regions import Region
from schemas.steps import Role, StepKind
from store.appeals import project_appeal
from store.cases import (
    TaskNotFound,
    TaskTable,
    claim_task,
    list_tasks,
    list_work_tasks,
    release_task,
)
from store.db import session_scope
from store.follow_ups import NotHeld, TaskClosed, follow_ups_on, set_follow_up
from store.handoffs import reassign
from store.models import AppealStep, Step
from store.users import create_user
from tests.store.test_tasks import AKT, NOW, project
from tests.support.factories import make_step, make_view

DAY = date(2026, 12, 7)
APPEAL = "AKT-A-2026-000009"


def inbox(engine: Engine, by: date | None) -> set[str]:
    with session_scope(engine) as session:
        return {t.key for t in list_tasks(session, regions=[Region.AKTOBE], now=NOW,
                                          followed_up_by=by)}


def test_only_the_holder_of_an_open_task_puts_it_off_and_a_release_drops_it(
        engine: Engine) -> None:
    project(engine, AKT, [make_step("talk"), make_step("done", status=StepStatus.DONE)])
    task = f"{AKT}/talk"
    with session_scope(engine) as session:
        with pytest.raises(NotHeld):
            set_follow_up(session, task_id=task, user_id="aigerim", on=DAY)
        claim_task(session, task_id=task, user_id="aigerim")
        with pytest.raises(NotHeld):
            set_follow_up(session, task_id=task, user_id="dana", on=DAY)
        with pytest.raises(TaskClosed):
            set_follow_up(session, task_id=f"{AKT}/done", user_id="aigerim", on=DAY)
        with pytest.raises(TaskNotFound):
            set_follow_up(session, task_id=f"{AKT}/nothing", user_id="aigerim", on=DAY)
        assert set_follow_up(session, task_id=task, user_id="aigerim", on=DAY
                             ).follow_up_on == DAY

    assert "talk" not in inbox(engine, DAY - timedelta(days=1))
    assert "talk" in inbox(engine, DAY) and "talk" in inbox(engine, None)
    with session_scope(engine) as session:
        claimed_again = claim_task(session, task_id=task, user_id="aigerim")
        assert claimed_again.follow_up_on == DAY  # taking one's own task again keeps it
        released = release_task(session, task_id=task, user_id="aigerim")
        assert (released.claimed_by, released.follow_up_on) == (None, None)


def test_a_projection_closing_a_task_drops_its_claim_and_follow_up_for_cases_and_appeals(
        engine: Engine) -> None:
    project(engine, AKT, [make_step("talk")])
    appeal = make_view(APPEAL, steps=[make_step("appeal_triage", StepKind.APPEAL_TRIAGE)])
    with session_scope(engine) as session:
        project_appeal(session, changes=_changes(appeal))
        table: TaskTable
        for task, table in ((f"{AKT}/talk", Step), (f"{APPEAL}/appeal_triage", AppealStep)):
            claim_task(session, task_id=task, user_id="aigerim", table=table)
            set_follow_up(session, task_id=task, user_id="aigerim", on=DAY, table=table)
        create_user(session, user_id="aigerim", display_name="Aigerim", role=Role.CASE_WORKER,
                    region=Region.AKTOBE, password_hash="unused", email="a@ombudsman.example")
        due = follow_ups_on(session, DAY)
        assert [(f.number, f.key, f.holder, f.email) for f in due] == [
            (AKT, "talk", "aigerim", "a@ombudsman.example"),
            (APPEAL, "appeal_triage", "aigerim", "a@ombudsman.example")]
        assert follow_ups_on(session, DAY + timedelta(days=1)) == []
        assert [t.key for t in list_work_tasks(
            session, AppealStep, regions=[Region.AKTOBE], assignee=Role.CASE_WORKER, now=NOW,
            followed_up_by=DAY - timedelta(days=1))] == []

    project(engine, AKT, [make_step("talk", status=StepStatus.DONE)], version=2)
    appeal.steps = [make_step("appeal_triage", StepKind.APPEAL_TRIAGE, status=StepStatus.DONE)]
    appeal.version = 2
    with session_scope(engine) as session:
        project_appeal(session, changes=_changes(appeal))
        assert follow_ups_on(session, DAY) == []
        closed = session.get(AppealStep, f"{APPEAL}/appeal_triage")
        assert closed is not None and (closed.claimed_by, closed.follow_up_on) == (None, None)


def _changes(view: CaseView) -> CaseChanges:
    """The whole appeal as its workflow projects it."""
    return CaseChanges(**view.model_dump(exclude={"steps"}), since_version=None,
                       steps=dict(enumerate(view.steps)))


def test_a_task_handed_to_someone_else_loses_its_follow_up(engine: Engine) -> None:
    project(engine, AKT, [make_step("talk")])
    task_id = f"{AKT}/talk"
    with session_scope(engine) as session:
        claim_task(session, task_id=task_id, user_id="aigerim")
        task = set_follow_up(session, task_id=task_id, user_id="aigerim", on=DAY)
        assert isinstance(task, Step)
        moved = reassign(session, Step, task, actor="sv.aktobe", to="dana",
                         reason="Dana knows the family", now=datetime.now(UTC))
        assert (moved.claimed_by, moved.follow_up_on) == ("dana", None)
