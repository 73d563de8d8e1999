"""Drives cases the way case workers, supervisors and integrations do: through the workflow's
updates and query. Shared by the workflow tests and the history recorder."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from cases.client import update_live_run
from cases.intake import parse_report, submit_report
from schemas.case import Actor, CaseView, Step, StepStatus
from schemas.outcomes import InspectionRecord
from schemas.procedure import RECORD_INSPECTION, spec_of
from schemas.steps import StepKind
from tests.support.factories import POLICE_SYSTEM, report_data, supervisor_of, worker_of
from workflows.violation_response import ViolationResponseWorkflow

Sleep = Callable[[timedelta], Awaitable[None]]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def valid_outcome(kind: StepKind, **overrides: Any) -> dict[str, Any]:
    """A plausible outcome for each kind of task, as a case worker would fill the form."""
    due = (date.today() + timedelta(days=20)).isoformat()
    outcomes: dict[StepKind, dict[str, Any]] = {
        StepKind.PREVENTIVE_TALK: {"talks": [
            {"party": "parent", "held_at": _now(), "responsibility_explained": True},
            {"party": "alleged_violator", "held_at": _now(), "responsibility_explained": True},
        ], "notes": "Both parents attended."},
        StepKind.POLICE_DECISION: {"confirmed": True, "police_reference": "KUI-2026-0042",
                                   "decided_at": _now()},
        StepKind.SAFETY_ASSESSMENT: {"child_in_danger": True,
                                     "measures": ["protective order requested"]},
        StepKind.SAFE_PLACEMENT: {"facility_type": "crisis_centre",
                                  "facility_name": "Regional crisis centre",
                                  "placed_at": _now(), "delivered_to_police": True,
                                  "delivered_separately_from_suspect": True},
        StepKind.KDN_DECISION: {"decision": "guardianship", "kdn_reference": "KDN-17/2026",
                                "decided_at": _now()},
        StepKind.PSYCHOLOGICAL_SUPPORT: {
            "education_organisation": "the child's school",
            "assessment": "Anxiety after violence at home; needs weekly sessions.",
            "legal_consultation_held": True,
            "plan": [{"action": "weekly sessions with the school psychologist",
                      "owner": "school psychologist", "due": due},
                     {"action": "return to regular classes", "owner": "class teacher",
                      "due": due}],
        },
        StepKind.PLAN_REVIEW: {"items_done": [0], "notes": "sessions held"},
        StepKind.COORDINATION_MEETING: {
            "held_at": _now(), "attendees": ["police", "guardianship", "school"],
            "decisions": [{"text": "monthly home visits", "owner": "guardianship", "due": due}],
        },
        StepKind.RECOMMENDATIONS: {"addressee": "akimat",
                                   "text": "Provide a place in the district's child support "
                                           "centre and a social worker for the family."},
        StepKind.PUBLIC_STATEMENT: {"text": "The regional ombudsman and the police took "
                                            "urgent measures to protect a minor in Alga "
                                            "district; the child is safe."},
        StepKind.CLOSURE: {"summary": "All measures taken; the plan is complete."},
        StepKind.APPROVAL: {"approved": True},
        StepKind.CLOSURE_APPROVAL: {"approved": True},
    }
    return {**outcomes[kind], **overrides}


class CaseDriver:
    """One case, acted on by people through the workflow's updates. Every wait on the case is
    bounded, and a wait that runs out says which case, what it waited for, and where the case
    stood (its stage and open steps), instead of stalling the run."""

    # How often to ask the workflow, and for how long, while waiting for a step; how long to
    # wait for a case to close or an update to be answered; the deadline of each call to the
    # server (None: as long as the server takes — the waits are still bounded by the above).
    poll = 0.05
    timeout = 20.0
    close_timeout = 60.0
    query_wait = 5.0
    rpc_timeout: timedelta | None = None

    def __init__(self, client: Client, case_id: str) -> None:
        self.case_id = case_id
        self.handle: WorkflowHandle[Any, CaseView] = client.get_workflow_handle_for(
            ViolationResponseWorkflow.run, case_id
        )

    async def view(self) -> CaseView:
        return await self.handle.query(ViolationResponseWorkflow.case,
                                       rpc_timeout=self.rpc_timeout)

    async def result(self) -> CaseView:
        """The case as it closed (the workflow's result), within ``close_timeout``."""
        try:
            return await asyncio.wait_for(self.handle.result(), self.close_timeout)
        except TimeoutError:
            raise AssertionError(await self._stuck("the workflow's result (the case closed)",
                                                   self.close_timeout)) from None

    async def wait_for(self, key: str, *, open_: bool = True, timeout: float | None = None
                       ) -> Step:
        """The step ``key`` once it exists (and is open with its deadlines, unless ``open_``
        is False)."""

        def ready(view: CaseView) -> Step | None:
            found = [s for s in view.steps if s.key == key]
            if found and (not open_ or (found[0].is_open() and found[0].due_at is not None)):
                return found[0]
            return None

        return await self._until(f"step {key}" + (" open" if open_ else ""), ready, timeout)

    async def wait_delivered(self, *keys: str, timeout: float | None = None) -> None:
        """Wait until each notice step in ``keys`` is delivered; fail at once if one is
        skipped."""
        for key in keys:
            step = await self._until(f"notice {key} delivered", _closed(key), timeout)
            assert step.status == StepStatus.DONE, (
                f"case {self.case_id}: notice {key} {step.status.value}, not delivered")

    async def _until(self, what: str, ready: Callable[[CaseView], Step | None],
                     timeout: float | None) -> Step:
        """Ask the case until ``ready`` finds its step; within ``timeout`` seconds in all,
        the queries included (a case whose worker is gone answers none)."""
        limit = timeout or self.timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while (left := deadline - loop.time()) > 0:
            try:
                step = ready(await asyncio.wait_for(self.view(), min(left, self.query_wait)))
            except TimeoutError:
                # A query that meets the run as it continues as new can go unanswered: ask
                # the next run (a worker that is gone still fails the whole wait).
                continue
            if step is not None:
                return step
            await asyncio.sleep(self.poll)
        raise AssertionError(await self._stuck(what, limit))

    async def _stuck(self, what: str, waited: float) -> str:
        """What a time-out reports: the case, what was awaited, and where the case stands."""
        try:
            view = await asyncio.wait_for(self.view(), min(self.timeout, 5.0))
        except (TimeoutError, RPCError) as e:  # the report must not hang in its turn
            return (f"case {self.case_id}: waited {waited:g} s for {what}; the case answers "
                    f"no query ({type(e).__name__}): is its worker running?")
        steps = [f"{s.key} ({s.clause}, {s.status.value})" for s in view.steps if s.is_open()]
        return (f"case {self.case_id}: waited {waited:g} s for {what}; stage "
                f"{view.stage.value}, open steps: {', '.join(steps) or 'none'}")

    async def complete(self, kind: StepKind, key: str | None = None, *, actor: Actor | None = None,
                       **overrides: Any) -> Step:
        """Wait for the task, then complete it with a valid outcome (``overrides`` applied)."""
        key = key or kind.value
        await self.wait_for(key)
        return await self.send(kind, key, actor or default_actor(kind),
                               valid_outcome(kind, **overrides))

    async def send(self, kind: StepKind, key: str, actor: Actor, outcome: dict[str, Any], *,
                   update_id: str | None = None) -> Step:
        """Complete task ``key``; the same ``update_id`` again is applied only once."""
        name, model = spec_of(kind).completed_by
        arg = model.model_validate({"actor": actor, "task_key": key, "outcome": outcome})
        return await self._answered(f"{name} on {key}", update_live_run(
            self.handle, name, arg, update_id=update_id, rpc_timeout=self.rpc_timeout))

    async def inspect(self, actor: Actor | None = None) -> Step:
        record = InspectionRecord.model_validate({"actor": actor or worker_of(), "outcome": {
            "held_at": _now(), "inspecting_body": "regional prosecutor's office",
            "findings": "school safety measures checked"}})
        return await self._answered(RECORD_INSPECTION, update_live_run(
            self.handle, RECORD_INSPECTION, record, update_id=None, rpc_timeout=self.rpc_timeout))

    async def _answered(self, update: str, call: Awaitable[Step]) -> Step:
        """An update's answer within ``close_timeout``: a workflow may hold an update until
        the store has the change, and a worker that is gone never answers."""
        try:
            return await asyncio.wait_for(call, self.close_timeout)
        except TimeoutError:
            raise AssertionError(await self._stuck(f"an answer to {update}",
                                                   self.close_timeout)) from None


def _closed(key: str) -> Callable[[CaseView], Step | None]:
    def ready(view: CaseView) -> Step | None:
        return next((s for s in view.steps if s.key == key and not s.is_open()), None)
    return ready


def default_actor(kind: StepKind) -> Actor:
    if kind in (StepKind.POLICE_DECISION, StepKind.KDN_DECISION):
        return POLICE_SYSTEM
    if kind in (StepKind.APPROVAL, StepKind.CLOSURE_APPROVAL):
        return supervisor_of()
    return worker_of()


async def open_case(client: Client, engine: Engine, task_queue: str,
                    **report: Any) -> CaseDriver:
    submission = await submit_report(client, engine, parse_report(report_data(**report)),
                                     task_queue=task_queue)
    return CaseDriver(client, submission.case_id)


async def confirmed_with_danger(driver: CaseDriver, sleep: Sleep) -> None:
    """The long path: every ¶11 measure, one rejected statement, two plan reviews."""
    await driver.complete(StepKind.PREVENTIVE_TALK)
    await driver.complete(StepKind.POLICE_DECISION)
    await driver.complete(StepKind.SAFETY_ASSESSMENT)
    await driver.complete(StepKind.SAFE_PLACEMENT)
    await driver.complete(StepKind.PUBLIC_STATEMENT)
    await driver.complete(StepKind.APPROVAL, "public_statement.approval-1",
                          approved=False, reason="Name the district's measures, not the police's.")
    await driver.complete(StepKind.PUBLIC_STATEMENT)
    await driver.complete(StepKind.APPROVAL, "public_statement.approval-2")
    await driver.complete(StepKind.KDN_DECISION)
    await driver.complete(StepKind.PSYCHOLOGICAL_SUPPORT)
    await driver.inspect()
    await driver.complete(StepKind.COORDINATION_MEETING)
    await driver.complete(StepKind.RECOMMENDATIONS)
    await driver.complete(StepKind.APPROVAL, "recommendations.approval-1")
    await sleep(timedelta(days=31))
    await driver.complete(StepKind.PLAN_REVIEW, "plan_review-1", items_done=[0])
    await sleep(timedelta(days=31))
    await driver.complete(StepKind.PLAN_REVIEW, "plan_review-2", items_done=[1])
    await close(driver)


async def twelve_months(driver: CaseDriver, sleep: Sleep) -> None:
    """A year of care: every ¶11 measure, a twelve-item rehabilitation plan reviewed monthly
    (an item done each time), an inspection each quarter, then closure."""
    await driver.complete(StepKind.PREVENTIVE_TALK)
    await driver.complete(StepKind.POLICE_DECISION)
    await driver.complete(StepKind.SAFETY_ASSESSMENT)
    await driver.complete(StepKind.SAFE_PLACEMENT)
    await driver.complete(StepKind.PUBLIC_STATEMENT)
    await driver.complete(StepKind.APPROVAL, "public_statement.approval-1")
    await driver.complete(StepKind.KDN_DECISION)
    item = valid_outcome(StepKind.PSYCHOLOGICAL_SUPPORT)["plan"][0]
    await driver.complete(StepKind.PSYCHOLOGICAL_SUPPORT, plan=[item] * 12)
    await driver.complete(StepKind.COORDINATION_MEETING)
    await driver.complete(StepKind.RECOMMENDATIONS)
    await driver.complete(StepKind.APPROVAL, "recommendations.approval-1")
    for month in range(12):
        await sleep(timedelta(days=31))
        if month % 3 == 0:
            await driver.inspect()
        await driver.complete(StepKind.PLAN_REVIEW, f"plan_review-{month + 1}",
                              items_done=[month])
    await close(driver)


async def not_confirmed(driver: CaseDriver) -> None:
    """The short path: the police do not confirm; talk, closing summary, closure."""
    await driver.complete(StepKind.POLICE_DECISION, confirmed=False)
    await driver.complete(StepKind.PREVENTIVE_TALK)
    await close(driver)


async def close(driver: CaseDriver) -> None:
    """The closing summary, approved by a supervisor other than the one who approved before."""
    await driver.complete(StepKind.CLOSURE)
    await driver.complete(StepKind.CLOSURE_APPROVAL, "closure.approval-1",
                          actor=supervisor_of(name="sv-dana"))
