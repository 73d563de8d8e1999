"""The ``mail_follow_ups`` activity: on the morning of a follow-up day, one e-mail to each
holder of a task they put off until that day.

Each mail goes through the notices' outbox under its own key (``follow-up:{task}:{day}``):
a retried activity sends only what did not go, a crash between sending and marking sends
again with the same ``Message-ID``. A holder without an e-mail on file is reminded at their
region's office. The mail cites the task's clause and carries the case's or appeal's number,
the task's title and a link to it: nothing about the child or the applicant.
"""

from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage

import structlog
from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.directory import Directory
from activities.mail import machine_mail
from activities.outbox import Row, send_once
from activities.texts import ORDER, Words
from activities.transports import Transport
from ombudsflow.constants import LANGUAGES
from schemas.activities import Recipient
from schemas.follow_ups import FollowUpMailing, FollowUpsMailed
from schemas.procedure import title_of
from schemas.regions import Region
from schemas.steps import StepKind
from store.db import in_session
from store.follow_ups import FollowUp, follow_ups_on
from store.outbox import FAILED, SENT

KIND = "follow_up"  # the outbox row's kind
NOW = "sent_now"  # a mail this attempt sent
TITLE = Words("Тапсырманы қайта қарау күні", "День возврата к задаче", "Follow-up day")
LEAD = Words("Бүгін Сіз осы тапсырмаға қайта оралуды белгілегенсіз.",
             "На сегодня Вы назначили вернуться к этой задаче.",
             "You set today to follow up on this task.")
LABELS = {"kk": ("Тапсырма", "Нөмірі", "Негіз", "Тапсырмаға сілтеме"),
          "ru": ("Задача", "Номер", "Основание", "Ссылка на задачу"),
          "en": ("Task", "Number", "Basis", "Link to the task")}


class FollowUpActivities:
    def __init__(self, engine: Engine, transport: Transport, directory: Directory, *,
                 base_url: str, mail_from: str) -> None:
        self._engine = engine
        self._transport = transport
        self._directory = directory
        self._base_url = base_url.rstrip("/")
        self._mail_from = mail_from

    @activity.defn(name="mail_follow_ups")
    async def mail_follow_ups(self, mailing: FollowUpMailing) -> FollowUpsMailed:
        """Remind each holder of a task followed up on ``mailing.on``; raise (and so retry
        the ones that failed) if any mail could not be sent."""
        log = structlog.get_logger(__name__).bind(on=mailing.on.isoformat())
        due = await in_session(self._engine, follow_ups_on, mailing.on)
        # One after another, each on its own: a mail that fails leaves the others going.
        done = Counter([await self._mailed(task, mailing, log) for task in due])
        log.info("follow_ups_mailed", due=len(due), sent=done[NOW], already_sent=done[SENT],
                 failed=done[FAILED])
        if done[FAILED]:
            raise ApplicationError(f"{done[FAILED]} of {len(due)} follow-up reminders not sent")
        return FollowUpsMailed(on=mailing.on, sent=done[NOW], already_sent=done[SENT])

    async def _mailed(self, task: FollowUp, mailing: FollowUpMailing,
                      log: structlog.stdlib.BoundLogger) -> str:
        """One reminder, once: sent ``NOW``, ``SENT`` already, or ``FAILED``."""
        key = f"follow-up:{task.task_id}:{mailing.on.isoformat()}"
        log = log.bind(case_id=task.number, clause=task.clause, kind=task.kind)
        now = datetime.now(UTC)
        office = self._directory.authority(Recipient.OMBUDSMAN_OFFICE, Region(task.region))

        async def send(address: str, message_id: str) -> None:
            await self._transport.send(self._compose(task, key, to=address,
                                                     message_id=message_id, now=now))

        row = Row(idempotency_key=key, owner_id=task.number, step_key=task.key,
                  clause=task.clause, kind=KIND, recipient=Recipient.HOLDER.value,
                  address=task.email or office.email)
        try:
            return NOW if await send_once(self._engine, row, now, send, log, KIND) else SENT
        except Exception:  # marked failed and logged; the others still go
            return FAILED

    def _compose(self, task: FollowUp, key: str, *, to: str, message_id: str, now: datetime
                 ) -> EmailMessage:
        """The reminder in the holder's language (in Kazakh, Russian and English while it is
        not on file), each paragraph citing the task's clause."""
        link = f"{self._base_url}/tasks/{task.number}/{task.key}"
        languages = (task.language,) if task.language else LANGUAGES
        paragraphs = []
        for language in languages:
            title, number, basis, linked = LABELS[language]
            paragraphs.append("\n".join((
                LEAD.in_language(language),
                f"{title}: {title_of(StepKind(task.kind), language)}",
                f"{number}: {task.number}",
                f"{basis}: {ORDER.in_language(language)}, {task.clause}.",
                f"{linked}: {link}")))
        title = " / ".join(TITLE.in_language(language) for language in languages)
        return machine_mail(subject=f"{task.clause} {title} — {task.number}",
                            sender=self._mail_from, to=to, message_id=message_id, now=now,
                            clause=task.clause, body="\n\n".join(paragraphs) + "\n",
                            headers={"X-Ombudsflow-Idempotency-Key": key})
