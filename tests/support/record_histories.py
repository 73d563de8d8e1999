"""Record event histories of the current workflow code for the replay test (`make histories`).

Run it once per workflow version, after changing the workflow: it adds files under the next
version number and keeps the old ones, so every history ever produced by a released version
keeps replaying. A file that exists is never rewritten:
`python -m tests.support.record_histories v3` adds only the scenarios v3 lacks (when the code
is still v3's shape). Recorded without the encryption codec (the replay test must not need a
key), with a fictional child, on the time-skipping server (deadlines and delays pass at once),
notices going to a real SMTP server on loopback that a scenario may stop.

Besides the three paths of the procedure, the scenarios go through each branch a running case
may take: a reminder and an escalation of a late task, a reminder to a claimed task's
holder, a ¶10.1 notice undelivered past the policy's delay (the supervisor told), a notice
that fails and is delivered on retry, a projection the store refuses (the whole case sent
instead), and continue-as-new. A case that continues as new leaves one history per run:
``<version>-<name>-run<n>.json``.

The Aktobe akimat is reachable by e-mail then SMS (a fake SMSC.kz on loopback), the other
recipients by e-mail only, so a notice late past the delay goes on to its next channel, or
finds there is none.
"""

import asyncio
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from activities.directory import Directory
from activities.sms import SmscGateway
from activities.transports import SmtpTransport
from activities.webhooks import new_secret
from cases.appeals import parse_appeal, submit_appeal
from cases.intake import parse_report
from ombudsflow.client import data_converter, ensure_search_attributes
from ombudsflow.codec import KeyRing
from schemas.activities import CaseChanges, Channel, Recipient
from schemas.appeal import Extension, Withdrawal
from schemas.case import CaseFacts, PoliceFinding, Stage, Step
from schemas.procedure import CaseInput
from schemas.regions import Region
from schemas.steps import Role, StepKind
from schemas.webhooks import EventType as WebhookEventType
from schemas.webhooks import SubscriptionIn
from store.cases import apply_changes
from store.db import create_schema, make_engine, session_scope
from store.users import create_user, get_user
from store.webhooks import create_subscription, remove_subscription
from tests.activities.notices.test_sms import with_channels
from tests.conftest import new_worker
from tests.support.clock import skip, skipper
from tests.support.factories import appeal_data, report_data, supervisor_of, worker_of
from tests.support.ports import free_port
from tests.support.scenarios import (
    CaseDriver,
    close,
    confirmed_with_danger,
    not_confirmed,
    open_case,
    twelve_months,
)
from tests.support.servers import temporal_binary
from tests.support.sms import SMSC_LOGIN, SMSC_PASSWORD, SmsProvider
from tests.support.smtp import SmtpServer
from tests.support.webhook_receiver import WebhookReceiver
from tests.workflows.test_escalation_chain import claim
from workflows.violation_response import ViolationResponseWorkflow

HISTORIES = Path(__file__).parents[1] / "histories"
FICTIONAL_CHILD = {"full_name": "Arman Replaybekov", "birth_date": "2015-06-01",
                   "sex": "male"}
FICTIONAL_APPLICANT = {"name": "Dana Replayeva", "relation": "parent",
                      "email": "dana.replay@example.kz", "language": "ru"}
HOLDER = "cw.replay"  # the case worker who claims a task in ``holder_reminded``
# The lowest limit a case accepts: a confirmed case continues as new once or twice under it.
SHORT_HISTORY = 200
# A SMTP outage shorter than the policy's 15 minutes: notices are retried, nobody is told.
SHORT_OUTAGE = timedelta(minutes=5)
# Longer than the policy's 15 minutes: the supervisor is told of each late ¶10.1 notice.
LONG_OUTAGE = timedelta(minutes=16)
# Past the notices' longest retry interval (2 minutes): server time only moves when asked to.
NEXT_RETRY = timedelta(minutes=3)


