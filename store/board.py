"""What the supervisor board counts: GROUP BY queries over cases and steps, scoped to regions
(None: national scope).

Seed 002 holds supervisors to "every alarm registered on time, no child left without
attention", by district: these numbers show where attention is late and where it waits.
"""

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from schemas.case import Stage, StepStatus
from schemas.regions import Region
from schemas.steps import StepKind
from store.models import Case, Step
from store.outbox import as_utc

APPROVAL_KINDS = (StepKind.APPROVAL.value, StepKind.CLOSURE_APPROVAL.value)


@dataclass(frozen=True)
class DelaySummary:
    """Time from report to the first ¶10.1 notice over the cases that have one (nearest-rank
    percentiles); ``waiting`` counts cases whose first notice has not gone yet."""

    measured: int
    waiting: int
    median: timedelta | None
    p90: timedelta | None


def open_cases_by_stage(session: Session, *, regions: Collection[Region] | None
                        ) -> list[tuple[Stage, int]]:
    """Open cases per stage, in the procedure's order."""
    query = (select(col(Case.stage), func.count())
             .where(col(Case.stage) != Stage.CLOSED.value)
             .group_by(col(Case.stage)))
    counts = dict(session.exec(_scoped(query, Case.region, regions)).all())
    return [(stage, counts[stage.value]) for stage in Stage if stage.value in counts]


def overdue_steps(session: Session, *, regions: Collection[Region] | None, now: datetime
                  ) -> list[tuple[str, str, str, int]]:
    """Open steps past their due time, as (region, district, clause, count)."""
    query = (select(col(Step.region), col(Step.district), col(Step.clause), func.count())
             .where(col(Step.status) == StepStatus.OPEN.value, col(Step.due_at) <= now)
             .group_by(col(Step.region), col(Step.district), col(Step.clause))
             .order_by(col(Step.region), col(Step.district), col(Step.clause)))
    return [(r, d, c, n) for r, d, c, n in session.exec(_scoped(query, Step.region, regions))]


def approvals_waiting(session: Session, *, regions: Collection[Region] | None
                      ) -> list[tuple[str, str, int, datetime]]:
    """Open approvals as (region, the kind of draft decided, count, waiting since)."""
    query = (select(col(Step.region), col(Step.subject_key), func.count(),
                    func.min(col(Step.opened_at)))
             .where(col(Step.status) == StepStatus.OPEN.value,
                    col(Step.kind).in_(APPROVAL_KINDS))
             .group_by(col(Step.region), col(Step.subject_key))
             .order_by(col(Step.region), col(Step.subject_key)))
    return [(r, subject or "", n, as_utc(since))
            for r, subject, n, since in session.exec(_scoped(query, Step.region, regions))]


def first_notice_delays(session: Session, *, regions: Collection[Region] | None
                        ) -> DelaySummary:
    """Median and 90th percentile of ``first_notice_at - received_at``, to the millisecond.

    The database computes each delay in seconds and sorts them, reading only an index
    (``ix_case_first_notice``): with 100,000 cases, turning every row's two timestamps into
    datetimes here took a second.
    """
    delay = _seconds_between(session, col(Case.first_notice_at), col(Case.received_at))
    measured = select(delay).where(col(Case.first_notice_at).is_not(None)).order_by(delay)
    delays = [timedelta(seconds=round(float(s), 3))  # SQLite: julianday is exact to ~50 µs
              for s in session.exec(_scoped(measured, Case.region, regions))]
    waiting = select(func.count()).where(col(Case.first_notice_at).is_(None))
    return DelaySummary(
        measured=len(delays),
        waiting=session.exec(_scoped(waiting, Case.region, regions)).one(),
        median=_nearest_rank(delays, 0.5),
        p90=_nearest_rank(delays, 0.9),
    )


def _seconds_between(session: Session, later: Any, earlier: Any) -> Any:
    """``later - earlier`` in seconds, as a SQL expression of the session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _scoped(query: Any, column: Any, regions: Collection[Region] | None) -> Any:
    if regions is None:
        return query
    return query.where(col(column).in_([r.value for r in regions]))


def _nearest_rank(ordered: list[timedelta], q: float) -> timedelta | None:
    return ordered[math.ceil(q * len(ordered)) - 1] if ordered else None
