"""The one place that knows how to talk to a case's workflow: start it, read it (live, or as
last projected when its workflow cannot answer), and send it an update with a fixed id and a
deadline. The web app and the intake use it; none of them imports the workflow itself, only
its names (``ombudsflow.constants``) and its contracts (``schemas``).

Every update has an id fixed by what it does, so a retry (after a timeout, or a second click)
joins the first instead of being applied twice; and a deadline (``update_timeout``), past
which ``CaseUnavailable`` says the change is not confirmed — the caller answers "retry later",
never hangs. A validator's refusal is ``WorkflowUpdateFailedError`` (its cause names the
``RejectedAction``); a case Temporal does not know is ``RPCError`` NOT_FOUND.
"""

import asyncio
import contextlib
import hashlib
import uuid
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine
from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.common import Priority, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from ombudsflow import constants
from schemas.case import Actor, CaseView, Step
from schemas.districts import is_code
from schemas.outcomes import InspectionOutcome, InspectionRecord
from schemas.procedure import RECORD_INSPECTION, CaseInput, spec_of
from schemas.reporting import is_report_id
from schemas.steps import StepKind
from store.cases import case_view
from store.db import session_scope
from store.reports import get_report

# A case's workflow answers a query in milliseconds; longer means no worker is polling.
QUERY_TIMEOUT = timedelta(seconds=5)
# Statuses of a Temporal call that mean "not now" (unreachable, restarting, overloaded, or no
# answer in time), not "no".
TEMPORAL_DOWN = frozenset({RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED,
                           RPCStatusCode.CANCELLED, RPCStatusCode.RESOURCE_EXHAUSTED})

# In a backlog (a burst of reports, workers catching up after an outage) the server hands out
# the tasks of a case whose report names a threat to the child's life or health, its ¶10.1
# notices among them, before any other's: 1 goes first, the server's default is 3. The
# case's activities and its runs after continue-as-new keep it.
URGENT = Priority(priority_key=1)


class CaseUnavailable(Exception):
    """Temporal did not confirm an update: unreachable, or silent for ``waited`` seconds.
    The update may still be applied; sent again, it joins the first."""

    def __init__(self, cause: BaseException, *, waited: float | None) -> None:
        super().__init__(f"update not confirmed ({type(cause).__name__})")
        self.cause = cause
        self.waited = waited


async def start_case(client: Client, inp: CaseInput, *, task_queue: str) -> None:
    """Start the case's workflow, ahead of the others if its report names a threat to the
    child (``URGENT``); a case already running (or closed) under its number is the same
    case, and is left as it is."""
    # A closed case with this id raises WorkflowAlreadyStartedError: still the same case.
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            constants.WORKFLOW_TYPE, inp, id=inp.case_id, task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            priority=URGENT if inp.report.threat_to_life_or_health else Priority.default,
        )


def completion_of(kind: StepKind, *, key: str, actor: Actor, outcome: dict[str, Any]
                  ) -> BaseModel:
    """The input of the update completing a task of ``kind``: ``ValidationError`` (each field
    and why) if ``outcome`` is not its kind's model."""
    _, model = spec_of(kind).completed_by
    return model.model_validate({"actor": actor, "task_key": key, "outcome": outcome})


