"""The ``ombudsflow`` command: case work from the terminal, through the web app's HTTP API as a
signed-in person (or an integration's key), and the operator's commands on this machine.

    ombudsflow login [USER] [--password-stdin] | logout
    ombudsflow report submit FILE.json                      (an integration key: OMBUDSFLOW_API_KEY)
    ombudsflow appeal submit FILE.json                      (an integration key: OMBUDSFLOW_API_KEY)
    ombudsflow decision police|kdn CASE FILE.json            (an integration key)
    ombudsflow task list | claim CASE/KEY | release CASE/KEY | complete CASE/KEY FILE.json
    ombudsflow approval list | approve CASE/KEY | reject CASE/KEY --reason TEXT
    ombudsflow case list | show CASE [--json] | history CASE | inspect CASE FILE.json
    ombudsflow run | worker | web                            (the processes, on this machine)
    ombudsflow user create | key create | keys init|rotate | audit verify   (operators, locally)

Case commands act as the person ``ombudsflow login`` signed in (the API decides what they may
do, and writes the audit trail); they never talk to Temporal or the store themselves. Times are
shown in Almaty time, as on the pages and in the notices, with the offset written out.

Exit status: 0 done; 1 a service (the web app, Temporal, the database) is unreachable or not
set up; 2 the input was rejected (an invalid file, an unknown task, an action the workflow
refused); 3 not signed in, or not allowed (a sign-in expired, the wrong role or region). Each
reason is one ``error:`` line on stderr, so a script can show it as it is.
"""

import argparse
import asyncio
import getpass
import json
import logging
import os
import re
import secrets
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from activities.districts import load_districts
from commands.api_client import ApiClient, ApiError, ApiUnreachable, path_of
from commands.signin import SignIn, forget_sign_in, load_sign_in, save_sign_in
from ombudsflow.config import Settings, get_settings
from ombudsflow.credentials import KEY_SCOPES, hash_password, new_api_key
from ombudsflow.local_time import local_time
from ombudsflow.logging import configure_logging
from schemas.activities import EMAIL_PATTERN
from schemas.appeal import AppealChannel
from schemas.case import CaseView
from schemas.case import Stage as CaseStage
from schemas.districts import Districts
from schemas.regions import Region
from schemas.report import Category, Channel
from schemas.steps import Role, StepKind
from schemas.webhooks import EventType
from store.audit import ChainBroken, verify_chain
from store.db import create_schema, make_engine, session_scope
from store.users import AlreadyExists, create_api_key, create_user

MIN_PASSWORD = 10
# Files and folders ``ombudsflow run`` creates (the stores, the key ring, the mail, the
# Temporal server's database and its -wal/-shm files) are its user's alone.
PRIVATE_UMASK = 0o077


class CommandError(Exception):
    """Ends the command: each reason becomes an ``error:`` line, and ``exit_code`` its status."""

    def __init__(self, *reasons: str, exit_code: int) -> None:
        super().__init__(*reasons)
        self.reasons = reasons
        self.exit_code = exit_code


def rejected(*reasons: str) -> CommandError:
    return CommandError(*reasons, exit_code=2)


def not_ready(reason: str) -> CommandError:
    return CommandError(reason, exit_code=1)


def not_allowed(*reasons: str) -> CommandError:
    return CommandError(*reasons, exit_code=3)


def refused(error: ApiError) -> CommandError:
    """The API's refusal as the command's: 401/403 not allowed, 5xx not ready, else rejected."""
    if error.status in (401, 403):
        return not_allowed(*error.reasons)
    if error.status >= 500:
        return CommandError(*error.reasons, exit_code=1)
    return rejected(*error.reasons)


# Output -----------------------------------------------------------------------------------


def _write(text: str) -> None:
    sys.stdout.write(f"{text}\n")


def _note(text: str) -> None:
    """Said on stderr, so ``--json`` output on stdout stays parseable."""
    sys.stderr.write(f"note: {text}\n")


