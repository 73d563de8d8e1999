"""Who may call what: every endpoint, called by every kind of caller, refuses (401/403) all
that may not and serves all that may; and the child's name reaches only the people who work
on the case's region."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from schemas.regions import Region
from schemas.steps import StepKind
from tests.api.calls import HELPLINE, POLICE, confirm, done, in_store, open_case
from tests.support.factories import CANARY_IIN, CANARY_NAME, POLICE_SYSTEM, report_data
from tests.support.scenarios import CaseDriver, valid_outcome
from tests.support.web_stack import WebStack

PEOPLE = ["cw.aktobe", "sv.aktobe", "cw.pavlodar", "sv.pavlodar", "sv.committee", "admin"]
CALLERS = [*PEOPLE, f"key:{HELPLINE}", f"key:{POLICE}", "anonymous"]
READERS = {"cw.aktobe", "sv.aktobe", "cw.pavlodar", "sv.pavlodar", "sv.committee"}
SUPERVISORS = {"sv.aktobe", "sv.pavlodar", "sv.committee"}
OF_AKTOBE = {"cw.aktobe", "sv.aktobe", "sv.committee"}
OF_PAVLODAR = {"cw.pavlodar", "sv.pavlodar", "sv.committee"}


def headers(api: WebStack, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller.startswith("key:"):
        return api.as_key(caller.removeprefix("key:"))
    return api.as_user(caller)


@dataclass
class Call:
    """One endpoint, the callers allowed, and (for an allowed caller) what it acts on."""

    method: str
    path: str | Callable[[str], str]
    allowed: set[str]
    body: Callable[[str], dict[str, Any] | None] = lambda _: None


@dataclass
class Answer:
    caller: str
    method: str
    path: str
    response: httpx.Response

    def __str__(self) -> str:
        return (f"{self.caller} {self.method} {self.path} → {self.response.status_code} "
                f"{self.response.text[:200]}")


@dataclass
class Tally:
    answers: list[Answer] = field(default_factory=list)
    forbidden_successes: list[Answer] = field(default_factory=list)
    unclean_refusals: list[Answer] = field(default_factory=list)
    allowed_failures: list[Answer] = field(default_factory=list)

    async def run(self, api: WebStack, call: Call) -> None:
        """Forbidden callers first, so a wrongful success could not hide behind a used task."""
        for caller in sorted(CALLERS, key=lambda c: c in call.allowed):
            path = call.path(caller) if callable(call.path) else call.path
            response = await api.http.request(call.method, path, json=call.body(caller),
                                              headers=headers(api, caller))
            answer = Answer(caller, call.method, path, response)
            self.answers.append(answer)
            if caller in call.allowed:
                if response.status_code not in (200, 201):
                    self.allowed_failures.append(answer)
            elif response.is_success:
                self.forbidden_successes.append(answer)
            elif response.status_code not in (401, 403):
                self.unclean_refusals.append(answer)


async def statement_drafted(api: WebStack, driver: CaseDriver) -> None:
    """The case worker drafts (or redrafts) the ¶11.1 statement; its approval opens."""
    step = await done(api, driver, "cw.aktobe", StepKind.PUBLIC_STATEMENT)
    await driver.wait_for(f"public_statement.approval-{step['attempt']}")


async def test_every_forbidden_call_is_refused_and_every_allowed_one_served(
    api: WebStack
) -> None:
    a = await open_case(api)  # Aktobe: waiting for the talk and the police
    b = await open_case(api)  # Aktobe: taken on to the KDN decision and a statement draft
    p = await open_case(api, region=Region.PAVLODAR)
    await b.complete(StepKind.POLICE_DECISION, actor=POLICE_SYSTEM)
    for kind in (StepKind.SAFETY_ASSESSMENT, StepKind.SAFE_PLACEMENT):
        await done(api, b, "cw.aktobe", kind)
    await statement_drafted(api, b)
    await a.wait_for("preventive_talk")
    await p.wait_for("police_decision")
    talk = f"/api/v1/tasks/{a.case_id}/preventive_talk"
    tally = Tally()

    for call in [
        Call("GET", "/api/v1/health", set(CALLERS)),
        Call("POST", "/api/v1/reports", {f"key:{HELPLINE}"}, lambda _: report_data()),
        Call("GET", "/api/v1/cases", READERS),
        Call("GET", f"/api/v1/cases/{a.case_id}", OF_AKTOBE),
        Call("GET", f"/api/v1/cases/{p.case_id}", OF_PAVLODAR),
        Call("GET", f"/api/v1/cases/{a.case_id}/history", OF_AKTOBE),
        Call("GET", f"/api/v1/cases/{p.case_id}/history", OF_PAVLODAR),
        Call("GET", "/api/v1/tasks", READERS),
        Call("GET", "/api/v1/approvals", SUPERVISORS),
        Call("POST", f"{talk}/claim", {"cw.aktobe"}),
        Call("POST", f"{talk}/release", {"cw.aktobe"}),
        Call("POST", f"{talk}/complete", {"cw.aktobe"},
             lambda _: {"outcome": valid_outcome(StepKind.PREVENTIVE_TALK)}),
        Call("POST", "/api/v1/police-decisions", {f"key:{POLICE}"}, lambda _: {
            "case_id": a.case_id, "outcome": valid_outcome(StepKind.POLICE_DECISION)}),
        Call("POST", "/api/v1/kdn-decisions", {f"key:{POLICE}"}, lambda _: {
            "case_id": b.case_id, "outcome": valid_outcome(StepKind.KDN_DECISION)}),
    ]:
        await tally.run(api, call)
    await statement_drafted(api, a)  # the police confirmed case A just now
    await tally.run(api, Call(
        "POST", f"/api/v1/cases/{a.case_id}/inspections", {"cw.aktobe"},
        lambda _: {"outcome": {"held_at": valid_outcome(StepKind.POLICE_DECISION)["decided_at"],
                               "inspecting_body": "prosecutor's office",
                               "findings": "measures checked"}},
    ))
    # Each supervisor allowed to decide gets an approval of their own: one open per case.
    decides = {"sv.aktobe": b, "sv.committee": a}

    def approval(attempt: int, verb: str) -> Callable[[str], str]:
        return lambda caller: (f"/api/v1/approvals/{decides.get(caller, b).case_id}/"
                               f"public_statement.approval-{attempt}/{verb}")

    await tally.run(api, Call("POST", approval(1, "reject"), set(decides),
                              lambda _: {"reason": "Say what the district did."}))
    for driver in (a, b):
        await statement_drafted(api, driver)
    await tally.run(api, Call("POST", approval(2, "approve"), set(decides)))

    assert [str(a) for a in tally.forbidden_successes] == []
    assert [str(a) for a in tally.unclean_refusals] == []
    assert [str(a) for a in tally.allowed_failures] == []
    assert len(tally.answers) == 17 * len(CALLERS)  # 17 endpoints, every caller
    shown_the_child = {(x.caller, x.path) for x in tally.answers if CANARY_NAME in x.response.text
                       or CANARY_IIN in x.response.text}
    # Only a case's own page, and only to its region's people (and the Committee).
    assert shown_the_child == {
        *((c, f"/api/v1/cases/{a.case_id}") for c in OF_AKTOBE),
        *((c, f"/api/v1/cases/{p.case_id}") for c in OF_PAVLODAR),
    }


async def test_lists_are_scoped_to_the_readers_region(api: WebStack) -> None:
    aktobe = await open_case(api)
    pavlodar = await open_case(api, region=Region.PAVLODAR)
    await confirm(api, aktobe)
    await done(api, aktobe, "cw.aktobe", StepKind.PUBLIC_STATEMENT)
    await aktobe.wait_for("public_statement.approval-1")
    await pavlodar.wait_for("preventive_talk")
    # The lists are read from the store, which the projections bring up behind the workflow.
    await in_store(api, f"{aktobe.case_id}/public_statement.approval-1")
    await in_store(api, f"{pavlodar.case_id}/preventive_talk")

    async def case_ids(user: str, path: str, **params: Any) -> set[str]:
        response = await api.http.get(path, params=params, headers=api.as_user(user))
        assert response.status_code == 200, response.text
        assert CANARY_NAME not in response.text and CANARY_IIN not in response.text
        return {item["case_id"] for item in response.json()}

    mine = {aktobe.case_id, pavlodar.case_id}
    for path in ("/api/v1/cases", "/api/v1/tasks"):
        assert await case_ids("cw.pavlodar", path) & mine == {pavlodar.case_id}
        assert await case_ids("cw.aktobe", path) & mine == {aktobe.case_id}
    assert await case_ids("sv.committee", "/api/v1/cases") >= mine
    assert await case_ids("sv.pavlodar", "/api/v1/approvals") & mine == set()
    assert await case_ids("sv.committee", "/api/v1/approvals") & mine == {aktobe.case_id}
    assert await case_ids("sv.committee", "/api/v1/cases", region="pavlodar") & mine == {
        pavlodar.case_id}
    elsewhere = await api.http.get("/api/v1/cases", params={"region": "aktobe"},
                                   headers=api.as_user("cw.pavlodar"))
    assert elsewhere.status_code == 403
