"""The Temporal Schedules on the dev server (the time-skipping server has none): created,
re-synced without duplicates, next runs at the Almaty times the Order asks, and a trigger and
a backfill start the workflow for the right period; the follow-ups' and the digests' trigger
mails what is due."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import col
from temporalio.client import Client, ScheduleBackfill, ScheduleOverlapPolicy, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from ombudsflow.local_time import LOCAL_TIME
from schemas.digests import DIGEST_EVERY, DigestsSent
from schemas.follow_ups import FollowUpsMailed
from schemas.regions import Region
from schemas.reporting import ReportKind, ReportView
from schemas.steps import Role
from store.cases import project_case
from store.db import session_scope
from store.models import Notice, Step
from store.outbox import HELD
from store.users import create_user
from tests.conftest import new_worker
from tests.support.factories import make_step, make_view
from workers.schedules import DIGESTS, FOLLOW_UPS, Synced, schedule_id, sync

REGION = Region.ULYTAU


@pytest.fixture
async def synced(dev_env: WorkflowEnvironment, engine: Engine, tmp_path: Path
                 ) -> AsyncIterator[tuple[Client, str]]:
    async with new_worker(dev_env.client, engine, FileTransport(tmp_path)) as worker:
        yield dev_env.client, worker.task_queue
        for sid in [*(schedule_id(kind, REGION) for kind in ReportKind), FOLLOW_UPS, DIGESTS]:
            await dev_env.client.get_schedule_handle(sid).delete()


async def _next_local(client: Client, kind: ReportKind) -> list[datetime]:
    described = await client.get_schedule_handle(schedule_id(kind, REGION)).describe()
    return [t.astimezone(LOCAL_TIME) for t in described.info.next_action_times]


async def test_schedules_are_created_once_and_updated_after(
        synced: tuple[Client, str]) -> None:
    client, queue = synced
    first = await sync(client, task_queue=queue, regions=[REGION])
    assert set(first.values()) == {Synced.CREATED} and len(first) == len(ReportKind) + 2
    again = await sync(client, task_queue=queue, regions=[REGION])
    assert set(again.values()) == {Synced.UPDATED}
    ids = [s.id async for s in await client.list_schedules()]
    assert sorted(i for i in ids if i.endswith(REGION.value) or i in (FOLLOW_UPS, DIGESTS)
                  ) == sorted(first)


async def test_next_runs_are_on_the_almaty_clock(synced: tuple[Client, str]) -> None:
    client, queue = synced
    await sync(client, task_queue=queue, regions=[REGION])
    now = datetime.now(LOCAL_TIME)
    half = await _next_local(client, ReportKind.HALF_YEAR)
    assert all((t.month, t.day, t.hour, t.minute) in {(1, 5, 9, 0), (7, 5, 9, 0)} for t in half)
    assert now < half[0] < now + timedelta(days=184)
    plan = await _next_local(client, ReportKind.ANNUAL_PLAN)
    assert [(t.month, t.day, t.hour) for t in plan[:2]] == [(12, 1, 9)] * 2
    assert plan[1].year == plan[0].year + 1
    monthly = await _next_local(client, ReportKind.MONTHLY_CONTROL)
    assert [(t.day, t.hour) for t in monthly] == [(1, 0)] * len(monthly)
    assert {t.utcoffset() for t in monthly} == {timedelta(hours=5)}


async def _started_by(client: Client, sid: str, count: int) -> list[WorkflowHandle[Any, Any]]:
    """The workflows the schedule ``sid`` has started, once there are ``count``."""
    for _ in range(100):
        described = await client.get_schedule_handle(sid).describe()
        if len(described.info.recent_actions) >= count:
            return [client.get_workflow_handle(a.action.workflow_id)  # type: ignore[attr-defined]
                    for a in described.info.recent_actions]
        await asyncio.sleep(0.2)
    raise AssertionError(f"schedule {sid} started fewer than {count} workflows in 20 s")


async def _report(handle: WorkflowHandle[Any, Any]) -> ReportView:
    for _ in range(100):
        try:
            view: ReportView = await handle.query("report", result_type=ReportView)
            return view
        except Exception:  # the worker has not taken its first task yet
            await asyncio.sleep(0.2)
    raise AssertionError(f"{handle.id} never answered its report query")


async def test_a_backfill_reports_on_the_period_it_was_meant_for(
        synced: tuple[Client, str]) -> None:
    """A run the server missed (say, 5 July 2026) reports on January–June, not on today's
    half-year; a trigger now reports on the half-year just ended."""
    client, queue = synced
    await sync(client, task_queue=queue, regions=[REGION])
    handle = client.get_schedule_handle(schedule_id(ReportKind.HALF_YEAR, REGION))
    meant = datetime(2026, 7, 5, 9, tzinfo=LOCAL_TIME)
    await handle.backfill(ScheduleBackfill(start_at=meant - timedelta(minutes=1),
                                           end_at=meant + timedelta(minutes=1),
                                           overlap=ScheduleOverlapPolicy.ALLOW_ALL))
    [backfilled] = await _started_by(client, handle.id, 1)
    assert backfilled.id == f"{handle.id}-{meant.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    view = await _report(backfilled)
    assert (view.period.label, view.region, view.status.value) == ("2026-H1", REGION,
                                                                   "drafting")
    await handle.trigger()
    triggered = (await _started_by(client, handle.id, 2))[-1]
    now = datetime.now(LOCAL_TIME)
    expected = f"{now.year}-H1" if now.month >= 7 else f"{now.year - 1}-H2"
    assert (await _report(triggered)).period.label == expected
    if expected == view.period.label:  # the same half-year: the backfilled run holds it
        assert ReportView.model_validate(await triggered.result()).duplicate_of == backfilled.id
    else:
        await triggered.terminate("test over")
    await backfilled.terminate("test over")


async def test_follow_ups_are_mailed_every_morning_at_half_past_eight_almaty(
        synced: tuple[Client, str], engine: Engine, tmp_path: Path) -> None:
    """The schedule wakes daily before the working day; triggered, its workflow mails the
    holder whose follow-up day is today (Almaty), once."""
    client, queue = synced
    await sync(client, task_queue=queue, regions=[REGION])
    handle = client.get_schedule_handle(FOLLOW_UPS)
    described = await handle.describe()
    times = [t.astimezone(LOCAL_TIME) for t in described.info.next_action_times]
    assert [(t.hour, t.minute) for t in times] == [(8, 30)] * len(times) and len(times) > 1
    assert [(b - a).days for a, b in pairwise(times)] == [1] * (len(times) - 1)
    assert {t.utcoffset() for t in times} == {timedelta(hours=5)}

    case_id = f"ULY-2026-{uuid.uuid4().int % 10**6:06d}"
    with session_scope(engine) as session:
        create_user(session, user_id=f"cw.{case_id}", display_name="Follows up",
                    role=Role.CASE_WORKER, region=REGION, password_hash="unused",
                    email="follows@ombudsman.example")
        project_case(session, view=make_view(case_id, region=REGION, steps=[
            make_step("preventive_talk")]))
        session.execute(update(Step).where(col(Step.id) == f"{case_id}/preventive_talk")
                        .values(claimed_by=f"cw.{case_id}",
                                follow_up_on=datetime.now(LOCAL_TIME).date()))
    await handle.trigger()
    [run] = await _started_by(client, FOLLOW_UPS, 1)
    mailed = await client.get_workflow_handle(run.id, result_type=FollowUpsMailed).result()
    assert mailed.on == datetime.now(LOCAL_TIME).date() and mailed.sent >= 1
    ours = [m for m in tmp_path.glob("*.eml") if case_id in m.read_text("utf-8")]
    assert len(ours) == 1


async def test_held_escalations_go_out_as_a_digest_every_quarter_hour(
        synced: tuple[Client, str], engine: Engine, tmp_path: Path) -> None:
    """The schedule wakes every 15 minutes; triggered, its workflow mails the supervisor the
    late notice held for them, and the outbox marks it sent in that digest."""
    client, queue = synced
    await sync(client, task_queue=queue, regions=[REGION])
    handle = client.get_schedule_handle(DIGESTS)
    times = (await handle.describe()).info.next_action_times
    assert [b - a for a, b in pairwise(times)] == [DIGEST_EVERY] * (len(times) - 1)

    case_id = f"ULY-2026-{uuid.uuid4().int % 10**6:06d}"
    key = f"{case_id}:notice.akimat:escalation:supervisor"
    with session_scope(engine) as session:
        project_case(session, view=make_view(case_id, region=REGION))
        session.add(Notice(idempotency_key=key, case_id=case_id, step_key="notice.akimat",
                           clause="¶10.1", kind="escalation", recipient="supervisor",
                           address="ombudsman@ulytau.ombudsman.example", status=HELD,
                           attempts=1, created_at=datetime.now(UTC)))
    await handle.trigger()
    [run] = await _started_by(client, DIGESTS, 1)
    sent = await client.get_workflow_handle(run.id, result_type=DigestsSent).result()
    assert sent.digests >= 1 and sent.escalations >= 1
    mails = [message_from_bytes(m.read_bytes(), policy=default) for m in tmp_path.glob("*.eml")]
    ours = [m for m in mails if isinstance(m, EmailMessage) and case_id in m.get_content()]
    assert len(ours) == 1 and ours[0]["To"] == "ombudsman@ulytau.ombudsman.example"
    with session_scope(engine) as session:
        notice = session.get(Notice, key)
        assert notice is not None and notice.status == "sent"