def _when(moment: datetime | None) -> str:
    """Almaty time with its offset, as the pages and notices show it; "-" for none."""
    return local_time(moment) if moment else "-"


def _at(value: str | None) -> str:
    """An API timestamp (ISO 8601 with offset) in local time."""
    return _when(datetime.fromisoformat(value) if value else None)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(map(len, column)) for column in zip(headers, *rows, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    )


def _render_case(view: CaseView, now: datetime, districts: Districts) -> str:
    facts = view.facts
    district = districts.name_in(facts.region, facts.district, "en")
    rows = [
        [s.clause, s.key, f"{s.status.value}, overdue" if s.overdue_at(now) else s.status.value,
         _when(s.due_at), _when(s.done_at), s.actor or "-"]
        for s in view.steps
    ]
    return "\n".join([
        f"case {view.case_id}: {facts.category.value} in {district}, {facts.region.value}, "
        f"received {local_time(facts.received_at)}",
        f"stage: {view.stage.value}   police finding: {view.police_finding.value}   "
        f"overdue: {'yes' if view.overdue else 'no'}",
        "",
        _table(["CLAUSE", "KEY", "STATUS", "DUE", "DONE", "ACTOR"], rows),
    ])


def _step_done(step: dict[str, Any]) -> str:
    """A step the API answered with (StepView): its id, title, clause and actor."""
    return f"{step['title']} ({step['clause']}), by {step['actor']}"


# Input ------------------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise rejected(f"{path}: {e.strerror}") from e
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError
        raise rejected(f"{path}: not valid JSON: {e}") from e


def _field_reasons(error: ValidationError, whole: str) -> list[str]:
    """One ``field.path: reason`` per bad field; ``whole`` names a rule about the whole."""
    return [
        f"{'.'.join(map(str, e['loc'])) or whole}: {e['msg'].removeprefix('Value error, ')}"
        for e in error.errors()
    ]


def _task_id(task: str) -> tuple[str, str]:
    case_id, _, key = task.partition("/")
    if not case_id or not key:
        raise rejected(f"task {task!r}: expected CASE/KEY, e.g. AKT-2026-000001/preventive_talk")
    return case_id, key


# The web app ------------------------------------------------------------------------------


def _api_url(args: argparse.Namespace, settings: Settings) -> str:
    url: str = getattr(args, "url", None) or settings.api_url or settings.public_base_url
    return url.rstrip("/")


def _as_person(args: argparse.Namespace, settings: Settings) -> ApiClient:
    """The API as the person ``ombudsflow login`` signed in; refused before any request when
    nobody is, the sign-in is for another web app, or it has expired."""
    url = _api_url(args, settings)
    sign_in = load_sign_in()
    if sign_in is None:
        raise not_allowed("not signed in: run `ombudsflow login` first")
    if sign_in.url != url:
        raise not_allowed(f"signed in to {sign_in.url}, not {url}: run "
                          f"`ombudsflow login --url {url}`")
    if sign_in.expired(datetime.now(UTC)):
        raise not_allowed(f"your sign-in as {sign_in.user} expired at "
                          f"{local_time(sign_in.expires_at)}: run `ombudsflow login` again")
    return ApiClient(
        url, headers={"Authorization": f"Bearer {sign_in.access_token.get_secret_value()}"},
        unauthorized=f"{url} no longer accepts your sign-in as {sign_in.user} (it expired, or "
                     "the account changed): run `ombudsflow login` again")


def _as_integration(args: argparse.Namespace, settings: Settings) -> ApiClient:
    """The API as the integration whose key is given (stdin or ``OMBUDSFLOW_API_KEY``)."""
    key = sys.stdin.readline().strip() if args.api_key_stdin else (
        settings.api_key.get_secret_value() if settings.api_key else "")
    if not key:
        raise not_allowed(f"{args.key_use} needs an integration key (X-API-Key): set "
                          "OMBUDSFLOW_API_KEY or pass it with --api-key-stdin; "
                          "`ombudsflow key create` makes one")
    return ApiClient(_api_url(args, settings), headers={"X-API-Key": key})


