"""The supervisors' digest workflow on the time-skipping server: a run mails each supervisor
the late notices held for them as one message and marks them sent, and the next run finds
nothing left; its recorded history replays (``make histories`` records it:
``record_scheduled_histories``)."""

import uuid
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from schemas.digests import DigestRun
from schemas.regions import Region
from store.cases import project_case
from store.db import session_scope
from store.models import Notice
from store.outbox import HELD
from tests.support.factories import make_view
from tests.support.replays import replay_failure
from workflows.digests import EscalationDigest

HISTORIES = Path(__file__).parent.parent / "histories" / "digests"
SUPERVISOR = "ombudsman@ulytau.ombudsman.example"  # the bundled directory's Ulytau office


def hold_late_notices(engine: Engine, case_id: str) -> None:
    """The supervisor's escalations of two of the case's ¶10.1 notices, held for a digest."""
    with session_scope(engine) as session:
        project_case(session, view=make_view(case_id, region=Region.ULYTAU))
        for late_to in ("akimat", "committee"):
            session.add(Notice(
                idempotency_key=f"{case_id}:notice.{late_to}:escalation:supervisor",
                case_id=case_id, step_key=f"notice.{late_to}", clause="¶10.1",
                kind="escalation", recipient="supervisor", address=SUPERVISOR, status=HELD,
                attempts=1, created_at=datetime.now(UTC)))


async def test_held_escalations_go_as_one_digest_once(
        time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine,
        mail_dir: Path) -> None:
    case_id = f"ULY-2026-{uuid.uuid4().int % 10**6:06d}"
    hold_late_notices(engine, case_id)

    first, second = [await time_env.client.execute_workflow(
        EscalationDigest.run, DigestRun(), id=f"digest-{uuid.uuid4()}",
        task_queue=time_worker.task_queue) for _ in range(2)]

    assert first.digests >= 1 and first.escalations >= 2
    assert (second.digests, second.escalations) == (0, 0)
    mails = [message_from_bytes(m.read_bytes(), policy=default) for m in mail_dir.glob("*.eml")]
    ours = [m for m in mails if isinstance(m, EmailMessage) and case_id in m.get_content()]
    assert len(ours) == 1 and ours[0]["To"] == SUPERVISOR
    assert str(ours[0]["Subject"]).startswith("¶10.1 ")
    lines = [line for line in ours[0].get_content().splitlines() if case_id in line]
    assert len(lines) == 2 * 3  # a line per late notice in each of kk, ru and en
    with session_scope(engine) as session:
        rows = [session.get(Notice, f"{case_id}:notice.{r}:escalation:supervisor")
                for r in ("akimat", "committee")]
        assert [r.status if r else None for r in rows] == ["sent", "sent"]


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_recorded_digest_history_replays(path: Path) -> None:
    failure = await replay_failure(path, [EscalationDigest])
    assert failure is None, failure


def test_a_digest_history_is_recorded() -> None:
    assert list(HISTORIES.glob("*.json")), "run `make histories` to record the digest's history"
