"""Schemathesis hooks of the API fuzzing (``faults.fuzzing``, loaded through
``faults/schemathesis.toml``).

What JSON Schema cannot say is made true of a generated *valid* input, so that schemathesis's
``positive_data_acceptance`` check sees it accepted: a report was received in the past, about
a child under 18 whose IIN matches, from a named or an anonymous reporter, in a district of its
region; a decision or an inspection happened after the report and not in the future; a task's
outcome is the model of the task's kind (the document cannot tie it to the key in the path,
so it allows any object there). Each part
the generator got wrong by those rules is replaced by the same part of a valid report, checked
with the intake's own validation; the rest is kept as generated. Invalid inputs are left as
generated, for ``negative_data_rejection``.

Each rule is registered twice, because schemathesis hands its cases to hooks by two roads:
generated cases (the coverage, fuzzing and stateful phases) pass through ``map_case``, but the
cases of the examples phase, built from the document's examples, reach only
``before_add_examples``. One of those is a report assembled from the district's example with
every other field drawn by schemathesis (first enum values, "0", 2000-01-01, ``reporter: {}``).
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import schemathesis
from pydantic import ValidationError
from schemathesis import Case, HookContext

from cases.appeals import parse_appeal
from cases.intake import parse_report
from schemas.appeal import AppealChannel
from schemas.procedure import TASKS
from schemas.regions import Region
from schemas.report import Sex
from schemas.steps import StepKind
from tests.support.factories import appeal_data, first_district, make_iin, report_data
from tests.support.scenarios import valid_outcome
from web.routes.appeals import OFFICE_CHANNELS

# Parts of a report that depend on each other or on the clock: always taken from a valid one.
CONSISTENT = ("received_at", "district")
DATED = {"/api/v1/police-decisions": "decided_at", "/api/v1/kdn-decisions": "decided_at",
         "/api/v1/cases/{case_id}/inspections": "held_at"}


def consistent_report(context: HookContext, case: Case[Any]) -> Case[Any]:
    body = case.body
    if _valid(case) and isinstance(body, dict) and body.get("region") in _REGIONS:
        case.body = consistent(body)
    return case


def dated_now(context: HookContext, case: Case[Any]) -> Case[Any]:
    body = case.body
    outcome = body.get("outcome") if isinstance(body, dict) else None
    if _valid(case) and isinstance(body, dict) and isinstance(outcome, dict):
        when = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        case.body = {**body, "outcome": {**outcome, DATED[case.path]: when}}
    return case


def outcome_of_its_kind(context: HookContext, case: Case[Any]) -> Case[Any]:
    # A task's key is its kind, numbered when it recurs (plan_review-2), after its draft's
    # key for an approval (public_statement.approval-1, closure.approval-1).
    kind = re.sub(r"-\d+$", "", str(case.path_parameters.get("key", ""))).rpartition(".")[2]
    if _valid(case) and kind in _KINDS:
        case.body = {"outcome": valid_outcome(StepKind(kind))}
    return case


def a_colleague(context: HookContext, case: Case[Any]) -> Case[Any]:
    """A task is handed to a case worker of its own region (``COLLEAGUE``, one each, made
    by the fuzzing's set-up), with a reason that says something."""
    body, work = case.body, case.path_parameters.get("case_id",
                                                     case.path_parameters.get("appeal_id"))
    region = Region.of_case(str(work)) if work is not None else None
    if _valid(case) and isinstance(body, dict) and region is not None:
        field = "assignee" if case.path.endswith("/reassign") else "delegate"
        body = {**body, field: COLLEAGUE.format(region=region.value)}
        if field == "assignee" and not str(body.get("reason", "")).strip():
            body["reason"] = "fuzzing"
        case.body = body
    return case


def consistent_appeal(context: HookContext, case: Case[Any]) -> Case[Any]:
    body = case.body
    if _valid(case) and isinstance(body, dict) and body.get("region") in _REGIONS:
        region = Region(str(body["region"]))
        valid = appeal_data(region=region, district=first_district(region))
        if case.path.endswith("/register"):  # the office registers its own channels only
            body = {**body, "channel": body["channel"] if body.get("channel") in OFFICE
                    else AppealChannel.WALK_IN.value}
            valid["channel"] = body["channel"]
        case.body = made_valid(body, valid, parse_appeal)
    return case


def consistent(generated: dict[str, Any]) -> dict[str, Any]:
    """``generated`` with the parts that break the intake's rules replaced by a valid
    report's (of the same region): accepted by ``parse_report``."""
    valid = report_data(region=Region(generated["region"]))
    return made_valid({**generated, "child": _child(generated.get("child"), valid)}, valid,
                      parse_report)


def made_valid(generated: dict[str, Any], valid: dict[str, Any],
               parse: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """``generated`` with its clock- and region-bound parts, and each part ``parse`` refuses,
    replaced by ``valid``'s (an appeal's ``applicant: {}``, a child born too long ago)."""
    made = {**generated, **{part: valid[part] for part in CONSISTENT}}
    for _ in range(len(made)):
        try:
            parse(made)
        except ValidationError as e:
            wrong = {str(error["loc"][0]) if error["loc"] else "child" for error in e.errors()}
            made |= {part: valid[part] for part in wrong if part in valid}
            continue
        return made
    return valid


def _child(generated: object, valid: dict[str, Any]) -> object:
    """The generated child, born within the 18 years before the report, its IIN (if it has
    one) made to match, named as a valid report's child: a generated name may be a word of
    any text ("the"), and a public statement using that word is then rightly refused (¶13)."""
    if not isinstance(generated, dict) or generated.get("sex") not in ("male", "female"):
        return generated
    received = datetime.fromisoformat(valid["received_at"]).date()
    age = len(str(generated)) % 17  # 0 to 16 full years, varying with what was generated
    born = received.replace(year=received.year - 1 - age, day=1)
    child = {**generated, "birth_date": born.isoformat(),
             "full_name": valid["child"]["full_name"]}
    if child.get("iin") is not None:
        child["iin"] = make_iin(born, Sex(child["sex"]))
    return child


def _valid(case: Case[Any]) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


_REGIONS = {r.value for r in Region}
# The case worker of each region a fuzzed hand-off names (created with the fuzzing's stack).
COLLEAGUE = "fuzz.cw.{region}"
HANDOFFS = [f"{work}/{{key}}/{action}" for work in ("/api/v1/tasks/{case_id}",
                                                    "/api/v1/appeals/{appeal_id}/tasks")
            for action in ("reassign", "delegate")]
OFFICE = {c.value for c in OFFICE_CHANNELS}
_KINDS = {k.value for k in TASKS}  # the kinds a task completion is for
CaseMap = Callable[[HookContext, Case[Any]], Case[Any]]


def _on_examples(rule: CaseMap) -> Callable[[HookContext, list[Case[Any]]], None]:
    """``rule`` as a ``before_add_examples`` hook: applied to each example case in place."""

    def before_add_examples(context: HookContext, examples: list[Case[Any]]) -> None:
        examples[:] = [rule(context, case) for case in examples]

    return before_add_examples


for _rule, _where in ((consistent_report, {"path": "/api/v1/reports"}),
                      (consistent_appeal, {"path": ["/api/v1/appeals",
                                                    "/api/v1/appeals/register"]}),
                      (dated_now, {"path": list(DATED)}),
                      (outcome_of_its_kind, {"path": "/api/v1/tasks/{case_id}/{key}/complete"}),
                      (a_colleague, {"path": HANDOFFS})):
    for _name, _hook in (("map_case", _rule), ("before_add_examples", _on_examples(_rule))):
        _register: Any = schemathesis.hook(_name)  # its filters are attached at run time
        _register.apply_to(method="POST", **_where)(_hook)
