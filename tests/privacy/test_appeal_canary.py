"""A canary applicant runs through a whole appeal on a real dev server — her name, phone,
address and e-mail planted in the appeal and in every free-text field of its steps — and the
appeal reports a violation, so its ¶10 case runs too; then everything someone without the key
could read is searched for her: the raw history, the server's SQLite files, the search
attributes and workflow ids, every log line, every mail to a third party. Her own letters go
to her address (what the office wrote to her is in them); the ticket the system composes does
not repeat her name, phone or postal address."""

from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from cases.appeals import parse_appeal, submit_appeal
from ombudsflow.logging import configure_logging
from schemas.appeal import AppealInput, Extension
from schemas.case import Step
from schemas.steps import StepKind
from tests.conftest import new_worker
from tests.privacy.test_canary import server_with_file  # noqa: F401 (a fixture)
from tests.support.factories import (
    CANARY_APPLICANT,
    CANARY_APPLICANT_ADDRESS,
    CANARY_APPLICANT_PHONE,
    appeal_data,
    supervisor_of,
    worker_of,
)
from tests.support.raw_history import history_as_the_cli_shows_it, readable_text
from tests.support.scenarios import CaseDriver

EMAIL = "saule.canary@example.kz"
PLANTED = f"{CANARY_APPLICANT}, {CANARY_APPLICANT_ADDRESS}, tel. {CANARY_APPLICANT_PHONE}"
CANARIES = [CANARY_APPLICANT, *CANARY_APPLICANT.split(), CANARY_APPLICANT_ADDRESS,
            CANARY_APPLICANT_PHONE, CANARY_APPLICANT_PHONE.removeprefix("+7 "), EMAIL]


def found_in(text: str, canaries: list[str] = CANARIES) -> list[str]:
    folded = text.casefold()
    return [c for c in canaries if c.casefold() in folded]


async def planted_everywhere(appeal: CaseDriver) -> None:
    await appeal.wait_for("appeal_triage")
    await appeal.send(StepKind.APPEAL_TRIAGE, "appeal_triage", worker_of(),
                      {"within_competence": True, "notes": PLANTED})
    await appeal.wait_for("appeal_answer")
    await appeal.handle.execute_update("extend_appeal", Extension(
        actor=supervisor_of(), reason=f"Waiting on the akimat about {PLANTED}",
        new_due=date.today() + timedelta(days=30)), result_type=Step)
    await appeal.send(StepKind.APPEAL_ANSWER, "appeal_answer", worker_of(),
                      {"verdict": "upheld", "text": f"Dear {PLANTED}: a first draft."})
    await appeal.wait_for("appeal_answer.approval-1")
    await appeal.send(StepKind.APPEAL_ANSWER_APPROVAL, "appeal_answer.approval-1",
                      supervisor_of(), {"approved": False, "reason": PLANTED})
    await appeal.wait_for("appeal_answer")
    await appeal.send(StepKind.APPEAL_ANSWER, "appeal_answer", worker_of(),
                      {"verdict": "upheld", "text": "The akimat will give the child a place."})
    await appeal.wait_for("appeal_answer.approval-2")
    await appeal.send(StepKind.APPEAL_ANSWER_APPROVAL, "appeal_answer.approval-2",
                      supervisor_of(), {"approved": True})


@pytest.mark.usefixtures("restore_logging")
async def test_nothing_readable_without_the_key_names_the_applicant(
    server_with_file: tuple[WorkflowEnvironment, Path],  # noqa: F811
    engine: Engine, tmp_path: Path, capfd: pytest.CaptureFixture[str],
) -> None:
    env, db = server_with_file
    configure_logging("DEBUG", json=True)
    mail_dir = tmp_path / "mail"
    data = appeal_data(violation=True, external_ref="ZT-CANARY-1",
                       substance=f"Written by {PLANTED}, about her daughter's school.",
                       attachments=[f"a letter signed {PLANTED}"])
    data["applicant"]["email"] = EMAIL
    async with new_worker(env.client, engine, FileTransport(mail_dir)) as worker:
        submitted = await submit_appeal(env.client, engine, parse_appeal(data),
                                        taken_by="op-dana", task_queue=worker.task_queue)
        appeal = CaseDriver(env.client, submitted.appeal_id)
        await planted_everywhere(appeal)
        await appeal.result()
        assert submitted.case_id is not None
        await CaseDriver(env.client, submitted.case_id).wait_delivered(
            "notice.commissioner", "notice.committee", "notice.akimat")
        # With the key the applicant is all there: the codec hides her, nothing left out.
        started = (await appeal.handle.fetch_history()).events[0]
        [inp] = await env.client.data_converter.decode(
            started.workflow_execution_started_event_attributes.input.payloads, [AppealInput])
        assert inp.appeal.applicant.name == CANARY_APPLICANT

    history = readable_text(await history_as_the_cli_shows_it(env, submitted.appeal_id))
    assert "appeal_answer" in history
    assert found_in(history) == []

    listed = [w async for w in env.client.list_workflows()]
    assert {w.id for w in listed} == {submitted.appeal_id, submitted.case_id}
    attributes = {k: v for w in listed for k, v in w.search_attributes.items()}
    assert found_in(repr(attributes) + " ".join(w.id for w in listed)) == []

    logs = capfd.readouterr()
    assert submitted.appeal_id in logs.err
    assert found_in(logs.out + logs.err) == []

    server_files = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert server_files and found_in(server_files.decode(errors="replace")) == []

    mails = [message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in mail_dir.glob("*.eml")]
    to_her = [m for m in mails if str(m["To"]) == EMAIL]
    to_others = [m for m in mails if str(m["To"]) != EMAIL]
    assert len(to_her) == 3 and len(to_others) >= 3  # ticket, extension, answer; ¶10.1 alarms
    assert found_in("\n".join(decoded(m) for m in to_others)) == []
    # Her ticket is addressed to her and composed by the system: it does not repeat her.
    [ticket] = [m for m in to_her if "64" in str(m["X-Ombudsflow-Clause"])]
    assert found_in(decoded(ticket), [CANARY_APPLICANT, CANARY_APPLICANT_ADDRESS,
                                      CANARY_APPLICANT_PHONE]) == []


def decoded(message: Message) -> str:
    """Headers and body as a person reads them (not base64)."""
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    text: str = body.get_content()
    return "\n".join(f"{k}: {v}" for k, v in message.items()) + "\n" + text
