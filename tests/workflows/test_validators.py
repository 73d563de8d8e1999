"""Every update validator rejects a wrong action with its reason, before anything enters the
case's history; the case goes on as if nothing had been tried."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.districts import load_districts
from ombudsflow.constants import LANGUAGES
from schemas.case import Actor
from schemas.errors import RejectedAction
from schemas.regions import Region
from schemas.steps import Role, StepKind
from tests.support.clock import skip
from tests.support.factories import CANARY_IIN, POLICE_SYSTEM, supervisor_of, worker_of
from tests.support.scenarios import CaseDriver, open_case, valid_outcome
from web.errors import refusal_text
from web.i18n import Translator

ACCEPTED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED


async def accepted_updates(driver: CaseDriver) -> int:
    history = await driver.handle.fetch_history()
    return sum(1 for e in history.events if e.event_type == ACCEPTED)


async def rejected(driver: CaseDriver, kind: StepKind, key: str, actor: Actor,
                   outcome: dict[str, Any], reason: RejectedAction, says: str) -> None:
    """Send the update, expect the rejection with ``reason`` and ``says`` in its message, and
    check that the history gained no accepted update."""
    before = await accepted_updates(driver)
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await driver.send(kind, key, actor, outcome)
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == reason.value, cause.message
    # A code and parameters, worded by the reader's language: all of them, no key left.
    worded = {lang: refusal_text(cause, Translator(lang, districts=load_districts()))
              for lang in LANGUAGES}
    assert says in worded["en"], worded
    assert len(set(worded.values())) == len(LANGUAGES), worded
    assert not any("refusal." in text or "{" in text for text in worded.values()), worded
    assert await accepted_updates(driver) == before


@pytest.fixture
async def case(time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine) -> CaseDriver:
    driver = await open_case(time_env.client, engine, time_worker.task_queue)
    await driver.wait_for("preventive_talk")
    return driver


async def test_unknown_and_system_tasks_are_refused(case: CaseDriver) -> None:
    talk = valid_outcome(StepKind.PREVENTIVE_TALK)
    await rejected(case, StepKind.PREVENTIVE_TALK, "no_such_task", worker_of(), talk,
                   RejectedAction.UNKNOWN_TASK, "has no task no_such_task")
    await rejected(case, StepKind.PREVENTIVE_TALK, "notice.akimat", worker_of(), talk,
                   RejectedAction.UNKNOWN_TASK, "has no task Notice of the violation")


async def test_the_update_must_match_the_task_kind(case: CaseDriver) -> None:
    await rejected(case, StepKind.SAFETY_ASSESSMENT, "preventive_talk", worker_of(),
                   valid_outcome(StepKind.SAFETY_ASSESSMENT), RejectedAction.INVALID_OUTCOME,
                   "is a Preventive talk task (¶10.2), not Safety assessment")


async def test_wrong_role_or_region_is_forbidden(case: CaseDriver) -> None:
    talk = valid_outcome(StepKind.PREVENTIVE_TALK)
    await rejected(case, StepKind.PREVENTIVE_TALK, "preventive_talk", supervisor_of(), talk,
                   RejectedAction.FORBIDDEN, "(supervisor) may not complete")
    await rejected(case, StepKind.PREVENTIVE_TALK, "preventive_talk", POLICE_SYSTEM, talk,
                   RejectedAction.FORBIDDEN, "(integration) may not complete")
    await rejected(case, StepKind.PREVENTIVE_TALK, "preventive_talk",
                   worker_of(Region.PAVLODAR, "cw-pavlodar"), talk, RejectedAction.FORBIDDEN,
                   "the case belongs to Aktobe")
    admin = Actor(id="admin-1", role=Role.ADMIN, region=None)
    await rejected(case, StepKind.PREVENTIVE_TALK, "preventive_talk", admin, talk,
                   RejectedAction.FORBIDDEN, "(administrator) may not complete")


async def test_a_done_task_cannot_be_done_again(case: CaseDriver) -> None:
    await case.complete(StepKind.PREVENTIVE_TALK)
    await rejected(case, StepKind.PREVENTIVE_TALK, "preventive_talk", worker_of(),
                   valid_outcome(StepKind.PREVENTIVE_TALK), RejectedAction.TASK_CLOSED,
                   "already done")


async def test_facts_dated_before_the_report_are_refused(case: CaseDriver) -> None:
    await rejected(case, StepKind.POLICE_DECISION, "police_decision", POLICE_SYSTEM,
                   valid_outcome(StepKind.POLICE_DECISION, decided_at="2020-01-01T00:00:00Z"),
                   RejectedAction.INVALID_OUTCOME, "decided_at: before the report")


async def test_malformed_outcome_is_refused_without_a_trace(case: CaseDriver) -> None:
    before = await accepted_updates(case)
    with pytest.raises(WorkflowUpdateFailedError):
        await case.handle.execute_update(
            "complete_preventive_talk",
            {"actor": worker_of().model_dump(), "task_key": "preventive_talk",
             "outcome": {"talks": []}},
        )
    assert await accepted_updates(case) == before
    assert (await case.view()).step("preventive_talk").is_open()


async def confirmed(case: CaseDriver) -> None:
    await case.complete(StepKind.POLICE_DECISION)
    await case.wait_for("public_statement")


@pytest.mark.parametrize(("text", "found"), [
    ("Zhanserikova Aigerimka was placed in a crisis centre.", "the child's name"),
    ("ZHANSERIKOVA was placed in a crisis centre by the district.", "the child's name"),
    (f"Measures were taken for the child with IIN {CANARY_IIN}.", "the child's IIN"),
    ("Measures were taken for the girl born 09.03.2014 in Alga.", "the child's birth date"),
    ("A pupil of school-lyceum no. 77 zerde is now safe.", "the child's school"),
    ("The family at Abylai Khan street 5, apt 12 gets support.", "the child's address"),
])
async def test_public_statement_with_personal_data_is_refused(
    case: CaseDriver, text: str, found: str
) -> None:
    await confirmed(case)
    await rejected(case, StepKind.PUBLIC_STATEMENT, "public_statement", worker_of(),
                   {"text": text}, RejectedAction.INVALID_OUTCOME,
                   f"¶13 forbids publishing {found}")


async def test_name_in_kazakh_or_russian_spelling_is_caught(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    child = {"full_name": "Әлия Нұрланқызы Сәрсенбаева", "birth_date": "2014-03-09",
             "sex": "female"}
    case = await open_case(time_env.client, engine, time_worker.task_queue, child=child)
    await case.wait_for("police_decision")
    await confirmed(case)
    await rejected(case, StepKind.PUBLIC_STATEMENT, "public_statement", worker_of(),
                   {"text": "Девочка АЛИЯ получила помощь психолога и защиту полиции."},
                   RejectedAction.INVALID_OUTCOME, "the child's name")


async def test_recommendations_with_personal_data_are_refused(case: CaseDriver) -> None:
    await confirmed(case)
    for kind in (StepKind.SAFETY_ASSESSMENT, StepKind.SAFE_PLACEMENT,
                 StepKind.PSYCHOLOGICAL_SUPPORT, StepKind.COORDINATION_MEETING):
        await case.complete(kind)
    await case.wait_for("recommendations")
    await rejected(case, StepKind.RECOMMENDATIONS, "recommendations", worker_of(),
                   valid_outcome(StepKind.RECOMMENDATIONS,
                                 text=f"Provide support to the child IIN {CANARY_IIN} now."),
                   RejectedAction.INVALID_OUTCOME, "¶11.6 forbids publishing the child's IIN")


async def test_four_eyes_on_approvals_and_closure(case: CaseDriver) -> None:
    await confirmed(case)
    await case.complete(StepKind.PUBLIC_STATEMENT)
    await case.wait_for("public_statement.approval-1")
    drafter_as_supervisor = Actor(id="cw-aigul", role=Role.SUPERVISOR, region=Region.AKTOBE)
    await rejected(case, StepKind.APPROVAL, "public_statement.approval-1",
                   drafter_as_supervisor, {"approved": True}, RejectedAction.FORBIDDEN,
                   "drafted this and may not approve it")
    # A Committee supervisor (national scope) may approve.
    await case.complete(StepKind.APPROVAL, "public_statement.approval-1",
                        actor=supervisor_of(None, "sv-committee"))
    await rejected(case, StepKind.APPROVAL, "public_statement.approval-1", supervisor_of(),
                   {"approved": True}, RejectedAction.TASK_CLOSED, "already done")


async def test_closure_is_not_approved_by_anyone_who_worked_the_case(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    case = await open_case(time_env.client, engine, time_worker.task_queue)
    await case.complete(StepKind.POLICE_DECISION, confirmed=False)
    await case.complete(StepKind.PREVENTIVE_TALK)
    await case.complete(StepKind.CLOSURE)
    await case.wait_for("closure.approval-1")
    worker_promoted = Actor(id="cw-aigul", role=Role.SUPERVISOR, region=Region.AKTOBE)
    await rejected(case, StepKind.CLOSURE_APPROVAL, "closure.approval-1", worker_promoted,
                   {"approved": True}, RejectedAction.FORBIDDEN,
                   "worked on this case and may not approve its closure")
    await rejected(case, StepKind.CLOSURE_APPROVAL, "closure.approval-1", worker_of(),
                   {"approved": True}, RejectedAction.FORBIDDEN, "(case worker) may not")
    # Sent back with a reason, the summary reopens for a second attempt.
    await case.complete(StepKind.CLOSURE_APPROVAL, "closure.approval-1", approved=False,
                        reason="Attach the police reference.")
    summary = await case.wait_for("closure")
    assert summary.attempt == 2 and summary.note == "rejected: Attach the police reference."


async def test_plan_review_items_must_exist_and_not_be_done_twice(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    case = await open_case(time_env.client, engine, time_worker.task_queue)
    await confirmed(case)
    await case.complete(StepKind.SAFETY_ASSESSMENT, child_in_danger=False, measures=[])
    await case.complete(StepKind.PSYCHOLOGICAL_SUPPORT)
    support = (await case.view()).step("psychological_support")
    assert support.done_at is not None
    await skip(time_env, support.done_at + timedelta(days=31)
                         - await time_env.get_current_time())
    await case.wait_for("plan_review-1")
    await rejected(case, StepKind.PLAN_REVIEW, "plan_review-1", worker_of(),
                   {"items_done": [5]}, RejectedAction.INVALID_OUTCOME,
                   "the plan has items 0 to 1, not 5")
    first = await case.complete(StepKind.PLAN_REVIEW, "plan_review-1", items_done=[0])
    assert first.done_at is not None
    await skip(time_env, first.done_at + timedelta(days=31) - await time_env.get_current_time())
    await case.wait_for("plan_review-2")
    await rejected(case, StepKind.PLAN_REVIEW, "plan_review-2", worker_of(),
                   {"items_done": [1, 0]}, RejectedAction.INVALID_OUTCOME,
                   "item 0 was already marked done")
    await case.complete(StepKind.PLAN_REVIEW, "plan_review-2", items_done=[1])


async def test_inspections_are_recorded_only_after_confirmation(case: CaseDriver) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await case.inspect()
    assert isinstance(raised.value.cause, ApplicationError)
    assert raised.value.cause.type == RejectedAction.TASK_CLOSED.value
    await confirmed(case)
    step = await case.inspect()
    assert step.key == "inspection-1" and step.clause == "¶11.5" and step.actor == "cw-aigul"
