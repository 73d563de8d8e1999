"""The ¶8 report's figures and the monthly district control, computed by SQL over the store.

Each figure is one function named as the figure (``HalfYearFigures`` has a field of each name),
so what a number in a report means is read in one place. A period is [start, end) on
Kazakhstan's clock; ``region`` None counts the whole country. Reports count by when they were
received; steps by when they were done; notices and publications by when they went out.
"""

import math
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func
from sqlmodel import Session, col, select

from schemas.case import StepStatus
from schemas.regions import Region
from schemas.reporting import (
    Appeals,
    Count,
    DistrictControl,
    HalfYearFigures,
    OnTime,
    OverdueTask,
    Period,
)
from schemas.steps import StepKind
from store.models import Appeal, Case, Notice, Publication, Step
from store.outbox import SENT, as_utc

# Seed 002: an alarm is registered late when its case opened more than a day after the
# report was received.
REGISTRATION_LIMIT = timedelta(hours=24)


def _received(period: Period, region: Region | None) -> list[Any]:
    where = [col(Case.received_at) >= period.starts_at, col(Case.received_at) < period.ends_at]
    if region is not None:
        where.append(col(Case.region) == region.value)
    return where


def _done(period: Period, region: Region | None, *kinds: StepKind) -> list[Any]:
    where = [col(Step.status) == StepStatus.DONE.value,
             col(Step.done_at) >= period.starts_at, col(Step.done_at) < period.ends_at]
    if kinds:
        where.append(col(Step.kind).in_([k.value for k in kinds]))
    if region is not None:
        where.append(col(Step.region) == region.value)
    return where


def _breakdown(session: Session, column: Any, period: Period, region: Region | None
               ) -> list[Count]:
    rows = session.exec(select(column, func.count()).where(*_received(period, region))
                        .group_by(column).order_by(column))
    return [Count(key=key, count=n) for key, n in rows]


def reports_by_category(session: Session, period: Period, region: Region | None) -> list[Count]:
    return _breakdown(session, col(Case.category), period, region)


def reports_by_channel(session: Session, period: Period, region: Region | None) -> list[Count]:
    return _breakdown(session, col(Case.channel), period, region)


def reports_by_region(session: Session, period: Period, region: Region | None) -> list[Count]:
    return _breakdown(session, col(Case.region), period, region)


def reports_by_district(session: Session, period: Period, region: Region | None) -> list[Count]:
    return _breakdown(session, col(Case.district), period, region)


def first_notice_seconds(session: Session, period: Period, region: Region | None,
                         quantile: float) -> float | None:
    """¶10.1 timeliness: the nearest-rank ``quantile`` of report → first notice, in seconds,
    over the reports received in the period whose first notice went out."""
    seconds = col(Case.first_notice_seconds)
    where = [*_received(period, region), seconds.is_not(None)]
    measured = session.exec(select(func.count()).where(*where)).one()
    if not measured:
        return None
    rank = max(1, math.ceil(quantile * measured))
    value = session.exec(select(seconds).where(*where).order_by(seconds)
                         .offset(rank - 1).limit(1)).one()
    return float(value) if value is not None else None


def steps_on_time(session: Session, period: Period, region: Region | None) -> list[OnTime]:
    """Tasks (steps with a due time) done in the period, by clause, and how many by then."""
    rows = session.exec(
        select(col(Step.clause), func.count(),
               func.count().filter(col(Step.done_at) <= col(Step.due_at)))
        .where(*_done(period, region), col(Step.due_at).is_not(None),
               col(Step.assignee).is_not(None))
        .group_by(col(Step.clause)).order_by(col(Step.clause)))
    return [OnTime(clause=c, done=n, on_time=k) for c, n, k in rows]


def _steps_done(session: Session, period: Period, region: Region | None,
                kind: StepKind) -> int:
    return session.exec(select(func.count()).where(*_done(period, region, kind))).one()