@dataclass
class Scene:
    """What a scenario acts on: the server, the store, a worker's queue, the SMTP server."""

    env: WorkflowEnvironment
    engine: Engine
    task_queue: str
    smtp: SmtpServer

    async def open(self, **report: Any) -> CaseDriver:
        """A case opened through intake, as an integration opens one."""
        return await open_case(self.env.client, self.engine, self.task_queue,
                               child=FICTIONAL_CHILD, **report)

    async def start(self, inp: CaseInput) -> CaseDriver:
        """A case started with ``inp`` as given (the workflow records the report itself)."""
        await self.env.client.start_workflow(ViolationResponseWorkflow.run, inp,
                                             id=inp.case_id, task_queue=self.task_queue)
        return CaseDriver(self.env.client, inp.case_id)

    async def sleep_past(self, at: datetime | None) -> None:
        """Let server time run an hour past ``at``."""
        assert at is not None
        await skip(self.env, at - await self.env.get_current_time() + timedelta(hours=1))


Scenario = Callable[[Scene], Awaitable[CaseDriver]]


def _new_case_id() -> str:
    return f"AKT-2026-{uuid.uuid4().int % 10**6:06d}"


def _report(**report: Any) -> Any:
    return parse_report(report_data(child=FICTIONAL_CHILD, **report))


async def _confirmed(scene: Scene) -> CaseDriver:
    driver = await scene.open()
    await confirmed_with_danger(driver, skipper(scene.env))
    return driver


async def _not_confirmed(scene: Scene) -> CaseDriver:
    driver = await scene.open(cohabiting_parent=False, threat=False)
    await not_confirmed(driver)
    return driver


async def _subscribed(scene: Scene) -> CaseDriver:
    """A system subscribed to every event: the short path's events delivered with the
    projections; the subscriber refuses the first attempt. The subscription goes when the
    case has closed, so no later scenario posts to a receiver that is gone."""
    receiver = WebhookReceiver(free_port(), secret=new_secret())
    receiver.start()
    receiver.refusing = True
    with session_scope(scene.engine) as session:
        sub = create_subscription(session, SubscriptionIn(
            id="recorder", url=receiver.url, events=list(WebhookEventType),
        ), secret=receiver.secret, now=datetime.now(UTC))
    try:
        driver = await scene.open(cohabiting_parent=False, threat=False)
        await driver.wait_for("preventive_talk")
        receiver.refusing = False
        await skip(scene.env, NEXT_RETRY)
        await not_confirmed(driver)
        await driver.result()
    finally:
        with session_scope(scene.engine) as session:
            remove_subscription(session, sub.id)
        receiver.stop()
    return driver


async def _twelve_months(scene: Scene) -> CaseDriver:
    driver = await scene.open()
    await twelve_months(driver, skipper(scene.env))
    return driver


async def _reminded_and_escalated(scene: Scene) -> CaseDriver:
    """Tasks left past their deadlines: the ¶10.2 talk is reminded then escalated, the
    police decision reminded, before both are done; then closure."""
    driver = await scene.open(cohabiting_parent=False)
    talk = await driver.wait_for(StepKind.PREVENTIVE_TALK.value)
    await driver.wait_for(StepKind.POLICE_DECISION.value)
    await scene.sleep_past(talk.escalate_at)
    view = await driver.view()
    assert view.step("preventive_talk").escalated_at is not None, "talk not escalated"
    police = view.step("police_decision")
    assert police.reminded_at is not None and police.escalated_at is None, police
    await not_confirmed(driver)
    return driver


async def _holder_reminded(scene: Scene) -> CaseDriver:
    """A ¶10.2 talk a case worker has claimed, left past due: the reminder goes to its holder
    (the police decision, unclaimed, to the office); then closure."""
    with session_scope(scene.engine) as session:
        if get_user(session, HOLDER) is None:
            create_user(session, user_id=HOLDER, display_name="Replay Holder",
                        role=Role.CASE_WORKER, region=Region.AKTOBE, password_hash="-",
                        email="replay.holder@ombudsman.example")
    driver = await scene.open(cohabiting_parent=False)
    talk = await driver.wait_for(StepKind.PREVENTIVE_TALK.value)
    await claim(scene.engine, f"{driver.case_id}/{talk.key}", HOLDER)
    await scene.sleep_past(talk.due_at)
    assert (await driver.view()).step(talk.key).reminded_at is not None, "talk not reminded"
    await not_confirmed(driver)
    return driver


