"""The faults, one scenario each, every one ending in the same audit (``faults.tally``), and
the API fuzzing (``faults.fuzzing``). A ``Size`` makes a scenario the short check of ``make
test`` or the full run of ``make faults``.

Cases take the short path (police do not confirm → talk → closing summary → approval), which
still sends five notices each (¶10.1 ×3, ¶10.3 ×2: the reports allege a cohabiting parent).
The escalation of a notice undelivered for 15 minutes is proven on the time-skipping server
(``tests/workflows/test_mail_delivery.py``), not here in real time.
"""

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlmodel import col
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from activities.directory import Directory
from cases.intake import parse_report, submit_report
from commands.demo import seed_demo
from faults.driving import PatientDriver, drive, driven, open_cases
from faults.fuzzing import api_fuzzing
from faults.sizes import Size
from faults.stack import Stack, StoreKind, open_stack
from faults.tally import Outcome, audit
from schemas.activities import Channel, Recipient
from schemas.case import Step
from schemas.errors import RejectedAction
from schemas.regions import Region
from schemas.steps import StepKind
from store.db import session_scope
from store.models import Case, Notice
from store.outbox import PENDING
from tests.support.factories import report_data, worker_of
from tests.support.ports import free_port
from tests.support.scenarios import CaseDriver, close, not_confirmed, valid_outcome
from tests.support.sms import SMSC_LOGIN, SMSC_PASSWORD, SmsProvider
from web.app import create_app
from web.deps import Services
from web.security import issue_token

CATCH_UP_TIMEOUT = 300.0  # seconds for everything to catch up once a fault ends
SUPERVISOR = "sv.aktobe"  # a demo user who may list the cases of the reports' region

Scenario = Callable[[Size, StoreKind], Awaitable[Outcome]]


async def worker_killed(size: Size, store: StoreKind) -> Outcome:
    """Two worker processes; one killed with SIGKILL every few seconds and started again while
    the cases are driven. Recovery: from the last restart to the last case closed."""
    outcome = Outcome(f"worker killed ({store})")
    async with open_stack("worker-killed", store) as stack:
        drivers = await open_cases(stack, size.cases)
        async with driven(drivers, not_confirmed) as driving:
            kills, restarted = 0, datetime.now(UTC)
            while kills < size.kills and not driving.done():
                await asyncio.wait([driving], timeout=size.kill_every)
                if not driving.done():
                    victim = stack.workers[kills % len(stack.workers)]
                    await victim.kill()
                    await victim.start()
                    kills, restarted = kills + 1, datetime.now(UTC)
            outcome.problems += await driving
        finals = await audit(stack, drivers, outcome)
        last_closed = max(f.closed_at or restarted for f in finals)
        outcome.recovery = max((last_closed - restarted).total_seconds(), 0.0)
        outcome.notes.append(f"{kills} worker processes killed with SIGKILL and restarted")
        stack.keep = not outcome.ok
    return outcome


