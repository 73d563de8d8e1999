"""The workflow's writes to the SQL store: the new case, its projections, its publications.

Sync activities: the worker runs them in its thread pool, so blocking database calls never
stall the event loop. Each write is idempotent, so Temporal's retries are safe. Logs carry the
case number only, never anything from the report.
"""

import structlog
from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from schemas.activities import PROJECTION_GAP, CaseChanges, CaseRecord, Publication
from schemas.case import CaseView
from store import cases
from store.db import session_scope

log = structlog.get_logger(__name__)


class StoreActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="record_case")
    def record_case(self, record: CaseRecord) -> None:
        """Keep the report of a new case (the store is access-controlled; Temporal is not)."""
        with session_scope(self._engine) as session:
            cases.record_case(session, record=record)
        log.info("case recorded", case_id=record.case_id)

    @activity.defn(name="project_case")
    def project_case(self, view: CaseView) -> None:
        """Bring the store's copy of the case up to the workflow's; stale views are ignored."""
        with session_scope(self._engine) as session:
            applied = cases.project_case(session, view=view)
        log.info("case projected", case_id=view.case_id, version=view.version, applied=applied)

    @activity.defn(name="project_changes")
    def project_changes(self, changes: CaseChanges) -> None:
        """Bring the store's copy of the case up to the workflow's with what changed; a store
        that lacks earlier changes is refused (non-retryable) so the workflow sends all."""
        try:
            with session_scope(self._engine) as session:
                applied = cases.apply_changes(session, changes=changes)
        except cases.ProjectionGap as gap:
            raise ApplicationError(str(gap), type=PROJECTION_GAP, non_retryable=True) from gap
        log.info("case projected", case_id=changes.case_id, version=changes.version,
                 steps=len(changes.steps), applied=applied)

    @activity.defn(name="publish_statement")
    def publish_statement(self, publication: Publication) -> None:
        """Record an approved ¶11.1/¶13 public statement as published."""
        with session_scope(self._engine) as session:
            cases.record_publication(session, publication=publication)
        log.info("statement published", case_id=publication.case_id, step_key=publication.step_key)