# Sign-in ----------------------------------------------------------------------------------


def log_in(args: argparse.Namespace, settings: Settings) -> None:
    """Exchange a user name and password for a token (``POST /auth/token``) and keep it."""
    url = _api_url(args, settings)
    user = args.user or input("user name: ").strip()
    password = (sys.stdin.readline().rstrip("\r\n") if args.password_stdin
                else getpass.getpass(f"password for {user}: "))
    with ApiClient(url) as api:
        token = api.answer("POST", path_of("auth", "token"),
                           data={"username": user, "password": password}).json()
    expires_at = datetime.now(UTC) + timedelta(seconds=token["expires_in"])
    path = save_sign_in(SignIn(url=url, user=user, access_token=token["access_token"],
                               expires_at=expires_at))
    _write(f"signed in to {url} as {user} until {local_time(expires_at)} (token in {path})")


def log_out(args: argparse.Namespace, settings: Settings) -> None:
    _write("signed out" if forget_sign_in() else "not signed in")


# Reports and decisions (integrations) -----------------------------------------------------


def submit_report_file(args: argparse.Namespace, settings: Settings) -> None:
    report = _read_json(args.file)
    with _as_integration(args, settings) as api:
        response = api.answer("POST", path_of("reports"), json=report)
    accepted = response.json()
    verb = "opened" if response.status_code == 201 else "already received (existing case)"
    _write(f"case {accepted['case_id']} {verb}")
    _write(f"  Temporal UI: {accepted['links']['temporal_ui']}")


def submit_appeal_file(args: argparse.Namespace, settings: Settings) -> None:
    appeal = _read_json(args.file)
    with _as_integration(args, settings) as api:
        response = api.answer("POST", path_of("appeals"), json=appeal)
    accepted = response.json()
    verb = "registered" if response.status_code == 201 else "already received (existing appeal)"
    _write(f"appeal {accepted['appeal_id']} {verb}")
    if accepted["case_id"]:
        _write(f"  ¶10 case opened at once: {accepted['case_id']}")


def deliver_decision(args: argparse.Namespace, settings: Settings) -> None:
    body = {"case_id": args.case, "outcome": _read_json(args.file)}
    with _as_integration(args, settings) as api:
        step = api.post(path_of(f"{args.body}-decisions"), json=body)
    _write(f"decision recorded as {args.case}/{step['key']}: {_step_done(step)}")


# Cases ------------------------------------------------------------------------------------


def list_cases(args: argparse.Namespace, settings: Settings) -> None:
    with _as_person(args, settings) as api:
        cases = api.get(path_of("cases"), region=args.region, stage=args.stage,
                        category=args.category, overdue=args.overdue or None, limit=args.limit)
    if not cases:
        _write("no cases")
        return
    districts = load_districts(settings.districts_file)
    rows = [[c["case_id"], c["region"],
             districts.name_in(Region(c["region"]), c["district"], "en"), c["category"], c["stage"],
             _at(c["received_at"]), "overdue" if c["overdue"] else ""] for c in cases]
    _write(_table(["CASE", "REGION", "DISTRICT", "CATEGORY", "STAGE", "RECEIVED", ""], rows))


def show_case(args: argparse.Namespace, settings: Settings) -> None:
    with _as_person(args, settings) as api:
        detail = api.get(path_of("cases", args.case))
    if args.json:
        _write(json.dumps(detail, indent=2, ensure_ascii=False))
        return
    _write(_render_case(CaseView.model_validate(detail), datetime.now(UTC),
                        load_districts(settings.districts_file)))


def show_history(args: argparse.Namespace, settings: Settings) -> None:
    with _as_person(args, settings) as api:
        history = api.get(path_of("cases", args.case, "history"))
    rows = [[_at(line["at"]), line["clause"] or "", line["text"], line["actor"] or ""]
            for line in history["lines"]]
    _write(_table(["WHEN", "CLAUSE", "WHAT", "BY"], rows))
    _write(f"  Temporal UI: {history['temporal_ui']}")


