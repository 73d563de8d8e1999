"""Cases, their steps and publications in the store: written idempotently by the intake and the
store activities, read by the CLI and the web app.

Every "insert if absent" is an ``INSERT … ON CONFLICT DO NOTHING``: the database's unique
constraints settle racing writers atomically on SQLite and PostgreSQL alike, with no
read-then-write window and no SAVEPOINT (pysqlite's SAVEPOINT outside an explicit BEGIN commits
on release, so a rolled-back "nested" insert would already be visible).
"""

import json
from collections.abc import Collection
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar, overload

from pydantic_core import to_json
from sqlalchemy import case as sql_case
from sqlalchemy import inspect, update
from sqlmodel import Session, SQLModel, col, select

from schemas.activities import CaseChanges, CaseRecord, Publication
from schemas.appeal import is_appeal_number
from schemas.case import CaseFacts, CaseView, PoliceFinding, Stage, StepStatus
from schemas.case import Step as ProcedureStep
from schemas.regions import Region
from schemas.report import Category, ViolationReport
from schemas.reporting import is_report_id
from schemas.steps import Role, StepKind
from store.db import insert_for, insert_in, table_of
from store.models import AppealStep, Case, Intake, ReportStep, Step, TaskDelegation
from store.models import Publication as PublicationRow

CASE_TABLE = table_of(Case)

OPEN = StepStatus.OPEN.value
# A task's row: a case's step or a ¶6.2 appeal's (both claimed the same way).
Task = Step | AppealStep | ReportStep
TaskTable = type[Step] | type[AppealStep] | type[ReportStep]


class ProjectionGap(Exception):
    """The store misses changes a projection builds on: it needs the whole case."""


class TaskError(Exception):
    """A task cannot be claimed or released."""


class TaskNotFound(TaskError):
    """No open task has this id (it never existed, is not a human task, or is closed)."""


class TaskClaimed(TaskError):
    """Another user holds the task's claim."""


# Writers ---------------------------------------------------------------------------------


def register_intake(
    session: Session, *, channel: str, external_ref: str, region: Region, received_at: datetime
) -> tuple[str, bool]:
    """Number a received report: ``(case_id, created)``, e.g. ``("AKT-2026-000123", True)``.

    The same ``(channel, external_ref)`` always gets the same number (``created=False``), even
    from racing threads or processes. Commits the session, so the number is durable before a
    workflow is started under it; pass a session with no other pending work. On PostgreSQL a
    duplicate consumes a sequence value, so numbers may have gaps.
    """
    created = _insert_if_absent(
        session, Intake(channel=channel, external_ref=external_ref, received_at=received_at)
    )
    intake = session.exec(
        select(Intake).where(
            col(Intake.channel) == channel, col(Intake.external_ref) == external_ref
        )
    ).one()
    if created:
        intake.case_id = f"{region.code}-{received_at.year}-{intake.id:06d}"
    case_id = intake.case_id
    session.commit()
    # Set in the transaction that inserted the row, so no committed intake lacks it.
    assert case_id is not None
    return case_id, created


def record_case(session: Session, *, record: CaseRecord) -> bool:
    """Keep a new case's report; whether this call kept it (False: it was kept already).
    Idempotent; if a projection created the row first, the report and channel (which
    projections do not carry) are filled in once."""
    report = record.report
    inserted = _insert_if_absent(
        session,
        _case_row(
            record.case_id,
            CaseFacts.of(report),
            channel=report.channel.value,
            report_json=report.model_dump_json(),
        ),
    )
    if inserted:
        return True
    filled = session.exec(
        update(Case)
        .where(col(Case.case_id) == record.case_id, col(Case.report_json) == "")
        .values(channel=report.channel.value, report_json=report.model_dump_json())
    )
    return bool(filled.rowcount)


def project_case(session: Session, *, view: CaseView) -> bool:
    """Apply the workflow's whole view of a case; return whether it was applied (only over
    an older version, so a late retry never overwrites newer state)."""
    return apply_changes(session, changes=CaseChanges(
        **view.model_dump(exclude={"steps"}), since_version=None,
        steps=dict(enumerate(view.steps)),
    ))


