"""A canary child runs through a whole confirmed case on a real dev server, her name, IIN,
address and the reporter's phone planted in every free-text field of the report and of every
task outcome; then everything someone without the key could read is searched for them: the
raw history (the Temporal CLI's JSON, base64 decoded), the server's SQLite files, the search
attributes and workflow ids, every log line, every mail, the publication.

Where the procedure refuses the planted text, the refusal is asserted instead: a typed
district (a district is a directory code), and the child's data in a public statement or a
recommendation (¶11.1, ¶13); those two then carry text the guard lets through, since they are
published and mailed by design.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.transports import FileTransport
from cases.intake import parse_report, submit_report
from ombudsflow.client import data_converter, ensure_search_attributes
from ombudsflow.codec import KeyRing
from ombudsflow.logging import configure_logging
from schemas.outcomes import InspectionRecord
from schemas.procedure import RECORD_INSPECTION, CaseInput, DeadlinePolicy
from schemas.refusals import Reason
from schemas.steps import StepKind
from store.db import session_scope
from store.models import Publication
from tests.conftest import new_worker
from tests.support.factories import (
    ALGA,
    CANARY_IIN,
    CANARY_NAME,
    report_data,
    supervisor_of,
    worker_of,
)
from tests.support.raw_history import history_as_the_cli_shows_it, readable_text
from tests.support.scenarios import CaseDriver, valid_outcome
from tests.support.servers import temporal_binary
from web.errors import refusal_in

PHONE = "+7 701 555 01 99"
EMAIL = "zhanserikova.canary@mail.example"
ADDRESS = "Abylai Khan street 5, apt 12"
# What a person might type into any free-text field: everything that identifies the child.
PLANTED = f"{CANARY_NAME}, IIN {CANARY_IIN}, {ADDRESS}, tel. {PHONE}"
REFERENCE = f"KUI {CANARY_IIN} {CANARY_NAME}"  # a police or KDN reference

REPORT = report_data(
    external_ref=f"T-{CANARY_IIN}",
    description=f"Reported by a neighbour: {PLANTED}, {EMAIL}.",
    reporter={"anonymous": False, "name": PLANTED, "phone": PHONE, "email": EMAIL},
)
REPORT["child"]["address"] = ADDRESS
CHILD = REPORT["child"]
CANARIES = [CANARY_NAME, *CANARY_NAME.split(), CANARY_IIN, CHILD["school"], ADDRESS,
            "09.03.2014", "2014-03-09", PHONE, PHONE.removeprefix("+7 "), EMAIL]
# The texts a ¶13 guard must refuse: each kind of the child's data, on its own.
GUARDED = [f"The measures taken for {CANARY_NAME.split()[0]} in the region are working.",
           f"The measures taken for the child (IIN {CANARY_IIN}) are working well.",
           f"The measures taken for the child living at {ADDRESS} are working."]


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


def test_a_typed_district_is_refused_before_anything_is_stored() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_report({**REPORT, "district": PLANTED})

    assert [e["loc"] for e in refused.value.errors()] == [("district",)]
    assert found_in(str([e["msg"] for e in refused.value.errors()])) == []


async def refused_then_clean(case: CaseDriver, kind: StepKind, clean: dict[str, Any]) -> None:
    """Each of the child's data refused in the published text, then a clean one sent."""
    await case.wait_for(kind.value)
    for text in GUARDED:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await case.send(kind, kind.value, worker_of(), valid_outcome(kind, text=text))
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError)
        refusal = refusal_in(cause)  # a code and closed-set parameters, never the text
        assert refusal is not None and refusal.reason == Reason.PERSONAL_DATA, cause
    await case.complete(kind, **clean)