def inspect_case(args: argparse.Namespace, settings: Settings) -> None:
    body = {"outcome": _read_json(args.file)}
    with _as_person(args, settings) as api:
        step = api.post(path_of("cases", args.case, "inspections"), json=body)
    _write(f"inspection recorded as {args.case}/{step['key']} ({step['clause']})")


# Webhook subscriptions (admins) -----------------------------------------------------------


def add_webhook(args: argparse.Namespace, settings: Settings) -> None:
    body = {"id": args.id, "url": args.url_to, "events": args.event}
    with _as_person(args, settings) as api:
        created = api.post(path_of("webhooks"), json=body)
    _write(f"webhook {created['id']} subscribed to {', '.join(created['events'])}")
    _write(f"  signing secret (shown once): {created['secret']}")


def list_webhooks(args: argparse.Namespace, settings: Settings) -> None:
    with _as_person(args, settings) as api:
        subscriptions = api.get(path_of("webhooks"))
    rows = [[s["id"], s["url"], ", ".join(s["events"])] for s in subscriptions]
    _write(_table(["ID", "URL", "EVENTS"], rows) if rows else "no webhooks")


def remove_webhook(args: argparse.Namespace, settings: Settings) -> None:
    with _as_person(args, settings) as api:
        api.answer("DELETE", path_of("webhooks", args.id))
    _write(f"webhook {args.id} removed")


# Tasks and approvals ----------------------------------------------------------------------


def list_open_tasks(args: argparse.Namespace, settings: Settings) -> None:
    with _as_person(args, settings) as api:
        tasks = api.get(path_of("tasks"), kind=args.kind, case_id=args.case,
                        overdue=args.overdue or None, limit=args.limit)
    if not tasks:
        _write("no open tasks")
        return
    rows = [[t["id"], t["clause"], t["kind"], _at(t["due_at"]), t["claimed_by"] or "-",
             "overdue" if t["overdue"] else ""] for t in tasks]
    _write(_table(["TASK", "CLAUSE", "KIND", "DUE", "CLAIMED BY", ""], rows))


def claim_task(args: argparse.Namespace, settings: Settings) -> None:
    case_id, key = _task_id(args.task)
    with _as_person(args, settings) as api:
        api.post(path_of("tasks", case_id, key, "claim"))
    _write(f"task {case_id}/{key} claimed: colleagues see you work on it")


def release_task(args: argparse.Namespace, settings: Settings) -> None:
    case_id, key = _task_id(args.task)
    with _as_person(args, settings) as api:
        api.post(path_of("tasks", case_id, key, "release"))
    _write(f"task {case_id}/{key} released to the inbox")


def complete_task(args: argparse.Namespace, settings: Settings) -> None:
    case_id, key = _task_id(args.task)
    body = {"outcome": _read_json(args.file)}
    with _as_person(args, settings) as api:
        step = api.post(path_of("tasks", case_id, key, "complete"), json=body)
    _write(f"task {case_id}/{step['key']} done: {_step_done(step)}")


def list_approvals(args: argparse.Namespace, settings: Settings) -> None:
    with _as_person(args, settings) as api:
        approvals = api.get(path_of("approvals"), limit=args.limit)
    if not approvals:
        _write("no open approvals")
        return
    rows = [[a["id"], a["clause"], a["draft"]["title"] if a["draft"] else "-",
             (a["draft"] or {}).get("actor") or "-", _at(a["due_at"]),
             "overdue" if a["overdue"] else ""] for a in approvals]
    _write(_table(["APPROVAL", "CLAUSE", "DRAFT", "DRAFTED BY", "DUE", ""], rows))


def decide_approval(args: argparse.Namespace, settings: Settings) -> None:
    case_id, key = _task_id(args.task)
    approve = args.reason is None
    with _as_person(args, settings) as api:
        step = api.post(path_of("approvals", case_id, key, "approve" if approve else "reject"),
                        json=None if approve else {"reason": args.reason})
    _write(f"{'approved' if approve else 'sent back'}: {case_id}/{step['key']}, "
           f"{_step_done(step)}")


