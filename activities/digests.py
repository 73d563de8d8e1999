"""The ``send_escalation_digests`` activity: one mail to each supervisor listing the late
notices whose escalations ``send_notice`` held for it (a supervisor already told of one within
``DIGEST_EVERY``).

Each digest is marked on the held rows it carries, under a ``Message-ID`` fixed by them: a
crash between sending and marking sends the same digest again, which the mail server or the
reader can de-duplicate. A digest names each case's number, the notice's clause, to whom it
was late and since when, with a link: nothing about the child.
"""

from datetime import UTC, datetime
from email.message import EmailMessage
from itertools import groupby

import structlog
from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.directory import Authority, Directory
from activities.mail import machine_mail
from activities.notices import message_id_for
from activities.texts import LABELS, ORDER, Words, link_to, step_title
from activities.transports import Transport
from ombudsflow.local_time import local_time
from schemas.activities import Recipient
from schemas.digests import DigestRun, DigestsSent
from schemas.regions import Region
from store.db import in_session
from store.outbox import Held, as_utc, held, mark_digested

TITLE = Words("Кешіккен хабарламалар", "Просроченные уведомления", "Late notices")
LEAD = Words(
    "Бұл хабарламалар белгіленген уақытта жеткізілмеді; оларды жеткізу жалғасуда.",
    "Эти уведомления не доставлены в установленное время; доставка продолжается.",
    "These notices were not delivered in time; their delivery goes on.",
)
LATE_TO = Words("Кімге кешікті", "Кому не доставлено", "Late to")
SINCE = Words("кешіккен уақыты", "с", "since")


class DigestActivities:
    def __init__(self, engine: Engine, transport: Transport, directory: Directory, *,
                 base_url: str, mail_from: str) -> None:
        self._engine = engine
        self._transport = transport
        self._directory = directory
        self._base_url = base_url
        self._mail_from = mail_from

    @activity.defn(name="send_escalation_digests")
    async def send_escalation_digests(self, run: DigestRun) -> DigestsSent:
        """Mail each supervisor the escalations held for them; raise (and so retry the ones
        that failed) if any digest could not be sent."""
        log = structlog.get_logger(__name__)
        rows = await in_session(self._engine, held)
        digests = escalations = failed = 0
        for address, group in groupby(rows, key=lambda h: h.notice.address):
            carried = list(group)
            try:
                await self._send(address, carried)
            except Exception as exc:  # logged; the other supervisors' digests still go
                failed += 1
                log.warning("digest_failed", error=type(exc).__name__, held=len(carried))
                continue
            digests, escalations = digests + 1, escalations + len(carried)
        log.info("digests_sent", digests=digests, escalations=escalations, failed=failed)
        if failed:
            raise ApplicationError(f"{failed} of {failed + digests} digests not sent")
        return DigestsSent(digests=digests, escalations=escalations)

    async def _send(self, address: str, carried: list[Held]) -> None:
        """One digest to ``address``, then its escalations marked sent in it."""
        keys = [h.notice.idempotency_key for h in carried]
        message_id = message_id_for("digest:" + "|".join(sorted(keys)))
        now = datetime.now(UTC)
        supervisor = self._directory.authority(Recipient.SUPERVISOR, Region(carried[0].region))
        await self._transport.send(self._compose(supervisor, carried, to=address,
                                                 message_id=message_id, now=now))
        await in_session(self._engine, mark_digested, idempotency_keys=keys,
                         message_id=message_id, now=now)

    def _compose(self, supervisor: Authority, carried: list[Held], *, to: str,
                 message_id: str, now: datetime) -> EmailMessage:
        """The digest in the supervisor's languages, a line per late notice citing its
        clause."""
        clauses = ", ".join(sorted({h.notice.clause for h in carried}))
        paragraphs = []
        for language in supervisor.languages:
            labels = LABELS[language]
            lines = [f"{labels.to}: {supervisor.name_in(language)}",
                     LEAD.in_language(language),
                     f"{labels.basis}: {ORDER.in_language(language)}, {clauses}."]
            lines += [self._line(h, language) for h in carried]
            paragraphs.append("\n".join(lines))
        title = " / ".join(TITLE.in_language(language) for language in supervisor.languages)
        return machine_mail(subject=f"{clauses} {title}: {len(carried)}",
                            sender=self._mail_from, to=to, message_id=message_id, now=now,
                            clause=clauses, body="\n\n".join(paragraphs) + "\n")

    def _line(self, h: Held, language: str) -> str:
        """One late notice: the case, the clause, the step, to whom, since when, the link."""
        n = h.notice
        parts = [f"- {LABELS[language].case} {n.case_id}, {n.clause}: "
                 f"{step_title(n.step_key, language)}"]
        late_to = _late_to(n.step_key)
        if late_to is not None:
            name = self._directory.authority(late_to, Region(h.region)).name_in(language)
            parts.append(f"{LATE_TO.in_language(language)}: {name}")
        parts += [f"{SINCE.in_language(language)} {local_time(as_utc(n.created_at))}",
                  link_to(n.case_id, self._base_url)]
        return "; ".join(parts)


def _late_to(step_key: str) -> Recipient | None:
    """Whom a notice step is to, as its key names them (``notice.akimat``)."""
    try:
        return Recipient(step_key.partition(".")[2])
    except ValueError:
        return None
