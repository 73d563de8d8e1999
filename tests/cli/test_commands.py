"""The ``ombudsflow`` command against the real dev server, a worker and a SQLite store: what a
case worker types, and what they read back."""

import asyncio
import re
import secrets
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ombudsflow.codec import KeyRing
from schemas.case import CaseView
from schemas.report import Sex
from schemas.steps import StepKind
from store.cases import project_case
from store.db import session_scope
from tests.cli.conftest import Cli, Result
from tests.factories import ALGA, CHILD_BIRTH, make_iin, report_data
from tests.ports import free_port
from tests.scenarios import CaseDriver, valid_outcome

CASE_OPENED = re.compile(r"^case ([A-Z]{3}-\d{4}-\d{6}) opened$", re.MULTILINE)
CASE_WORKER = ("--as", "cw-aigul", "--role", "case_worker", "--region", "aktobe")


async def submit(cli: Cli, **report: Any) -> str:
    ref = f"CLI-{uuid.uuid4().hex[:8]}"
    result = await cli("report", "submit", cli.file(f"{ref}.json", report_data(
        external_ref=ref, **report)))
    assert result.code == 0, result.err
    found = CASE_OPENED.search(result.out)
    assert found, result.out
    return found.group(1)


async def eventually_listed(cli: Cli, task_id: str, *filters: str) -> Result:
    """``task list`` once the store has the task (projection follows the workflow)."""
    for _ in range(100):
        result = await cli("task", "list", *filters)
        if task_id in result.out:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"{task_id} never listed: {result.out}{result.err}")


def steps_shown(out: str) -> dict[str, list[str]]:
    """The columns of each row of ``case show``'s step table, by step key."""
    lines = out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("CLAUSE"))) + 1:]
    return {line.split()[1]: line.split() for line in table}


async def test_submit_opens_a_case_once_and_links_the_temporal_ui(
    cli: Cli, cli_worker: Worker, dev_env: WorkflowEnvironment
) -> None:
    path = cli.file("report.json", report_data(external_ref=f"CLI-{uuid.uuid4().hex[:8]}"))

    first = await cli("report", "submit", path)
    again = await cli("report", "submit", path)

    assert first.code == 0 and again.code == 0
    found = CASE_OPENED.search(first.out)
    assert found, first.out
    case_id = found.group(1)
    assert f"/namespaces/{dev_env.client.namespace}/workflows/{case_id}" in first.out
    assert again.out.startswith(f"case {case_id} already received (existing case)\n")


async def test_submit_rejects_an_invalid_report_with_each_field_and_its_reason(cli: Cli) -> None:
    adult_birth = date(2000, 1, 15)
    adult = report_data(child={**report_data()["child"], "birth_date": adult_birth.isoformat(),
                               "iin": make_iin(adult_birth, Sex.FEMALE)})
    bad_iin = {**report_data(child={**report_data()["child"],
                                    "iin": make_iin(CHILD_BIRTH, Sex.MALE)}),
               "region": "atlantis"}

    adult_result = await cli("report", "submit", cli.file("adult.json", adult))
    bad_result = await cli("report", "submit", cli.file("bad.json", bad_iin))
    broken = await cli("report", "submit", cli.file("broken.json", "{not json"))
    missing = await cli("report", "submit", "no/such/report.json")

    # A rule about the whole report is named by the file; a field's by its path.
    assert adult_result.code == 2 and adult_result.out == ""
    assert re.fullmatch(r"error: adult\.json: child must be under 18.*\n", adult_result.err)
    assert bad_result.code == 2
    region, iin = bad_result.err.splitlines()
    assert region.startswith("error: region: Input should be 'abai', 'akmola'")
    assert re.fullmatch(r"error: child: IIN .*sex.*", iin)
    assert broken.code == 2 and "not valid JSON" in broken.err
    assert missing.code == 2
    assert missing.err == "error: no/such/report.json: No such file or directory\n"


