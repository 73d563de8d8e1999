"""A burst of late notices makes a digest, not a mail per notice: ``send_notice`` mails a
supervisor the first escalation and holds the next ones for ``send_escalation_digests``, which
mails them as one, in the supervisor's languages, each line citing its clause. A threatened
child's case and a task's escalation are never held."""

from email.message import EmailMessage

from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.digests import DigestActivities
from activities.directory import Directory
from activities.notices import NoticeActivities
from activities.transports import SmtpTransport
from schemas.activities import NoticeKind, NoticeRequest, Recipient
from schemas.digests import DigestRun, DigestsSent
from schemas.regions import Region
from store.db import session_scope
from store.outbox import case_notices
from tests.activities.notices.conftest import BASE_URL, CASE_ID, MAIL_FROM, RequestFactory
from tests.support.smtp import SmtpServer

LATE_TO = (Recipient.COMMISSIONER, Recipient.COMMITTEE, Recipient.AKIMAT)


def escalation(make_request: RequestFactory, late_to: Recipient, **overrides: object
               ) -> NoticeRequest:
    """The supervisor's escalation of the case's ¶10.1 notice to ``late_to``."""
    step = f"notice.{late_to.value}"
    fields: dict[str, object] = {
        "idempotency_key": f"{CASE_ID}:{step}:escalation:supervisor", "step_key": step,
        "kind": NoticeKind.ESCALATION, "recipient": Recipient.SUPERVISOR, "urgent": False}
    return make_request(**(fields | overrides))


def digests(engine: Engine, smtp: SmtpServer, directory: Directory) -> DigestActivities:
    return DigestActivities(engine, SmtpTransport("127.0.0.1", smtp.port, timeout=5.0),
                            directory, base_url=BASE_URL, mail_from=MAIL_FROM)


def statuses(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        return {n.step_key: n.status for n in case_notices(session, CASE_ID)}


async def test_late_notices_after_the_first_wait_for_one_digest(
    notices: NoticeActivities, engine: Engine, smtp: SmtpServer, directory: Directory,
    make_request: RequestFactory, case_row: str,
) -> None:
    env = ActivityEnvironment()
    results = [await env.run(notices.send_notice, escalation(make_request, r)) for r in LATE_TO]

    supervisor = directory.authority(Recipient.SUPERVISOR, Region.AKTOBE)
    assert [m["To"] for m in smtp.inbox.messages] == [supervisor.email]
    assert [r.held for r in results] == [False, True, True]
    assert statuses(engine) == {"notice.commissioner": "sent", "notice.committee": "held",
                                "notice.akimat": "held"}
    again = await env.run(notices.send_notice, escalation(make_request, Recipient.AKIMAT))
    assert again.held and len(smtp.inbox.messages) == 1

    sent = await env.run(digests(engine, smtp, directory).send_escalation_digests, DigestRun())
    assert sent == DigestsSent(digests=1, escalations=2)
    digest: EmailMessage = smtp.inbox.messages[1]
    assert digest["To"] == supervisor.email and "¶10.1" in digest["Subject"]
    assert "Кешіккен хабарламалар" in digest["Subject"] and digest["Subject"].endswith(": 2")
    body = digest.get_content()
    for language in ("kk", "ru", "en"):
        for late in (Recipient.COMMITTEE, Recipient.AKIMAT):
            assert directory.authority(late, Region.AKTOBE).name_in(language) in body
    assert body.count(f"{BASE_URL}/cases/{CASE_ID}") == 2 * 3
    assert "приказ № 149" in body and "Order No. 149" in body
    assert directory.authority(Recipient.COMMISSIONER, Region.AKTOBE).name_in("en") not in body
    assert set(statuses(engine).values()) == {"sent"}

    nothing = await env.run(digests(engine, smtp, directory).send_escalation_digests,
                            DigestRun())
    assert nothing == DigestsSent(digests=0, escalations=0) and len(smtp.inbox.messages) == 2
    retried = await env.run(notices.send_notice, escalation(make_request, Recipient.AKIMAT))
    assert retried.already_sent and not retried.held and len(smtp.inbox.messages) == 2


async def test_an_urgent_case_and_a_late_task_are_told_at_once(
    notices: NoticeActivities, engine: Engine, smtp: SmtpServer, make_request: RequestFactory,
    case_row: str,
) -> None:
    env = ActivityEnvironment()
    await env.run(notices.send_notice, escalation(make_request, Recipient.COMMISSIONER))
    urgent = await env.run(notices.send_notice, escalation(
        make_request, Recipient.COMMITTEE, urgent=True))
    task = await env.run(notices.send_notice, escalation(
        make_request, Recipient.AKIMAT, step_key="preventive_talk",
        idempotency_key=f"{CASE_ID}:preventive_talk:escalation:supervisor",
        subject_step="preventive_talk", clause="¶10.4"))

    assert not urgent.held and not task.held
    assert len(smtp.inbox.messages) == 3
    assert set(statuses(engine).values()) == {"sent"}