# The processes, on this machine -----------------------------------------------------------


def run_dev_stack(args: argparse.Namespace, settings: Settings) -> None:
    from commands.devstack import StackError, run_stack, run_until_signalled

    os.umask(PRIVATE_UMASK)  # inherited by the Temporal dev server, the worker and the web app
    try:
        asyncio.run(run_until_signalled(run_stack(settings)))
    except StackError as e:
        raise not_ready(str(e)) from e


def run_worker_until_stopped(args: argparse.Namespace, settings: Settings) -> None:
    from commands.devstack import run_until_signalled
    from workers.main import run_worker

    asyncio.run(run_until_signalled(run_worker(settings)))


def run_web_app(args: argparse.Namespace, settings: Settings) -> None:
    from web.app import serve  # the web stack is only imported by the command that runs it

    serve(settings)


# Operators, on this machine ---------------------------------------------------------------


def _engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return engine


def init_keys(args: argparse.Namespace, settings: Settings) -> None:
    from ombudsflow.codec import create_keyring_file

    path = settings.keys_file
    existed = path.exists()
    keyring = create_keyring_file(path)
    _write(f"{path} {'already exists' if existed else 'created'}; active key {keyring.active}")
    _warn_if_keys_in_env(settings)


def rotate_keys(args: argparse.Namespace, settings: Settings) -> None:
    from ombudsflow.codec import rotate_keyring_file

    path = settings.keys_file
    try:
        key_id = rotate_keyring_file(path)
    except FileNotFoundError as e:
        raise not_ready(f"no key file at {path}: run `ombudsflow keys init` first") from e
    _write(f"{path}: active key is now {key_id}; older keys stay, so older histories still "
           "decode. Restart workers and clients to seal with the new key.")
    _warn_if_keys_in_env(settings)


def _email(value: str) -> str:
    if len(value) > 254 or not re.fullmatch(EMAIL_PATTERN, value):
        raise argparse.ArgumentTypeError(f"not an e-mail address: {value!r}")
    return value


def add_user(args: argparse.Namespace, settings: Settings) -> None:
    """Create a person's account; the password comes from stdin or is generated and shown."""
    password = sys.stdin.readline().strip() if args.password_stdin else secrets.token_urlsafe(12)
    if len(password) < MIN_PASSWORD:
        raise rejected(f"password: at least {MIN_PASSWORD} characters")
    try:
        with session_scope(_engine(settings)) as session:
            create_user(session, user_id=args.user_id, display_name=args.name or args.user_id,
                        role=args.role, region=args.region, email=args.email,
                        password_hash=hash_password(password))
    except AlreadyExists as e:
        raise rejected(str(e)) from e
    scope = args.region.value if args.region else "national"
    _write(f"user {args.user_id} created: {args.role.value}, {scope}")
    if not args.password_stdin:
        _write(f"  password (shown once): {password}")


def add_api_key(args: argparse.Namespace, settings: Settings) -> None:
    """Create an integration key, scoped to uses and report channels; shown once."""
    if {"reports", "appeals"} & set(args.scope) and not args.channel:
        raise rejected("--channel: a key that submits reports or appeals needs at least one "
                       "channel")
    key_id, secret, secret_hash = new_api_key()
    with session_scope(_engine(settings)) as session:
        create_api_key(session, key_id=key_id, name=args.name, secret_hash=secret_hash,
                       scopes=args.scope, channels=args.channel)
    _write(f"key {key_id} created for {args.name}: {', '.join(args.scope)}")
    _write(f"  X-API-Key (shown once): {secret}")


def adopt_district_codes(args: argparse.Namespace, settings: Settings) -> None:
    """Running cases opened before districts were codes: their ``CaseDistrict`` search
    attribute (and district) becomes the directory's code, as migration 0005 did in the
    store."""
    from cases import client as case_client
    from ombudsflow.client import connect
    from ombudsflow.codec import KeyRing

    async def adopt() -> dict[str, str]:
        client = await connect(settings, KeyRing.from_settings(settings))
        return await case_client.adopt_district_codes(client)

    adopted = asyncio.run(adopt())
    for case_id, code in sorted(adopted.items()):
        _write(f"case {case_id}: district {code}")
    _write(f"{len(adopted)} running case(s) adopted a district code")


