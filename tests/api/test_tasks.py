"""Tasks over the API: every kind completed with a valid outcome after an invalid one was
refused with its field and reason; claims; one winner when two complete at once."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from ombudsflow.credentials import hash_password
from schemas.procedure import TASKS
from schemas.regions import Region
from schemas.steps import Role, StepKind
from store.cases import get_task
from store.db import session_scope
from store.users import create_user
from tests.api.calls import complete, confirm, done, fields, open_case
from tests.support.clock import skip
from tests.support.factories import CANARY_NAME
from tests.support.scenarios import CaseDriver, valid_outcome
from tests.support.web_stack import WebStack

CW, SV, COMMITTEE = "cw.aktobe", "sv.aktobe", "sv.committee"


async def refused_then_done(api: WebStack, driver: CaseDriver, user: str, kind: StepKind,
                            invalid: dict[str, Any], key: str | None = None,
                            **valid: Any) -> Any:
    """The invalid outcome answers 422 and changes nothing; the valid one completes the task.
    Returns the 422's body."""
    key = key or kind.value
    await driver.wait_for(key)
    refused = await complete(api, user, driver.case_id, key, valid_outcome(kind, **invalid))
    assert refused.status_code == 422, refused.text
    assert (await driver.view()).step(key).is_open()
    step = await done(api, driver, user, kind, key, **valid)
    assert step["status"] == "done" and step["actor"] == user and step["clause"].startswith("¶")
    return refused.json()


async def test_every_task_kind_refuses_an_invalid_outcome_and_takes_a_valid_one(
    api: WebStack, time_env: WorkflowEnvironment
) -> None:
    driver = await open_case(api)
    case = driver.case_id
    completed: set[StepKind] = set()

    async def check(user: str, kind: StepKind, invalid: dict[str, Any], key: str | None = None,
                    **valid: Any) -> Any:
        completed.add(kind)
        return await refused_then_done(api, driver, user, kind, invalid, key, **valid)

    refused = await check(CW, StepKind.PREVENTIVE_TALK, {"talks": [
        {"party": "parent", "held_at": "2026-01-01T10:00:00+05:00",
         "responsibility_explained": False}]})
    assert {"field": "outcome.talks.0",
            "reason": "¶10.2 requires explaining their responsibility under the law"
            } in refused["detail"]
    refused = await check(CW, StepKind.POLICE_DECISION, {"police_reference": "x"})
    assert [e["field"] for e in refused["detail"]] == ["outcome.police_reference"]
    refused = await check(CW, StepKind.SAFETY_ASSESSMENT, {"measures": []})
    assert refused["detail"] == [{
        "field": "outcome",
        "reason": "¶11.2: list the safety measures taken when the child is in danger"}]
    refused = await check(CW, StepKind.SAFE_PLACEMENT,
                          {"delivered_separately_from_suspect": None})
    assert refused["detail"][0]["reason"].startswith("¶11.7: record whether the child")

    # The workflow validator's refusal comes back as the same 422, naming the outcome's field.
    refused = await check(CW, StepKind.PUBLIC_STATEMENT,
                          {"text": f"We helped {CANARY_NAME} and her family in Alga."})
    assert refused == {"detail": [{"field": "outcome.text",
                                   "reason": "¶13 forbids publishing the child's name"}]}
    refused = await check(SV, StepKind.APPROVAL, {"approved": False},
                          "public_statement.approval-1")
    assert refused["detail"] == [{"field": "outcome", "reason": "a reason is required to reject"}]
    refused = await check(CW, StepKind.KDN_DECISION, {"decision": "prison"})
    assert [e["field"] for e in refused["detail"]] == ["outcome.decision"]
    refused = await check(CW, StepKind.PSYCHOLOGICAL_SUPPORT, {"legal_consultation_held": False})
    assert "legal consultation" in refused["detail"][0]["reason"]
    refused = await check(CW, StepKind.COORDINATION_MEETING, {"attendees": ["police"]})
    assert [e["field"] for e in refused["detail"]] == ["outcome.attendees"]
    refused = await check(CW, StepKind.RECOMMENDATIONS, {"addressee": "the moon"})
    assert [e["field"] for e in refused["detail"]] == ["outcome.addressee"]
    await check(SV, StepKind.APPROVAL, {"reason": 7}, "recommendations.approval-1")

    inspection = await api.http.post(f"/api/v1/cases/{case}/inspections", headers=api.as_user(CW),
                                     json={"outcome": {"held_at": "2026-01-01T10:00:00Z"}})
    assert set(fields(inspection)) == {"outcome.inspecting_body", "outcome.findings"}
    inspection = await api.http.post(
        f"/api/v1/cases/{case}/inspections", headers=api.as_user(CW),
        json={"outcome": {"held_at": valid_outcome(StepKind.POLICE_DECISION)["decided_at"],
                          "inspecting_body": "regional prosecutor's office",
                          "findings": "school safety measures checked"}})
    assert inspection.status_code == 201, inspection.text
    assert inspection.json()["clause"] == "¶11.5"
    completed.add(StepKind.INSPECTION)

    await skip(time_env, timedelta(days=31))
    refused = await check(CW, StepKind.PLAN_REVIEW, {"items_done": [7]}, "plan_review-1",
                          items_done=[0])
    assert refused == {"detail": [{"field": "outcome.items_done",
                                   "reason": "the plan has items 0 to 1, not 7"}]}
    await skip(time_env, timedelta(days=31))
    await done(api, driver, CW, StepKind.PLAN_REVIEW, "plan_review-2", items_done=[1])
    refused = await check(CW, StepKind.CLOSURE, {"summary": "done"})
    assert [e["field"] for e in refused["detail"]] == ["outcome.summary"]
    await check(COMMITTEE, StepKind.CLOSURE_APPROVAL, {"approved": "perhaps"},
                "closure.approval-1")

    assert completed == set(TASKS) | {StepKind.INSPECTION}
    view = await driver.result()
    assert view.stage == "closed"