def apply_changes(session: Session, *, changes: CaseChanges) -> bool:
    """Apply a projection of a case; return whether it was applied (False: already was).

    The version check is one conditional UPDATE, which also locks the case row until commit,
    so concurrent projections of one case cannot interleave their steps. Changes since a
    version apply only on top of exactly that version; ``ProjectionGap`` if the store is
    behind it. A missing case row is created from the facts: projection never fails for
    ordering.
    """
    applied = _update_case(session, changes)
    if not applied:
        stored = session.exec(
            select(Case.version).where(col(Case.case_id) == changes.case_id)).first()
        if stored is None:
            _insert_if_absent(session, _case_row(changes.case_id, changes.facts))
            applied = _update_case(session, changes)
        elif stored >= changes.version:
            return False
        if not applied:
            raise ProjectionGap(f"case {changes.case_id} is at version {stored}, not "
                                f"{changes.since_version}")
    upsert_steps(session, changes)
    return True


def _update_case(session: Session, changes: CaseChanges) -> bool:
    """Bring the case row to ``changes`` if it is at their base version (or, for a full
    projection, older); whether it was."""
    table = CASE_TABLE
    base = (table.c.version < changes.version if changes.since_version is None
            else table.c.version == changes.since_version)
    # On the connection, not the session: a plain UPDATE without the ORM's bulk machinery,
    # ~0.4 ms instead of ~1 ms on SQLite, a dozen times a case.
    return bool(session.connection().execute(
        update(table)
        .where(table.c.case_id == changes.case_id, base)
        .values(
            version=changes.version,
            stage=changes.stage.value,
            police_finding=changes.police_finding.value,
            overdue=changes.overdue,
            opened_at=changes.opened_at,
            closed_at=changes.closed_at,
        )
    ).rowcount)


def record_publication(session: Session, *, publication: Publication) -> None:
    """Keep an approved public statement (¶11.1/¶13) as published. Idempotent."""
    _insert_if_absent(
        session,
        PublicationRow(
            case_id=publication.case_id,
            step_key=publication.step_key,
            clause=publication.clause,
            text=publication.text,
            approved_by=publication.approved_by,
            approved_at=publication.approved_at,
        ),
    )


# Readers ---------------------------------------------------------------------------------


def get_case(session: Session, case_id: str) -> Case | None:
    return session.get(Case, case_id)


@overload
def get_task(session: Session, task_id: str, table: type[Step] = ...) -> Step | None: ...
@overload
def get_task(session: Session, task_id: str, table: type[AppealStep]) -> AppealStep | None: ...
@overload
def get_task(session: Session, task_id: str, table: TaskTable) -> Task | None: ...
def get_task(session: Session, task_id: str, table: TaskTable = Step) -> Task | None:
    """The step ``{number}/{key}`` (of ``table``: a case's, an appeal's or a report's),
    whatever its status."""
    row = session.get(table, task_id, populate_existing=True)
    assert row is None or isinstance(row, Task)
    return row


def task_table(number: str) -> TaskTable:
    """Whose tasks ``number`` numbers: a ¶6.2 appeal's, a periodic report's or a case's."""
    if is_appeal_number(number):
        return AppealStep
    return ReportStep if is_report_id(number) else Step


def steps_by_id(session: Session, step_ids: Collection[str]) -> dict[str, Step]:
    if not step_ids:
        return {}
    return {s.id: s for s in session.exec(select(Step).where(col(Step.id).in_(step_ids)))}


def case_steps(session: Session, case_id: str) -> list[Step]:
    """The case's steps in procedure order."""
    query = select(Step).where(col(Step.case_id) == case_id).order_by(col(Step.position))
    return list(session.exec(query))


def case_view(session: Session, case_id: str) -> CaseView | None:
    """The case as last projected, for when its workflow cannot answer a query."""
    case = get_case(session, case_id)
    if case is None:
        return None
    return CaseView(
        case_id=case.case_id,
        version=case.version,
        facts=CaseFacts.model_validate(case, from_attributes=True),
        stage=Stage(case.stage),
        police_finding=PoliceFinding(case.police_finding),
        opened_at=case.opened_at or case.received_at,
        closed_at=case.closed_at,
        overdue=case.overdue,
        steps=[
            ProcedureStep.model_validate({
                **row.model_dump(),
                "outcome": json.loads(row.outcome_json) if row.outcome_json else None,
            })
            for row in case_steps(session, case_id)
        ],
    )