async def test_task_list_shows_the_preventive_talk_with_its_clause(
    cli: Cli, cli_worker: Worker
) -> None:
    case_id = await submit(cli)

    listed = await eventually_listed(cli, f"{case_id}/preventive_talk", "--case", case_id)
    police_only = await cli("task", "list", "--case", case_id, "--kind", "police_decision")
    elsewhere = await cli("task", "list", "--case", case_id, "--region", "almaty")

    talk = next(line for line in listed.out.splitlines() if "/preventive_talk" in line)
    assert listed.out.startswith("TASK ")
    assert talk.split()[:4] == [f"{case_id}/preventive_talk", "¶10.2", "preventive_talk",
                                "case_worker"]
    assert "overdue" not in talk
    assert [line.split()[0] for line in police_only.out.splitlines()[1:]] == [
        f"{case_id}/police_decision"]
    assert elsewhere.out == "no open tasks\n"


async def test_task_complete_runs_the_update_and_reports_the_workflows_refusals(
    cli: Cli, cli_worker: Worker, dev_env: WorkflowEnvironment
) -> None:
    case_id = await submit(cli)
    await CaseDriver(dev_env.client, case_id).wait_for("preventive_talk")
    task = f"{case_id}/preventive_talk"
    outcome = cli.file("talk.json", valid_outcome(StepKind.PREVENTIVE_TALK))
    unexplained = cli.file("unexplained.json", valid_outcome(StepKind.PREVENTIVE_TALK, talks=[
        {"party": "parent", "held_at": "2026-01-01T10:00:00+05:00",
         "responsibility_explained": False}]))

    as_supervisor = await cli("task", "complete", task, outcome, "--as", "sv-marat",
                              "--role", "supervisor", "--region", "aktobe")
    other_region = await cli("task", "complete", task, outcome, "--as", "cw-dana",
                             "--role", "case_worker", "--region", "almaty")
    invalid = await cli("task", "complete", task, unexplained, *CASE_WORKER)
    unknown = await cli("task", "complete", f"{case_id}/no_such_task", outcome, *CASE_WORKER)
    malformed = await cli("task", "complete", "preventive_talk", outcome, *CASE_WORKER)
    done = await cli("task", "complete", task, outcome, *CASE_WORKER)
    twice = await cli("task", "complete", task, outcome, *CASE_WORKER)

    # The workflow's own reason, on one line, then its RejectedAction type.
    assert as_supervisor.code == 2
    assert re.fullmatch(r"error: .*supervisor.* may not complete a preventive_talk task "
                        r"\(¶10\.2\) \(Forbidden\)\n", as_supervisor.err)
    assert other_region.code == 2
    assert re.fullmatch(r"error: .*aktobe.*almaty.* \(Forbidden\)\n", other_region.err)
    assert invalid.code == 2
    assert re.fullmatch(r"error: outcome\.talks\.0: ¶10\.2 .*responsibility.*\n", invalid.err)
    assert unknown.code == 2
    assert unknown.err == f"error: case {case_id} has no task 'no_such_task' (UnknownTask)\n"
    assert malformed.code == 2 and "expected CASE/KEY" in malformed.err
    assert done.code == 0, done.err
    assert done.out == f"task {task} done: Preventive talk (¶10.2), by cw-aigul\n"
    assert twice.code == 2
    assert re.fullmatch(r"error: .*preventive_talk.* already done.* \(TaskClosed\)\n", twice.err)


async def test_case_inspect_records_an_inspection_once_the_facts_are_confirmed(
    cli: Cli, cli_worker: Worker, dev_env: WorkflowEnvironment
) -> None:
    case_id = await submit(cli)
    driver = CaseDriver(dev_env.client, case_id)
    inspection = cli.file("inspection.json", {
        "held_at": (await driver.wait_for("preventive_talk")).opened_at.isoformat(),
        "inspecting_body": "regional prosecutor's office", "findings": "school safety checked"})

    too_early = await cli("case", "inspect", case_id, inspection, *CASE_WORKER)
    await driver.complete(StepKind.POLICE_DECISION)
    recorded = await cli("case", "inspect", case_id, inspection, *CASE_WORKER)
    no_case = await cli("case", "inspect", "AKT-1999-000000", inspection, *CASE_WORKER)

    assert too_early.code == 2
    assert re.fullmatch(r"error: ¶11\.5 .*police.* \(TaskClosed\)\n", too_early.err)
    assert recorded.code == 0, recorded.err
    assert recorded.out == f"inspection recorded as {case_id}/inspection-1 (¶11.5)\n"
    assert no_case.code == 2 and no_case.err.startswith("error: case AKT-1999-000000: ")


