"""The ``send_notice`` activity: ¶10.1 alarms, ¶10.3 referrals, reminders, escalations and
¶11.6 recommendations, each sent at most once per idempotency key.

The request's ``rank`` picks one of the recipient's channels in the directory (e-mail, SMS).
Reserve the outbox row, send, mark it sent; every attempt is recorded with its channel and
result. A retry after a crash between sending and marking sends again with the same
``Message-ID`` (SMS: the same provider message id), which receivers can de-duplicate; a retry
after marking sends nothing. An SMS the provider reports undeliverable counts as a failure.

A late notice's escalation to a supervisor mailed another within ``DIGEST_EVERY`` is held
for their next digest (``activities.digests``) instead: a burst of late notices makes a few
mails a supervisor can read, not one per notice. A threatened child's case is never held.
"""

import asyncio
import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage

import structlog
from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.directory import Authority, Directory
from activities.mail import machine_mail
from activities.sms import SmsError, SmsGateway, SmsState
from activities.texts import SMS_LANGUAGES, link_to, render_notice, render_sms
from activities.transports import Transport
from activities.webhooks import WebhookRefused, post_signed
from schemas.activities import (
    NO_SUCH_CHANNEL,
    Channel,
    NoticeKind,
    NoticeRequest,
    NoticeResult,
    Recipient,
)
from schemas.digests import DIGEST_EVERY
from schemas.districts import Districts
from store.db import in_session
from store.outbox import (
    HELD,
    SENT,
    as_utc,
    hold,
    mark_failed,
    mark_sent,
    recently_escalated,
    reserve_notice,
)
from store.users import user_contact
from store.webhooks import get_subscription

MESSAGE_ID_DOMAIN = "ombudsflow.example"


def _may_wait_for_digest(req: NoticeRequest, channel: Channel) -> bool:
    """A late notice's escalation by e-mail in a case without a threat to the child's life
    or health: in a burst of late notices, it may wait for the supervisor's digest."""
    return (req.kind is NoticeKind.ESCALATION and req.recipient is Recipient.SUPERVISOR
            and req.subject_step is None and not req.urgent and channel is Channel.EMAIL)