def police_answers(session: Session, period: Period, region: Region | None,
                   confirmed: bool) -> int:
    """¶11: police answers recorded in the period that confirmed (or did not) the facts."""
    finding = "confirmed" if confirmed else "not_confirmed"
    return session.exec(
        select(func.count()).select_from(Step)
        .join(Case, col(Case.case_id) == col(Step.case_id))
        .where(*_done(period, region, StepKind.POLICE_DECISION),
               col(Case.police_finding) == finding)).one()


def safe_placements(session: Session, period: Period, region: Region | None) -> int:
    return _steps_done(session, period, region, StepKind.SAFE_PLACEMENT)


def kdn_decisions(session: Session, period: Period, region: Region | None) -> int:
    return _steps_done(session, period, region, StepKind.KDN_DECISION)


def rehabilitation_plans_opened(session: Session, period: Period, region: Region | None
                                ) -> int:
    """¶11.3: plans drawn up in the period (the psychological-support task done)."""
    return _steps_done(session, period, region, StepKind.PSYCHOLOGICAL_SUPPORT)


def rehabilitation_plans_completed(session: Session, period: Period, region: Region | None
                                   ) -> int:
    """¶11.3: cases whose plan reviews ended in the period: a review done in the period and
    none open (the procedure opens reviews until every item is done)."""
    still_reviewed = exists().where(col(Step.case_id) == col(Case.case_id),
                                    col(Step.kind) == StepKind.PLAN_REVIEW.value,
                                    col(Step.status) == StepStatus.OPEN.value)
    reviewed = select(col(Step.case_id)).where(*_done(period, region, StepKind.PLAN_REVIEW))
    return session.exec(select(func.count()).select_from(Case).where(
        col(Case.case_id).in_(reviewed), ~still_reviewed)).one()


def recommendations_sent(session: Session, period: Period, region: Region | None) -> int:
    """¶11.6: recommendation notices the mail server took in the period."""
    where = [col(Notice.kind) == "recommendations", col(Notice.status) == SENT,
             col(Notice.sent_at) >= period.starts_at, col(Notice.sent_at) < period.ends_at]
    query = select(func.count()).select_from(Notice)
    if region is not None:
        query = query.join(Case, col(Case.case_id) == col(Notice.case_id))
        where.append(col(Case.region) == region.value)
    return session.exec(query.where(*where)).one()


def publications(session: Session, period: Period, region: Region | None) -> int:
    """¶11.1, ¶13: public statements approved and published in the period."""
    where = [col(Publication.approved_at) >= period.starts_at,
             col(Publication.approved_at) < period.ends_at]
    query = select(func.count()).select_from(Publication)
    if region is not None:
        query = query.join(Case, col(Case.case_id) == col(Publication.case_id))
        where.append(col(Case.region) == region.value)
    return session.exec(query.where(*where)).one()


def cases_open_at_end(session: Session, period: Period, region: Region | None) -> int:
    """Cases received before the period ended and not closed by then."""
    end = period.ends_at
    where = [col(Case.received_at) < end,
             (col(Case.closed_at).is_(None)) | (col(Case.closed_at) >= end)]
    if region is not None:
        where.append(col(Case.region) == region.value)
    return session.exec(select(func.count()).select_from(Case).where(*where)).one()


def appeals(session: Session, period: Period, region: Region | None) -> Appeals:
    """¶6.2 appeals received in the period, answered (closed) in it, and of those answered
    within their term."""
    scoped = [] if region is None else [col(Appeal.region) == region.value]

    def within(at: Any) -> list[Any]:
        return [at >= period.starts_at, at < period.ends_at, *scoped]

    received = session.exec(select(func.count()).select_from(Appeal)
                            .where(*within(col(Appeal.received_at)))).one()
    answered, on_time = session.exec(
        select(func.count(), func.count().filter(col(Appeal.term_met).is_(True)))
        .select_from(Appeal).where(*within(col(Appeal.closed_at)))).one()
    return Appeals(received=received, answered=answered, answered_on_time=on_time)


