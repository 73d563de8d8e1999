"""The ``ombudsflow`` command against the real web app, dev server, worker and SQLite store:
what a person types, and what they read back. Case work is done as the person signed in with
``ombudsflow login``, through the HTTP API, and leaves the same audit trail as the pages."""

import asyncio
import re
import stat
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from commands.signin import SignIn, save_sign_in, token_path
from ombudsflow.codec import KeyRing
from ombudsflow.config import Settings
from ombudsflow.local_time import local_time
from schemas.case import CaseView
from schemas.report import Sex
from schemas.steps import StepKind
from store.audit import case_trail
from store.db import session_scope
from tests.cli.conftest import Cli, Result, WebApp
from tests.support.factories import CHILD_BIRTH, make_iin, report_data
from tests.support.ports import free_port
from tests.support.scenarios import CaseDriver, valid_outcome
from web.security import issue_token

CASE_OPENED = re.compile(r"^case ([A-Z]{3}-\d{4}-\d{6}) opened$", re.MULTILINE)
ALMATY_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d \(UTC\+05:00\)"


async def log_in(cli: Cli, web_app: WebApp, user_id: str) -> Result:
    result = await cli("login", user_id, "--password-stdin", stdin=web_app.password(user_id))
    assert result.code == 0, result.err
    return result


async def submit(cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch,
                 **report: Any) -> str:
    monkeypatch.setenv("OMBUDSFLOW_API_KEY", web_app.key("helpline-111"))
    ref = f"CLI-{uuid.uuid4().hex[:8]}"
    result = await cli("report", "submit", cli.file(f"{ref}.json", report_data(
        external_ref=ref, **report)))
    monkeypatch.delenv("OMBUDSFLOW_API_KEY")
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


# Signing in -------------------------------------------------------------------------------


async def test_login_keeps_the_token_private_and_logout_deletes_it(
    cli: Cli, web_app: WebApp, tmp_path: Path
) -> None:
    signed_in = await log_in(cli, web_app, "cw.aktobe")
    path = token_path()
    file_mode, dir_mode = (stat.S_IMODE(p.stat().st_mode) for p in (path, path.parent))
    listed = await cli("task", "list")
    signed_out = await cli("logout")
    after = await cli("task", "list")

    assert re.fullmatch(rf"signed in to {web_app.url} as cw\.aktobe until {ALMATY_TIME} "
                        rf"\(token in {re.escape(str(path))}\)\n", signed_in.out)
    assert path == tmp_path / "config" / "ombudsflow" / "token.json"  # $XDG_CONFIG_HOME
    assert (file_mode, dir_mode) == (0o600, 0o700)
    assert listed.code == 0, listed.err
    assert signed_out.out == "signed out\n" and not path.exists()
    assert after.code == 3
    assert after.err == "error: not signed in: run `ombudsflow login` first\n"


async def test_login_refuses_a_person_who_does_not_exist_or_a_wrong_password(
    cli: Cli, web_app: WebApp
) -> None:
    nobody = await cli("login", "cw-aigul", "--password-stdin", stdin="whatever-password")
    wrong = await cli("login", "cw.aktobe", "--password-stdin", stdin="not-the-password")

    for result in (nobody, wrong):
        assert result.code == 3
        assert result.err == "error: wrong user name or password\n"
    assert not token_path().exists()


async def test_login_asks_for_the_user_name_when_it_is_not_given(
    cli: Cli, web_app: WebApp
) -> None:
    result = await cli("login", "--password-stdin",
                       stdin=f"cw.pavlodar\n{web_app.password('cw.pavlodar')}\n")

    assert result.code == 0, result.err
    assert " as cw.pavlodar until " in result.out


