"""The ¶10–¶11 procedure on the time-skipping server, with every real activity: the calendar,
the SQLite store and notices written as .eml files."""

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ombudsflow import constants
from schemas.case import PoliceFinding, Stage, StepStatus
from schemas.steps import StepKind
from store.cases import case_steps, get_case
from store.db import session_scope
from store.models import Publication
from tests.support.clock import skip, skipper
from tests.support.factories import CANARY_IIN, CANARY_NAME
from tests.support.scenarios import confirmed_with_danger, not_confirmed, open_case

AKTOBE = {
    "akimat": "akimat@aktobe.gov.example",
    "guardianship": "guardianship@aktobe.gov.example",
    "police": "police@aktobe.gov.example",
    "office": "cases@aktobe.ombudsman.example",
    "supervisor": "ombudsman@aktobe.ombudsman.example",
}
NATIONAL = ["commissioner@bala.gov.example", "committee@edu.gov.example"]


def mails(mail_dir: Path) -> list[Message]:
    """Every delivery: the file transport keeps a second send of one Message-ID as a second
    file, so counting files counts sends."""
    return [message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(mail_dir.glob("*.eml"))]


def recipients(mail_dir: Path, clause: str) -> list[str]:
    return sorted(str(m["To"]) for m in mails(mail_dir) if m["X-Ombudsflow-Clause"] == clause)


async def test_confirmed_case_with_danger_runs_every_clause_to_closure(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    driver = await open_case(time_env.client, engine, time_worker.task_queue)

    await confirmed_with_danger(driver, skipper(time_env))
    view = await driver.result()

    assert view.stage == Stage.CLOSED and view.police_finding == PoliceFinding.CONFIRMED
    steps = {s.key: s for s in view.steps}
    assert {s.status for s in view.steps} == {StepStatus.DONE, StepStatus.REJECTED}
    assert steps["public_statement"].attempt == 2
    assert steps["public_statement.approval-1"].status == StepStatus.REJECTED
    assert (steps["safe_placement"].outcome or {})["facility_type"] == "crisis_centre"
    assert steps["kdn_decision"].actor == "police-integration"
    assert steps["inspection-1"].clause == "¶11.5"
    assert steps["plan_review-2"].clause == "¶11.3"
    assert steps["closure.approval-1"].actor == "sv-dana"
    assert all(s.clause.startswith("¶") for s in view.steps)
    # ¶10.1 to three bodies, ¶10.3 to two, ¶11.6 to the chosen body: each exactly once.
    assert recipients(mail_dir, "¶10.1") == sorted([AKTOBE["akimat"], *NATIONAL])
    assert recipients(mail_dir, "¶10.3") == [AKTOBE["guardianship"], AKTOBE["police"]]
    assert recipients(mail_dir, "¶11.6") == [AKTOBE["akimat"]]
    assert all(CANARY_NAME not in m.as_string() and CANARY_IIN not in m.as_string()
               for m in mails(mail_dir))

    with session_scope(engine) as session:
        case = get_case(session, driver.case_id)
        assert case is not None and case.stage == "closed" and case.version == view.version
        assert [s.key for s in case_steps(session, driver.case_id)] == [s.key for s in view.steps]
        published = session.get(Publication, (driver.case_id, "public_statement"))
        assert published is not None and published.approved_by == "sv-marat"
        assert CANARY_NAME not in published.text


async def test_not_confirmed_case_goes_to_closure_without_the_measures_of_11(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    driver = await open_case(time_env.client, engine, time_worker.task_queue,
                             cohabiting_parent=False)

    await not_confirmed(driver)
    view = await driver.result()

    assert view.stage == Stage.CLOSED and view.police_finding == PoliceFinding.NOT_CONFIRMED
    kinds = {s.kind for s in view.steps}
    assert not kinds & {StepKind.SAFETY_ASSESSMENT, StepKind.PUBLIC_STATEMENT,
                        StepKind.PSYCHOLOGICAL_SUPPORT, StepKind.RECOMMENDATIONS}
    assert "not confirmed" in (view.step("police_decision").note or "")


async def test_cohabiting_parent_is_referred_to_guardianship_and_police_at_once(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    driver = await open_case(time_env.client, engine, time_worker.task_queue)

    await driver.wait_delivered("referral.guardianship", "referral.police")

    assert recipients(mail_dir, "¶10.3") == [AKTOBE["guardianship"], AKTOBE["police"]]
    assert (await driver.view()).step("referral.police").clause == "¶10.3"


async def test_no_referral_when_no_parent_lives_with_the_child(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    driver = await open_case(time_env.client, engine, time_worker.task_queue,
                             cohabiting_parent=False)

    await driver.wait_delivered("notice.commissioner", "notice.committee", "notice.akimat")
    view = await driver.view()

    for key in ("referral.guardianship", "referral.police"):
        assert view.step(key).status == StepStatus.SKIPPED
    assert recipients(mail_dir, "¶10.3") == []
    assert recipients(mail_dir, "¶10.1") == sorted([AKTOBE["akimat"], *NATIONAL])


async def test_late_talk_is_reminded_then_escalated_and_stays_open_and_overdue(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    driver = await open_case(time_env.client, engine, time_worker.task_queue,
                             cohabiting_parent=False, threat=False)
    talk = await driver.wait_for("preventive_talk")
    assert talk.due_at is not None and talk.escalate_at is not None
    assert (await driver.view()).overdue is False

    await skip(time_env, talk.due_at - await time_env.get_current_time() + timedelta(hours=1))
    view = await driver.view()
    assert view.step("preventive_talk").reminded_at is not None and view.overdue
    assert view.step("preventive_talk").escalated_at is None

    await skip(time_env, talk.escalate_at - await time_env.get_current_time()
                         + timedelta(hours=1))
    view = await driver.view()
    talk = view.step("preventive_talk")
    assert talk.escalated_at is not None and talk.is_open()
    late = [m for m in mails(mail_dir) if m["X-Ombudsflow-Clause"] == "¶10.2"]
    # The office at due (and, under the chain, again every two working days), the supervisor
    # at the second deadline.
    assert {str(m["To"]) for m in late} == {AKTOBE["office"], AKTOBE["supervisor"]}
    attributes = (await driver.handle.describe()).typed_search_attributes
    assert attributes.get(constants.CASE_OVERDUE) is True
    assert attributes.get(constants.CASE_STAGE) == "police_check"
    with session_scope(engine) as session:
        case = get_case(session, driver.case_id)
        assert case is not None and case.overdue


async def test_every_task_kind_escalates_at_its_second_deadline(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    """Walk the confirmed path, letting each task run past both deadlines before doing it."""
    driver = await open_case(time_env.client, engine, time_worker.task_queue)
    kinds = [StepKind.POLICE_DECISION, StepKind.SAFETY_ASSESSMENT, StepKind.SAFE_PLACEMENT,
             StepKind.PSYCHOLOGICAL_SUPPORT, StepKind.COORDINATION_MEETING]
    await driver.complete(StepKind.PREVENTIVE_TALK)
    for kind in kinds:
        step = await driver.wait_for(kind.value)
        assert step.escalate_at is not None
        await skip(time_env, step.escalate_at - await time_env.get_current_time()
                             + timedelta(minutes=1))
        late = (await driver.view()).step(kind.value)
        assert late.reminded_at is not None and late.escalated_at is not None, kind
        await driver.complete(kind)
    clauses = {str(m["X-Ombudsflow-Clause"]) for m in mails(mail_dir)
               if str(m["To"]) == AKTOBE["supervisor"]}
    assert {"¶11", "¶11.2", "¶11.7", "¶11.3", "¶11.4"} <= clauses