def stored_report(session: Session, case_id: str) -> ViolationReport | None:
    """The report as received (personal data: only for people entitled to the case)."""
    case = get_case(session, case_id)
    if case is None or not case.report_json:
        return None
    return ViolationReport.model_validate_json(case.report_json)


def list_tasks(
    session: Session,
    *,
    regions: Collection[Region] | None,
    assignee: Role | None = None,
    kind: StepKind | None = None,
    clause: str | None = None,
    district: str | None = None,
    case_id: str | None = None,
    overdue_only: bool = False,
    urgent_only: bool = False,
    due_before: datetime | None = None,
    claimable_by: str | None = None,
    held_by: str | None = None,
    unclaimed_only: bool = False,
    followed_up_by: date | None = None,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
) -> list[Step]:
    """Open human tasks in ``regions`` (None: national scope), most urgent first: those of a
    case with a threat to life or health, then the overdue (``now`` reached their
    ``due_at``), then the nearest due (tasks without one last). ``claimable_by`` keeps the
    tasks that user holds or nobody holds; ``held_by`` only that user's, ``unclaimed_only``
    only nobody's; ``followed_up_by`` leaves out the tasks put off to a later day.
    """
    query = (select(Step).join(Case, col(Case.case_id) == col(Step.case_id))
             .where(col(Step.status) == OPEN, col(Step.assignee).is_not(None)))
    if regions is not None:
        query = query.where(col(Step.region).in_([r.value for r in regions]))
    if assignee is not None:
        query = query.where(col(Step.assignee) == assignee.value)
    if kind is not None:
        query = query.where(col(Step.kind) == kind.value)
    if clause is not None:
        query = query.where(col(Step.clause) == clause)
    if district is not None:
        query = query.where(col(Step.district) == district)
    if case_id is not None:
        query = query.where(col(Step.case_id) == case_id)
    if urgent_only:
        query = query.where(col(Case.threat_to_life_or_health))
    query = query.where(*holders(Step, claimable_by=claimable_by, held_by=held_by,
                                 unclaimed_only=unclaimed_only, delegated=True))
    if followed_up_by is not None:
        query = query.where(due_for_follow_up(Step, followed_up_by))
    if overdue_only:
        query = query.where(col(Step.due_at) <= now)
    if due_before is not None:
        query = query.where(col(Step.due_at) < due_before)
    overdue = sql_case((col(Step.due_at) <= now, 1), else_=0)
    query = query.order_by(col(Case.threat_to_life_or_health).desc(), overdue.desc(),
                           col(Step.due_at).asc().nulls_last(), col(Step.id))
    return list(session.exec(query.limit(limit).offset(offset)))


# A task row beside the cases': a ¶6.2 appeal's or a periodic report's.
WorkTask = TypeVar("WorkTask", AppealStep, ReportStep)


def list_work_tasks(session: Session, table: type[WorkTask], *, regions: Collection[Region] | None,
                    assignee: Role, kind: StepKind | None = None,
                    kinds_left_out: Collection[StepKind] = (), clause: str | None = None,
                    number: str | None = None, overdue_only: bool = False,
                    due_before: datetime | None = None, claimable_by: str | None = None,
                    held_by: str | None = None, unclaimed_only: bool = False,
                    followed_up_by: date | None = None, now: datetime, limit: int = 50
                    ) -> list[WorkTask]:
    """Open tasks of appeals or reports (``table``) for ``assignee`` in ``regions`` (None:
    every region), held as ``holders`` says (and not put off past ``followed_up_by``), the
    soonest due first: the inbox lists them beside the cases' tasks, which ``list_tasks``
    orders by the case's urgency too."""
    query = select(table).where(
        col(table.status) == OPEN, col(table.assignee) == assignee.value,
        *holders(table, claimable_by=claimable_by, held_by=held_by,
                 unclaimed_only=unclaimed_only, delegated=True))
    if regions is not None:
        query = query.where(col(table.region).in_([r.value for r in regions]))
    if followed_up_by is not None:
        query = query.where(due_for_follow_up(table, followed_up_by))
    if kind is not None:
        query = query.where(col(table.kind) == kind.value)
    if kinds_left_out:
        query = query.where(col(table.kind).not_in([k.value for k in kinds_left_out]))
    if clause is not None:
        query = query.where(col(table.clause) == clause)
    if number is not None:
        query = query.where(col(getattr(table, NUMBER_COLUMN[table])) == number)
    if overdue_only:
        query = query.where(col(table.due_at) <= now)
    if due_before is not None:
        query = query.where(col(table.due_at) < due_before)
    query = query.order_by(col(table.due_at).asc().nulls_last(), col(table.id))
    return list(session.exec(query.limit(limit)))