async def test_no_one_acts_as_someone_else_from_the_command_line(
    cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = await submit(cli, web_app, monkeypatch)
    outcome = cli.file("talk.json", valid_outcome(StepKind.PREVENTIVE_TALK))
    task = f"{case_id}/preventive_talk"

    claimed_identity = await cli("task", "complete", task, outcome, "--as", "cw-aigul",
                                 "--role", "case_worker", "--region", "aktobe")
    not_signed_in = await cli("task", "complete", task, outcome)

    assert claimed_identity.code == 2
    assert "unrecognized arguments: --as cw-aigul --role case_worker --region aktobe" in (
        claimed_identity.err)
    assert not_signed_in.code == 3
    assert not_signed_in.err == "error: not signed in: run `ombudsflow login` first\n"


async def test_an_expired_or_rejected_sign_in_asks_to_log_in_again(
    cli: Cli, web_app: WebApp
) -> None:
    expired_at = datetime.now(UTC) - timedelta(minutes=1)
    save_sign_in(SignIn(url=web_app.url, user="cw.aktobe", access_token="x",
                        expires_at=expired_at))
    expired = await cli("task", "list")
    forged = issue_token(Settings(secret_key="not-the-web-apps-secret"), "cw.aktobe")
    save_sign_in(SignIn(url=web_app.url, user="cw.aktobe", access_token=forged,
                        expires_at=datetime.now(UTC) + timedelta(minutes=5)))
    refused = await cli("task", "list")
    elsewhere = await cli("task", "list", "--url", "http://127.0.0.1:9")

    assert expired.code == 3
    assert expired.err == (f"error: your sign-in as cw.aktobe expired at "
                           f"{local_time(expired_at)}: run `ombudsflow login` again\n")
    assert refused.code == 3
    assert refused.err == (f"error: {web_app.url} no longer accepts your sign-in as cw.aktobe "
                           "(it expired, or the account changed): run `ombudsflow login` "
                           "again\n")
    assert elsewhere.code == 3
    assert elsewhere.err == (f"error: signed in to {web_app.url}, not http://127.0.0.1:9: "
                             "run `ombudsflow login --url http://127.0.0.1:9`\n")


# Reports ----------------------------------------------------------------------------------


async def test_submit_opens_a_case_once_with_an_integration_key(
    cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cli.file("report.json", report_data(external_ref=f"CLI-{uuid.uuid4().hex[:8]}"))

    no_key = await cli("report", "submit", path)
    first = await cli("report", "submit", path, "--api-key-stdin",
                      stdin=web_app.key("helpline-111") + "\n")
    monkeypatch.setenv("OMBUDSFLOW_API_KEY", web_app.key("helpline-111"))
    again = await cli("report", "submit", path)
    monkeypatch.setenv("OMBUDSFLOW_API_KEY", web_app.key("police-system"))
    wrong_scope = await cli("report", "submit", path)

    assert no_key.code == 3 and no_key.err.startswith(
        "error: report submit needs an integration key (X-API-Key): set OMBUDSFLOW_API_KEY")
    assert first.code == 0 and again.code == 0, first.err + again.err
    found = CASE_OPENED.search(first.out)
    assert found, first.out
    case_id = found.group(1)
    assert f"/workflows/{case_id}" in first.out
    assert again.out.startswith(f"case {case_id} already received (existing case)\n")
    assert wrong_scope.code == 3
    assert wrong_scope.err == "error: this key may not reports\n"


async def test_submit_says_each_bad_field_and_its_reason(
    cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMBUDSFLOW_API_KEY", web_app.key("helpline-111"))
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

    assert adult_result.code == 2 and adult_result.out == ""
    assert re.fullmatch(r"error: .*child must be under 18.*\n", adult_result.err)
    assert bad_result.code == 2
    assert bad_result.err.startswith("error: region: Input should be 'abai', 'akmola'")
    assert broken.code == 2 and "not valid JSON" in broken.err
    assert missing.code == 2
    assert missing.err == "error: no/such/report.json: No such file or directory\n"


# Tasks ------------------------------------------------------------------------------------


async def test_task_list_shows_your_regions_tasks_with_clause_and_almaty_due_time(
    cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = await submit(cli, web_app, monkeypatch)
    await log_in(cli, web_app, "cw.aktobe")

    listed = await eventually_listed(cli, f"{case_id}/preventive_talk", "--case", case_id)
    police_only = await cli("task", "list", "--case", case_id, "--kind", "police_decision")
    await log_in(cli, web_app, "cw.pavlodar")
    elsewhere = await cli("task", "list", "--case", case_id)

    talk = next(line for line in listed.out.splitlines() if "/preventive_talk" in line)
    assert listed.out.startswith("TASK ")
    assert talk.split()[:3] == [f"{case_id}/preventive_talk", "¶10.2", "preventive_talk"]
    assert re.search(ALMATY_TIME, talk) and "overdue" not in talk
    assert [line.split()[0] for line in police_only.out.splitlines()[1:]] == [
        f"{case_id}/police_decision"]
    assert elsewhere.out == "no open tasks\n"


async def test_task_complete_acts_as_the_signed_in_person_and_leaves_an_audit_row(
    cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch, dev_env: WorkflowEnvironment,
    engine: Engine,
) -> None:
    case_id = await submit(cli, web_app, monkeypatch)
    await CaseDriver(dev_env.client, case_id).wait_for("preventive_talk")
    task = f"{case_id}/preventive_talk"
    outcome = cli.file("talk.json", valid_outcome(StepKind.PREVENTIVE_TALK))
    unexplained = cli.file("unexplained.json", valid_outcome(StepKind.PREVENTIVE_TALK, talks=[
        {"party": "parent", "held_at": datetime.now(UTC).isoformat(),
         "responsibility_explained": False}]))

    await log_in(cli, web_app, "sv.aktobe")
    as_supervisor = await cli("task", "complete", task, outcome)
    await log_in(cli, web_app, "cw.pavlodar")
    other_region = await cli("task", "complete", task, outcome)
    await log_in(cli, web_app, "cw.aktobe")
    claimed = await cli("task", "claim", task)
    invalid = await cli("task", "complete", task, unexplained)
    unknown = await cli("task", "complete", f"{case_id}/no_such_task", outcome)
    malformed = await cli("task", "complete", "preventive_talk", outcome)
    done = await cli("task", "complete", task, outcome)
    twice = await cli("task", "complete", task, outcome)

    assert as_supervisor.code == 3 and "supervisor" in as_supervisor.err
    assert other_region.code == 3
    assert re.fullmatch(r"error: .*pavlodar.*aktobe.*\n", other_region.err)
    assert claimed.out == f"task {task} claimed: colleagues see you work on it\n"
    assert invalid.code == 2
    assert re.fullmatch(r"error: .*talks\.0.*¶10\.2 .*responsibility.*\n", invalid.err)
    assert unknown.code == 2 and "no_such_task" in unknown.err
    assert malformed.code == 2 and "expected CASE/KEY" in malformed.err
    assert done.code == 0, done.err
    assert done.out == f"task {task} done: Preventive talk (¶10.2), by cw.aktobe\n"
    assert twice.code == 2
    assert twice.err == "error: task 'preventive_talk' is already done\n"
    with session_scope(engine) as session:
        trail = case_trail(session, case_id)
    completions = [(e.actor_id, e.role, e.region, e.result) for e in trail
                   if e.action == f"POST /api/v1/tasks/{task}/complete"]
    assert ("cw.aktobe", "case_worker", "aktobe", 200) in completions
    assert ("sv.aktobe", "supervisor", "aktobe", 403) in completions
    assert all(e.actor_id != "cw-aigul" for e in trail)


async def test_case_inspect_records_an_inspection_once_the_facts_are_confirmed(
    cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch, dev_env: WorkflowEnvironment
) -> None:
    case_id = await submit(cli, web_app, monkeypatch)
    driver = CaseDriver(dev_env.client, case_id)
    inspection = cli.file("inspection.json", {
        "held_at": (await driver.wait_for("preventive_talk")).opened_at.isoformat(),
        "inspecting_body": "regional prosecutor's office", "findings": "school safety checked"})
    decision = cli.file("police.json", valid_outcome(StepKind.POLICE_DECISION))
    await log_in(cli, web_app, "cw.aktobe")

    too_early = await cli("case", "inspect", case_id, inspection)
    monkeypatch.setenv("OMBUDSFLOW_API_KEY", web_app.key("police-system"))
    decided = await cli("decision", "police", case_id, decision)
    recorded = await cli("case", "inspect", case_id, inspection)
    no_case = await cli("case", "inspect", "AKT-1999-000000", inspection)

    assert too_early.code == 2
    assert re.fullmatch(r"error: ¶11\.5 .*police.* \(TaskClosed\)\n", too_early.err)
    assert decided.code == 0, decided.err
    assert decided.out.startswith(f"decision recorded as {case_id}/police_decision: ")
    assert recorded.code == 0, recorded.err
    assert recorded.out == f"inspection recorded as {case_id}/inspection-1 (¶11.5)\n"
    assert no_case.code == 2 and no_case.err.startswith("error: ")


# Cases ------------------------------------------------------------------------------------


async def test_case_show_prints_each_step_with_its_clause_in_almaty_time(
    cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch, dev_env: WorkflowEnvironment
) -> None:
    received = datetime(2026, 11, 30, 4, 15, tzinfo=UTC)  # 09:15 in Almaty
    case_id = await submit(cli, web_app, monkeypatch, cohabiting_parent=False,
                           received_at=received)
    await CaseDriver(dev_env.client, case_id).wait_for("police_decision")
    await log_in(cli, web_app, "sv.aktobe")

    shown = await cli("case", "show", case_id)
    as_json = await cli("case", "show", case_id, "--json")
    listed = await cli("case", "list", "--stage", "police_check")
    history = await cli("case", "history", case_id)

    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0] == (f"case {case_id}: physical_violence in Alga District, aktobe, "
                        "received 2026-11-30 09:15 (UTC+05:00)")
    assert lines[1].startswith("stage: police_check   police finding: pending")
    rows = steps_shown(shown.out)
    assert rows["notice.commissioner"][0] == "¶10.1"
    assert rows["referral.police"][:3] == ["¶10.3", "referral.police", "skipped"]
    assert rows["preventive_talk"][:3] == ["¶10.2", "preventive_talk", "open"]
    assert rows["police_decision"][0] == "¶11"
    assert "UTC+05:00" in " ".join(rows["preventive_talk"]) and "Z" not in shown.out
    assert CaseView.model_validate_json(as_json.out).case_id == case_id and as_json.err == ""
    assert any(line.startswith(f"{case_id}  aktobe") for line in listed.out.splitlines())
    assert history.code == 0, history.err
    assert re.search(rf"^{ALMATY_TIME}  ¶10\.1 ", history.out, re.MULTILINE)


async def test_a_supervisor_decides_approvals_from_the_terminal(
    cli: Cli, web_app: WebApp, monkeypatch: pytest.MonkeyPatch, dev_env: WorkflowEnvironment
) -> None:
    case_id = await submit(cli, web_app, monkeypatch)
    driver = CaseDriver(dev_env.client, case_id)
    await driver.complete(StepKind.POLICE_DECISION)
    await driver.complete(StepKind.PUBLIC_STATEMENT)
    approval = (await driver.wait_for("public_statement.approval-1")).key
    await log_in(cli, web_app, "sv.aktobe")

    listed = await cli("approval", "list")
    rejected = await cli("approval", "reject", f"{case_id}/{approval}", "--reason",
                         "name the school's contact person")

    assert any(line.startswith(f"{case_id}/{approval}  ") for line in listed.out.splitlines())
    assert rejected.code == 0, rejected.err
    assert rejected.out.startswith(f"sent back: {case_id}/{approval}, ")


async def test_commands_say_when_the_web_app_is_unreachable(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("OMBUDSFLOW_API_KEY", "ofk_x.y")

    result = await cli("report", "submit", cli.file("r.json", report_data()), "--url", url)

    assert result.code == 1
    assert result.err.startswith(f"error: cannot reach the web app at {url}: ")
    assert len(result.err.splitlines()) == 1


# Operators, on this machine ---------------------------------------------------------------


async def test_operator_commands_print_their_answer_and_no_log_lines(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OMBUDSFLOW_LOG_LEVEL", "INFO")
    monkeypatch.setenv("OMBUDSFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")

    first = await cli("audit", "verify")  # creates the schema
    again = await cli("audit", "verify")

    for result in (first, again):
        assert (result.code, result.err) == (0, "")
        assert result.out == "audit trail intact: 0 rows, hash chain verified\n"


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
