"""The appeal workflow's I/O (¶6.2): its projection into the store, and letters to the
applicant, whose address the activity reads from the store by the appeal's number, so the
workflow never holds a contact.

A letter is sent at most once per idempotency key (the notices' outbox): by e-mail to an
applicant who gave one, and its first paragraph by SMS to one who gave a phone, when an SMS
provider is configured (each under its own key, so a retry sends neither twice). An applicant
with neither (anonymous, or a postal address only) gets none from here: the letter is for the
office to post. Logs carry the appeal's number and the letter's kind, never the applicant.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import structlog
from sqlalchemy import Engine
from temporalio import activity

from activities.appeal_texts import (
    render_applicant_notice,
    render_applicant_sms,
    render_cover_letter,
)
from activities.notices import message_id_for
from activities.sms import SmsGateway, msisdn
from activities.transports import Transport
from schemas.activities import CaseChanges, Channel
from schemas.appeal import ApplicantNotice, ApplicantNoticeResult, CoverLetter
from store import appeals
from store.appeals import APPLICANT, COMPETENT_BODY
from store.db import session_scope
from store.models import Appeal
from store.outbox import SENT, mark_failed, mark_sent


@dataclass(frozen=True)
class _Row:
    """The outbox row of one letter about an appeal, by one channel to one address."""

    appeal_id: str
    key: str
    step_key: str
    clause: str
    kind: str
    address: str
    recipient: str = APPLICANT
    channel: Channel = Channel.EMAIL


class AppealActivities:
    def __init__(self, engine: Engine, transport: Transport, *, mail_from: str,
                 sms: SmsGateway | None = None) -> None:
        self._engine = engine
        self._transport = transport
        self._mail_from = mail_from
        self._sms = sms

    @activity.defn(name="project_appeal")
    def project_appeal(self, changes: CaseChanges) -> None:
        """Bring the store's copy of the appeal up to the workflow's."""
        with session_scope(self._engine) as session:
            applied = appeals.project_appeal(session, changes=changes)
        structlog.get_logger(__name__).info(
            "appeal projected", appeal_id=changes.case_id, version=changes.version,
            applied=applied)

    @activity.defn(name="send_to_applicant")
    async def send_to_applicant(self, notice: ApplicantNotice) -> ApplicantNoticeResult:
        """Mail ``notice`` to the applicant in their language, and text it to their phone,
        unless each went already or they gave no such contact."""
        log = structlog.get_logger(__name__).bind(appeal_id=notice.appeal_id,
                                                  kind=notice.kind.value, clause=notice.clause)
        row = await asyncio.to_thread(self._appeal, notice.appeal_id)
        applicant = appeals.stored_appeal(row).applicant
        if applicant.phone is not None and self._sms is not None:
            await self._text(notice, msisdn(applicant.phone), applicant.language.value, log)
        if applicant.email is None:
            log.info("applicant_has_no_email")
            return ApplicantNoticeResult(message_id=None)
        subject, body = render_applicant_notice(notice, applicant.language.value)
        message_id = await self._mail_once(
            notice.idempotency_key, to=applicant.email, subject=subject, body=body,
            appeal_id=notice.appeal_id, step_key=notice.step_key, clause=notice.clause,
            kind=notice.kind.value, recipient=APPLICANT, log=log)
        return ApplicantNoticeResult(message_id=message_id)

    @activity.defn(name="send_cover_letter")
    async def send_cover_letter(self, letter: CoverLetter) -> str:
        """Mail the cover letter of a forwarded appeal to the competent body, once."""
        log = structlog.get_logger(__name__).bind(appeal_id=letter.appeal_id,
                                                  kind="cover_letter", clause=letter.clause)
        subject, body = render_cover_letter(letter)
        return await self._mail_once(
            letter.idempotency_key, to=letter.to, subject=subject, body=body,
            appeal_id=letter.appeal_id, step_key=letter.step_key, clause=letter.clause,
            kind="cover_letter", recipient=COMPETENT_BODY, log=log)

    async def _mail_once(self, key: str, *, to: str, subject: str, body: str, appeal_id: str,
                         step_key: str, clause: str, kind: str, recipient: str,
                         log: structlog.stdlib.BoundLogger) -> str:
        """Mail a letter about the appeal under the outbox row ``key``, unless it went
        already; its Message-ID, fixed by ``key``."""
        now = datetime.now(UTC)
        message_id = message_id_for(key)
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = subject, self._mail_from, to
        message["Date"], message["Message-ID"] = format_datetime(now), message_id
        message["Auto-Submitted"] = "auto-generated"
        message["X-Ombudsflow-Appeal"] = appeal_id
        message["X-Ombudsflow-Clause"] = clause
        message.set_content(body)
        row = _Row(appeal_id=appeal_id, key=key, step_key=step_key, clause=clause, kind=kind,
                   address=to, recipient=recipient)
        await self._once(row, now, lambda: self._transport.send(message), log, "letter")
        return message_id

    async def _text(self, notice: ApplicantNotice, phone: str, language: str,
                    log: structlog.stdlib.BoundLogger) -> None:
        """The letter's first paragraph by SMS, once (its own outbox key)."""
        sms = self._sms
        assert sms is not None
        row = _Row(appeal_id=notice.appeal_id, key=f"{notice.idempotency_key}:sms",
                   step_key=notice.step_key, clause=notice.clause, kind=notice.kind.value,
                   address=phone, channel=Channel.SMS)
        text = render_applicant_sms(notice, language)
        await self._once(
            row, datetime.now(UTC),
            lambda: sms.send(phone, text, message_id=message_id_for(row.key)), log,
            "applicant_sms")

    async def _once(self, row: _Row, now: datetime, send: Callable[[], Awaitable[object]],
                    log: structlog.stdlib.BoundLogger, event: str) -> None:
        """``send`` under the outbox row ``row``, unless it went already: reserved first,
        marked sent or failed after (a failure is raised again, for the retry)."""

        def reserve() -> str:
            with session_scope(self._engine) as session:
                return appeals.reserve_applicant_notice(
                    session, appeal_id=row.appeal_id, key=row.key, step_key=row.step_key,
                    clause=row.clause, kind=row.kind, address=row.address, now=now,
                    channel=row.channel, recipient=row.recipient).status

        if await asyncio.to_thread(reserve) == SENT:
            log.info(f"{event}_already_sent")
            return
        try:
            await send()
        except Exception as exc:
            await asyncio.to_thread(self._marked_failed, row.key,
                                    f"{type(exc).__name__}: {exc}")
            log.warning(f"{event}_failed", error=type(exc).__name__)
            raise
        message_id = message_id_for(row.key)
        await asyncio.to_thread(self._marked_sent, row.key, message_id, now)
        log.info(f"{event}_sent", message_id=message_id)

    def _appeal(self, appeal_id: str) -> Appeal:
        with session_scope(self._engine) as session:
            row = appeals.get_appeal(session, appeal_id)
            if row is None:
                raise LookupError(f"no appeal {appeal_id}")
            session.expunge(row)
            return row

    def _marked_failed(self, key: str, error: str) -> None:
        with session_scope(self._engine) as session:
            mark_failed(session, idempotency_key=key, error=error, now=datetime.now(UTC))

    def _marked_sent(self, key: str, message_id: str, now: datetime) -> None:
        with session_scope(self._engine) as session:
            mark_sent(session, idempotency_key=key, message_id=message_id, now=now)