async def server_restart(size: Size, store: StoreKind) -> Outcome:
    """The dev server stopped (SIGTERM) mid-run and started again on its SQLite file: half the
    cases are being driven through it, half wait on a task with deadlines (timers) set.
    Recovery: from the server's start until every case answers its query again."""
    outcome = Outcome(f"server restart ({store})")
    async with open_stack("server-restart", store) as stack:
        drivers = await open_cases(stack, size.cases)
        waiting, moving = drivers[: len(drivers) // 2], drivers[len(drivers) // 2:]
        await asyncio.gather(*(d.complete(StepKind.POLICE_DECISION, confirmed=False)
                               for d in waiting))
        before = {d.case_id: await d.wait_for(StepKind.PREVENTIVE_TALK.value) for d in waiting}
        async with driven(moving, not_confirmed) as driving:
            await asyncio.sleep(1.0)
            started = await stack.restart_server(size.server_down)
            views = await asyncio.gather(*(d.view() for d in drivers))
            outcome.recovery = asyncio.get_running_loop().time() - started
            for view in views:
                kept = before.get(view.case_id)
                talk = view.step(StepKind.PREVENTIVE_TALK.value)
                if kept is not None and (talk.status, talk.due_at, talk.escalate_at) != (
                        kept.status, kept.due_at, kept.escalate_at):
                    outcome.problems.append(f"{view.case_id}: the talk's deadlines changed")
            outcome.problems += await driving
        outcome.problems += await drive(waiting, _talk_and_close)
        await audit(stack, drivers, outcome)
        _note_revived(outcome, await stack.revive_workers())
        outcome.notes.append(f"server down {size.server_down:.0f} s")
        stack.keep = not outcome.ok
    return outcome


async def smtp_outage(size: Size, store: StoreKind) -> Outcome:
    """The SMTP server down while cases open; notices are retried with backoff and each arrives
    once when it is back. Recovery: from its return until every notice was accepted."""
    outcome = Outcome(f"SMTP outage ({store})")
    async with open_stack("smtp-outage", store) as stack:
        stack.smtp.stop()
        drivers = await open_cases(stack, size.cases)
        async with driven(drivers, not_confirmed) as driving:
            await asyncio.sleep(size.smtp_outage)
            pending, attempts = _outbox(stack)
            if stack.smtp.inbox.messages:
                outcome.problems.append(f"{len(stack.smtp.inbox.messages)} received while down")
            outcome.notes.append(f"outage {size.smtp_outage:.0f} s: {pending} notices pending, "
                                 f"tried up to {attempts} times each")
            stack.smtp.start()
            back = asyncio.get_running_loop().time()
            await _until(lambda: _outbox(stack)[0] == 0, "every notice accepted")
            outcome.recovery = asyncio.get_running_loop().time() - back
            outcome.problems += await driving
        await audit(stack, drivers, outcome)
        _note_revived(outcome, await stack.revive_workers())
        stack.keep = not outcome.ok
    return outcome


async def sms_outage(size: Size, store: StoreKind) -> Outcome:
    """The region's akimat and police reached by SMS (a fake SMSC.kz on loopback) while the
    provider is down; a worker killed with SIGKILL and restarted during the outage. Every SMS
    arrives once it is back, a repeat under the same id. Recovery: from its return until every
    notice was accepted."""
    outcome = Outcome(f"SMS outage, a worker killed ({store})")
    provider = SmsProvider(free_port())
    with tempfile.TemporaryDirectory() as tmp:
        authorities = Path(tmp) / "authorities.json"
        authorities.write_text(_by_sms(Directory.load(), Region.AKTOBE).model_dump_json())
        extra = {"authorities_file": str(authorities), "sms_provider": "smsc",
                 "smsc_url": provider.url, "smsc_login": SMSC_LOGIN,
                 "smsc_password": SMSC_PASSWORD, "sms_status_wait_seconds": "0"}
        async with open_stack("sms-outage", store, extra=extra) as stack:
            drivers = await open_cases(stack, size.cases)
            async with driven(drivers, not_confirmed) as driving:
                await asyncio.sleep(size.smtp_outage / 2)
                await stack.workers[0].kill()
                await stack.workers[0].start()
                await asyncio.sleep(size.smtp_outage / 2)
                pending, attempts = _outbox(stack)
                outcome.notes.append(f"outage {size.smtp_outage:.0f} s, a worker killed: "
                                     f"{pending} notices pending, tried up to {attempts} times")
                provider.start()
                back = asyncio.get_running_loop().time()
                await _until(lambda: _outbox(stack)[0] == 0, "every notice accepted")
                outcome.recovery = asyncio.get_running_loop().time() - back
                outcome.problems += await driving
            await audit(stack, drivers, outcome, sms=provider)
            _note_revived(outcome, await stack.revive_workers())
            stack.keep = not outcome.ok
    provider.stop()
    return outcome


def _by_sms(directory: Directory, region: Region) -> Directory:
    """``directory`` with the akimat and the police of ``region`` reached by SMS only."""
    entries = dict(directory.regions[region])
    for n, recipient in enumerate((Recipient.AKIMAT, Recipient.POLICE), start=1):
        entries[recipient] = entries[recipient].model_copy(
            update={"phone": f"+7701000000{n}", "channels": (Channel.SMS,)})
    return directory.model_copy(update={"regions": directory.regions | {region: entries}})


async def database_outage(size: Size, store: StoreKind) -> Outcome:
    """The store's PostgreSQL database refuses connections (existing ones are ended) while
    cases are driven: activities retry, updates wait for their projection, the API answers 503.
    Recovery: from its return until every case's projection is at the workflow's version."""
    outcome = Outcome("database outage (postgresql)")
    async with open_stack("database-outage", "postgresql") as stack:
        seed_demo(stack.engine, stack.folder / "demo-credentials.json")
        drivers = await open_cases(stack, size.cases)
        async with driven(drivers, not_confirmed) as driving:
            await asyncio.sleep(1.0)
            stack.store.go_down()
            down = await _list_cases(stack)
            await asyncio.sleep(size.db_outage)
            stack.store.come_back()
            back = asyncio.get_running_loop().time()
            await _until(lambda: _projections_current(drivers, stack), "every projection current")
            outcome.recovery = asyncio.get_running_loop().time() - back
            up = await _list_cases(stack)
            outcome.problems += await driving
        await audit(stack, drivers, outcome)
        outcome.notes.append(f"outage {size.db_outage:.0f} s; GET /api/v1/cases answered "
                             f"{down.status_code} {down.json().get('detail')!r} during it, "
                             f"{up.status_code} after")
        if down.status_code != 503 or up.status_code != 200:
            outcome.problems.append(f"GET /api/v1/cases: {down.status_code} during the outage, "
                                    f"{up.status_code} after (expected 503, then 200)")
        _note_revived(outcome, await stack.revive_workers())
        stack.keep = not outcome.ok
    return outcome


async def duplicate_input(size: Size, store: StoreKind) -> Outcome:
    """One report submitted ``size.racing`` times at once opens one case; one task completed
    at once by two case workers is done once, the other refused with ``TaskClosed``."""
    outcome = Outcome(f"duplicate input ({store})")
    async with open_stack("duplicate-input", store, workers=1) as stack:
        report = parse_report(report_data())
        submissions = await asyncio.gather(*(
            submit_report(stack.client, stack.engine, report, task_queue=stack.settings.task_queue)
            for _ in range(size.racing)))
        cases = {s.case_id for s in submissions}
        created = sum(s.created for s in submissions)
        outcome.duplicates += len(cases) - 1 + max(created - 1, 0)
        driver = PatientDriver(stack.client, submissions[0].case_id)
        await driver.complete(StepKind.POLICE_DECISION, confirmed=False)
        talk = await driver.wait_for(StepKind.PREVENTIVE_TALK.value)
        answers = await asyncio.gather(*(
            driver.send(talk.kind, talk.key, worker_of(name=name),
                        valid_outcome(StepKind.PREVENTIVE_TALK))
            for name in ("cw-aigul", "cw-dana")), return_exceptions=True)
        done = [a for a in answers if isinstance(a, Step)]
        refused = [a for a in answers if _refused_as(a, RejectedAction.TASK_CLOSED)]
        outcome.duplicates += max(len(done) - 1, 0)
        if len(done) != 1 or len(refused) != 1:
            outcome.problems.append(f"racing completions answered {answers!r}")
        await close(driver)
        await audit(stack, [driver], outcome)
        outcome.notes.append(f"{size.racing} identical reports: {len(cases)} case, {created} "
                             f"created; 2 racing completions: {len(done)} done, "
                             f"{len(refused)} refused as TaskClosed")
        stack.keep = not outcome.ok
    return outcome


SCENARIOS: dict[str, Scenario] = {
    "worker-killed": worker_killed,
    "server-restart": server_restart,
    "smtp-outage": smtp_outage,
    "sms-outage": sms_outage,
    "database-outage": database_outage,
    "duplicate-input": duplicate_input,
    "api-fuzzing": api_fuzzing,
}


async def _talk_and_close(driver: CaseDriver) -> None:
    await driver.complete(StepKind.PREVENTIVE_TALK)
    await close(driver)


def _outbox(stack: Stack) -> tuple[int, int]:
    """Notices not yet accepted by the SMTP server, and the most attempts any one took."""
    with session_scope(stack.engine) as session:
        pending = session.scalar(select(func.count()).where(col(Notice.status) == PENDING))
        attempts = session.scalar(select(func.max(Notice.attempts)))
    return pending or 0, attempts or 0


async def _projections_current(drivers: list[PatientDriver], stack: Stack) -> bool:
    """Whether the store holds every case at the version its workflow answers with."""
    views = await asyncio.gather(*(d.view() for d in drivers))
    with session_scope(stack.engine) as session:
        rows = session.execute(select(col(Case.case_id), col(Case.version))).all()
    stored = {case_id: version for case_id, version in rows}
    return all(stored.get(v.case_id) == v.version for v in views)


async def _list_cases(stack: Stack) -> httpx.Response:
    """``GET /api/v1/cases`` as the region's supervisor, from the app in this process."""
    services = Services(settings=stack.settings, client=stack.client, engine=stack.engine)
    app = create_app(stack.settings, services=services)
    headers = {"Authorization": f"Bearer {issue_token(stack.settings, SUPERVISOR)}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://faults.test") as http:
        return await http.get("/api/v1/cases", headers=headers)


async def _until(check: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CATCH_UP_TIMEOUT
    while True:
        done = check()
        if done if isinstance(done, bool) else await done:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"not caught up within {CATCH_UP_TIMEOUT:.0f} s: {what}")
        await asyncio.sleep(0.25)


def _note_revived(outcome: Outcome, revived: int) -> None:
    if revived:
        outcome.problems.append(f"{revived} worker processes had exited and were restarted")


def _refused_as(answer: object, kind: RejectedAction) -> bool:
    return (isinstance(answer, WorkflowUpdateFailedError)
            and isinstance(answer.cause, ApplicationError) and answer.cause.type == kind.value)