class CaseClient:
    """Cases on ``client``, with the SQL store (``engine``) to read a case its workflow cannot
    answer for; every update waits at most ``update_timeout`` seconds."""

    def __init__(self, client: Client, engine: Engine, *, update_timeout: float) -> None:
        self._client = client
        self._engine = engine
        self._update_timeout = update_timeout

    async def handle(self, number: str) -> WorkflowHandle[Any, CaseView]:
        """The workflow of a case or an appeal (its number is the workflow's id) or of a
        periodic report (its schedule names the workflow: the store keeps its id)."""
        return self._client.get_workflow_handle(await self._workflow_id(number),
                                                result_type=CaseView)

    async def _workflow_id(self, number: str) -> str:
        if not is_report_id(number):
            return number

        def read() -> str:
            with session_scope(self._engine) as session:
                report = get_report(session, number)
            return report.workflow_id if report is not None and report.workflow_id else number

        return await asyncio.to_thread(read)

    async def live(self, case_id: str) -> CaseView:
        """The case as its workflow holds it now (``RPCError``, ``WorkflowQueryFailedError``
        or ``TimeoutError`` when it cannot say)."""
        # The RPC deadline bounds each attempt; the SDK retries an unreachable server, so the
        # whole call is bounded too (a Temporal restart falls back to the store in 5 s).
        async with asyncio.timeout(QUERY_TIMEOUT.total_seconds()):
            view: CaseView = await (await self.handle(case_id)).query(
                constants.CASE_QUERY, result_type=CaseView, rpc_timeout=QUERY_TIMEOUT)
        return view

    async def stored(self, case_id: str) -> CaseView | None:
        """The case as last projected into the store; None if the store does not know it."""

        def read() -> CaseView | None:
            with session_scope(self._engine) as session:
                return case_view(session, case_id)

        return await asyncio.to_thread(read)

    async def read(self, case_id: str) -> CaseView | None:
        """The case live; if its workflow cannot answer (no worker, Temporal down, or history
        gone), as last projected. None if neither knows it."""
        try:
            return await self.live(case_id)
        except (RPCError, WorkflowQueryFailedError, TimeoutError):
            return await self.stored(case_id)

    async def complete(self, case_id: str, *, kind: StepKind, key: str, attempt: int,
                       actor: Actor, outcome: dict[str, Any]) -> Step:
        """Complete the task ``key`` (of ``kind``, at its ``attempt``) with ``outcome``, by
        the update its spec names. ``ValidationError`` if the outcome is not its model."""
        update, _ = spec_of(kind).completed_by
        completion = completion_of(kind, key=key, actor=actor, outcome=outcome)
        # The same person's same completion of the same opening of the task gets the same id,
        # so sending it again (a retry after a timeout) joins the first.
        update_id = f"{case_id}/{key}#{attempt}/{actor.id}/{_digest(completion)}"
        return await self.update(case_id, update, completion, update_id=update_id)

    async def record_inspection(self, case_id: str, *, actor: Actor,
                                outcome: InspectionOutcome) -> Step:
        """¶11.5: a new inspection step. The same record sent again is the same inspection."""
        record = InspectionRecord(actor=actor, outcome=outcome)
        return await self.update(case_id, RECORD_INSPECTION, record,
                                 update_id=f"{case_id}/inspection/{actor.id}/{_digest(record)}")

    async def update(self, case_id: str, update: str, arg: BaseModel, *, update_id: str
                     ) -> Step:
        """Send the update and wait for the step it closed, at most ``update_timeout``
        seconds: Temporal unreachable, restarting or silent is ``CaseUnavailable``.

        The RPC deadline bounds each call the SDK makes; the SDK retries an unreachable server
        and re-asks while an update is only admitted, so the whole wait is bounded here too.
        """
        waited = self._update_timeout
        try:
            async with asyncio.timeout(waited):
                done = await update_live_run(await self.handle(case_id), update, arg,
                                             update_id=update_id,
                                             rpc_timeout=timedelta(seconds=waited))
        except (RPCTimeoutOrCancelledError, TimeoutError) as e:
            task = asyncio.current_task()
            if task is not None and task.cancelling():  # the caller itself was cancelled
                raise asyncio.CancelledError from e
            raise CaseUnavailable(e, waited=waited) from e
        except RPCError as e:
            if e.status not in TEMPORAL_DOWN:
                raise  # NOT_FOUND: no such case; the rest as the caller maps them
            raise CaseUnavailable(e, waited=None) from e
        return done


async def update_live_run(handle: WorkflowHandle[Any, Any], update: str, arg: BaseModel, *,
                          update_id: str | None, rpc_timeout: timedelta | None) -> Step:
    """Send ``update`` to the case's current run and return the step it closed.

    An update that reaches a run in the moment it continues as new is refused as sent to a
    completed workflow, yet the case lives on in the next run: the update goes again, once,
    under the same id (the first never took effect, so nothing is applied twice)."""
    update_id = update_id or f"update-{uuid.uuid4()}"
    try:
        done: Step = await handle.execute_update(update, arg, id=update_id, result_type=Step,
                                                 rpc_timeout=rpc_timeout)
    except RPCError as e:
        if e.status in TEMPORAL_DOWN or not await _running(handle):
            raise
        done = await handle.execute_update(update, arg, id=update_id, result_type=Step,
                                           rpc_timeout=rpc_timeout)
    return done


async def _running(handle: WorkflowHandle[Any, Any]) -> bool:
    """Whether the workflow's latest run is running (False if Temporal does not know it)."""
    try:
        described = await handle.describe()
    except RPCError:
        return False
    return described.status == WorkflowExecutionStatus.RUNNING


async def adopt_district_codes(client: Client) -> dict[str, str]:
    """Every running case whose ``CaseDistrict`` search attribute is still the district as
    typed (opened before districts were codes) resolves it to its directory code; returns
    the codes by case number. Run once after upgrading; running it again finds none."""
    adopted: dict[str, str] = {}
    running = f"WorkflowType = '{constants.WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'"
    async for execution in client.list_workflows(running):
        district = execution.typed_search_attributes.get(constants.CASE_DISTRICT)
        if district is None or is_code(district):
            continue
        handle = client.get_workflow_handle(execution.id)
        try:
            adopted[execution.id] = await handle.execute_update(
                constants.ADOPT_DISTRICT_CODE, id=f"{execution.id}/adopt-district-code",
                result_type=str)
        except WorkflowUpdateFailedError:
            continue  # adopted already: the listing lags behind the search attribute
    return adopted


def _digest(arg: BaseModel) -> str:
    return hashlib.sha256(arg.model_dump_json().encode()).hexdigest()[:20]