def urgent_cases(session: Session, case_ids: Collection[str]) -> set[str]:
    """Which of ``case_ids`` report a threat to the child's life or health."""
    if not case_ids:
        return set()
    return set(session.exec(select(Case.case_id).where(
        col(Case.case_id).in_(case_ids), col(Case.threat_to_life_or_health))))


def list_cases(
    session: Session,
    *,
    regions: Collection[Region] | None,
    district: str | None = None,
    stage: Stage | None = None,
    overdue: bool | None = None,
    category: Category | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Case]:
    """Cases in ``regions`` (None: national scope), newest first; ``received_from`` is
    inclusive, ``received_to`` exclusive."""
    query = select(Case)
    if regions is not None:
        query = query.where(col(Case.region).in_([r.value for r in regions]))
    if district is not None:
        query = query.where(col(Case.district) == district)
    if stage is not None:
        query = query.where(col(Case.stage) == stage.value)
    if overdue is not None:
        query = query.where(col(Case.overdue) == overdue)
    if category is not None:
        query = query.where(col(Case.category) == category.value)
    if received_from is not None:
        query = query.where(col(Case.received_at) >= received_from)
    if received_to is not None:
        query = query.where(col(Case.received_at) < received_to)
    query = query.order_by(col(Case.received_at).desc(), col(Case.case_id).desc())
    return list(session.exec(query.limit(limit).offset(offset)))


# Claims ----------------------------------------------------------------------------------


def holders(table: TaskTable, *, claimable_by: str | None = None,
            held_by: str | None = None, unclaimed_only: bool = False,
            delegated: bool = False) -> list[Any]:
    """The conditions on who holds a task: ``claimable_by`` that user or nobody, ``held_by``
    only that user, ``unclaimed_only`` nobody. With ``delegated``, a task the user delegated
    counts as theirs while its delegate works on it (``store.handoffs``): the inbox lists it."""
    holder = col(table.claimed_by)

    def theirs(user_id: str) -> Any:
        if not delegated:
            return holder == user_id
        working = select(TaskDelegation.task_id).where(
            col(TaskDelegation.task_id) == col(table.id),
            col(TaskDelegation.attempt) == col(table.attempt),
            col(TaskDelegation.delegated_by) == user_id,
            col(TaskDelegation.delegate) == holder,
            col(TaskDelegation.done_at).is_(None))
        return (holder == user_id) | working.exists()

    conditions: list[Any] = []
    if held_by is not None:
        conditions.append(theirs(held_by))
    if unclaimed_only:
        conditions.append(holder.is_(None))
    if claimable_by is not None:
        conditions.append(holder.is_(None) | theirs(claimable_by))
    return conditions


def due_for_follow_up(table: TaskTable, day: date) -> Any:
    """The condition that a task is not put off past ``day``: it has no follow-up date, or
    one on or before ``day``."""
    follow_up = col(table.follow_up_on)
    return follow_up.is_(None) | (follow_up <= day)


def kept_while_open(insert: Any, table: TaskTable) -> dict[str, Any]:
    """The columns of a task only the store keeps (its holder and their follow-up date), for
    a projection's upsert: kept while the task is open, dropped once it is closed."""
    return {name: sql_case((insert.excluded.status == OPEN, col(getattr(table, name))),
                           else_=None)
            for name in ("claimed_by", "follow_up_on")}


def claim_task(session: Session, *, task_id: str, user_id: str,
               table: TaskTable = Step) -> Task:
    """Mark an open task as being worked on by ``user_id`` (again claiming one's own is fine).

    One conditional UPDATE, so of two users claiming at once exactly one wins.
    """
    return _set_claim(session, table, task_id=task_id, user_id=user_id, claimed_by=user_id)


def release_task(session: Session, *, task_id: str, user_id: str,
                 table: TaskTable = Step) -> Task:
    """Drop ``user_id``'s claim on an open task (releasing an unclaimed one is fine)."""
    return _set_claim(session, table, task_id=task_id, user_id=user_id, claimed_by=None)


