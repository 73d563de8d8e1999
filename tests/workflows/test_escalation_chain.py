"""A late task climbs its escalation chain (time-skipping): the office at due, the regional
supervisor at the second deadline, the national Committee at the third, then a reminder every
N working days while it stays open (never two on one day) and nothing once it is done; a
claimed task's reminders go to its holder, at their own address; an urgent case's task nobody
claimed escalates after a few hours, a claimed one does not; a deadline moved while the chain
waits (an appeal's extension) is waited for anew; a case opened without a chain keeps the two
levels."""

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.districts import load_districts
from cases.intake import parse_report, submit_report
from ombudsflow.local_time import LOCAL_TIME
from schemas.activities import Recipient
from schemas.policy import Chain, Deadline, hours
from schemas.procedure import DeadlinePolicy, default_deadlines
from schemas.regions import Region
from schemas.steps import Role, StepKind
from store.cases import TaskNotFound, claim_task, release_task
from store.db import session_scope
from store.models import Notice
from store.outbox import case_notices
from store.users import create_user
from tests.support.clock import skip
from tests.support.factories import report_data
from tests.support.scenarios import CaseDriver
from tests.workflows.test_appeal import mails
from web.history import HistoryLine, HistoryText, timeline
from web.i18n import Translator

TALK = StepKind.PREVENTIVE_TALK.value


async def open_with(env: WorkflowEnvironment, worker: Worker, engine: Engine,
                    talk: Deadline) -> CaseDriver:
    policy = DeadlinePolicy(deadlines={**default_deadlines(), StepKind.PREVENTIVE_TALK: talk})
    submission = await submit_report(env.client, engine, parse_report(report_data()),
                                     task_queue=worker.task_queue, policy=policy)
    driver = CaseDriver(env.client, submission.case_id)
    await driver.wait_for(TALK)
    return driver


def talk_notices(engine: Engine, case_id: str) -> list[Notice]:
    with session_scope(engine) as session:
        found = [n for n in case_notices(session, case_id) if n.step_key == TALK]
        for n in found:
            session.expunge(n)
        return found


def recipients(notices: list[Notice]) -> list[str]:
    return [n.recipient for n in notices]


async def claim(engine: Engine, task_id: str, user_id: str) -> None:
    """Take the task as a case worker does, once the store has it (projected a moment after
    the workflow opens it)."""
    for _ in range(100):
        try:
            with session_scope(engine) as session:
                claim_task(session, task_id=task_id, user_id=user_id)
            return
        except TaskNotFound:
            await asyncio.sleep(0.1)
    raise AssertionError(f"{task_id} never reached the store")


async def talk_lines(env: WorkflowEnvironment, case_id: str) -> list[HistoryLine]:
    """The talk's deadline lines of the case's history, at the workflow's (skipped) time."""
    lines = await timeline(env.client, case_id, Translator("en", districts=load_districts()))
    return [x for x in lines if x.kind == "deadline_reached" and x.step_key == TALK]


