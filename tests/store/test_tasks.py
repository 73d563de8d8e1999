from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from schemas.case import Step, StepStatus
from schemas.regions import Region
from schemas.steps import Role, StepKind
from store.cases import (
    TaskClaimed,
    TaskNotFound,
    claim_task,
    list_tasks,
    project_case,
    release_task,
)
from store.db import session_scope
from tests.support.factories import T0, make_step, make_view

AKT = "AKT-2026-000001"
AST = "AST-2026-000002"
NOW = T0 + timedelta(days=5)


def project(engine: Engine, case_id: str, steps: list[Step], **view: Any) -> None:
    with session_scope(engine) as session:
        project_case(session, view=make_view(case_id, steps=steps, **view))


def seed_inbox(engine: Engine) -> None:
    project(engine, AKT, [
        make_step("notice", StepKind.NOTICE, recipient="commissioner"),  # the system's
        make_step("talk", status=StepStatus.DONE),  # closed
        make_step("statement", StepKind.PUBLIC_STATEMENT),  # no due date
        make_step("safety", StepKind.SAFETY_ASSESSMENT, due_at=NOW + timedelta(days=1)),
        make_step("police", StepKind.POLICE_DECISION, due_at=NOW - timedelta(days=1)),
        make_step("approval", StepKind.APPROVAL, due_at=NOW + timedelta(hours=2)),
    ])
    project(engine, AST, [
        make_step("talk", due_at=NOW - timedelta(days=2)),
    ], region=Region.ASTANA, district="711300000")


def task_ids(engine: Engine, **filters: Any) -> list[str]:
    filters.setdefault("regions", None)
    with Session(engine) as session:
        return [t.id for t in list_tasks(session, now=NOW, **filters)]


def test_inbox_lists_open_human_tasks_overdue_first_then_by_due_date(engine: Engine) -> None:
    seed_inbox(engine)

    assert task_ids(engine) == [
        f"{AST}/talk",  # overdue by two days
        f"{AKT}/police",  # overdue by one
        f"{AKT}/approval",
        f"{AKT}/safety",
        f"{AKT}/statement",  # no due date: last
    ]


def test_inbox_is_scoped_to_the_callers_regions(engine: Engine) -> None:
    seed_inbox(engine)

    assert task_ids(engine, regions=[Region.ASTANA]) == [f"{AST}/talk"]
    assert len(task_ids(engine, regions=[Region.AKTOBE, Region.ASTANA])) == 5
    assert task_ids(engine, regions=[Region.SHYMKENT]) == []


def test_inbox_filters(engine: Engine) -> None:
    seed_inbox(engine)

    assert task_ids(engine, assignee=Role.SUPERVISOR) == [f"{AKT}/approval"]
    assert task_ids(engine, kind=StepKind.SAFETY_ASSESSMENT) == [f"{AKT}/safety"]
    assert task_ids(engine, case_id=AST) == [f"{AST}/talk"]
    assert task_ids(engine, overdue_only=True) == [f"{AST}/talk", f"{AKT}/police"]
    assert task_ids(engine, limit=2, offset=1) == [f"{AKT}/police", f"{AKT}/approval"]


def claim(engine: Engine, task: str, user: str) -> str | None:
    with session_scope(engine) as session:
        return claim_task(session, task_id=task, user_id=user).claimed_by


def release(engine: Engine, task: str, user: str) -> str | None:
    with session_scope(engine) as session:
        return release_task(session, task_id=task, user_id=user).claimed_by


def test_a_claimed_task_belongs_to_its_claimant_until_released(engine: Engine) -> None:
    seed_inbox(engine)
    task = f"{AKT}/police"

    assert claim(engine, task, "cw-aigul") == "cw-aigul"
    assert claim(engine, task, "cw-aigul") == "cw-aigul"  # claiming again is harmless
    with pytest.raises(TaskClaimed):
        claim(engine, task, "cw-dana")
    with pytest.raises(TaskClaimed):
        release(engine, task, "cw-dana")
    assert release(engine, task, "cw-aigul") is None
    assert release(engine, task, "cw-aigul") is None  # releasing a free task is harmless
    assert claim(engine, task, "cw-dana") == "cw-dana"


@pytest.mark.parametrize("task", [f"{AKT}/talk", f"{AKT}/notice", f"{AKT}/missing"])
def test_only_open_human_tasks_can_be_claimed(engine: Engine, task: str) -> None:
    seed_inbox(engine)

    with pytest.raises(TaskNotFound):
        claim(engine, task, "cw-aigul")
    with pytest.raises(TaskNotFound):
        release(engine, task, "cw-aigul")