async def planted_everywhere(case: CaseDriver) -> None:
    """Every task of a confirmed case with danger, each free-text field planted."""
    due = (date.today() + timedelta(days=20)).isoformat()
    item = {"action": PLANTED, "owner": PLANTED, "due": due}
    await case.complete(StepKind.PREVENTIVE_TALK, notes=PLANTED)
    await case.complete(StepKind.POLICE_DECISION, police_reference=REFERENCE, notes=PLANTED)
    await case.complete(StepKind.SAFETY_ASSESSMENT, measures=[PLANTED], notes=PLANTED)
    await case.complete(StepKind.SAFE_PLACEMENT, facility_name=PLANTED)
    await refused_then_clean(case, StepKind.PUBLIC_STATEMENT, {})
    await case.complete(StepKind.APPROVAL, "public_statement.approval-1", approved=False,
                        reason=PLANTED)
    await case.complete(StepKind.PUBLIC_STATEMENT)
    await case.complete(StepKind.APPROVAL, "public_statement.approval-2", reason=PLANTED)
    await case.complete(StepKind.KDN_DECISION, kdn_reference=REFERENCE, notes=PLANTED)
    await case.complete(StepKind.PSYCHOLOGICAL_SUPPORT, education_organisation=PLANTED,
                        assessment=PLANTED, plan=[item, item])
    await case.handle.execute_update(RECORD_INSPECTION, InspectionRecord.model_validate({
        "actor": worker_of(), "outcome": {"held_at": datetime.now(UTC).isoformat(),
                                          "inspecting_body": PLANTED, "findings": PLANTED}}))
    await case.complete(StepKind.COORDINATION_MEETING, attendees=[PLANTED, "police"],
                        decisions=[{"text": PLANTED, "owner": PLANTED, "due": due}])
    await refused_then_clean(case, StepKind.RECOMMENDATIONS, {"official": PLANTED})
    await case.complete(StepKind.APPROVAL, "recommendations.approval-1", reason=PLANTED)
    await asyncio.sleep(1.5)  # plan reviews every second (the dev server does not skip time)
    await case.complete(StepKind.PLAN_REVIEW, "plan_review-1", items_done=[0], notes=PLANTED)
    await asyncio.sleep(1.5)
    await case.complete(StepKind.PLAN_REVIEW, "plan_review-2", items_done=[1], notes=PLANTED)
    await case.complete(StepKind.CLOSURE, summary=PLANTED)
    await case.complete(StepKind.CLOSURE_APPROVAL, "closure.approval-1",
                        actor=supervisor_of(name="sv-dana"), reason=PLANTED)


@pytest.mark.usefixtures("restore_logging")
async def test_nothing_readable_without_the_key_names_the_child(
    server_with_file: tuple[WorkflowEnvironment, Path], engine: Engine, tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    env, db = server_with_file
    configure_logging("DEBUG", json=True)
    mail_dir = tmp_path / "mail"
    policy = DeadlinePolicy(plan_review_every=timedelta(seconds=1))
    async with new_worker(env.client, engine, FileTransport(mail_dir)) as worker:
        submission = await submit_report(env.client, engine, parse_report(REPORT),
                                         task_queue=worker.task_queue, policy=policy)
        case = CaseDriver(env.client, submission.case_id)
        await planted_everywhere(case)
        await case.result()
        # With the key the child is all there: the codec hides her, nothing was left out.
        started = (await case.handle.fetch_history()).events[0]
        [case_input] = await env.client.data_converter.decode(
            started.workflow_execution_started_event_attributes.input.payloads, [CaseInput])
        assert case_input.report.child.full_name == CANARY_NAME
        assert case_input.report.reporter.phone == PHONE

    history = readable_text(await history_as_the_cli_shows_it(env, submission.case_id))
    assert "public_statement" in history and "coordination_meeting" in history
    assert found_in(history) == []

    listed = [w async for w in env.client.list_workflows()]
    assert [w.id for w in listed] == [submission.case_id]
    attributes = {k: v for w in listed for k, v in w.search_attributes.items()}
    assert attributes["CaseDistrict"] == [ALGA]
    assert found_in(repr(attributes) + " ".join(w.id for w in listed)) == []

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
