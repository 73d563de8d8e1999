"""¶10.1 and ¶10.3 mail through a real SMTP server, on the dev server: each notice arrives once,
cites its clause and carries nothing about the child; an SMTP outage delays them, loses none."""

import asyncio
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import SmtpTransport
from store.db import session_scope
from store.outbox import case_notices
from tests.conftest import new_worker
from tests.support.clock import skip
from tests.support.factories import CANARY_IIN, CANARY_NAME, report_data
from tests.support.scenarios import open_case
from tests.support.smtp import SmtpServer

FIRST_NOTICES = {  # ¶10.1 and ¶10.3 for a cohabiting parent in Aktobe
    "commissioner@bala.gov.example": "¶10.1",
    "committee@edu.gov.example": "¶10.1",
    "akimat@aktobe.gov.example": "¶10.1",
    "guardianship@aktobe.gov.example": "¶10.3",
    "police@aktobe.gov.example": "¶10.3",
}
CHILD = report_data()["child"]


async def arrived(smtp: SmtpServer, count: int, timeout: float = 60) -> list[EmailMessage]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(smtp.inbox.messages) < count and loop.time() < deadline:
        await asyncio.sleep(0.1)
    return smtp.inbox.messages


def assert_first_notices_once(messages: list[EmailMessage], case_id: str) -> None:
    assert Counter(str(m["To"]) for m in messages) == dict.fromkeys(FIRST_NOTICES, 1)
    keys = [str(m["X-Ombudsflow-Idempotency-Key"]) for m in messages]
    assert len(set(keys)) == len(keys)
    for m in messages:
        clause = FIRST_NOTICES[str(m["To"])]
        body = m.get_content()
        assert m["X-Ombudsflow-Clause"] == clause and clause in body and case_id in body
        text = m.as_string() + body
        for personal in (CANARY_NAME, CANARY_IIN, CHILD["school"], CHILD["address"],
                         CHILD["birth_date"]):
            assert personal not in text


async def test_first_notices_arrive_once_each_citing_their_clause(
    dev_env: WorkflowEnvironment, engine: Engine, smtp: SmtpServer
) -> None:
    transport = SmtpTransport("127.0.0.1", smtp.port)
    async with new_worker(dev_env.client, engine, transport) as worker:
        case = await open_case(dev_env.client, engine, worker.task_queue)
        messages = await arrived(smtp, len(FIRST_NOTICES))
        await case.wait_delivered(*(f"notice.{r}" for r in ("commissioner", "committee",
                                                              "akimat")))
        await asyncio.sleep(1)  # a duplicate, if any, would land now

    assert_first_notices_once(messages, case.case_id)


async def test_smtp_outage_delays_notices_and_loses_none(
    dev_env: WorkflowEnvironment, engine: Engine, smtp: SmtpServer
) -> None:
    smtp.stop()
    transport = SmtpTransport("127.0.0.1", smtp.port, timeout=2)
    async with new_worker(dev_env.client, engine, transport) as worker:
        case = await open_case(dev_env.client, engine, worker.task_queue)

        for _ in range(200):  # until every notice has failed at least twice
            with session_scope(engine) as session:
                rows = case_notices(session, case.case_id)
            if len(rows) == len(FIRST_NOTICES) and all(r.attempts >= 2 for r in rows):
                break
            await asyncio.sleep(0.1)
        assert {r.status for r in rows} == {"pending"}
        assert all(r.last_error for r in rows)
        assert (await case.view()).step("notice.commissioner").is_open()

        smtp.start()
        messages = await arrived(smtp, len(FIRST_NOTICES))
        await case.wait_delivered("notice.commissioner", "referral.police", timeout=60)
        await asyncio.sleep(1)

    assert_first_notices_once(messages, case.case_id)
    with session_scope(engine) as session:
        assert {r.status for r in case_notices(session, case.case_id)} == {"sent"}


async def test_notice_undelivered_for_15_minutes_escalates_to_the_supervisor(
    time_env: WorkflowEnvironment, engine: Engine, smtp: SmtpServer
) -> None:
    smtp.stop()
    transport = SmtpTransport("127.0.0.1", smtp.port, timeout=2)
    async with new_worker(time_env.client, engine, transport) as worker:
        case = await open_case(time_env.client, engine, worker.task_queue,
                               cohabiting_parent=False)
        await case.wait_for("notice.akimat", open_=False)
        await skip(time_env, timedelta(minutes=14))
        assert (await case.view()).step("notice.akimat").escalated_at is None

        await skip(time_env, timedelta(minutes=2))
        view = await case.view()
        assert all(view.step(f"notice.{r}").escalated_at is not None and
                   view.step(f"notice.{r}").is_open()
                   for r in ("commissioner", "committee", "akimat"))
        assert view.overdue

        smtp.start()
        await case.wait_delivered("notice.commissioner", "notice.committee", "notice.akimat",
                                  timeout=60)
        escalations = await arrived(smtp, 6)

    to_supervisor = [m for m in escalations
                     if str(m["To"]) == "ombudsman@aktobe.ombudsman.example"]
    assert len(to_supervisor) == 3
    assert all(m["X-Ombudsflow-Clause"] == "¶10.1" for m in to_supervisor)
