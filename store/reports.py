"""Periodic reports in the store: saved by the reporting activities (idempotently, the
workflow's last view wins) with their tasks, listed and read by the API, and the monthly
district control's rows for the board's trend."""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from schemas.regions import Region
from schemas.reporting import ReportChanges, ReportView
from store.cases import upsert_steps
from store.db import insert_for
from store.models import ActivityReport, Case, DistrictControlMonth, ReportStep


def project_report(session: Session, changes: ReportChanges, *, now: datetime) -> None:
    """Apply a projection of a report's workflow: its changed tasks and the report."""
    upsert_steps(session, changes, ReportStep)
    save_report(session, changes.report, now=now)


def report_steps(session: Session, report_id: str) -> list[ReportStep]:
    """The report's tasks as its workflow last projected them, in the order they opened."""
    return list(session.exec(select(ReportStep).where(col(ReportStep.report_id) == report_id)
                             .order_by(col(ReportStep.position))))


def hold_report(session: Session, view: ReportView, *, now: datetime) -> str:
    """The workflow that holds the report: ``view``'s, saved now, unless another workflow
    saved the report first (a schedule triggered or backfilled twice for one period); a
    report saved by no workflow (its ``workflow_id`` empty) is taken over."""
    session.execute(insert_for(session, ActivityReport).values(
        **_columns(view, now)).on_conflict_do_nothing(index_elements=["report_id"]))
    held = get_report(session, view.report_id)
    assert held is not None
    if held.workflow_id:
        return held.workflow_id
    save_report(session, view, now=now)
    return view.workflow_id


def _columns(view: ReportView, now: datetime) -> dict[str, Any]:
    return {
        "report_id": view.report_id, "kind": view.kind.value, "clause": view.clause,
        "region": view.region.value, "period_label": view.period.label,
        "period_start": view.period.start.isoformat(), "status": view.status.value,
        "opened_at": view.opened_at, "saved_at": now, "view_json": view.model_dump_json(),
    }


def save_report(session: Session, view: ReportView, *, now: datetime) -> None:
    """Insert or replace the report's row (and, for a monthly control, its district rows)."""
    values = _columns(view, now)
    insert = insert_for(session, ActivityReport).values(**values)
    session.execute(insert.on_conflict_do_update(
        index_elements=["report_id"],
        set_={k: v for k, v in values.items() if k != "report_id"}))
    if view.control is None:
        return
    for row in view.control.districts:
        counts = {
            "region": view.region.value, "month": view.period.label,
            "alarms_registered_late": row.alarms_registered_late,
            "tasks_overdue": len(row.tasks_overdue),
            "plans_not_reviewed_on_time": row.plans_not_reviewed_on_time,
            "reports_without_preventive_talk": row.reports_without_preventive_talk,
        }
        insert = insert_for(session, DistrictControlMonth).values(
            report_id=view.report_id, district=row.district, **counts)
        session.execute(insert.on_conflict_do_update(
            index_elements=["report_id", "district"], set_=counts))


def list_reports(session: Session, *, regions: Collection[Region] | None) -> list[ReportView]:
    """Reports in scope (None: every region), newest period first."""
    query = select(ActivityReport).order_by(col(ActivityReport.period_start).desc(),
                                            col(ActivityReport.report_id))
    if regions is not None:
        query = query.where(col(ActivityReport.region).in_([r.value for r in regions]))
    return [ReportView.model_validate_json(r.view_json) for r in session.exec(query)]


def get_report(session: Session, report_id: str) -> ReportView | None:
    row = session.get(ActivityReport, report_id)
    return ReportView.model_validate_json(row.view_json) if row else None


def district_trend(session: Session, *, region: Region, months: int = 12
                   ) -> list[DistrictControlMonth]:
    """The last ``months`` months of monthly control in ``region``, by month and district."""
    recent = sorted(set(session.exec(
        select(col(DistrictControlMonth.month))
        .where(col(DistrictControlMonth.region) == region.value))), reverse=True)[:months]
    return list(session.exec(
        select(DistrictControlMonth)
        .where(col(DistrictControlMonth.region) == region.value,
               col(DistrictControlMonth.month).in_(recent))
        .order_by(col(DistrictControlMonth.month), col(DistrictControlMonth.district))))


def case_rows(session: Session, *, regions: Collection[Region] | None) -> list[Case]:
    """Cases in scope, newest first, for the supervisors' export (only closed-set columns
    are read out of them: never ``report_json``)."""
    query = select(Case).order_by(col(Case.received_at).desc())
    if regions is not None:
        query = query.where(col(Case.region).in_([r.value for r in regions]))
    return list(session.exec(query))
