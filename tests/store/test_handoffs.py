"""Hand-offs in the store: each moves the claim by one conditional UPDATE (a change in between
is refused), is recorded for the history in order, and a delegation holds only while the
task's claim is as it says: released, closed or reopened, the task is no longer delegated."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from schemas.case import StepStatus
from store import handoffs
from store.cases import TaskClaimed, claim_task, get_task, list_tasks, project_case, release_task
from store.db import session_scope
from store.models import Step
from tests.store.test_tasks import AKT, NOW
from tests.support.factories import make_step, make_view

TALK = f"{AKT}/talk"
HOLDER, COLLEAGUE = "cw-aigul", "cw-dana"


def open_talk(engine: Engine, *, status: StepStatus = StepStatus.OPEN, attempt: int = 1,
              version: int = 1) -> None:
    with session_scope(engine) as session:
        project_case(session, view=make_view(AKT, version=version, steps=[
            make_step("talk", status=status, attempt=attempt, due_at=NOW)]))


def talk(session: Session) -> Step:
    found = get_task(session, TALK)
    assert found is not None
    return found


def delegated(engine: Engine) -> None:
    """The holder has taken the talk and delegated it to the colleague."""
    open_talk(engine)
    with session_scope(engine) as session:
        claim_task(session, task_id=TALK, user_id=HOLDER)
        handoffs.delegate(session, Step, talk(session), to=COLLEAGUE, note="near you", now=NOW)


def inbox_of(engine: Engine, user: str) -> list[str]:
    with Session(engine) as session:
        return [t.id for t in list_tasks(session, regions=None, claimable_by=user, now=NOW)]


def test_a_delegation_moves_the_claim_and_keeps_the_task_in_the_holders_inbox(
    engine: Engine
) -> None:
    delegated(engine)

    with Session(engine) as session:
        task = talk(session)
        delegation = handoffs.delegation_of(session, task)
        assert task.claimed_by == COLLEAGUE
        assert delegation is not None and delegation.delegated_by == HOLDER
    assert inbox_of(engine, HOLDER) == [TALK] == inbox_of(engine, COLLEAGUE)
    assert inbox_of(engine, "cw-third") == []


def test_the_delegates_work_returns_the_claim_for_review_and_back(engine: Engine) -> None:
    delegated(engine)

    with session_scope(engine) as session:
        delegation = handoffs.delegation_of(session, talk(session))
        assert delegation is not None
        resolved = handoffs.resolve(session, Step, talk(session), delegation,
                                    outcome_json='{"notes": "done"}', now=NOW)
        assert resolved.claimed_by == HOLDER
        assert handoffs.delegation_of(session, talk(session)) is not None  # under review
        returned = handoffs.send_back(session, Step, talk(session), delegation,
                                      reason="name the school", now=NOW + timedelta(minutes=1))
        assert returned.claimed_by == COLLEAGUE and delegation.outcome_json is None

    with Session(engine) as session:
        lines = handoffs.handoffs_of(session, AKT)
    assert [(h.action, h.actor, h.from_user, h.to_user, h.reason) for h in lines] == [
        ("delegated", HOLDER, HOLDER, COLLEAGUE, "near you"),
        ("resolved", COLLEAGUE, COLLEAGUE, HOLDER, None),
        ("returned", HOLDER, HOLDER, COLLEAGUE, "name the school"),
    ]
    assert {h.clause for h in lines} == {"¶10.2"}


def test_a_claim_changed_in_between_is_refused(engine: Engine) -> None:
    open_talk(engine)
    with session_scope(engine) as session:
        claim_task(session, task_id=TALK, user_id=HOLDER)
        read = talk(session)
        session.expunge(read)
    with session_scope(engine) as session:
        release_task(session, task_id=TALK, user_id=HOLDER)
    with session_scope(engine) as session, pytest.raises(TaskClaimed):
        handoffs.reassign(session, Step, read, actor="sv", to=COLLEAGUE, reason="leave", now=NOW)


@pytest.mark.parametrize("change", ["released", "closed", "reopened"])
def test_a_delegation_ends_with_the_claim_it_stands_on(engine: Engine, change: str) -> None:
    delegated(engine)
    with session_scope(engine) as session:
        if change == "released":
            release_task(session, task_id=TALK, user_id=COLLEAGUE)
    if change == "closed":
        open_talk(engine, status=StepStatus.DONE, version=2)
    if change == "reopened":
        open_talk(engine, attempt=2, version=2)

    with Session(engine) as session:
        assert handoffs.delegation_of(session, talk(session)) is None
    assert inbox_of(engine, HOLDER) == ([TALK] if change == "released" else [])


def test_a_reassignment_ends_a_delegation(engine: Engine) -> None:
    delegated(engine)
    with session_scope(engine) as session:
        moved = handoffs.reassign(session, Step, talk(session), actor="sv", to="cw-third",
                                  reason="leave", now=NOW)
        assert moved.claimed_by == "cw-third"
        assert handoffs.delegation_of(session, moved) is None
    assert inbox_of(engine, HOLDER) == []