async def test_case_show_prints_each_step_with_its_clause(
    cli: Cli, cli_worker: Worker, dev_env: WorkflowEnvironment
) -> None:
    case_id = await submit(cli, cohabiting_parent=False)
    await CaseDriver(dev_env.client, case_id).wait_for("police_decision")

    shown = await cli("case", "show", case_id)
    as_json = await cli("case", "show", case_id, "--json")

    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    # The district code: ombudsflow/cli.py is rewritten over the API, which names it (issue 10).
    assert lines[0].startswith(f"case {case_id}: physical_violence in {ALGA}, aktobe")
    assert lines[1].startswith("stage: police_check   police finding: pending")
    rows = steps_shown(shown.out)
    assert rows["notice.commissioner"][0] == "¶10.1"
    assert rows["referral.police"][:3] == ["¶10.3", "referral.police", "skipped"]
    assert rows["preventive_talk"][:3] == ["¶10.2", "preventive_talk", "open"]
    assert rows["police_decision"][0] == "¶11"
    view = CaseView.model_validate_json(as_json.out)
    assert view.case_id == case_id and as_json.err == ""


async def test_case_show_falls_back_to_the_store_when_temporal_has_no_such_case(
    cli: Cli, cli_worker: Worker, dev_env: WorkflowEnvironment, engine: Engine
) -> None:
    case_id = await submit(cli)
    live = await CaseDriver(dev_env.client, case_id).wait_for("preventive_talk")
    gone = f"AKT-1999-{secrets.randbelow(10**6):06d}"
    view = (await CaseDriver(dev_env.client, case_id).view()).model_copy(
        update={"case_id": gone})
    with session_scope(engine) as session:
        project_case(session, view=view)

    shown = await cli("case", "show", gone)
    unknown = await cli("case", "show", "AKT-1999-999999x")

    assert shown.code == 0, shown.err
    assert shown.out.startswith(f"case {gone}: ")
    assert steps_shown(shown.out)[live.key][:3] == ["¶10.2", live.key, "open"]
    assert shown.err == (f"note: Temporal has no case {gone}; showing the store's last "
                         f"projection (version {view.version})\n")
    assert unknown.code == 2 and unknown.err == "error: Temporal has no case AKT-1999-999999x\n"


async def test_commands_say_when_temporal_is_unreachable(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_port = free_port()
    monkeypatch.setenv("OMBUDSFLOW_TEMPORAL_ADDRESS", f"127.0.0.1:{closed_port}")

    result = await cli("report", "submit", cli.file("r.json", report_data()))

    assert result.code == 1
    assert result.err.startswith(f"error: cannot reach Temporal at 127.0.0.1:{closed_port}: ")
    assert len(result.err.splitlines()) == 1


async def test_keys_init_creates_the_file_once_and_rotate_adds_a_key(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OMBUDSFLOW_KEYS")
    path = tmp_path / "var" / "keys.json"

    nothing_to_rotate = await cli("keys", "rotate")
    created = await cli("keys", "init")
    first = KeyRing.load(path)
    kept = await cli("keys", "init")
    rotated = await cli("keys", "rotate")
    second = KeyRing.load(path)

    assert nothing_to_rotate.code == 1
    assert nothing_to_rotate.err == (
        f"error: no key file at {path}: run `ombudsflow keys init` first\n")
    assert created.out == f"{path} created; active key {first.active}\n"
    assert kept.out == f"{path} already exists; active key {first.active}\n"
    assert rotated.code == 0
    assert rotated.out.startswith(f"{path}: active key is now {second.active}; ")
    assert second.active != first.active
    assert second.keys[first.active] == first.keys[first.active]
