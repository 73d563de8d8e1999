"""The follow-up reminders' workflow on the time-skipping server: a run for a named day (an
operator's, for a missed morning) mails the holders of that day's follow-ups and no other
day's, and a second run for the same day sends nothing again; its recorded history replays
(``make histories`` records it: ``record_scheduled_histories``)."""

import uuid
from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlmodel import col
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from schemas.follow_ups import FollowUpRun
from schemas.steps import StepKind
from store.cases import project_case
from store.db import session_scope
from store.models import Step
from tests.support.factories import make_step, make_view
from tests.support.replays import replay_failure
from workflows.follow_ups import FollowUpReminders

DAY = date(2027, 3, 15)
HISTORIES = Path(__file__).parent.parent / "histories" / "follow-ups"


def put_off(engine: Engine, case_id: str, on: date) -> None:
    with session_scope(engine) as session:
        project_case(session, view=make_view(case_id, steps=[
            make_step("safety_assessment", StepKind.SAFETY_ASSESSMENT)]))
        session.execute(update(Step).where(col(Step.id) == f"{case_id}/safety_assessment")
                        .values(claimed_by="cw.aktobe", follow_up_on=on))


async def test_a_named_days_follow_ups_are_mailed_once(
        time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine,
        mail_dir: Path) -> None:
    today, tomorrow = (f"AKT-2027-{uuid.uuid4().int % 10**6:06d}" for _ in range(2))
    put_off(engine, today, DAY)
    put_off(engine, tomorrow, DAY + timedelta(days=1))

    runs = [await time_env.client.execute_workflow(
        FollowUpReminders.run, FollowUpRun(on=DAY), id=f"follow-ups-{uuid.uuid4()}",
        task_queue=time_worker.task_queue) for _ in range(2)]

    assert [(r.on, r.sent, r.already_sent) for r in runs] == [(DAY, 1, 0), (DAY, 0, 1)]
    mails = [message_from_bytes(m.read_bytes(), policy=default) for m in mail_dir.glob("*.eml")]
    ours = [m for m in mails if today in str(m["Subject"])]
    assert len(ours) == 1 and not any(tomorrow in str(m["Subject"]) for m in mails)
    assert str(ours[0]["Subject"]).startswith("¶11.2 ")


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")),
                         ids=lambda p: p.stem)
async def test_recorded_follow_up_history_replays(path: Path) -> None:
    failure = await replay_failure(path, [FollowUpReminders])
    assert failure is None, failure