async def test_the_same_task_completed_at_once_by_two_supervisors_has_one_winner(
    api: WebStack
) -> None:
    driver = await open_case(api)
    await confirm(api, driver)
    await done(api, driver, CW, StepKind.PUBLIC_STATEMENT)
    await driver.wait_for("public_statement.approval-1")

    answers = await asyncio.gather(*(
        complete(api, user, driver.case_id, "public_statement.approval-1",
                 valid_outcome(StepKind.APPROVAL))
        for user in (SV, COMMITTEE)
    ))

    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert "already done" in loser.json()["detail"]


def second_case_worker(engine: Engine) -> str:
    user_id = f"cw2.aktobe.{uuid.uuid4().hex[:6]}"
    with session_scope(engine) as session:
        create_user(session, user_id=user_id, display_name="Second case worker",
                    role=Role.CASE_WORKER, region=Region.AKTOBE,
                    password_hash=hash_password("unused"))
    return user_id


async def test_a_claimed_task_is_left_to_its_holder_until_released(api: WebStack) -> None:
    other = second_case_worker(api.engine)
    driver = await open_case(api)
    await driver.wait_for("preventive_talk")
    task = f"/api/v1/tasks/{driver.case_id}/preventive_talk"
    await in_inbox(api, driver.case_id, "preventive_talk")  # people claim what they see

    claimed = await api.http.post(f"{task}/claim", headers=api.as_user(CW))
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == CW
    assert (await api.http.post(f"{task}/claim", headers=api.as_user(other))).status_code == 409
    assert (await api.http.post(f"{task}/release", headers=api.as_user(other))).status_code == 409
    talk = valid_outcome(StepKind.PREVENTIVE_TALK)
    taken = await complete(api, other, driver.case_id, "preventive_talk", talk)
    assert taken.status_code == 409 and CW in taken.json()["detail"]
    inbox = await api.http.get("/api/v1/tasks", params={"case_id": driver.case_id},
                               headers=api.as_user(other))
    assert [t["key"] for t in inbox.json()] == ["police_decision"]

    released = await api.http.post(f"{task}/release", headers=api.as_user(CW))
    assert released.status_code == 200 and released.json()["claimed_by"] is None
    assert (await api.http.post(f"{task}/claim", headers=api.as_user(other))).status_code == 200
    assert (await complete(api, other, driver.case_id, "preventive_talk", talk)).status_code == 200
    gone = await api.http.post(f"{task}/claim", headers=api.as_user(CW))
    assert gone.status_code == 404


async def test_the_inbox_lists_my_roles_tasks_soonest_due_first_and_filters(
    api: WebStack
) -> None:
    driver = await open_case(api)
    await confirm(api, driver)
    await driver.wait_for("safety_assessment")
    await driver.wait_for("public_statement")

    mine = await api.http.get("/api/v1/tasks", params={"case_id": driver.case_id},
                              headers=api.as_user(CW))

    tasks = mine.json()
    assert {t["id"] for t in tasks} == {f"{driver.case_id}/{key}" for key in (
        "safety_assessment", "preventive_talk", "public_statement")}
    assert [t["due_at"] for t in tasks] == sorted(t["due_at"] for t in tasks)
    safety = next(t for t in tasks if t["kind"] == "safety_assessment")
    assert safety["clause"] == "¶11.2" and safety["title"] == "Safety assessment"
    assert safety["claimed_by"] is None and safety["overdue"] is False
    only_talks = await api.http.get("/api/v1/tasks", headers=api.as_user(CW), params={
        "case_id": driver.case_id, "kind": "preventive_talk"})
    assert [t["key"] for t in only_talks.json()] == ["preventive_talk"]
    before = await api.http.get("/api/v1/tasks", headers=api.as_user(CW), params={
        "case_id": driver.case_id, "due_before": tasks[0]["due_at"]})
    assert before.json() == []
    overdue = await api.http.get("/api/v1/tasks", headers=api.as_user(CW), params={
        "case_id": driver.case_id, "overdue": "true"})
    assert overdue.json() == []
    supervisors = await api.http.get("/api/v1/tasks", params={"case_id": driver.case_id},
                                     headers=api.as_user(SV))
    assert supervisors.json() == []


