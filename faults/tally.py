"""What a fault run left behind, counted: every case closed; the store's projection equal to
the workflow's final state, step by step (no task lost or doubled); every notice the outbox
marked sent received by the SMTP server, by its ``X-Ombudsflow-Idempotency-Key``: once, or
again with the same ``Message-ID`` ("resent") when a worker died between the SMTP server's
acceptance and the outbox's commit — the one window no sender can close, which receivers close
by dropping a ``Message-ID`` they have seen; and no workflow task failed for a nondeterminism
or a bug (such a case's history is saved in the run's folder, beside its key ring, for the
replay tests)."""

import asyncio
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause

from activities.notices import message_id_for
from activities.sms import numeric_id
from activities.texts import SMS_LANGUAGES
from faults.driving import PatientDriver
from faults.stack import KEYRING_FILE, Stack
from schemas.case import CaseView, Stage, StepStatus
from schemas.steps import StepKind
from store.cases import case_view
from store.db import session_scope
from store.models import Notice
from store.outbox import SENT, case_notices
from tests.support.sms import SmsProvider

NOTICE_KINDS = (StepKind.NOTICE, StepKind.REFERRAL)
# A workflow task the worker failed: its code diverged from the history, or raised.
FAILED = {WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
          WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE}
CLOSE_WAIT = 120.0  # seconds a driven case gets to close; one the driver gave up on never will
IDEMPOTENCY_HEADER = "X-Ombudsflow-Idempotency-Key"


@dataclass
class Outcome:
    """One scenario's line of the summary; ``problems`` names each loss, duplicate or surprise."""

    scenario: str
    cases: int = 0
    completed: int = 0
    lost: int = 0
    duplicates: int = 0  # a second case, a second completion, a copy with another Message-ID
    resent: int = 0  # copies of a notice with the same Message-ID: receivers drop them
    recovery: float | None = None  # seconds from the fault's end until all had caught up
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (not self.problems and self.lost == 0 and self.duplicates == 0
                and self.completed == self.cases)


async def audit(stack: Stack, drivers: Sequence[PatientDriver], outcome: Outcome, *,
                sms: SmsProvider | None = None) -> list[CaseView]:
    """Wait for each case's workflow to end, count it into ``outcome``; the cases as closed
    (or, for any that did not close, as they stand). Notices sent by e-mail are counted at the
    SMTP server, those sent by SMS at ``sms``."""
    finals = await asyncio.gather(*(_closed_or_current(d) for d in drivers))
    outcome.cases += len(drivers)
    sent: list[str] = []
    by_sms: list[str] = []
    for final in finals:
        with session_scope(stack.engine) as session:
            stored = case_view(session, final.case_id)
            notices = case_notices(session, final.case_id)
        if final.stage == Stage.CLOSED:
            outcome.completed += 1
        else:
            outcome.lost += 1
            outcome.problems.append(f"{final.case_id}: at {final.stage}, not closed")
        for problem in [*_projection_differences(final, stored), *_unsent(final, notices)]:
            outcome.lost += 1
            outcome.problems.append(problem)
        sent += [n.idempotency_key for n in notices if n.status == SENT and n.channel == "email"]
        by_sms += [n.idempotency_key for n in notices if n.status == SENT and n.channel == "sms"]
    _count_deliveries(stack, sent, outcome)
    await _failed_tasks(stack, [f.case_id for f in finals], outcome)
    if by_sms:
        assert sms is not None, "notices went by SMS: audit them at the provider"
        _count_sms(sms, by_sms, outcome)
    return finals


async def _closed_or_current(driver: PatientDriver) -> CaseView:
    """The case as its workflow closed it, or as it stands if it does not close in time."""
    try:
        return await asyncio.wait_for(driver.result(), CLOSE_WAIT)
    except TimeoutError:
        return await driver.view()


def _projection_differences(final: CaseView, stored: CaseView | None) -> list[str]:
    case = final.case_id
    if stored is None:
        return [f"{case}: not in the store"]
    problems = []
    if (stored.version, stored.stage) != (final.version, final.stage):
        problems.append(f"{case}: store at version {stored.version} ({stored.stage}), "
                        f"workflow at {final.version} ({final.stage})")
    steps = {s.key: (s.status, s.actor, s.due_at) for s in final.steps}
    kept = {s.key: (s.status, s.actor, s.due_at) for s in stored.steps}
    for key in steps.keys() | kept.keys():
        if steps.get(key) != kept.get(key):
            problems.append(f"{case}/{key}: workflow {steps.get(key)}, store {kept.get(key)}")
    if len(stored.steps) != len(kept):
        problems.append(f"{case}: the store holds a step twice")
    return problems


