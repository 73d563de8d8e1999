"""The case as a workflow holds it: its steps, its stage, a version bumped at every change,
its search attributes kept current, and its projection into the SQL store.

What it promises: every change goes through ``changed()``, which gives the case a new version
and upserts exactly the search attributes that differ; the projector sends the store only the
steps that changed since it last sent, an older projection never overwrites a newer one (the
store compares versions), and ``projected_to(v)`` returns once the store holds version ``v``.
An event for subscribers (``publish``) is a change too: it goes to the store with the next
projection, and its delivery follows (``workflows.events``).
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.store import StoreActivities
    from ombudsflow import constants
    from schemas.activities import PROJECTION_GAP, CaseChanges, Deadlines, Projected
    from schemas.case import CaseHeader, CaseView, Stage, Step, StepStatus
    from schemas.procedure import spec_of
    from schemas.steps import StepKind
    from schemas.webhooks import WebhookEvent

from workflows.events import Deliveries

STORE_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1),
                                maximum_interval=timedelta(minutes=1)),
}
# A local projection that fails (the store away) waits for its next attempt on a timer, so
# the workflow task ends and an update it took is answered as accepted meanwhile; retried in
# the task, it would hold the task open until the store came back.
LOCAL_STORE_OPTIONS: dict[str, Any] = {
    **STORE_OPTIONS, "local_retry_threshold": timedelta(milliseconds=500)}
# Patch: the projector sends only the steps that changed, not the whole case each time.
PROJECT_CHANGES = "project-changed-steps"
# Patch: the projector runs as a local activity, inside the workflow task that made the
# change: no server round trip, no workflow task and no events of its own (BENCHMARKS.md).
LOCAL_PROJECTION = "projection-as-local-activity-2"
# Patch: a run continues as new only while no activity its procedure awaits is in flight.
# Before, a run could end with one just scheduled (the ¶11.1 publication, a task's holder):
# its result was lost with the run, the next run did the work again, and the time-skipping
# test server, which counts scheduled activities, never let time move again.
QUIET_CONTINUE = "continue-as-new-with-no-activity-in-flight"

T = TypeVar("T")

STAGE_ORDER = list(Stage)


class CaseState:
    """One case's state inside its workflow. ``derive`` brings the view's derived fields (a
    finding read from a step) up to date before each change is recorded."""

    def __init__(self, view: CaseView, *, derive: Callable[[CaseView], None] | None = None,
                 projection: Any = StoreActivities.project_changes,
                 local_projection: Any = None,
                 changes: Callable[..., CaseChanges] = CaseChanges) -> None:
        self.view = view
        # The activity that brings the store up to a ``CaseChanges`` (appeals and reports have
        # their own), the same run as a local activity (answering ``Projected``) where there
        # is one, and what makes the changes (a report's carry the report too).
        self._projection = projection
        self._local_projection = local_projection
        self._changes_of = changes
        self.steps: dict[str, Step] = {s.key: s for s in view.steps}
        self._derive = derive
        self._projected = view.version
        # Each step as the store last received it (a carried case's store has them all).
        self._projected_steps = {s.key: s.model_copy(deep=True) for s in view.steps}
        self._search_attributes: dict[str, Any] = {}
        # Events waiting for the next projection, and the delivery of those it queued.
        self._events: list[WebhookEvent] = []
        self._deliveries = Deliveries(lambda: self.view.case_id)
        # The activities the procedure awaits now (``working``).
        self._working = 0

    # Steps and stage -------------------------------------------------------------------

    def open(self, kind: StepKind, key: str | None = None, *, clause: str | None = None,
             recipient: str | None = None, subject_key: str | None = None,
             opened_at: datetime | None = None, deadlines: Deadlines | None = None) -> Step:
        """The step under ``key`` (by default the kind's name), opened now (or at
        ``opened_at``) unless it exists: a resumed case has it, done or open."""
        existing = self.steps.get(key or kind.value)
        if existing is not None:
            return existing
        spec = spec_of(kind)
        step = Step(
            key=key or kind.value, kind=kind, clause=clause or spec.clause,
            assignee=spec.assignee, recipient=recipient, subject_key=subject_key,
            opened_at=opened_at or workflow.now(),
            due_at=deadlines.due_at if deadlines else None,
            escalate_at=deadlines.escalate_at if deadlines else None,
            committee_at=deadlines.committee_at if deadlines else None,
        )
        self.view.steps.append(step)
        self.steps[step.key] = step
        self.changed()
        return step

    def skip(self, step: Step, why: str) -> None:
        """Close an open step as not applicable to this case, saying why."""
        if step.is_open():
            step.status, step.note, step.done_at = StepStatus.SKIPPED, why, workflow.now()
            self.changed()

    def advance(self, stage: Stage) -> None:
        """Move the case forward to ``stage``; a resumed case never moves back."""
        if STAGE_ORDER.index(stage) > STAGE_ORDER.index(self.view.stage):
            self.view.stage = stage
            self.changed()

    def of_kind(self, kind: StepKind) -> list[Step]:
        return [s for s in self.view.steps if s.kind == kind]

    def publish(self, event: WebhookEvent) -> None:
        """Send ``event`` to the case's subscribers with the next projection."""
        self._events.append(event)
        self.changed()

    def changed(self) -> int:
        """Record that the case changed: a new version for the projector, and search
        attributes brought up to date. Returns the new version."""
        view = self.view
        if self._derive is not None:
            self._derive(view)
        view.version += 1
        view.overdue = any(s.overdue_at(workflow.now()) for s in view.steps)
        facts = view.facts
        wanted: dict[str, Any] = {
            constants.CASE_NUMBER.name: view.case_id,
            constants.CASE_REGION.name: facts.region.value,
            constants.CASE_DISTRICT.name: facts.district,
            constants.CASE_STAGE.name: view.stage.value,
            constants.CASE_OVERDUE.name: view.overdue,
            constants.POLICE_DECISION.name: view.police_finding.value,
        }
        updates = [
            key.value_set(wanted[key.name])
            for key in constants.SEARCH_ATTRIBUTES
            if self._search_attributes.get(key.name) != wanted[key.name]
        ]
        if updates:
            workflow.upsert_search_attributes(updates)
            self._search_attributes = wanted
        return view.version

    # Running and projecting ------------------------------------------------------------

    async def run(self, procedure: Callable[[], Coroutine[Any, Any, None]], *,
                  settled: Callable[[], bool], history_limit: int) -> bool:
        """Run ``procedure`` with the projector beside it until it ends or the history grows
        long, then wait until every handler has finished, ``settled()`` holds (no notice half
        sent), the store has the last version and no activity awaited through ``working`` is
        in flight. True when the procedure ended; False when the caller is to continue as
        new."""
        quiet = workflow.patched(QUIET_CONTINUE)
        self.changed()
        projector = asyncio.create_task(self._projector())
        running = asyncio.create_task(procedure())
        await workflow.wait_condition(lambda: running.done() or _history_is_long(history_limit))
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and settled()
            and self._projected == self.view.version and self._deliveries.idle()
            and (not quiet or self._working == 0)
        )
        if not running.done():
            return False
        projector.cancel()
        running.result()
        return True

    async def working(self, activity: Awaitable[T]) -> T:
        """``activity``'s result; the procedure awaits each of its activities through this,
        so that the run does not continue as new while one is in flight."""
        self._working += 1
        try:
            return await activity
        finally:
            self._working -= 1

    async def projected_to(self, version: int) -> None:
        await workflow.wait_condition(lambda: self._projected >= version)

    async def _projector(self) -> None:
        """Project the case into the SQL store, coalescing changes that come in a burst and
        sending only the steps that changed."""
        while True:
            await workflow.wait_condition(lambda: self.view.version > self._projected)
            events, self._events = self._events, []
            if workflow.patched(PROJECT_CHANGES):
                sent, pending = await self._project(
                    self._changes(since=self._projected, events=events))
                if pending:
                    self._deliveries.queued()
            else:
                snapshot = self.view.model_copy(deep=True)
                await workflow.execute_activity_method(
                    StoreActivities.project_case, snapshot, **STORE_OPTIONS
                )
                sent = CaseChanges(**_header(snapshot), since_version=None,
                                   steps=dict(enumerate(snapshot.steps)))
            self._projected_steps.update((s.key, s) for s in sent.steps.values())
            self._projected = sent.version

    async def _project(self, changes: CaseChanges) -> tuple[CaseChanges, int]:
        """Send ``changes``, or the whole case if the store lacks what they build on; with
        how many event deliveries the store has pending."""
        answer = await self._send(changes)
        if answer.gap:
            changes = self._changes(since=None, events=changes.events)
            answer = await self._send(changes)
        return changes, answer.pending

    async def _send(self, changes: CaseChanges) -> Projected:
        """One projection: by the local activity where there is one (an answer), else by the
        activity (a gap refused as an error; None, as 0, from projections that queue none)."""
        if self._local_projection is not None and workflow.patched(LOCAL_PROJECTION):
            answer: Projected = await workflow.execute_local_activity_method(
                self._local_projection, changes, **LOCAL_STORE_OPTIONS)
            return answer
        try:
            pending = await workflow.execute_activity_method(
                self._projection, changes, **STORE_OPTIONS
            )
        except ActivityError as e:
            if not (isinstance(e.cause, ApplicationError) and e.cause.type == PROJECTION_GAP):
                raise
            return Projected(gap=True)
        return Projected(pending=pending or 0)

    def _changes(self, since: int | None, events: list[WebhookEvent]) -> CaseChanges:
        """The case now with its steps changed since the store last got them (all of them
        when ``since`` is None) and ``events``, copied: the workflow goes on changing its own."""
        steps = {i: s.model_copy(deep=True) for i, s in enumerate(self.view.steps)
                 if since is None or self._projected_steps.get(s.key) != s}
        return self._changes_of(**_header(self.view), since_version=since, steps=steps,
                                events=events)


def _history_is_long(limit: int) -> bool:
    info = workflow.info()
    return info.is_continue_as_new_suggested() or info.get_current_history_length() >= limit


def _header(view: CaseView) -> dict[str, Any]:
    return {name: getattr(view, name) for name in CaseHeader.model_fields}
