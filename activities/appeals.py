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
from datetime import UTC, datetime

import structlog
from sqlalchemy import Engine
from temporalio import activity

from activities.appeal_texts import (
    render_applicant_notice,
    render_applicant_sms,
    render_cover_letter,
)
from activities.mail import machine_mail
from activities.notices import message_id_for
from activities.outbox import Row, send_once
from activities.sms import SmsGateway, msisdn
from activities.transports import Transport
from schemas.activities import CaseChanges, Channel
from schemas.appeal import ApplicantNotice, ApplicantNoticeResult, CoverLetter
from store import appeals
from store.appeals import APPLICANT, COMPETENT_BODY
from store.db import session_scope
from store.models import Appeal


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

        async def send(address: str, message_id: str) -> None:
            await self._transport.send(machine_mail(
                subject=subject, sender=self._mail_from, to=address, message_id=message_id,
                now=now, clause=clause, body=body, headers={"X-Ombudsflow-Appeal": appeal_id}))

        row = Row(idempotency_key=key, owner_id=appeal_id, step_key=step_key, clause=clause,
                  kind=kind, recipient=recipient, address=to)
        await send_once(self._engine, row, now, send, log, "letter")
        return message_id_for(key)

    async def _text(self, notice: ApplicantNotice, phone: str, language: str,
                    log: structlog.stdlib.BoundLogger) -> None:
        """The letter's first paragraph by SMS, once (its own outbox key)."""
        sms = self._sms
        assert sms is not None
        text = render_applicant_sms(notice, language)

        async def send(address: str, message_id: str) -> None:
            await sms.send(address, text, message_id=message_id)

        row = Row(idempotency_key=f"{notice.idempotency_key}:sms", owner_id=notice.appeal_id,
                  step_key=notice.step_key, clause=notice.clause, kind=notice.kind.value,
                  recipient=APPLICANT, address=phone, channel=Channel.SMS)
        await send_once(self._engine, row, datetime.now(UTC), send, log, "applicant_sms")

    def _appeal(self, appeal_id: str) -> Appeal:
        with session_scope(self._engine) as session:
            row = appeals.get_appeal(session, appeal_id)
            if row is None:
                raise LookupError(f"no appeal {appeal_id}")
            session.expunge(row)
            return row
