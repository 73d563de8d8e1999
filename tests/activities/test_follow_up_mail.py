"""The morning's follow-up reminders through a real SMTP server: one mail to each holder whose
follow-up day it is, at their address (the office's without one), in their language (all
three while it is not on file), citing the task's clause with the case's number and the
task's title only; a retried activity sends nothing twice, and
a relay down fails the activity with nothing lost."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlmodel import col
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.directory import Directory
from activities.follow_ups import FollowUpActivities
from activities.transports import SmtpTransport
from ombudsflow.local_time import LOCAL_TIME
from schemas.activities import Recipient
from schemas.follow_ups import FollowUpMailing
from schemas.regions import Region
from schemas.steps import Role, StepKind
from store.cases import project_case
from store.db import create_schema, make_engine, session_scope
from store.models import Step
from store.outbox import case_notices
from store.users import create_user, remember_language
from tests.support.factories import CANARY_NAME, make_report, make_step, make_view
from tests.support.smtp import SmtpServer

BASE_URL = "https://ombudsflow.example"
TODAY = datetime.now(LOCAL_TIME).date()
HOLDER, NO_EMAIL = "cw.follows", "cw.noemail"
HOLDER_EMAIL = "cw.follows@ombudsman.example"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A store of this test's own: the tests count outbox rows and mails."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    with session_scope(engine) as session:
        for user, email in ((HOLDER, HOLDER_EMAIL), (NO_EMAIL, None)):
            create_user(session, user_id=user, display_name=user, role=Role.CASE_WORKER,
                        region=Region.AKTOBE, password_hash="unused", email=email)
    yield engine
    engine.dispose()


@pytest.fixture
def mailer(engine: Engine, smtp: SmtpServer) -> FollowUpActivities:
    return FollowUpActivities(engine, SmtpTransport("127.0.0.1", smtp.port, timeout=5.0),
                              Directory.load(), base_url=BASE_URL,
                              mail_from="ombudsflow@ombudsman.example")


def followed_up(engine: Engine, case_id: str, key: str, kind: StepKind, *, holder: str,
                on: date) -> None:
    """A case with an open task of ``kind`` that ``holder`` puts off until ``on``."""
    with session_scope(engine) as session:
        project_case(session, view=make_view(case_id, steps=[make_step(key, kind)]))
        session.execute(update(Step).where(col(Step.id) == f"{case_id}/{key}")
                        .values(claimed_by=holder, follow_up_on=on))


def seed(engine: Engine) -> None:
    followed_up(engine, "AKT-2026-000701", "preventive_talk", StepKind.PREVENTIVE_TALK,
                holder=HOLDER, on=TODAY)
    followed_up(engine, "AKT-2026-000702", "safety_assessment", StepKind.SAFETY_ASSESSMENT,
                holder=NO_EMAIL, on=TODAY)
    followed_up(engine, "AKT-2026-000703", "preventive_talk", StepKind.PREVENTIVE_TALK,
                holder=HOLDER, on=TODAY + timedelta(days=1))


async def test_each_holder_is_reminded_once_on_the_day_citing_the_clause(
        engine: Engine, mailer: FollowUpActivities, smtp: SmtpServer) -> None:
    seed(engine)
    mailing = FollowUpMailing(on=TODAY)

    first = await ActivityEnvironment().run(mailer.mail_follow_ups, mailing)
    again = await ActivityEnvironment().run(mailer.mail_follow_ups, mailing)

    assert (first.sent, first.already_sent) == (2, 0)
    assert (again.sent, again.already_sent) == (0, 2)
    office = Directory.load().authority(Recipient.OMBUDSMAN_OFFICE, Region.AKTOBE).email
    by_case = {m["Subject"].rsplit(" ", 1)[1]: m for m in smtp.inbox.messages}
    assert len(smtp.inbox.messages) == 2
    assert by_case["AKT-2026-000701"]["To"] == HOLDER_EMAIL
    assert by_case["AKT-2026-000702"]["To"] == office
    talk = by_case["AKT-2026-000701"]
    body = talk.get_content()
    assert talk["Subject"].startswith("¶10.2 ") and body.count("¶10.2") == 3
    for title in ("Профилактикалық әңгіме", "Профилактическая беседа", "Preventive talk"):
        assert title in body
    assert f"{BASE_URL}/tasks/AKT-2026-000701/preventive_talk" in body
    report = make_report()
    assert CANARY_NAME not in body and report.description not in body
    with session_scope(engine) as session:
        [row] = case_notices(session, "AKT-2026-000701")
    assert (row.status, row.kind, row.recipient, row.attempts) == ("sent", "follow_up",
                                                                   "holder", 2)


async def test_a_holder_whose_language_is_on_file_is_reminded_in_it_alone(
        engine: Engine, mailer: FollowUpActivities, smtp: SmtpServer) -> None:
    seed(engine)
    with session_scope(engine) as session:
        remember_language(session, HOLDER, "ru")

    await ActivityEnvironment().run(mailer.mail_follow_ups, FollowUpMailing(on=TODAY))

    by_case = {m["Subject"].rsplit(" ", 1)[1]: m for m in smtp.inbox.messages}
    talk = by_case["AKT-2026-000701"]
    body = talk.get_content()
    assert talk["Subject"] == "¶10.2 День возврата к задаче — AKT-2026-000701"
    assert "Профилактическая беседа" in body and body.count("¶10.2") == 1
    assert "Профилактикалық әңгіме" not in body and "Preventive talk" not in body
    # Without a language on file: all three.
    assert by_case["AKT-2026-000702"].get_content().count("¶11.2") == 3


async def test_with_the_relay_down_the_activity_fails_and_its_retry_sends_each_once(
        engine: Engine, mailer: FollowUpActivities, smtp: SmtpServer) -> None:
    seed(engine)
    smtp.stop()

    with pytest.raises(ApplicationError, match="2 of 2 follow-up reminders not sent"):
        await ActivityEnvironment().run(mailer.mail_follow_ups, FollowUpMailing(on=TODAY))

    with session_scope(engine) as session:
        [pending] = case_notices(session, "AKT-2026-000701")
    assert pending.status == "pending" and pending.last_error
    smtp.start()
    retried = await ActivityEnvironment().run(mailer.mail_follow_ups, FollowUpMailing(on=TODAY))
    assert (retried.sent, len(smtp.inbox.messages)) == (2, 2)