def half_year_figures(session: Session, period: Period, region: Region | None
                      ) -> HalfYearFigures:
    return HalfYearFigures(
        reports_by_category=reports_by_category(session, period, region),
        reports_by_channel=reports_by_channel(session, period, region),
        reports_by_region=reports_by_region(session, period, region),
        reports_by_district=reports_by_district(session, period, region),
        first_notice_median_seconds=first_notice_seconds(session, period, region, 0.5),
        first_notice_p90_seconds=first_notice_seconds(session, period, region, 0.9),
        steps_on_time=steps_on_time(session, period, region),
        police_confirmations=police_answers(session, period, region, confirmed=True),
        police_refusals=police_answers(session, period, region, confirmed=False),
        safe_placements=safe_placements(session, period, region),
        kdn_decisions=kdn_decisions(session, period, region),
        rehabilitation_plans_opened=rehabilitation_plans_opened(session, period, region),
        rehabilitation_plans_completed=rehabilitation_plans_completed(session, period, region),
        recommendations_sent=recommendations_sent(session, period, region),
        publications=publications(session, period, region),
        cases_open_at_end=cases_open_at_end(session, period, region),
        appeals=appeals(session, period, region),
    )


# Monthly district control (seed 002) -------------------------------------------------------


def district_control(session: Session, period: Period, region: Region, now: datetime
                     ) -> list[DistrictControl]:
    """Per district of ``region`` with anything to show: alarms received in the month and
    registered late, tasks overdue ``now`` with who holds each, plan reviews of the month done
    late or still open past due, and reports of the month without a preventive talk done."""
    late_alarms: Counter[str] = Counter()
    for district, received, opened in session.exec(
            select(col(Case.district), col(Case.received_at), col(Case.opened_at))
            .where(*_received(period, region), col(Case.opened_at).is_not(None))):
        if opened and as_utc(opened) - as_utc(received) > REGISTRATION_LIMIT:
            late_alarms[district] += 1

    overdue: dict[str, list[OverdueTask]] = {}
    for step in session.exec(
            select(Step).where(col(Step.region) == region.value,
                               col(Step.status) == StepStatus.OPEN.value,
                               col(Step.assignee).is_not(None), col(Step.due_at) <= now)
            .order_by(col(Step.district), col(Step.due_at))):
        assert step.due_at is not None
        overdue.setdefault(step.district, []).append(OverdueTask(
            case_id=step.case_id, clause=step.clause, kind=step.kind,
            held_by=step.claimed_by or step.assignee or "",
            overdue_hours=int((now - as_utc(step.due_at)).total_seconds() // 3600)))

    in_month = and_(col(Step.due_at) >= period.starts_at, col(Step.due_at) < period.ends_at)
    late_reviews = Counter(dict(session.exec(
        select(col(Step.district), func.count())
        .where(col(Step.region) == region.value, col(Step.kind) == StepKind.PLAN_REVIEW.value,
               in_month, (col(Step.done_at).is_(None) & (col(Step.due_at) <= now))
               | (col(Step.done_at) > col(Step.due_at)))
        .group_by(col(Step.district))).all()))

    talked = exists().where(col(Step.case_id) == col(Case.case_id),
                            col(Step.kind) == StepKind.PREVENTIVE_TALK.value,
                            col(Step.status) == StepStatus.DONE.value)
    no_talk = Counter(dict(session.exec(
        select(col(Case.district), func.count()).where(*_received(period, region), ~talked)
        .group_by(col(Case.district))).all()))

    districts = sorted(set(late_alarms) | set(overdue) | set(late_reviews) | set(no_talk))
    return [DistrictControl(district=d, alarms_registered_late=late_alarms[d],
                            tasks_overdue=overdue.get(d, []),
                            plans_not_reviewed_on_time=late_reviews[d],
                            reports_without_preventive_talk=no_talk[d]) for d in districts]