def _set_claim(session: Session, table: TaskTable, *, task_id: str, user_id: str,
               claimed_by: str | None) -> Task:
    """Set the claim of an open task that is free or already ``user_id``'s. A follow-up
    date is its holder's: released, the task loses it."""
    values: dict[str, Any] = {"claimed_by": claimed_by}
    if claimed_by is None:
        values["follow_up_on"] = None
    changed = session.exec(
        update(table)
        .where(
            col(table.id) == task_id,
            col(table.status) == OPEN,
            col(table.assignee).is_not(None),
            *holders(table, claimable_by=user_id),
        )
        .values(values)
    ).rowcount
    task = get_task(session, task_id, table)
    if task is None or task.status != OPEN or task.assignee is None:
        raise TaskNotFound(task_id)
    if not changed:
        raise TaskClaimed(task_id)
    return task


# Helpers ---------------------------------------------------------------------------------


def _insert_if_absent(session: Session, row: SQLModel) -> bool:
    """Insert ``row`` unless it collides with a unique key; True if it was inserted."""
    model = type(row)
    # RETURNING, not rowcount: drivers report -1 for an INSERT that returns rows.
    keys = inspect(model).primary_key
    inserted = (insert_for(session, model).on_conflict_do_nothing()
                .values(row.model_dump(exclude_none=True)).returning(*keys))
    return session.exec(inserted).first() is not None


def _case_row(case_id: str, facts: CaseFacts, *, channel: str = "", report_json: str = "") -> Case:
    return Case(
        case_id=case_id,
        region=facts.region.value,
        district=facts.district,
        category=facts.category.value,
        channel=channel,
        threat_to_life_or_health=facts.threat_to_life_or_health,
        cohabiting_parent=facts.cohabiting_parent,
        received_at=facts.received_at,
        report_json=report_json,
    )


def upsert_steps(session: Session, changes: CaseChanges, table: TaskTable = Step) -> None:
    """Insert or update the changed steps (of a case, an appeal or a report: ``table``) in
    one statement; a closed step loses its claim and follow-up date."""
    if not changes.steps:
        return
    rows = [_step_values(changes, position, step, table)
            for position, step in changes.steps.items()]
    statement = _steps_upsert(session.get_bind().dialect.name, table, tuple(rows[0]))
    # On the connection, not the session: one executemany, without the ORM's bulk machinery.
    session.connection().execute(statement, rows)


@cache
def _steps_upsert(dialect: str, table: TaskTable, columns: tuple[str, ...]) -> Any:
    """The upsert of ``columns`` into ``table``, built once: a statement is immutable, and
    building this one (its ``excluded`` columns) cost about what running it did, at every
    projection."""
    insert = insert_in(dialect, table)
    return insert.on_conflict_do_update(index_elements=["id"], set_={
        **{c: insert.excluded[c] for c in columns if c != "id"},
        **kept_while_open(insert, table),
    })


# The column that numbers a task's case, appeal or report, by table.
NUMBER_COLUMN: dict[TaskTable, str] = {Step: "case_id", AppealStep: "appeal_id",
                                       ReportStep: "report_id"}


def _step_values(changes: CaseChanges, position: int, step: ProcedureStep, table: TaskTable
                 ) -> dict[str, Any]:
    """The row for one step, as column values (what only the store keeps aside:
    ``kept_while_open``)."""
    values = {
        "id": f"{changes.case_id}/{step.key}",
        NUMBER_COLUMN[table]: changes.case_id,
        "position": position,
        "key": step.key,
        "kind": step.kind.value,
        "clause": step.clause,
        "status": step.status.value,
        "assignee": step.assignee.value if step.assignee else None,
        "subject_key": step.subject_key,
        "attempt": step.attempt,
        "region": changes.facts.region.value,
        "district": changes.facts.district,
        "opened_at": step.opened_at,
        "due_at": step.due_at,
        "escalate_at": step.escalate_at,
        "reminded_at": step.reminded_at,
        "escalated_at": step.escalated_at,
        "done_at": step.done_at,
        "actor": step.actor,
        "outcome_json": to_json(step.outcome).decode() if step.outcome is not None else None,
        "note": step.note,
    }
    if table is Step:
        values["recipient"] = step.recipient
    return values

