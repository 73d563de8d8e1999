"""A canary child runs through a whole confirmed case on a real dev server; then everything
someone without the key could read is searched for her: the raw history (the Temporal CLI's
JSON, base64 decoded), the server's SQLite files, every log line, every mail, the publication.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from ombudsflow.client import data_converter, ensure_search_attributes
from ombudsflow.codec import KeyRing
from ombudsflow.intake import parse_report, submit_report
from ombudsflow.logging import configure_logging
from schemas.case import CaseInput
from schemas.policy import DeadlinePolicy
from store.db import session_scope
from store.models import Publication
from tests.conftest import new_worker
from tests.factories import CANARY_IIN, CANARY_NAME, report_data
from tests.raw_history import history_as_the_cli_shows_it, readable_text
from tests.scenarios import CaseDriver, confirmed_with_danger
from tests.servers import temporal_binary

REPORT = report_data()
CHILD = REPORT["child"]
CANARIES = [CANARY_NAME, *CANARY_NAME.split(), CANARY_IIN, CHILD["school"], CHILD["address"],
            "09.03.2014", "2014-03-09"]


@pytest.fixture
async def server_with_file(
    keyring: KeyRing, tmp_path: Path
) -> AsyncIterator[tuple[WorkflowEnvironment, Path]]:
    db = tmp_path / "temporal.db"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary("temporal"),
        data_converter=data_converter(keyring),
        dev_server_extra_args=["--db-filename", str(db)],
        dev_server_log_level="error",
    )
    await ensure_search_attributes(env.client, env.client.namespace)
    yield env, db
    await env.shutdown()


def found_in(text: str) -> list[str]:
    folded = text.casefold()
    return [c for c in CANARIES if c.casefold() in folded]


@pytest.mark.usefixtures("restore_logging")
async def test_nothing_readable_without_the_key_names_the_child(
    server_with_file: tuple[WorkflowEnvironment, Path], engine: Engine, tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    env, db = server_with_file
    configure_logging("DEBUG", json=True)
    mail_dir = tmp_path / "mail"
    # Plan reviews every second instead of every 30 days: the dev server does not skip time.
    policy = DeadlinePolicy(plan_review_every=timedelta(seconds=1))
    async with new_worker(env.client, engine, FileTransport(mail_dir)) as worker:
        submission = await submit_report(env.client, engine, parse_report(REPORT),
                                         task_queue=worker.task_queue, policy=policy)
        case = CaseDriver(env.client, submission.case_id)

        async def wait(_: timedelta) -> None:
            await asyncio.sleep(1.5)

        await confirmed_with_danger(case, wait)
        await case.result()
        # With the key the child is all there: the codec hides her, nothing was left out.
        started = (await case.handle.fetch_history()).events[0]
        [case_input] = await env.client.data_converter.decode(
            started.workflow_execution_started_event_attributes.input.payloads, [CaseInput])
        assert case_input.report.child.full_name == CANARY_NAME

    history = readable_text(await history_as_the_cli_shows_it(env, submission.case_id))
    assert "public_statement" in history  # the search reads the real thing
    assert found_in(history) == []

    logs = capfd.readouterr()
    assert submission.case_id in logs.err  # log lines are there, bound to the case number
    assert found_in(logs.out + logs.err) == []

    server_files = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert len(server_files) > 0
    assert found_in(server_files.decode(errors="replace")) == []

    mails = [p.read_text() for p in mail_dir.glob("*.eml")]
    assert len(mails) >= 6
    assert found_in("\n".join(mails)) == []

    with session_scope(engine) as session:
        published = session.get(Publication, (submission.case_id, "public_statement"))
    assert published is not None and found_in(published.text) == []
