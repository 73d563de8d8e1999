"""Activities of the periodic work: figures and district control computed from the store, the
report saved, mailed with its documents, and a ¶6.10 briefing published.

A mail goes through the notices' outbox under its idempotency key (report, kind, recipient,
count): a retry after it was sent sends nothing, and a retry after a crash between sending and
marking sends it again with the same ``Message-ID``, which receivers can de-duplicate.
"""

from datetime import UTC, datetime
from email.message import EmailMessage

import structlog
from sqlalchemy import Engine
from temporalio import activity

from activities.directory import Directory
from activities.documents import DOCUMENT_LANGUAGES, KIND_TITLES, pdf_of, xlsx_of
from activities.mail import machine_mail
from activities.notices import message_id_for
from activities.outbox import Row, send_once
from activities.transports import Transport
from ombudsflow.constants import LANGUAGES
from ombudsflow.local_time import local_time
from schemas.districts import Districts
from schemas.reporting import (
    HalfYearFigures,
    MailKind,
    MonthlyControl,
    PlanItem,
    ReportChanges,
    ReportKind,
    ReportMail,
    ReportStatus,
    ReportView,
)
from store.db import session_scope
from store.figures import district_control, half_year_figures
from store.models import Publication
from store.reports import get_report, hold_report, project_report, save_report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAIL_LEADS = {
    MailKind.DELIVERY: ("Есеп қоса беріледі.", "Отчёт прилагается.", "The report is attached."),
    MailKind.REMINDER: ("Есептің мерзімі келді.", "Наступил срок отчёта.", "The report is due."),
    MailKind.ESCALATION: ("Есептің мерзімі өтті.", "Срок отчёта пропущен.",
                          "The report is past its deadline."),
}


class ReportingActivities:
    def __init__(self, engine: Engine, transport: Transport, directory: Directory, *,
                 districts: Districts, mail_from: str) -> None:
        self._engine = engine
        self._districts = districts
        self._transport = transport
        self._directory = directory
        self._mail_from = mail_from

    @activity.defn(name="compute_half_year_figures")
    def compute_half_year_figures(self, view: ReportView) -> HalfYearFigures:
        """¶8: the figures of the report's region and period."""
        with session_scope(self._engine) as session:
            return half_year_figures(session, view.period, view.region)

    @activity.defn(name="approved_plan_items")
    def approved_plan_items(self, view: ReportView) -> list[PlanItem]:
        """¶6.1 → ¶8: the items of the region's plan for the half-year's year, once
        approved (none otherwise), for the report to say what became of them."""
        year = str(view.period.start.year)
        with session_scope(self._engine) as session:
            plan = get_report(session, f"{ReportKind.ANNUAL_PLAN.value}-{view.region.value}-"
                                       f"{year}")
        return plan.plan if plan and plan.status == ReportStatus.DELIVERED else []

    @activity.defn(name="compute_district_control")
    def compute_district_control(self, view: ReportView) -> MonthlyControl:
        """Seed 002: each district's month, tasks overdue as of now."""
        now = datetime.now(UTC)
        with session_scope(self._engine) as session:
            rows = district_control(session, view.period, view.region, now)
        return MonthlyControl(region=view.region, period=view.period, computed_at=now,
                              districts=rows)

    @activity.defn(name="save_report")
    def save_report(self, view: ReportView) -> None:
        with session_scope(self._engine) as session:
            save_report(session, view, now=datetime.now(UTC))

    @activity.defn(name="hold_report")
    def hold_report(self, view: ReportView) -> str:
        """The workflow id that holds the report (``view``'s, unless another's came first)."""
        with session_scope(self._engine) as session:
            return hold_report(session, view, now=datetime.now(UTC))

    @activity.defn(name="project_report")
    def project_report(self, changes: ReportChanges) -> None:
        """Bring the store's copy of the report and its tasks up to the workflow's."""
        with session_scope(self._engine) as session:
            project_report(session, changes, now=datetime.now(UTC))
        structlog.get_logger(__name__).info(
            "report projected", report_id=changes.case_id, version=changes.version,
            steps=len(changes.steps))

    @activity.defn(name="publish_briefing")
    def publish_briefing(self, view: ReportView) -> None:
        """¶6.10: the approved summary into the publication register (once)."""
        assert view.briefing is not None and view.approved_by is not None
        with session_scope(self._engine) as session:
            if session.get(Publication, (_register_id(view), "briefing")) is None:
                session.add(Publication(
                    case_id=_register_id(view), step_key="briefing", clause=view.clause,
                    text=view.briefing.summary, approved_by=view.approved_by,
                    approved_at=datetime.now(UTC)))

    @activity.defn(name="send_report_mail")
    async def send_report_mail(self, mail: ReportMail) -> str:
        """Mail the report (documents attached) or a reminder or escalation about it, unless
        the outbox says it went already; the Message-ID, fixed by the idempotency key, is
        returned. The outbox row (under the report's id) records every attempt."""
        view = mail.report
        log = structlog.get_logger(__name__).bind(report_id=view.report_id,
                                                  kind=mail.kind.value,
                                                  recipient=mail.recipient.value)
        authority = self._directory.authority(mail.recipient, view.region)
        now = datetime.now(UTC)

        async def send(address: str, message_id: str) -> None:
            await self._transport.send(_compose(mail, to=address, sender=self._mail_from,
                                                message_id=message_id, now=now,
                                                districts=self._districts))

        row = Row(idempotency_key=mail.idempotency_key, owner_id=view.report_id,
                  step_key=view.kind.value, clause=view.clause, kind=mail.kind.value,
                  recipient=mail.recipient.value, address=authority.email)
        await send_once(self._engine, row, now, send, log, "report_mail")
        return message_id_for(mail.idempotency_key)


def _register_id(view: ReportView) -> str:
    return f"BRF-{view.region.code}-{view.period.label}"


def _compose(mail: ReportMail, *, to: str, sender: str, message_id: str, now: datetime,
             districts: Districts) -> EmailMessage:
    view = mail.report
    titles = KIND_TITLES[view.kind.value]
    lines = []
    for i, language in enumerate(LANGUAGES):
        lines += [f"{titles[i]}: {view.region.name_in(language)}, {view.period.label}",
                  MAIL_LEADS[mail.kind][i]]
        if view.due_at and mail.kind != MailKind.DELIVERY:
            lines.append(local_time(view.due_at))
        lines.append("")
    message = machine_mail(
        subject=f"{view.clause} {titles[0]} / {titles[1]} — {view.report_id}", sender=sender,
        to=to, message_id=message_id, now=now, clause=view.clause, body="\n".join(lines),
        headers={"X-Ombudsflow-Idempotency-Key": mail.idempotency_key})
    if mail.kind == MailKind.DELIVERY:
        for language in DOCUMENT_LANGUAGES:
            name = f"{view.report_id}-{language}"
            xlsx = xlsx_of(view, language, now, districts=districts)
            pdf = pdf_of(view, language, now, districts=districts)
            message.add_attachment(xlsx, maintype="application", subtype=XLSX.split("/")[1],
                                   filename=f"{name}.xlsx")
            message.add_attachment(pdf, maintype="application", subtype="pdf",
                                   filename=f"{name}.pdf")
    return message

