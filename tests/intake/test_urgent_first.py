"""In a backlog, a case whose report names a threat to the child's life or health goes first:
its ¶10.1 notices go out with the first of the reports that came in before it, not after
them all."""

import uuid
from email.message import EmailMessage

from sqlalchemy import Engine

from activities.transports import SmtpTransport
from ombudsflow.codec import KeyRing
from tests.conftest import dev_server, new_worker
from tests.support.scenarios import open_case
from tests.support.smtp import SmtpServer
from tests.workflows.test_mail_delivery import arrived
from workflows.violation_response import ALARM_RECIPIENTS

# Reports taken in while no worker runs (a burst, or the workers down), none of them urgent.
BACKLOG = 12
# Without priority the urgent case came 9th to 13th of 13. With it, it is in the worker's first
# poll, but the cases taken by its other pollers at the same moment may finish before it: it
# came 1st to 4th over the first eight runs, and 1st to 6th over nine runs once each case's
# first workflow task got shorter (2026-12-01: no calendar call for repeated reminders).
WITH_THE_FIRST = BACKLOG // 2
# The dev server splits a task queue in four, each served in its own order, and a poll may
# reach any of them first; in one, the order is the server's alone: by priority, then first
# come.
ONE_PARTITION = ("--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
                 "--dynamic-config-value", "matching.numTaskqueueWritePartitions=1")


async def test_a_threatened_child_s_alarm_overtakes_a_backlog(
    keyring: KeyRing, engine: Engine, smtp: SmtpServer
) -> None:
    async with dev_server(keyring, extra_args=ONE_PARTITION) as env:
        queue = f"test-{uuid.uuid4()}"
        backlog = [await open_case(env.client, engine, queue, threat=False,
                                   cohabiting_parent=False) for _ in range(BACKLOG)]
        urgent = await open_case(env.client, engine, queue, threat=True,
                                 cohabiting_parent=False)
        transport = SmtpTransport("127.0.0.1", smtp.port)
        async with new_worker(env.client, engine, transport, task_queue=queue):
            messages = await arrived(smtp, len(ALARM_RECIPIENTS) * (BACKLOG + 1),
                                     timeout=120)

    alarmed = _alarmed_in_order(messages)
    assert set(alarmed) == {c.case_id for c in [*backlog, urgent]}
    # A worker starting takes a few cases at once: the urgent one is among them, not last.
    assert alarmed.index(urgent.case_id) < WITH_THE_FIRST, alarmed


def _alarmed_in_order(messages: list[EmailMessage]) -> list[str]:
    """The cases in the order their last ¶10.1 notice arrived."""
    count: dict[str, int] = {}
    done = []
    for message in messages:
        if message["X-Ombudsflow-Clause"] != "¶10.1":
            continue
        case_id = str(message["X-Ombudsflow-Case"])
        count[case_id] = count.get(case_id, 0) + 1
        if count[case_id] == len(ALARM_RECIPIENTS):
            done.append(case_id)
    return done