async def test_each_level_of_the_chain_then_a_reminder_every_working_day(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    chain = Chain(committee=hours(6), repeat_every=1, unclaimed_urgent=None)
    driver = await open_with(time_env, time_worker, engine,
                             Deadline(due=hours(2), escalate=hours(4), chain=chain))

    await skip(time_env, timedelta(hours=2, minutes=1))
    assert recipients(talk_notices(engine, driver.case_id)) == [Recipient.OMBUDSMAN_OFFICE]
    await skip(time_env, timedelta(hours=2))
    assert recipients(talk_notices(engine, driver.case_id))[1:] == [Recipient.SUPERVISOR]
    await skip(time_env, timedelta(hours=2))
    assert recipients(talk_notices(engine, driver.case_id))[2:] == [Recipient.COMMITTEE]
    step = (await driver.view()).step(TALK)
    assert step.reminded_at and step.escalated_at and step.committee_escalated_at

    await skip(time_env, timedelta(days=8))  # still open: reminded each working day
    repeated = talk_notices(engine, driver.case_id)[3:]
    assert len(repeated) >= 4
    assert recipients(repeated) == [Recipient.OMBUDSMAN_OFFICE] * len(repeated)
    lines = await talk_lines(time_env, driver.case_id)
    assert [x.code for x in lines[:3]] == [HistoryText.REMINDER, HistoryText.ESCALATION,
                                           HistoryText.ESCALATION_COMMITTEE]
    assert all(x.clause == "¶10.2" for x in lines)
    assert "national Committee" in lines[2].text
    days = [x.at.astimezone(LOCAL_TIME).date() for x in lines[3:]]
    assert [x.code for x in lines[3:]] == [HistoryText.REMINDER_REPEATED] * len(repeated)
    assert len(set(days)) == len(days)  # at most one a working day
    assert all(d.weekday() < 5 for d in days)
    assert (await driver.view()).step(TALK).reminders_repeated == len(repeated)

    await driver.complete(StepKind.PREVENTIVE_TALK)
    sent = len(talk_notices(engine, driver.case_id))
    await skip(time_env, timedelta(days=5))
    assert len(talk_notices(engine, driver.case_id)) == sent  # done: the chain stops


async def test_an_unclaimed_urgent_task_escalates_after_a_few_hours(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    chain = Chain(committee=hours(96), unclaimed_urgent=timedelta(hours=2))
    talk = Deadline(due=hours(48), escalate=hours(72), chain=chain)
    nobody = await open_with(time_env, time_worker, engine, talk)
    claimed = await open_with(time_env, time_worker, engine, talk)
    await claim(engine, f"{claimed.case_id}/{TALK}", "cw.aktobe")

    await skip(time_env, timedelta(hours=2, minutes=1))

    assert recipients(talk_notices(engine, nobody.case_id)) == [Recipient.SUPERVISOR]
    assert [x.code for x in await talk_lines(time_env, nobody.case_id)] == [
        HistoryText.UNCLAIMED]
    assert (await nobody.view()).step(TALK).unclaimed_escalated_at is not None
    assert talk_notices(engine, claimed.case_id) == []
    assert (await claimed.view()).step(TALK).unclaimed_escalated_at is None


async def test_a_case_opened_without_a_chain_keeps_two_levels(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    driver = await open_with(time_env, time_worker, engine,
                             Deadline(due=hours(2), escalate=hours(4)))

    await skip(time_env, timedelta(days=6))

    assert recipients(talk_notices(engine, driver.case_id)) == [Recipient.OMBUDSMAN_OFFICE,
                                                                Recipient.SUPERVISOR]
    step = (await driver.view()).step(TALK)
    assert step.committee_escalated_at is None and step.reminders_repeated == 0


async def test_a_claimed_tasks_reminders_go_to_its_holder(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    with session_scope(engine) as session:
        create_user(session, user_id="cw.holder", display_name="Aigerim Holder",
                    role=Role.CASE_WORKER, region=Region.AKTOBE, password_hash="-",
                    email="aigerim.holder@ombudsman.example")
    chain = Chain(committee=hours(96), repeat_every=1, unclaimed_urgent=None)
    talk = Deadline(due=hours(2), escalate=hours(72), chain=chain)
    held = await open_with(time_env, time_worker, engine, talk)
    nobody = await open_with(time_env, time_worker, engine, talk)
    await claim(engine, f"{held.case_id}/{TALK}", "cw.holder")

    await skip(time_env, timedelta(hours=2, minutes=1))

    reminded = talk_notices(engine, held.case_id)
    assert [(n.recipient, n.address) for n in reminded] == [
        (Recipient.HOLDER, "aigerim.holder@ombudsman.example")]
    assert recipients(talk_notices(engine, nobody.case_id)) == [Recipient.OMBUDSMAN_OFFICE]
    mail = [m for m in mails(mail_dir) if m["To"] == "aigerim.holder@ombudsman.example"]
    assert len(mail) == 1 and "Aigerim Holder" in str(mail[0].get_content())
    line = (await talk_lines(time_env, held.case_id))[0]
    assert line.code == HistoryText.REMINDER_HOLDER and line.clause == "¶10.2"
    assert "reminder to cw.holder, who holds the task" in line.text

    with session_scope(engine) as session:  # released: the repeated reminder goes to the office
        release_task(session, task_id=f"{held.case_id}/{TALK}", user_id="cw.holder")
    await skip(time_env, timedelta(days=4))
    repeated = [n for n in talk_notices(engine, held.case_id)[1:] if n.kind == "reminder"]
    assert repeated and recipients(repeated) == [Recipient.OMBUDSMAN_OFFICE] * len(repeated)

