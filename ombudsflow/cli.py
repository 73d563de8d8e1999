"""The ``ombudsflow`` command: run the system, submit reports, see cases and tasks, act on them.

    ombudsflow run | worker
    ombudsflow report submit FILE.json
    ombudsflow case show CASE [--json]
    ombudsflow case inspect CASE FILE.json --as ID --role ROLE [--region R]
    ombudsflow task list [--region R] [--overdue] [--kind K] [--case C]
    ombudsflow task complete CASE/KEY FILE.json --as ID --role ROLE [--region R]
    ombudsflow keys init | rotate

Exit status: 0 done; 1 a service (Temporal, the database) is unreachable or not set up; 2 the
input was rejected (an invalid file, an unknown task, an action the workflow refused). Each
reason is one ``error:`` line on stderr, so a script can show it as it is.
"""

import argparse
import asyncio
import json
import logging
import os
import secrets
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from ombudsflow.client import connect
from ombudsflow.codec import KeyRing, create_keyring_file, rotate_keyring_file
from ombudsflow.config import Settings, get_settings
from ombudsflow.credentials import KEY_SCOPES, hash_password, new_api_key
from ombudsflow.devstack import StackError, run_stack, run_until_signalled
from ombudsflow.intake import parse_report, submit_report
from ombudsflow.logging import configure_logging
from schemas.case import CaseView, Step
from schemas.errors import RejectedAction
from schemas.outcomes import InspectionRecord
from schemas.procedure import RECORD_INSPECTION, TASKS, spec_of, title_of
from schemas.regions import Region
from schemas.report import Channel
from schemas.steps import Role, StepKind
from store.audit import ChainBroken, verify_chain
from store.cases import case_view, list_tasks
from store.db import create_schema, make_engine, session_scope
from store.users import AlreadyExists, create_api_key, create_user
from workers.main import run_worker
from workflows.violation_response import ViolationResponseWorkflow

QUERY_TIMEOUT = timedelta(seconds=10)
MIN_PASSWORD = 10
REJECTED_TYPES = frozenset(r.value for r in RejectedAction)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


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


# Output -----------------------------------------------------------------------------------


def _write(text: str) -> None:
    sys.stdout.write(f"{text}\n")


def _note(text: str) -> None:
    """Said on stderr, so ``--json`` output on stdout stays parseable."""
    sys.stderr.write(f"note: {text}\n")


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}Z" if moment else "-"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(map(len, column)) for column in zip(headers, *rows, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    )


def _render_case(view: CaseView, now: datetime) -> str:
    facts = view.facts
    rows = [
        [s.clause, s.key, f"{s.status.value}, overdue" if s.overdue_at(now) else s.status.value,
         _when(s.due_at), _when(s.done_at), s.actor or "-"]
        for s in view.steps
    ]
    return "\n".join([
        f"case {view.case_id}: {facts.category.value} in {facts.district}, {facts.region.value}, "
        f"received {_when(facts.received_at)}",
        f"stage: {view.stage.value}   police finding: {view.police_finding.value}   "
        f"overdue: {'yes' if view.overdue else 'no'}",
        "",
        _table(["CLAUSE", "KEY", "STATUS", "DUE", "DONE", "ACTOR"], rows),
    ])


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


