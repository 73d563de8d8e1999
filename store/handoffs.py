"""Hand-offs of tasks (a case's or an appeal's), kept by the store alone: the workflow hears
of a task only when it is really completed.

A supervisor reassigns a task: its claim moves to the person named. A holder delegates one,
as Flowable's delegate/resolve: the delegate holds the claim until they complete the task;
their completion is kept here (never sent) and the claim comes back to the holder, who accepts
it (then sent as the holder's own completion), returns it with a reason, or takes the task
back. Each claim change is one conditional UPDATE of the task's row, as claims are
(``store.cases``), so of two people acting at once one wins; each is recorded as a
``TaskHandoff`` line for the history. The region, role and holder checks are the caller's.
"""

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from store.cases import OPEN, Task, TaskClaimed, TaskTable, get_task
from store.models import TaskDelegation, TaskHandoff


class Handoff(StrEnum):
    """What a hand-off line records."""

    REASSIGNED = "reassigned"
    DELEGATED = "delegated"
    RESOLVED = "resolved"  # done by the delegate, awaiting the holder's review
    RETURNED = "returned"
    ACCEPTED = "accepted"
    RECALLED = "recalled"  # taken back by the holder


def work_id(task: Task) -> str:
    """The number of what the task belongs to: its case, appeal or report."""
    return task.id.rsplit("/", 1)[0]


def in_force(delegation: TaskDelegation, task: Task) -> bool:
    """Whether ``delegation`` still holds ``task``: the same opening of it, open, claimed by
    the delegate (working) or by the holder (reviewing)."""
    holder = delegation.delegate if delegation.done_at is None else delegation.delegated_by
    return (task.status == OPEN and task.attempt == delegation.attempt
            and task.claimed_by == holder)


def delegation_of(session: Session, task: Task) -> TaskDelegation | None:
    """The delegation in force on ``task``, if any."""
    found = session.get(TaskDelegation, task.id, populate_existing=True)
    return found if found is not None and in_force(found, task) else None


def delegations(session: Session, tasks: Collection[Task]) -> dict[str, TaskDelegation]:
    """The delegations in force on ``tasks``, by task id (one read for a list)."""
    if not tasks:
        return {}
    by_id = {t.id: t for t in tasks}
    found = session.exec(select(TaskDelegation).where(col(TaskDelegation.task_id).in_(by_id)))
    return {d.task_id: d for d in found if in_force(d, by_id[d.task_id])}


def handoffs_of(session: Session, work: str) -> list[TaskHandoff]:
    """The hand-off lines of a case's or an appeal's tasks, oldest first."""
    query = (select(TaskHandoff).where(col(TaskHandoff.work_id) == work)
             .order_by(col(TaskHandoff.at), col(TaskHandoff.id)))
    return list(session.exec(query))


def reassign(session: Session, table: TaskTable, task: Task, *, actor: str, to: str,
             reason: str, now: datetime) -> Task:
    """A supervisor gives ``task`` to ``to``: the claim moves, any delegation ends."""
    previous = task.claimed_by
    moved = _moved(session, table, task, to=to)
    _end_delegation(session, task)
    _record(session, task, Handoff.REASSIGNED, actor=actor, from_user=previous, to_user=to,
            reason=reason, now=now)
    return moved


def delegate(session: Session, table: TaskTable, task: Task, *, to: str, note: str | None,
             now: datetime) -> Task:
    """The holder of ``task`` delegates it to ``to``, who then holds it."""
    holder = task.claimed_by
    assert holder is not None  # the caller checked the actor holds it
    moved = _moved(session, table, task, to=to)
    _end_delegation(session, task)
    session.add(TaskDelegation(task_id=task.id, attempt=task.attempt, delegated_by=holder,
                               delegate=to, note=note, delegated_at=now))
    _record(session, task, Handoff.DELEGATED, actor=holder, from_user=holder, to_user=to,
            reason=note, now=now)
    return moved


def resolve(session: Session, table: TaskTable, task: Task, delegation: TaskDelegation, *,
            outcome_json: str, now: datetime) -> Task:
    """The delegate's completion of ``task``, kept for the holder's review; the claim is the
    holder's again."""
    moved = _moved(session, table, task, to=delegation.delegated_by)
    delegation.done_at, delegation.outcome_json = now, outcome_json
    session.add(delegation)
    _record(session, task, Handoff.RESOLVED, actor=delegation.delegate,
            from_user=delegation.delegate, to_user=delegation.delegated_by, now=now)
    return moved


def send_back(session: Session, table: TaskTable, task: Task, delegation: TaskDelegation, *,
              reason: str, now: datetime) -> Task:
    """The holder returns the delegate's completion with ``reason``: the delegate holds the
    task again, their completion forgotten."""
    moved = _moved(session, table, task, to=delegation.delegate)
    delegation.done_at, delegation.outcome_json = None, None
    session.add(delegation)
    _record(session, task, Handoff.RETURNED, actor=delegation.delegated_by,
            from_user=delegation.delegated_by, to_user=delegation.delegate, reason=reason,
            now=now)
    return moved


def take_back(session: Session, table: TaskTable, task: Task, delegation: TaskDelegation, *,
              now: datetime) -> Task:
    """The holder ends the delegation and holds the task again."""
    moved = _moved(session, table, task, to=delegation.delegated_by)
    _end_delegation(session, task)
    _record(session, task, Handoff.RECALLED, actor=delegation.delegated_by,
            from_user=delegation.delegate, to_user=delegation.delegated_by, now=now)
    return moved


def accepted(session: Session, table: TaskTable, task_id: str, *, now: datetime) -> None:
    """The holder's completion of the task with the delegate's outcome was confirmed (the
    task is closed now): the delegation is over."""
    task = get_task(session, task_id, table)
    delegation = session.get(TaskDelegation, task_id)
    if task is None or delegation is None:
        return  # recorded already, by a retry that got here first
    _end_delegation(session, task)
    _record(session, task, Handoff.ACCEPTED, actor=delegation.delegated_by,
            from_user=delegation.delegate, to_user=delegation.delegated_by, now=now)


def _moved(session: Session, table: TaskTable, task: Task, *, to: str) -> Task:
    """Move ``task``'s claim from whoever held it as read to ``to``, dropping the follow-up
    date (it was the previous holder's, ``store.follow_ups``). One conditional UPDATE: a
    change in between (another claim, the task closed or reopened) is ``TaskClaimed``."""
    holder = col(table.claimed_by)
    changed = session.exec(
        update(table)
        .where(col(table.id) == task.id, col(table.status) == OPEN,
               col(table.attempt) == task.attempt,
               holder.is_(None) if task.claimed_by is None else holder == task.claimed_by)
        .values(claimed_by=to, follow_up_on=None)
    ).rowcount
    moved = get_task(session, task.id, table)
    if not changed or moved is None:
        raise TaskClaimed(task.id)
    return moved


def _end_delegation(session: Session, task: Task) -> None:
    found = session.get(TaskDelegation, task.id)
    if found is not None:
        session.delete(found)
        session.flush()


def _record(session: Session, task: Task, action: Handoff, *, actor: str,
            from_user: str | None, to_user: str, now: datetime,
            reason: str | None = None) -> None:
    session.add(TaskHandoff(task_id=task.id, work_id=work_id(task), step_key=task.key,
                            clause=task.clause, attempt=task.attempt, action=action.value,
                            actor=actor, from_user=from_user, to_user=to_user, reason=reason,
                            at=now))
    session.flush()
