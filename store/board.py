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
# The reports whose first-notice delays the board sums up: those received this long ago at
# most. The figure says how alarms go now, and reading it costs the same in the tenth year.
FIRST_NOTICE_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class DelaySummary:
    """Time from report to the first ¶10.1 notice over the reports received since ``since``
    that have one (nearest-rank percentiles); ``waiting`` counts those reports whose first
    notice has not gone yet."""

    since: datetime
    measured: int
    waiting: int
    median: timedelta | None
    p90: timedelta | None


def open_cases_by_stage(session: Session, *, regions: Collection[Region] | None
                        ) -> list[tuple[Stage, int]]:
    """Open cases per stage, in the procedure's order. The open stages are named, so the
    index is searched for them instead of scanned past the closed cases (most of them)."""
    query = (select(col(Case.stage), func.count())
             .where(col(Case.stage).in_([s.value for s in Stage if s != Stage.CLOSED]))
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


def overdue_by_region(session: Session, *, regions: Collection[Region] | None, now: datetime
                      ) -> list[tuple[str, str, int]]:
    """Open steps past their due time, as (region, clause, count): the national summary.

    Grouped by clause first: grouped by region first, SQLite walks ``ix_step_inbox`` (region
    first) over every step to save a sort, instead of the open, overdue range of
    ``ix_step_open_due`` (160 against 3 ms at 100,000 cases).
    """
    query = (select(col(Step.region), col(Step.clause), func.count())
             .where(col(Step.status) == StepStatus.OPEN.value, col(Step.due_at) <= now)
             .group_by(col(Step.clause), col(Step.region))
             .order_by(col(Step.region), col(Step.clause)))
    return [(r, c, n) for r, c, n in session.exec(_scoped(query, Step.region, regions))]


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


def first_notice_delays(session: Session, *, regions: Collection[Region] | None,
                        now: datetime) -> DelaySummary:
    """Median and 90th percentile of the delays from report to first ¶10.1 notice, over the
    reports received in the last ``FIRST_NOTICE_WINDOW``, to the millisecond.

    The delay is kept on the case (``first_notice_seconds``, written with the notice), and
    the database counts, sorts and picks the nearest ranks within the window from an index
    (``ix_case_received_first_notice``, ``ix_case_region_received_first_notice``): nothing
    per case crosses into Python.
    """
    since = now - FIRST_NOTICE_WINDOW
    seconds = col(Case.first_notice_seconds)
    recent = col(Case.received_at) >= since
    counted = select(func.count(seconds), func.count()).where(recent)
    measured, received = session.exec(_scoped(counted, Case.region, regions)).one()

    def nearest_rank(q: float) -> timedelta | None:
        if not measured:
            return None
        ranked = (select(seconds).where(recent, seconds.is_not(None)).order_by(seconds)
                  .offset(math.ceil(q * measured) - 1).limit(1))
        value = session.exec(_scoped(ranked, Case.region, regions)).one()
        return timedelta(seconds=round(float(value), 3))

    return DelaySummary(since=since, measured=measured, waiting=received - measured,
                        median=nearest_rank(0.5), p90=nearest_rank(0.9))


def _scoped(query: Any, column: Any, regions: Collection[Region] | None) -> Any:
    if regions is None:
        return query
    return query.where(col(column).in_([r.value for r in regions]))