def message_id_for(idempotency_key: str) -> str:
    """The ``Message-ID`` every attempt of one notice shares."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


class NoticeActivities:
    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        directory: Directory,
        *,
        districts: Districts,
        base_url: str,
        mail_from: str,
        sms: SmsGateway | None = None,
        sms_status_wait: float = 15.0,
    ) -> None:
        self._engine = engine
        self._transport = transport
        self._directory = directory
        self._districts = districts
        self._base_url = base_url
        self._mail_from = mail_from
        self._sms = sms
        self._sms_status_wait = sms_status_wait

    @activity.defn(name="send_notice")
    async def send_notice(self, req: NoticeRequest) -> NoticeResult:
        """Send ``req`` unless the outbox says it went already, or hold it for a digest; raise
        (and retry) on failure."""
        # A fresh logger per call: a module-level one caches the processors of its first use.
        log = structlog.get_logger(__name__).bind(
            case_id=req.case_id, clause=req.clause, recipient=req.recipient.value,
            kind=req.kind.value,
        )
        authority = await self._authority(req)
        if req.rank >= len(authority.channels):
            raise ApplicationError(f"{req.recipient.value} has {len(authority.channels)} "
                                   f"channel(s), none of rank {req.rank}",
                                   type=NO_SUCH_CHANNEL, non_retryable=True)
        channel = authority.channels[req.rank]
        log = log.bind(channel=channel.value, rank=req.rank)
        message_id = message_id_for(req.idempotency_key)
        now = datetime.now(UTC)
        notice = await in_session(self._engine, reserve_notice, req=req, channel=channel,
                                  address=authority.address(channel), now=now)
        if notice.status == SENT and notice.sent_at is not None:
            log.info("notice_already_sent", message_id=notice.message_id)
            return NoticeResult(
                address=notice.address,
                message_id=notice.message_id or message_id,
                sent_at=as_utc(notice.sent_at),
                already_sent=True,
                channel=Channel(notice.channel),
            )
        if notice.status == HELD or (
                _may_wait_for_digest(req, channel)
                and await in_session(self._engine, recently_escalated, address=notice.address,
                                     since=now - DIGEST_EVERY)):
            await in_session(self._engine, hold, idempotency_key=req.idempotency_key)
            log.info("notice_held_for_digest")
            return NoticeResult(address=notice.address, message_id=message_id, sent_at=now,
                                already_sent=False, channel=channel, held=True)
        delivery: SmsState | None = None
        provider_ids: list[str] = []
        try:
            if channel is Channel.SMS:
                provider_ids = await self._send_sms(req, to=notice.address, message_id=message_id)
                delivery = await self._sms_delivery(provider_ids, phone=notice.address)
                if delivery is SmsState.FAILED:
                    raise SmsError("the provider reports the SMS undeliverable")
            elif channel is Channel.WEBHOOK:
                await self._post_notice(req, subscription_id=notice.address,
                                        message_id=message_id, now=now)
            else:
                message = self._compose(req, authority, to=notice.address,
                                        message_id=message_id, now=now)
                await self._transport.send(message)
        except Exception as exc:
            # The class and the transport's own words: enough to diagnose, never the message.
            error = f"{type(exc).__name__}: {exc}"
            await in_session(self._engine, mark_failed, idempotency_key=req.idempotency_key,
                             error=error, now=now, delivery=delivery)
            log.warning("notice_failed", attempt=notice.attempts, error=type(exc).__name__)
            raise
        await in_session(
            self._engine, mark_sent, idempotency_key=req.idempotency_key,
            message_id=message_id, now=now, delivery=delivery,
            provider_ids=",".join(provider_ids) or None,
        )
        log.info("notice_sent", attempt=notice.attempts, message_id=message_id)
        return NoticeResult(
            address=notice.address, message_id=message_id, sent_at=now, already_sent=False,
            channel=channel,
        )

    async def _authority(self, req: NoticeRequest) -> Authority:
        """Who ``req`` goes to: the directory's entry, or the task's holder as the store has
        them now (at the office's address when they have no e-mail on file), in their language
        when it is on file."""
        if req.recipient is not Recipient.HOLDER:
            return self._directory.authority(req.recipient, req.region)
        office = self._directory.authority(Recipient.OMBUDSMAN_OFFICE, req.region)
        contact = await in_session(self._engine, user_contact, req.holder) if req.holder else None
        if contact is None:
            return office
        name, email, language = contact
        return Authority(kk=name, ru=name, en=name, email=email or office.email,
                         languages=(language,) if language else office.languages)

    async def _send_sms(self, req: NoticeRequest, *, to: str, message_id: str) -> list[str]:
        """One SMS per language, each with an id fixed by the notice and the language."""
        if self._sms is None:
            raise SmsError("no SMS provider is configured (OMBUDSFLOW_SMS_PROVIDER)")
        return [await self._sms.send(to, render_sms(req, language, base_url=self._base_url),
                                     message_id=f"{message_id}{language}")
                for language in SMS_LANGUAGES]

    async def _post_notice(self, req: NoticeRequest, *, subscription_id: str,
                           message_id: str, now: datetime) -> None:
        """The notice as a signed webhook to the subscription the directory names; its
        ``webhook-id`` is fixed by the notice, like an e-mail's ``Message-ID``."""
        sub = await in_session(self._engine, get_subscription, subscription_id)
        if sub is None:
            raise WebhookRefused(f"no webhook subscription {subscription_id!r}")
        data = req.model_dump(mode="json", include={
            "case_id", "step_key", "clause", "recipient", "region", "district", "category",
            "urgent", "subject_step", "due_at"}, exclude_none=True)
        data["link"] = link_to(req.case_id, self._base_url)
        webhook_id = "msg_" + message_id.strip("<>").split("@")[0]
        await post_signed(sub.url, sub.secret, message_id=webhook_id,
                          payload={"type": f"notice.{req.kind.value}",
                                   "timestamp": now.isoformat(), "data": data}, now=now)

    async def _sms_delivery(self, provider_ids: list[str], *, phone: str) -> SmsState:
        """The provider's delivery report for all the SMS of a notice, waiting a little for
        it: failed if any failed, delivered if all were, else pending."""
        assert self._sms is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._sms_status_wait
        while True:
            states = {await self._sms.state(pid, phone) for pid in provider_ids}
            if SmsState.FAILED in states:
                return SmsState.FAILED
            if states == {SmsState.DELIVERED}:
                return SmsState.DELIVERED
            if loop.time() >= deadline:
                return SmsState.PENDING
            activity.heartbeat()
            await asyncio.sleep(min(1.0, max(deadline - loop.time(), 0.0)))

    def _compose(
        self, req: NoticeRequest, authority: Authority, *, to: str, message_id: str,
        now: datetime,
    ) -> EmailMessage:
        subject, body = render_notice(req, authority, districts=self._districts,
                                      base_url=self._base_url)
        return machine_mail(subject=subject, sender=self._mail_from, to=to,
                            message_id=message_id, now=now, clause=req.clause, body=body,
                            headers={"X-Ombudsflow-Idempotency-Key": req.idempotency_key,
                                     "X-Ombudsflow-Case": req.case_id})