def verify_audit_trail(args: argparse.Namespace, settings: Settings) -> None:
    """Check the audit trail's hash chain end to end; a broken chain exits 2 saying where."""
    try:
        with session_scope(_engine(settings)) as session:
            rows = verify_chain(session)
    except ChainBroken as e:
        raise rejected(f"audit trail tampered with: {e}") from e
    _write(f"audit trail intact: {rows} rows, hash chain verified")


def sync_schedules(args: argparse.Namespace, settings: Settings) -> None:
    from ombudsflow.client import connect
    from ombudsflow.codec import KeyRing
    from workers.schedules import sync

    async def synced() -> dict[str, str]:
        client = await connect(settings, KeyRing.from_settings(settings))
        return dict(await sync(client, task_queue=settings.task_queue))

    done = asyncio.run(synced())
    _write(_table(("schedule", "done"), sorted(done.items())))


def _warn_if_keys_in_env(settings: Settings) -> None:
    if settings.keys is not None:
        _note("OMBUDSFLOW_KEYS is set and takes precedence over the key file")


# Parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ombudsflow",
        description="Order No. 149 (2024) ¶10–¶11: reported violations of children's rights.",
    )
    commands = parser.add_subparsers(dest="command_name", required=True, metavar="COMMAND")

    # Options of every command that talks to the web app.
    web = argparse.ArgumentParser(add_help=False)
    web.add_argument("--url", help="the web app (default: OMBUDSFLOW_API_URL, else "
                                   "OMBUDSFLOW_PUBLIC_BASE_URL)")
    keyed = argparse.ArgumentParser(add_help=False, parents=[web])
    keyed.add_argument("--api-key-stdin", action="store_true",
                       help="read the integration key from standard input instead of "
                            "OMBUDSFLOW_API_KEY")

    login = commands.add_parser("login", parents=[web],
                                help="sign in as a person (asks for the password); the token "
                                     "is kept in ~/.config/ombudsflow, mode 0600")
    login.add_argument("user", nargs="?", metavar="USER", help="your user name (asked if left out)")
    login.add_argument("--password-stdin", action="store_true",
                       help="read the password from standard input")
    login.set_defaults(command=log_in)
    commands.add_parser("logout", help="forget the sign-in").set_defaults(command=log_out)

    report = _group(commands, "report", "reports of violations (an integration's key)")
    submit = report.add_parser("submit", parents=[keyed],
                               help="submit a report (JSON) and open its case")
    submit.add_argument("file", type=Path, metavar="FILE.json")
    submit.set_defaults(command=submit_report_file, key_use="report submit")

    appeal = _group(commands, "appeal", "¶6.2 appeals and complaints (an integration's key)")
    lodge = appeal.add_parser("submit", parents=[keyed],
                              help="submit an appeal (JSON) and register it")
    lodge.add_argument("file", type=Path, metavar="FILE.json")
    lodge.set_defaults(command=submit_appeal_file, key_use="appeal submit")

    decision = _group(commands, "decision",
                      "decisions other bodies deliver (an integration's key)")
    for body, clause in (("police", "¶11: the police answer on the facts"),
                         ("kdn", "¶11.7: the KDN's decision on the placement")):
        deliver = decision.add_parser(body, parents=[keyed], help=clause)
        deliver.add_argument("case", metavar="CASE")
        deliver.add_argument("file", type=Path, metavar="FILE.json")
        deliver.set_defaults(command=deliver_decision, body=body,
                             key_use=f"decision {body}")

    case = _group(commands, "case", "cases (signed in)")
    cases = case.add_parser("list", parents=[web], help="cases in your scope, newest first")
    cases.add_argument("--region", type=Region, choices=list(Region))
    cases.add_argument("--stage", type=CaseStage, choices=list(CaseStage))
    cases.add_argument("--category", type=Category, choices=list(Category))
    cases.add_argument("--overdue", action="store_true", help="only overdue cases")
    cases.add_argument("--limit", type=int, default=50)
    cases.set_defaults(command=list_cases)
    show = case.add_parser("show", parents=[web], help="a case's stage and steps")
    show.add_argument("case", metavar="CASE")
    show.add_argument("--json", action="store_true",
                      help="print the API's case as JSON (with the child's data, if yours)")
    show.set_defaults(command=show_case)
    history = case.add_parser("history", parents=[web],
                              help="the case's timeline from its workflow history")
    history.add_argument("case", metavar="CASE")
    history.set_defaults(command=show_history)
    inspect = case.add_parser("inspect", parents=[web],
                              help="record a ¶11.5 inspection you took part in")
    inspect.add_argument("case", metavar="CASE")
    inspect.add_argument("file", type=Path, metavar="FILE.json")
    inspect.set_defaults(command=inspect_case)

    task = _group(commands, "task", "tasks: the steps people do (signed in)")
    listing = task.add_parser("list", parents=[web],
                              help="open tasks for your role and region, most urgent first")
    listing.add_argument("--overdue", action="store_true", help="only overdue tasks")
    listing.add_argument("--kind", type=StepKind, choices=list(StepKind))
    listing.add_argument("--case", metavar="CASE")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(command=list_open_tasks)
    for name, action, help_ in (("claim", claim_task, "take a task"),
                                ("release", release_task, "give a task back to the inbox")):
        one = task.add_parser(name, parents=[web], help=help_)
        one.add_argument("task", metavar="CASE/KEY")
        one.set_defaults(command=action)
    complete = task.add_parser("complete", parents=[web],
                               help="complete a task with its outcome (JSON)")
    complete.add_argument("task", metavar="CASE/KEY")
    complete.add_argument("file", type=Path, metavar="FILE.json")
    complete.set_defaults(command=complete_task)

    approval = _group(commands, "approval", "drafts and closures to decide (supervisors)")
    approvals = approval.add_parser("list", parents=[web], help="open approvals in your scope")
    approvals.add_argument("--limit", type=int, default=50)
    approvals.set_defaults(command=list_approvals)
    approve = approval.add_parser("approve", parents=[web], help="approve the draft")
    approve.add_argument("task", metavar="CASE/KEY")
    approve.set_defaults(command=decide_approval, reason=None)
    reject = approval.add_parser("reject", parents=[web], help="send the draft back")
    reject.add_argument("task", metavar="CASE/KEY")
    reject.add_argument("--reason", required=True, help="why, for whoever drafted it")
    reject.set_defaults(command=decide_approval)

    webhook = _group(commands, "webhook", "systems that receive events, signed (admins)")
    add = webhook.add_parser("add", parents=[web], help="subscribe a system to events")
    add.add_argument("id", help="a name for the subscriber, e.g. police-aktobe")
    add.add_argument("url_to", metavar="URL", help="where the events are posted")
    add.add_argument("--event", action="append", required=True, choices=list(EventType),
                     type=EventType, help="an event to send (repeat for several)")
    add.set_defaults(command=add_webhook)
    webhook.add_parser("list", parents=[web], help="the subscriptions").set_defaults(
        command=list_webhooks)
    remove = webhook.add_parser("remove", parents=[web], help="stop sending to a subscriber")
    remove.add_argument("id")
    remove.set_defaults(command=remove_webhook)

    commands.add_parser(
        "run", help="run the dev stack: Temporal dev server, worker and web app, state in var/"
    ).set_defaults(command=run_dev_stack)  # its output is the banner; its children log
    commands.add_parser("worker", help="run a worker").set_defaults(
        command=run_worker_until_stopped, long_running=True)
    commands.add_parser("web", help="run the web app and HTTP API").set_defaults(
        command=run_web_app, long_running=True)

    user = _group(commands, "user", "people who sign in (on this machine)")
    new_user = user.add_parser("create", help="create a user (prints a generated password)")
    new_user.add_argument("user_id", metavar="ID")
    new_user.add_argument("--name", help="display name")
    new_user.add_argument("--role", required=True, type=Role,
                          choices=[Role.CASE_WORKER, Role.SUPERVISOR, Role.ADMIN])
    new_user.add_argument("--region", type=Region, choices=list(Region),
                          help="the user's region (omit for national scope, e.g. the Committee)")
    new_user.add_argument("--email", type=_email,
                          help="where reminders about the tasks they hold go (else the office's)")
    new_user.add_argument("--password-stdin", action="store_true",
                          help="read the password from standard input instead")
    new_user.set_defaults(command=add_user)

    key = _group(commands, "key", "integration API keys (on this machine)")
    new_key = key.add_parser("create", help="create an API key (printed once)")
    new_key.add_argument("name", help="who uses it, e.g. helpline-111")
    new_key.add_argument("--scope", action="append", required=True, choices=KEY_SCOPES)
    new_key.add_argument("--channel", action="append", default=[],
                         choices=sorted({*Channel, *AppealChannel}),
                         help="report or appeal channels the key may submit for")
    new_key.set_defaults(command=add_api_key)

    audit = _group(commands, "audit", "the audit trail of case access (on this machine)")
    audit.add_parser("verify", help="check that no audit row was changed or deleted"
                     ).set_defaults(command=verify_audit_trail)

    districts = _group(commands, "districts", "the district directory (on this machine)")
    districts.add_parser(
        "adopt", help="running cases opened before districts were codes adopt their code"
    ).set_defaults(command=adopt_district_codes)

    schedules = _group(commands, "schedules", "the Temporal Schedules of the periodic work")
    schedules.add_parser("sync", help="create or update the ¶8, ¶6.1, ¶6.10 and monthly "
                         "control schedules of every region, and the daily follow-up "
                         "reminders'").set_defaults(
        command=sync_schedules)

    keys = _group(commands, "keys", "the payload encryption key ring (on this machine)")
    keys.add_parser("init", help="create the key file unless it exists").set_defaults(
        command=init_keys)
    keys.add_parser("rotate", help="add a new active key, keeping the old ones").set_defaults(
        command=rotate_keys)
    return parser