async def in_inbox(api: WebStack, case_id: str, key: str) -> None:
    """Wait until the store's projection shows the task in the case worker's inbox."""
    for _ in range(200):
        inbox = await api.http.get("/api/v1/tasks", params={"case_id": case_id},
                                   headers=api.as_user(CW))
        if any(t["key"] == key for t in inbox.json()):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id}/{key} never reached the inbox")


async def test_priority_puts_a_threat_to_life_first_then_the_overdue_then_the_nearest(
    api: WebStack,
) -> None:
    routine = await open_case(api, threat=False)
    urgent = await open_case(api, threat=True)
    await in_inbox(api, routine.case_id, "preventive_talk")
    await in_inbox(api, urgent.case_id, "preventive_talk")
    with session_scope(api.engine) as session:  # the routine talk was due an hour ago
        talk = get_task(session, f"{routine.case_id}/preventive_talk")
        assert talk is not None
        talk.due_at = datetime.now(UTC) - timedelta(hours=1)
        session.add(talk)

    tasks = (await api.http.get("/api/v1/tasks", params={"limit": 200},
                                headers=api.as_user(CW))).json()

    ours = {t["case_id"]: t for t in tasks if t["key"] == "preventive_talk"
            and t["case_id"] in (routine.case_id, urgent.case_id)}
    first, late = ours[urgent.case_id], ours[routine.case_id]
    assert first["urgent"] and not first["overdue"] and 60 < first["priority"] < 85
    assert late["overdue"] and not late["urgent"] and late["priority"] == 40
    order = [t["case_id"] for t in tasks]
    assert order.index(urgent.case_id) < order.index(routine.case_id)
    assert [t["priority"] for t in tasks if not t["urgent"]] == sorted(
        (t["priority"] for t in tasks if not t["urgent"]), reverse=True)


async def test_saved_filters_are_each_persons_own_and_apply_as_the_inbox_query(
    api: WebStack,
) -> None:
    url = "/api/v1/tasks/filters"
    saved = await api.http.put(f"{url}/urgent-late", json={"urgent": True, "overdue": True},
                               headers=api.as_user(CW))
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"name": "urgent-late", "query": "overdue=true&urgent=true"}
    mine = (await api.http.get(url, headers=api.as_user(CW))).json()
    assert saved.json() in mine
    assert (await api.http.get(url, headers=api.as_user("cw.pavlodar"))).json() == []
    applied = await api.http.get(f"/api/v1/tasks?{saved.json()['query']}",
                                 headers=api.as_user(CW))
    assert applied.status_code == 200 and all(t["urgent"] and t["overdue"]
                                              for t in applied.json())

    replaced = await api.http.put(f"{url}/urgent-late", json={"kind": "preventive_talk"},
                                  headers=api.as_user(CW))
    assert replaced.json()["query"] == "kind=preventive_talk"
    assert len((await api.http.get(url, headers=api.as_user(CW))).json()) == len(mine)
    refused = await api.http.put(f"{url}/bad", json={"kind": "no_such_kind"},
                                 headers=api.as_user(CW))
    assert refused.status_code == 422 and "kind" in fields(refused)

    gone = await api.http.delete(f"{url}/urgent-late", headers=api.as_user(CW))
    assert gone.status_code == 204
    again = await api.http.delete(f"{url}/urgent-late", headers=api.as_user(CW))
    assert again.status_code == 404


async def test_the_inbox_answers_every_valid_filter_and_refuses_what_its_document_refuses(
    api: WebStack,
) -> None:
    # What the fuzzer found: moments at the calendar's ends, NUL (PostgreSQL refuses it in a
    # string), a JSON number or a 0/1 where the document says a date-time or true/false.
    for end in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"):
        answered = await api.http.get("/api/v1/tasks", params={"due_before": end},
                                      headers=api.as_user(CW))
        assert answered.status_code == 200, answered.text
    for name in ("clause", "district", "case_id"):
        refused = await api.http.get("/api/v1/tasks", params={name: "AKT\x00"},
                                     headers=api.as_user(CW))
        assert name in fields(refused), refused.text
    url = "/api/v1/tasks/filters/typed"
    for body in ({"due_before": 0}, {"overdue": 1}, {"urgent": "true"}, {"offset": 0}):
        refused = await api.http.put(url, json=body, headers=api.as_user(CW))
        assert set(body) <= set(fields(refused)), refused.text
