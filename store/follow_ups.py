"""Follow-up dates: the holder of an open task (a case's or a ¶6.2 appeal's) puts it out of
their inbox's default view until a day of Almaty's calendar, and is reminded that morning.

Kept by the store only, as the claim is, and only while the claim lasts: a task released,
handed to someone else or closed loses its follow-up date (``store.cases``: ``_set_claim``,
``kept_while_open``; ``store.handoffs``: ``_moved``).
"""

from datetime import date
from typing import NamedTuple

from sqlalchemy import select, update
from sqlmodel import Session, col

from store.cases import NUMBER_COLUMN, OPEN, Task, TaskError, TaskNotFound, TaskTable, get_task
from store.db import table_of
from store.models import Step, User


class TaskClosed(TaskError):
    """The task is done (or skipped): nothing is left to follow up."""


class NotHeld(TaskError):
    """The task is open but not held by the user: only its holder sets its follow-up."""


def set_follow_up(session: Session, *, task_id: str, user_id: str, on: date | None,
                  table: TaskTable = Step) -> Task:
    """Set (``None``: clear) the follow-up date of an open task ``user_id`` holds.

    One conditional UPDATE, so a task released or closed meanwhile is refused, never given
    a date its new state would not keep.
    """
    changed = session.exec(
        update(table)
        .where(col(table.id) == task_id, col(table.status) == OPEN,
               col(table.assignee).is_not(None), col(table.claimed_by) == user_id)
        .values(follow_up_on=on)
    ).rowcount
    task = get_task(session, task_id, table)
    if task is None or task.assignee is None:
        raise TaskNotFound(task_id)
    if task.status != OPEN:
        raise TaskClosed(task_id)
    if not changed:
        raise NotHeld(task_id)
    return task


class FollowUp(NamedTuple):
    """A task whose follow-up day has come, with whom to remind: no personal data of the
    child or the applicant, only numbers, codes and the holder's own address."""

    task_id: str
    number: str  # the case's, the appeal's or the report's
    key: str
    kind: str
    clause: str
    region: str
    holder: str
    email: str | None  # the holder's, None when not on file
    language: str | None  # the holder's, None when not on file


def follow_ups_on(session: Session, day: date) -> list[FollowUp]:
    """The open tasks of cases, appeals and reports whose holder follows them up on
    ``day``."""
    users = table_of(User).c
    found: list[FollowUp] = []
    for model, number in NUMBER_COLUMN.items():
        table = table_of(model)
        task = table.c
        query = (select(task.id, task[number], task.key, task.kind, task.clause, task.region,
                        task.claimed_by, users.email, users.language)
                 .join_from(table, table_of(User), users.id == task.claimed_by, isouter=True)
                 .where(task.follow_up_on == day, task.status == OPEN,
                        task.claimed_by.is_not(None))
                 .order_by(task.id))
        found += [FollowUp(*row) for row in session.connection().execute(query)]
    return found