async def _escalation_chain(scene: Scene) -> CaseDriver:
    """An urgent case under the default chain: its ¶10.2 talk, unclaimed, escalates after
    hours, then climbs to the Committee and is reminded every two working days, until the
    police answer and the talk is done; then closure."""
    driver = await scene.open(cohabiting_parent=False)
    talk = await driver.wait_for(StepKind.PREVENTIVE_TALK.value)
    await driver.wait_for(StepKind.POLICE_DECISION.value)
    await scene.sleep_past(talk.committee_at)
    await skip(scene.env, timedelta(days=5))
    step = (await driver.view()).step("preventive_talk")
    assert step.unclaimed_escalated_at is not None and step.committee_escalated_at is not None
    assert step.reminders_repeated >= 1, step
    await not_confirmed(driver)
    return driver


async def _late_notice(scene: Scene) -> CaseDriver:
    """The mail server is down past the policy's delay: each ¶10.1/¶10.3 notice escalates to
    the supervisor, and all are delivered once it is back."""
    scene.smtp.stop()
    driver = await scene.open()
    await driver.wait_for("notice.akimat", open_=False)
    await skip(scene.env, LONG_OUTAGE)
    assert (await driver.view()).step("notice.akimat").escalated_at is not None
    scene.smtp.start()
    await skip(scene.env, NEXT_RETRY)
    await driver.wait_delivered("notice.commissioner", "notice.committee", "notice.akimat",
                                "referral.guardianship", "referral.police", timeout=60)
    await driver.complete(StepKind.POLICE_DECISION, confirmed=False)
    await driver.complete(StepKind.PREVENTIVE_TALK)
    await close(driver)
    return driver


async def _channel_fallback(scene: Scene) -> CaseDriver:
    """The mail server is down past the delay: the akimat's ¶10.1 notice goes by SMS, the
    supervisor is told; the others (e-mail only) wait for the mail server."""
    scene.smtp.stop()
    driver = await scene.open(cohabiting_parent=False)
    await driver.wait_for("notice.akimat", open_=False)
    await skip(scene.env, LONG_OUTAGE)
    await driver.wait_delivered("notice.akimat", timeout=60)
    scene.smtp.start()
    await skip(scene.env, NEXT_RETRY)
    await driver.wait_delivered("notice.commissioner", "notice.committee", timeout=60)
    await not_confirmed(driver)
    return driver


async def _notice_retried(scene: Scene) -> CaseDriver:
    """The mail server is down for a few minutes: sending fails, is retried, and succeeds
    before anyone needs to be told."""
    scene.smtp.stop()
    driver = await scene.open(cohabiting_parent=False)
    await driver.wait_for("notice.akimat", open_=False)
    await skip(scene.env, SHORT_OUTAGE)
    scene.smtp.start()
    await skip(scene.env, NEXT_RETRY)
    await driver.wait_delivered("notice.commissioner", "notice.committee", "notice.akimat",
                                timeout=60)
    view = await driver.view()
    assert view.step("notice.akimat").escalated_at is None, "escalated within the delay"
    await not_confirmed(driver)
    return driver


async def _projection_refused(scene: Scene) -> CaseDriver:
    """The store holds a later version of the case than the workflow sent (restored from
    another backup): it refuses the changes (a non-retryable activity failure) and the
    workflow sends the whole case."""
    case_id, report = _new_case_id(), _report()
    with session_scope(scene.engine) as session:
        apply_changes(session, changes=CaseChanges(
            case_id=case_id, version=2, since_version=None, facts=CaseFacts.of(report),
            stage=Stage.NOTIFICATION, police_finding=PoliceFinding.PENDING,
            opened_at=datetime.now(UTC), closed_at=None, overdue=False, steps={}))
    driver = await scene.start(CaseInput(case_id=case_id, report=report))
    await not_confirmed(driver)
    return driver


async def _continued_as_new(scene: Scene) -> CaseDriver:
    """The confirmed path under the lowest history limit: the case continues as new and
    resumes from what it carried."""
    driver = await scene.start(CaseInput(case_id=_new_case_id(), report=_report(),
                                         history_limit=SHORT_HISTORY))
    await confirmed_with_danger(driver, skipper(scene.env))
    return driver