def _unsent(final: CaseView, notices: list[Notice]) -> list[str]:
    delivered = [s for s in final.steps if s.kind in NOTICE_KINDS and s.status == StepStatus.DONE]
    sent = [n for n in notices if n.status == SENT]
    if len(sent) < len(delivered):
        return [f"{final.case_id}: {len(delivered)} notices done, {len(sent)} sent in the outbox"]
    return []


async def _failed_tasks(stack: Stack, case_ids: Sequence[str], outcome: Outcome) -> None:
    """Each case's history, read for a workflow task the worker failed (not one that timed
    out with a killed worker, nor one the server superseded): kept in the folder if found."""
    for case_id in case_ids:
        history = await stack.client.get_workflow_handle(case_id).fetch_history()
        causes = {e.workflow_task_failed_event_attributes.cause for e in history.events
                  if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED} & FAILED
        if causes:
            saved = stack.folder / "histories" / f"{case_id}.json"
            saved.parent.mkdir(exist_ok=True)
            saved.write_text(history.to_json())
            named = ", ".join(sorted(WorkflowTaskFailedCause.Name(c) for c in causes))
            outcome.problems.append(f"{case_id}: a workflow task failed ({named}); history in "
                                    f"{saved}, keys in {stack.folder / KEYRING_FILE}")


def _count_deliveries(stack: Stack, sent: list[str], outcome: Outcome) -> None:
    """Each sent key at the SMTP server: missing ones are lost; extra copies are resent with
    the same ``Message-ID``, or duplicates with another."""
    copies: Counter[str] = Counter()
    message_ids: dict[str, set[str]] = defaultdict(set)
    for m in stack.smtp.inbox.messages:
        key = str(m[IDEMPOTENCY_HEADER]).strip()  # a long key is folded onto a second line
        copies[key] += 1
        message_ids[key].add(str(m["Message-ID"]))
    for key in sent:
        if copies[key] == 0:
            outcome.lost += 1
            outcome.problems.append(f"notice {key}: marked sent, never arrived")
        elif len(message_ids[key]) > 1:
            outcome.duplicates += copies[key] - 1
            outcome.problems.append(f"notice {key}: arrived {copies[key]} times with "
                                    "different Message-IDs")
        elif copies[key] > 1:
            outcome.resent += copies[key] - 1
            outcome.notes.append(f"notice {key}: arrived {copies[key]} times, same Message-ID")
    outcome.notes.append(f"{len(sent)} notices, {sum(copies[k] for k in sent)} received")


def _count_sms(sms: SmsProvider, sent: list[str], outcome: Outcome) -> None:
    """Each SMS-sent key's two SMS (Kazakh, Russian) at the provider, by the ids the notice
    fixes: missing ones are lost; extra copies carry the same id (resent)."""
    copies = Counter(s.client_id for s in sms.received)
    for key in sent:
        for language in SMS_LANGUAGES:
            sms_id = str(numeric_id(f"{message_id_for(key)}{language}"))
            if copies[sms_id] == 0:
                outcome.lost += 1
                outcome.problems.append(f"notice {key}: marked sent, no {language} SMS")
            elif copies[sms_id] > 1:
                outcome.resent += copies[sms_id] - 1
                outcome.notes.append(f"notice {key}: {language} SMS sent {copies[sms_id]} "
                                     "times, same id")
    outcome.notes.append(f"{len(sent)} notices by SMS, {len(sms.received)} SMS received")


def table(outcomes: Sequence[Outcome]) -> str:
    """The summary: one line per scenario."""
    header = ("scenario", "cases", "completed", "lost", "duplicates", "resent",
              "time to recover")
    rows = [header, *(
        (o.scenario, str(o.cases), str(o.completed), str(o.lost), str(o.duplicates),
         str(o.resent), "-" if o.recovery is None else f"{o.recovery:.1f} s")
        for o in outcomes)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])