def _validated(model: type[M], data: dict[str, Any], source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise rejected(*_field_reasons(e, source)) from e


def _actor_fields(args: argparse.Namespace) -> dict[str, Any]:
    return {"id": args.actor, "role": args.role, "region": args.region}


def _task_id(task: str) -> tuple[str, str]:
    case_id, _, key = task.partition("/")
    if not case_id or not key:
        raise rejected(f"task {task!r}: expected CASE/KEY, e.g. AKT-2026-000001/preventive_talk")
    return case_id, key


# Services ---------------------------------------------------------------------------------


def _engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return engine


async def _client(settings: Settings) -> Client:
    try:
        keyring = KeyRing.from_settings(settings)
    except FileNotFoundError as e:
        raise not_ready(f"no key file at {settings.keys_file}: run `ombudsflow keys init` "
                        "or set OMBUDSFLOW_KEYS") from e
    try:
        return await connect(settings, keyring)
    except RuntimeError as e:
        raise not_ready(f"cannot reach Temporal at {settings.temporal_address}: {e}") from e


def _with_temporal(settings: Settings, work: Callable[[Client], Awaitable[T]]) -> T:
    async def run() -> T:
        return await work(await _client(settings))

    return asyncio.run(run())


def _handle(client: Client, case_id: str) -> WorkflowHandle[Any, CaseView]:
    return client.get_workflow_handle_for(ViolationResponseWorkflow.run, case_id)


async def _live_case(client: Client, case_id: str) -> CaseView:
    """The case as its workflow holds it now (the ``case`` query)."""
    try:
        return await _handle(client, case_id).query(
            ViolationResponseWorkflow.case, rpc_timeout=QUERY_TIMEOUT
        )
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            raise rejected(f"Temporal has no case {case_id}") from e
        if e.status in (RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED):
            raise not_ready(f"case {case_id} did not answer within "
                            f"{QUERY_TIMEOUT.total_seconds():.0f} s: is a worker running?") from e
        raise


def _stored_case(settings: Settings, case_id: str) -> CaseView | None:
    with session_scope(_engine(settings)) as session:
        return case_view(session, case_id)


async def _execute(handle: WorkflowHandle[Any, CaseView], update: str, arg: BaseModel) -> Step:
    """Run a workflow update; the workflow's refusal becomes ``<reason> (<type>)``, exit 2."""
    try:
        step: Step = await handle.execute_update(update, arg, result_type=Step)
    except WorkflowUpdateFailedError as e:
        cause = e.cause
        if isinstance(cause, ApplicationError) and cause.type in REJECTED_TYPES:
            raise rejected(f"{cause.message} ({cause.type})") from e
        raise
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:  # no such case, or it has closed
            raise rejected(f"case {handle.id}: {e.message}") from e
        raise
    return step


async def _complete(client: Client, case_id: str, key: str, actor: dict[str, Any],
                    outcome: Any, source: Path) -> Step:
    """Complete a task with the update its kind takes (named in its spec)."""
    view = await _live_case(client, case_id)
    try:
        step = view.step(key)
    except KeyError:
        raise rejected(f"case {case_id} has no task {key!r} "
                       f"({RejectedAction.UNKNOWN_TASK.value})") from None
    if step.kind not in TASKS:
        raise rejected(f"{case_id}/{key} is a {step.kind.value} step ({step.clause}): "
                       "no one completes it by hand")
    update, model = spec_of(step.kind).completed_by
    completion = _validated(model, {"actor": actor, "task_key": key, "outcome": outcome},
                            source.name)
    return await _execute(_handle(client, case_id), update, completion)


# Commands ---------------------------------------------------------------------------------


def run_dev_stack(args: argparse.Namespace, settings: Settings) -> None:
    try:
        asyncio.run(run_until_signalled(run_stack(settings)))
    except StackError as e:
        raise not_ready(str(e)) from e


def run_worker_until_stopped(args: argparse.Namespace, settings: Settings) -> None:
    asyncio.run(run_until_signalled(run_worker(settings)))


def submit_report_file(args: argparse.Namespace, settings: Settings) -> None:
    data = _read_json(args.file)
    try:
        report = parse_report(data)
    except ValidationError as e:
        raise rejected(*_field_reasons(e, args.file.name)) from e
    engine = _engine(settings)
    submission = _with_temporal(settings, lambda client: submit_report(
        client, engine, report, task_queue=settings.task_queue))
    verb = "opened" if submission.created else "already received (existing case)"
    _write(f"case {submission.case_id} {verb}")
    _write(f"  Temporal UI: {settings.temporal_ui_link(submission.workflow_id)}")


def show_case(args: argparse.Namespace, settings: Settings) -> None:
    try:
        view = _with_temporal(settings, lambda client: _live_case(client, args.case))
    except CommandError as e:
        stored = _stored_case(settings, args.case)
        if stored is None:
            raise
        _note(f"{'; '.join(e.reasons)}; showing the store's last projection "
              f"(version {stored.version})")
        view = stored
    _write(view.model_dump_json(indent=2) if args.json else _render_case(view, datetime.now(UTC)))


def inspect_case(args: argparse.Namespace, settings: Settings) -> None:
    record = _validated(
        InspectionRecord, {"actor": _actor_fields(args), "outcome": _read_json(args.file)},
        args.file.name,
    )
    step = _with_temporal(settings, lambda client: _execute(
        _handle(client, args.case), RECORD_INSPECTION, record))
    _write(f"inspection recorded as {args.case}/{step.key} ({step.clause})")


def list_open_tasks(args: argparse.Namespace, settings: Settings) -> None:
    now = datetime.now(UTC)
    with session_scope(_engine(settings)) as session:
        tasks = list_tasks(
            session, regions=[args.region] if args.region else None, kind=args.kind,
            case_id=args.case, overdue_only=args.overdue, now=now, limit=args.limit,
        )
    if not tasks:
        _write("no open tasks")
        return
    rows = [
        [t.id, t.clause, t.kind, t.assignee or "-", _when(t.due_at),
         "overdue" if t.due_at and now >= t.due_at else ""]
        for t in tasks
    ]
    _write(_table(["TASK", "CLAUSE", "KIND", "ASSIGNEE", "DUE", ""], rows))


def complete_task(args: argparse.Namespace, settings: Settings) -> None:
    case_id, key = _task_id(args.task)
    outcome = _read_json(args.file)
    step = _with_temporal(settings, lambda client: _complete(
        client, case_id, key, _actor_fields(args), outcome, args.file))
    _write(f"task {case_id}/{step.key} done: {title_of(step.kind)} ({step.clause}), "
           f"by {step.actor}")


def init_keys(args: argparse.Namespace, settings: Settings) -> None:
    path = settings.keys_file
    existed = path.exists()
    keyring = create_keyring_file(path)
    _write(f"{path} {'already exists' if existed else 'created'}; active key {keyring.active}")
    _warn_if_keys_in_env(settings)


def rotate_keys(args: argparse.Namespace, settings: Settings) -> None:
    path = settings.keys_file
    try:
        key_id = rotate_keyring_file(path)
    except FileNotFoundError as e:
        raise not_ready(f"no key file at {path}: run `ombudsflow keys init` first") from e
    _write(f"{path}: active key is now {key_id}; older keys stay, so older histories still "
           "decode. Restart workers and clients to seal with the new key.")
    _warn_if_keys_in_env(settings)


def run_web_app(args: argparse.Namespace, settings: Settings) -> None:
    from web.app import serve  # the web stack is only imported by the command that runs it

    serve(settings)


def add_user(args: argparse.Namespace, settings: Settings) -> None:
    """Create a person's account; the password comes from stdin or is generated and shown."""
    password = sys.stdin.readline().strip() if args.password_stdin else secrets.token_urlsafe(12)
    if len(password) < MIN_PASSWORD:
        raise rejected(f"password: at least {MIN_PASSWORD} characters")
    try:
        with session_scope(_engine(settings)) as session:
            create_user(session, user_id=args.user_id, display_name=args.name or args.user_id,
                        role=args.role, region=args.region,
                        password_hash=hash_password(password))
    except AlreadyExists as e:
        raise rejected(str(e)) from e
    scope = args.region.value if args.region else "national"
    _write(f"user {args.user_id} created: {args.role.value}, {scope}")
    if not args.password_stdin:
        _write(f"  password (shown once): {password}")


def add_api_key(args: argparse.Namespace, settings: Settings) -> None:
    """Create an integration key, scoped to uses and report channels; shown once."""
    if "reports" in args.scope and not args.channel:
        raise rejected("--channel: a key that submits reports needs at least one channel")
    key_id, secret, secret_hash = new_api_key()
    with session_scope(_engine(settings)) as session:
        create_api_key(session, key_id=key_id, name=args.name, secret_hash=secret_hash,
                       scopes=args.scope, channels=[c.value for c in args.channel])
    _write(f"key {key_id} created for {args.name}: {', '.join(args.scope)}")
    _write(f"  X-API-Key (shown once): {secret}")


def verify_audit_trail(args: argparse.Namespace, settings: Settings) -> None:
    """Check the audit trail's hash chain end to end; a broken chain exits 2 saying where."""
    try:
        with session_scope(_engine(settings)) as session:
            rows = verify_chain(session)
    except ChainBroken as e:
        raise rejected(f"audit trail tampered with: {e}") from e
    _write(f"audit trail intact: {rows} rows, hash chain verified")


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

    commands.add_parser(
        "run", help="run the dev stack: Temporal dev server and worker, state in var/"
    ).set_defaults(command=run_dev_stack)
    commands.add_parser("worker", help="run a worker").set_defaults(
        command=run_worker_until_stopped)

    actor = argparse.ArgumentParser(add_help=False)
    actor.add_argument("--as", dest="actor", required=True, metavar="ID", help="your user id")
    actor.add_argument("--role", required=True, type=Role, choices=list(Role))
    actor.add_argument("--region", type=Region, choices=list(Region),
                       help="the region you act for (omit for national scope)")

    report = _group(commands, "report", "reports of violations")
    submit = report.add_parser("submit", help="submit a report (JSON) and open its case")
    submit.add_argument("file", type=Path, metavar="FILE.json")
    submit.set_defaults(command=submit_report_file)

    case = _group(commands, "case", "cases")
    show = case.add_parser("show", help="a case's stage and steps")
    show.add_argument("case", metavar="CASE")
    show.add_argument("--json", action="store_true", help="print the case view as JSON")
    show.set_defaults(command=show_case)
    inspect = case.add_parser("inspect", parents=[actor],
                              help="record a ¶11.5 inspection you took part in")
    inspect.add_argument("case", metavar="CASE")
    inspect.add_argument("file", type=Path, metavar="FILE.json")
    inspect.set_defaults(command=inspect_case)

    task = _group(commands, "task", "tasks: the steps people do")
    listing = task.add_parser("list", help="open tasks, most urgent first")
    listing.add_argument("--region", type=Region, choices=list(Region))
    listing.add_argument("--overdue", action="store_true", help="only overdue tasks")
    listing.add_argument("--kind", type=StepKind, choices=sorted(TASKS))
    listing.add_argument("--case", metavar="CASE")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(command=list_open_tasks)
    complete = task.add_parser("complete", parents=[actor],
                               help="complete a task with its outcome (JSON)")
    complete.add_argument("task", metavar="CASE/KEY")
    complete.add_argument("file", type=Path, metavar="FILE.json")
    complete.set_defaults(command=complete_task)

    commands.add_parser("web", help="run the web app and HTTP API").set_defaults(
        command=run_web_app)

    user = _group(commands, "user", "people who sign in")
    new_user = user.add_parser("create", help="create a user (prints a generated password)")
    new_user.add_argument("user_id", metavar="ID")
    new_user.add_argument("--name", help="display name")
    new_user.add_argument("--role", required=True, type=Role,
                          choices=[Role.CASE_WORKER, Role.SUPERVISOR, Role.ADMIN])
    new_user.add_argument("--region", type=Region, choices=list(Region),
                          help="the user's region (omit for national scope, e.g. the Committee)")
    new_user.add_argument("--password-stdin", action="store_true",
                          help="read the password from standard input instead")
    new_user.set_defaults(command=add_user)

    key = _group(commands, "key", "integration API keys")
    new_key = key.add_parser("create", help="create an API key (printed once)")
    new_key.add_argument("name", help="who uses it, e.g. helpline-111")
    new_key.add_argument("--scope", action="append", required=True, choices=KEY_SCOPES)
    new_key.add_argument("--channel", action="append", default=[], type=Channel,
                         choices=list(Channel), help="report channels the key may submit for")
    new_key.set_defaults(command=add_api_key)

    audit = _group(commands, "audit", "the audit trail of case access")
    audit.add_parser("verify", help="check that no audit row was changed or deleted"
                     ).set_defaults(command=verify_audit_trail)

    keys = _group(commands, "keys", "the payload encryption key ring")
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
    Temporal client's Rust threads can outlive the event loop and abort the interpreter's
    teardown ("PyGILState_Release", temporalio/sdk-python#300), turning success into 134.
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
    configure_logging(settings.log_level)
    try:
        args.command(args, settings)
    except CommandError as e:
        return _fail(e.reasons, e.exit_code)
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