async def _open_appeal(scene: Scene) -> CaseDriver:
    """An appeal registered through intake, from a fictional applicant."""
    data = appeal_data(applicant=FICTIONAL_APPLICANT)
    submitted = await submit_appeal(scene.env.client, scene.engine, parse_appeal(data),
                                    taken_by="op-replay", task_queue=scene.task_queue)
    return CaseDriver(scene.env.client, submitted.appeal_id)


async def _appeal_triaged(driver: CaseDriver, *, within: bool = True) -> None:
    await driver.wait_for("appeal_triage")
    await driver.send(StepKind.APPEAL_TRIAGE, "appeal_triage", worker_of(), {
        "within_competence": within,
        **({} if within else {"competent_body": "Department of land relations"})})


async def _appeal_answered(driver: CaseDriver, attempt: int = 1) -> None:
    await driver.wait_for("appeal_answer")
    await driver.send(StepKind.APPEAL_ANSWER, "appeal_answer", worker_of(), {
        "verdict": "partly_upheld", "text": "The akimat was asked to give the child a place."})
    key = f"appeal_answer.approval-{attempt}"
    await driver.wait_for(key)
    await driver.send(StepKind.APPEAL_ANSWER_APPROVAL, key, supervisor_of(), {"approved": True})


async def _appeal_extended_and_answered(scene: Scene) -> CaseDriver:
    """Triaged within competence, the term extended (the applicant told), the answer sent
    back once by the supervisor, then approved and mailed."""
    driver = await _open_appeal(scene)
    await _appeal_triaged(driver)
    answer = await driver.wait_for("appeal_answer")
    assert answer.due_at is not None
    await driver.handle.execute_update("extend_appeal", Extension(
        actor=supervisor_of(), reason="The akimat's answer is awaited.",
        new_due=(answer.due_at + timedelta(days=10)).date()), result_type=Step)
    await driver.send(StepKind.APPEAL_ANSWER, "appeal_answer", worker_of(), {
        "verdict": "upheld", "text": "A first draft of the answer to the applicant."})
    await driver.wait_for("appeal_answer.approval-1")
    await driver.send(StepKind.APPEAL_ANSWER_APPROVAL, "appeal_answer.approval-1",
                      supervisor_of(), {"approved": False, "reason": "Cite the law."})
    await _appeal_answered(driver, attempt=2)
    return driver


async def _appeal_reminded_and_escalated(scene: Scene) -> CaseDriver:
    """The consideration left past its term: reminded, escalated, then answered late."""
    driver = await _open_appeal(scene)
    await _appeal_triaged(driver)
    answer = await driver.wait_for("appeal_answer")
    await scene.sleep_past(answer.escalate_at)
    await _appeal_answered(driver)
    return driver


async def _appeal_forwarded(scene: Scene) -> CaseDriver:
    driver = await _open_appeal(scene)
    await _appeal_triaged(driver, within=False)
    await driver.wait_for("appeal_forward")
    await driver.send(StepKind.APPEAL_FORWARD, "appeal_forward", worker_of(), {
        "competent_body": "Department of land relations",
        "cover_letter": "Forwarded for consideration within your competence.",
        "outgoing_ref": "01-12/345", "sent_at": datetime.now(UTC).isoformat(),
        "body_email": "land@alga.example.kz"})
    return driver


async def _appeal_withdrawn(scene: Scene) -> CaseDriver:
    driver = await _open_appeal(scene)
    await _appeal_triaged(driver)
    await driver.wait_for("appeal_answer")
    await driver.handle.execute_update("withdraw_appeal", Withdrawal(
        actor=worker_of(), reason="Resolved by the school."), result_type=Step)
    return driver


# ¶6.2 appeals: recorded as ``appeal-v<n>-<name>.json`` (``python -m tests.support.record_histories
# appeal-v1``).
APPEAL_SCENARIOS: dict[str, Scenario] = {
    "extended_and_answered": _appeal_extended_and_answered,
    "reminded_and_escalated": _appeal_reminded_and_escalated,
    "forwarded": _appeal_forwarded,
    "withdrawn": _appeal_withdrawn,
}

SCENARIOS: dict[str, Scenario] = {
    "confirmed_with_danger": _confirmed,
    "not_confirmed": _not_confirmed,
    "subscribed": _subscribed,
    "twelve_months": _twelve_months,
    "reminded_and_escalated": _reminded_and_escalated,
    "escalation_chain": _escalation_chain,
    "holder_reminded": _holder_reminded,
    "late_notice_escalated": _late_notice,
    "notice_retried": _notice_retried,
    "channel_fallback": _channel_fallback,
    "projection_refused": _projection_refused,
    "continued_as_new": _continued_as_new,
}