def _group(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]", name: str, help_: str
) -> "argparse._SubParsersAction[argparse.ArgumentParser]":
    return commands.add_parser(name, help=help_).add_subparsers(
        dest=f"{name}_command", required=True, metavar="SUBCOMMAND")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status.

    From the command line (``argv`` None) the process ends here, through ``os._exit``: the
    Temporal client's Rust threads (``run``, ``worker``, ``web``) can outlive the event loop
    and abort the interpreter's teardown ("PyGILState_Release", temporalio/sdk-python#300),
    turning success into 134.
    """
    code = _run_command(argv)
    if argv is None:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _run_command(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as e:
        return _fail(_field_reasons(e, "settings"), 1)
    # A command's output is its answer (``run``'s, the banner): only warnings and errors are
    # logged beside it, not each HTTP request or migration. The worker and the web app log as
    # configured.
    configure_logging(settings.log_level if getattr(args, "long_running", False) else "WARNING")
    try:
        args.command(args, settings)
    except CommandError as e:
        return _fail(e.reasons, e.exit_code)
    except ApiError as e:
        failure = refused(e)
        return _fail(failure.reasons, failure.exit_code)
    except ApiUnreachable as e:
        return _fail([f"cannot reach the web app at {_api_url(args, settings)}: {e}; is it "
                      "running (`make run`, `ombudsflow web`)?"], 1)
    except OperationalError as e:
        url = make_url(settings.database_url).render_as_string(hide_password=True)
        return _fail([f"cannot use the database {url}: {e.orig}"], 1)
    except KeyboardInterrupt:
        return 130
    return 0


def _fail(reasons: Sequence[str], exit_code: int) -> int:
    for reason in reasons:
        sys.stderr.write(f"error: {reason}\n")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
