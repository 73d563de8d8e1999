"""Every activity a procedure awaits goes through ``CaseState.working``, so that a run never
continues as new with one in flight (its result lost, its work done again by the next run).
Read from the workflows' source: each activity call that is not the argument of ``working``
is listed below with what else the run waits for before it continues as new, or why the run
never does."""

import ast
from pathlib import Path

import workflows

ACTIVITY_CALLS = {"execute_activity", "execute_activity_method", "execute_local_activity",
                  "execute_local_activity_method", "start_activity", "start_activity_method",
                  "start_local_activity", "start_local_activity_method"}
SETTLED = "a notice or letter in the background: the run waits until settled()"
PROJECTED = "the projection: the run waits until the store holds the last version"
BEFORE = "before the procedure starts"
NEVER = "a workflow that never continues as new"
OUTSIDE_THE_COUNT = {
    ("appeal.py", "AppealWorkflow._forward"): SETTLED,
    ("appeal.py", "AppealWorkflow._tell.send"): SETTLED,
    ("notices.py", "Notices.send"): SETTLED,
    ("notices.py", "Notices._publish"): SETTLED,
    ("case.py", "CaseState._projector"): PROJECTED,
    ("case.py", "CaseState._send"): PROJECTED,
    ("events.py", "Deliveries._deliver"): "event delivery: the run waits until it is idle",
    ("procedure.py", "CaseWorkflow.adopt_district_code"):
        "an update: the run waits until every handler has finished",
    ("violation_response.py", "ViolationResponseWorkflow.run"): BEFORE,
    ("reporting.py", "DraftedAndDecided.ran"): BEFORE,
    ("reporting.py", "Periodic.save"): NEVER + " (the monthly control's)",
    ("reporting.py", "Periodic.mail"):
        NEVER + " (the monthly control's; the toolkit's reports mail through working)",
    ("reporting.py", "MonthlyControlWorkflow.run"): NEVER,
    ("follow_ups.py", "FollowUpReminders.run"): NEVER,
    ("digests.py", "EscalationDigest.run"): NEVER,
    ("reporting_v1.py", "PeriodicWork.deadlines"): NEVER,
    ("reporting_v1.py", "HalfYearReportWorkflow.run"): NEVER,
    ("reporting_v1.py", "BriefingWorkflow.run"): NEVER,
}


def test_every_activity_a_procedure_awaits_is_counted() -> None:
    uncounted = {(path.name, where) for path in Path(workflows.__file__).parent.glob("*.py")
                 for where in _uncounted_activity_calls(path)}
    assert uncounted - OUTSIDE_THE_COUNT.keys() == set(), (
        "await these through CaseState.working, or say here why the run cannot continue as "
        "new while they are in flight")
    assert OUTSIDE_THE_COUNT.keys() - uncounted == set(), "no longer there: drop them here"


def _uncounted_activity_calls(path: Path) -> list[str]:
    """Where in ``path`` (``Class.method``) an activity is called other than as the
    argument of ``working``."""
    tree = ast.parse(path.read_text())
    parent = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _method(node) in ACTIVITY_CALLS):
            continue
        outer = parent[node]
        if isinstance(outer, ast.Call) and _method(outer) == "working":
            continue
        scopes: list[str] = []
        at: ast.AST = node
        while at in parent:
            at = parent[at]
            if isinstance(at, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                scopes.append(at.name)
        found.append(".".join(reversed(scopes)))
    return found


def _method(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None