@dataclass
class Recorder:
    """A time-skipping server, a store and a mail server, to run scenarios to their end."""

    env: WorkflowEnvironment
    engine: Engine

    async def histories(self, name: str, scenarios: dict[str, Scenario] | None = None
                        ) -> list[WorkflowHistory]:
        """Run the scenario ``name`` of ``scenarios`` (by default the ¶10–¶11 case's) on a
        fresh case; the histories of its closed workflow's runs, first to last (one unless
        it continued as new)."""
        scenario = (scenarios or SCENARIOS)[name]
        smtp, provider = SmtpServer(free_port()), SmsProvider(free_port())
        smtp.start()
        provider.start()
        try:
            transport = SmtpTransport("127.0.0.1", smtp.port, timeout=2)
            directory = with_channels(Directory.load(), Recipient.AKIMAT, Region.AKTOBE,
                                      Channel.EMAIL, Channel.SMS, phone="+77010000001")
            sms = SmscGateway(provider.url, SMSC_LOGIN, SMSC_PASSWORD, timeout=2.0)
            async with new_worker(self.env.client, self.engine, transport,
                                  directory=directory, sms=sms) as worker:
                driver = await scenario(
                    Scene(self.env, self.engine, worker.task_queue, smtp))
                await driver.result()
                return await self._runs(driver.case_id)
        finally:
            smtp.stop()
            provider.stop()

    async def _runs(self, case_id: str) -> list[WorkflowHistory]:
        """Every run of ``case_id``, followed back from the last through continue-as-new."""
        runs: list[WorkflowHistory] = []
        run_id: str | None = None
        while True:
            history = await self.env.client.get_workflow_handle(
                case_id, run_id=run_id).fetch_history()
            runs.insert(0, history)
            started = history.events[0]
            assert started.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
            run_id = started.workflow_execution_started_event_attributes \
                .continued_execution_run_id
            if not run_id:
                return runs


@asynccontextmanager
async def recorder(keyring: KeyRing | None = None) -> AsyncIterator[Recorder]:
    """A recorder whose histories are sealed with ``keyring`` (None: in clear)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/store.db")
        create_schema(engine)
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=temporal_binary("temporal-test-server"),
            data_converter=data_converter(keyring),
        )
        try:
            await ensure_search_attributes(env.client, env.client.namespace)
            yield Recorder(env, engine)
        finally:
            await env.shutdown()
            engine.dispose()


def next_version() -> str:
    """``v<n>`` one past the newest recorded version: old histories are never overwritten."""
    numbers = [int(p.stem.split("-", 1)[0].removeprefix("v")) for p in HISTORIES.glob("v*.json")]
    return f"v{max(numbers, default=0) + 1}"


def paths(version: str, name: str, runs: int) -> list[Path]:
    """Where a scenario's histories go: one file, or one per run."""
    if runs == 1:
        return [HISTORIES / f"{version}-{name}.json"]
    return [HISTORIES / f"{version}-{name}-run{n}.json" for n in range(1, runs + 1)]


def recorded(version: str, name: str) -> bool:
    """Whether ``version`` has the scenario ``name`` already: a file is never rewritten."""
    return (HISTORIES / f"{version}-{name}.json").exists() or any(
        HISTORIES.glob(f"{version}-{name}-run*.json"))


async def record(version: str) -> list[Path]:
    """Record each scenario ``version`` lacks (``appeal-v<n>``: the appeal's); never
    rewrite a file."""
    written = []
    scenarios = APPEAL_SCENARIOS if version.startswith("appeal-") else SCENARIOS
    async with recorder() as rec:
        for name in scenarios:
            if recorded(version, name):
                continue
            runs = await rec.histories(name, scenarios)
            for path, history in zip(paths(version, name, len(runs)), runs, strict=True):
                path.write_text(history.to_json())
                written.append(path)
    return written


if __name__ == "__main__":
    for path in asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else next_version())):
        sys.stdout.write(f"recorded {path}\n")
