"""The workflow's writes to the SQL store: the new case, its projections, its publications.

Sync activities: the worker runs them in its thread pool, so blocking database calls never
stall the event loop. Each write is idempotent, so Temporal's retries are safe. Logs carry the
case number only, never anything from the report.

The store holds district codes only (migration 0005 mapped the older rows): a case opened before
districts were codes still carries the typed text in its workflow, and is written with the code
that text resolves to, so a projection never writes the text back.
"""

import structlog
from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from schemas.activities import (
    PROJECTION_GAP,
    CaseChanges,
    CaseRecord,
    Projected,
    Publication,
    TaskRef,
)
from schemas.case import CaseFacts, CaseView
from schemas.districts import Districts
from store import cases, webhooks
from store.db import session_scope

log = structlog.get_logger(__name__)


class StoreActivities:
    def __init__(self, engine: Engine, *, districts: Districts) -> None:
        self._engine = engine
        self._districts = districts

    def _coded(self, facts: CaseFacts) -> CaseFacts:
        """``facts`` with the district as a code of the directory."""
        code = self._districts.resolve(facts.region, facts.district)
        return facts if code == facts.district else facts.model_copy(update={"district": code})

    @activity.defn(name="record_case")
    def record_case(self, record: CaseRecord) -> None:
        """Keep the report of a new case (the store is access-controlled; Temporal is not)."""
        report = record.report
        coded = self._districts.resolve(report.region, report.district)
        if coded != report.district:
            report = report.model_copy(update={"district": coded})
        with session_scope(self._engine) as session:
            cases.record_case(session, record=record.model_copy(update={"report": report}))
        log.info("case recorded", case_id=record.case_id)

    @activity.defn(name="project_case")
    def project_case(self, view: CaseView) -> None:
        """Bring the store's copy of the case up to the workflow's; stale views are ignored."""
        coded = view.model_copy(update={"facts": self._coded(view.facts)})
        with session_scope(self._engine) as session:
            applied = cases.project_case(session, view=coded)
        log.info("case projected", case_id=view.case_id, version=view.version, applied=applied)

    @activity.defn(name="project_changes")
    def project_changes(self, changes: CaseChanges) -> int:
        """Bring the store's copy of the case up to the workflow's with what changed, and
        queue its events for their subscribers in the same transaction; a store that lacks
        earlier changes is refused (non-retryable) so the workflow sends all. Returns how
        many deliveries of the events are pending (0: nobody to tell, nothing to deliver)."""
        try:
            return self._apply(changes)
        except cases.ProjectionGap as gap:
            raise ApplicationError(str(gap), type=PROJECTION_GAP, non_retryable=True) from gap

    @activity.defn(name="apply_changes")
    def apply_changes(self, changes: CaseChanges) -> Projected:
        """``project_changes`` as a local activity runs it: a gap is answered, not raised."""
        try:
            return Projected(pending=self._apply(changes))
        except cases.ProjectionGap:
            log.info("case projection gap", case_id=changes.case_id, version=changes.version,
                     since_version=changes.since_version)
            return Projected(gap=True)

    def _apply(self, changes: CaseChanges) -> int:
        coded = changes.model_copy(update={"facts": self._coded(changes.facts)})
        with session_scope(self._engine) as session:
            applied = cases.apply_changes(session, changes=coded)
            pending = webhooks.queue_events(session, changes.events)
        log.info("case projected", case_id=changes.case_id, version=changes.version,
                 steps=len(changes.steps), applied=applied, deliveries=pending)
        return pending

    @activity.defn(name="publish_statement")
    def publish_statement(self, publication: Publication) -> None:
        """Record an approved ¶11.1/¶13 public statement as published."""
        with session_scope(self._engine) as session:
            cases.record_publication(session, publication=publication)
        log.info("statement published", case_id=publication.case_id, step_key=publication.step_key)

    @activity.defn(name="task_holder")
    def task_holder(self, task: TaskRef) -> str | None:
        """Who holds (has claimed) the task, as the store says now; None when nobody does.
        Claims live in the store, where people take and release tasks."""
        task_id = f"{task.case_id}/{task.key}"
        with session_scope(self._engine) as session:
            row = cases.get_task(session, task_id, cases.task_table(task.case_id))
            return row.claimed_by if row is not None else None
