"""¶6.2 appeals over HTTP: e-Otinish submits (201 new, 200 again, however concurrently) and
never reads; each bad field is refused with its reason; the office registers walk-in appeals;
people read and act on the appeals of their region only, through to the answer."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from schemas.case import StepStatus
from schemas.regions import Region
from schemas.steps import StepKind
from store.appeals import get_appeal
from store.db import session_scope
from tests.api.calls import HELPLINE, POLICE, fields
from tests.api.test_access import OF_PAVLODAR, PEOPLE, READERS, headers
from tests.support.factories import appeal_data, first_district, report_data, worker_of
from tests.support.scenarios import CaseDriver
from tests.support.web_stack import WebStack

E_OTINISH = "e-otinish"


async def submit(api: WebStack, **overrides: Any) -> httpx.Response:
    return await api.http.post("/api/v1/appeals", json=appeal_data(**overrides),
                               headers=api.as_key(E_OTINISH))


async def projected(api: WebStack, appeal_id: str, user: str, *, stage: str
                    ) -> dict[str, Any]:
    """The appeal as ``user`` reads it once the store has it at ``stage`` (the header is
    the workflow's projection: it follows the workflow by a moment)."""
    for _ in range(100):
        read = await api.http.get(f"/api/v1/appeals/{appeal_id}", headers=api.as_user(user))
        assert read.status_code == 200, read.text
        body: dict[str, Any] = read.json()
        if body["stage"] == stage:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"appeal {appeal_id} not projected at {stage}: {body['stage']}")


async def test_an_appeal_is_registered_once_however_often_it_is_sent(api: WebStack) -> None:
    data = appeal_data()
    responses = await asyncio.gather(*(
        api.http.post("/api/v1/appeals", json=data, headers=api.as_key(E_OTINISH))
        for _ in range(5)))

    assert sorted(r.status_code for r in responses) == [200] * 4 + [201], [
        r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    accepted = responses[0].json()
    assert accepted["appeal_id"].startswith("AKT-A-") and accepted["case_id"] is None
    assert accepted["self_link"].endswith(f"/api/v1/appeals/{accepted['appeal_id']}")


async def test_an_applicant_writing_again_within_a_year_is_linked_to_their_last_appeal(
    api: WebStack
) -> None:
    digits = f"{uuid.uuid4().int % 10**7:07d}"  # a number no other test's applicant has
    person = {"name": "Saule Repeatova", "relation": "parent", "language": "kk"}
    received = datetime.now(UTC) - timedelta(days=2)
    first = await submit(api, received_at=received,
                         applicant=person | {"phone": f"+7 701 {digits}"})
    again = await submit(api, applicant=person | {"phone": f"8 (701) {digits}"})  # as typed
    stranger = await submit(api, applicant=person | {"phone": f"+7 702 {digits}"})
    anonymous = await submit(api, applicant={"anonymous": True, "language": "ru"})
    ids = [r.json()["appeal_id"] for r in (first, again, stranger, anonymous)]

    async def repeat_of(appeal_id: str) -> str | None:
        read = await api.http.get(f"/api/v1/appeals/{appeal_id}",
                                  headers=api.as_user("cw.aktobe"))
        assert read.status_code == 200, read.text
        linked: str | None = read.json()["repeat_of"]
        return linked

    assert [await repeat_of(i) for i in ids] == [None, ids[0], None, None]
    with session_scope(api.engine) as session:  # only a keyed hash of the phone is kept
        keys = [get_appeal(session, i).applicant_key for i in ids]  # type: ignore[union-attr]
    assert keys[0] == keys[1] and keys[0] is not None and digits not in keys[0]
    assert keys[2] not in (None, keys[0]) and keys[3] is None


async def test_a_bad_appeal_is_refused_field_by_field(api: WebStack) -> None:
    applicant = appeal_data()["applicant"]
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        (appeal_data(district="551000000"), {}),  # a code of another region
        (appeal_data(applicant={"anonymous": True, "name": "Someone"}),
         {"applicant": "an anonymous applicant carries no name, e-mail, phone or address"}),
        (appeal_data(applicant={"name": "Saule"}),
         {"applicant": "a contact is required (email, phone or address) unless the applicant "
                       "is anonymous: the answer must reach them"}),
        (appeal_data(applicant={**applicant, "language": "en"}), {}),
        (appeal_data(kind="complaint"),
         {"body": "body: a complaint names the local executive body it is about"}),
        (appeal_data(violation=True, child=None),
         {"body": "child: an appeal reporting a violation names the child (¶10)"}),
        (appeal_data(child={**report_data()["child"], "birth_date": "1990-01-01", "iin": None}),
         {"body": "child must be under 18 at received_at (child.birth_date)"}),
        (appeal_data(received_at=datetime.now(UTC) + timedelta(hours=2)),
         {"received_at": "received_at is in the future"}),
    ]
    for data, expected in cases:
        answer = fields(await api.http.post("/api/v1/appeals", json=data,
                                            headers=api.as_key(E_OTINISH)))
        if expected:
            assert answer == expected, data
    district = fields(await submit(api, district="551000000"))
    assert list(district) == ["district"] and "aktobe" in district["district"]
    language = fields(await submit(api, applicant={**applicant, "language": "en"}))
    assert list(language) == ["applicant.language"] and "'kk' or 'ru'" in \
        language["applicant.language"]


async def test_integrations_submit_for_their_channels_and_never_read(api: WebStack) -> None:
    wrong_scope = await api.http.post("/api/v1/appeals", json=appeal_data(),
                                      headers=api.as_key(HELPLINE))
    assert wrong_scope.status_code == 403 and "appeals" in wrong_scope.json()["detail"]
    wrong_channel = await submit(api, channel="telegram")
    assert wrong_channel.status_code == 403
    assert "telegram" in wrong_channel.json()["detail"]

    appeal_id = (await submit(api)).json()["appeal_id"]
    for path in ("/api/v1/appeals", f"/api/v1/appeals/{appeal_id}"):
        read = await api.http.get(path, headers=api.as_key(E_OTINISH))
        assert read.status_code == 403, read.text


async def test_people_read_the_appeals_of_their_region_only(api: WebStack) -> None:
    appeal_id = (await submit(api)).json()["appeal_id"]
    await CaseDriver(api.worker.client, appeal_id).wait_for("appeal_triage")

    other = await api.http.get(f"/api/v1/appeals/{appeal_id}", headers=api.as_user("cw.pavlodar"))
    assert other.status_code == 403
    for user in ("cw.aktobe", "sv.committee"):
        body = await projected(api, appeal_id, user, stage="triage")
        assert body["appeal"]["applicant"]["name"] == appeal_data()["applicant"]["name"]
        assert body["stage"] == "triage" and body["registered_at"] is not None
        assert [s["key"] for s in body["steps"]][:2] == ["appeal_registration", "notice.ticket"]
    listed = await api.http.get("/api/v1/appeals", headers=api.as_user("cw.pavlodar"))
    assert appeal_id not in {a["appeal_id"] for a in listed.json()}


async def test_the_office_registers_a_walk_in_appeal_and_answers_it(api: WebStack) -> None:
    e_otinish = await api.http.post("/api/v1/appeals/register", json=appeal_data(),
                                    headers=api.as_user("cw.aktobe"))
    assert "walk_in" in fields(e_otinish)["channel"]
    walk_in = await api.http.post("/api/v1/appeals/register",
                                  json=appeal_data(channel="walk_in"),
                                  headers=api.as_user("cw.aktobe"))
    assert walk_in.status_code == 201, walk_in.text
    appeal_id = walk_in.json()["appeal_id"]
    driver = CaseDriver(api.worker.client, appeal_id)
    base = f"/api/v1/appeals/{appeal_id}"

    async def task(key: str, user: str, outcome: dict[str, Any]) -> httpx.Response:
        await driver.wait_for(key)
        return await api.http.post(f"{base}/tasks/{key}/complete", json={"outcome": outcome},
                                   headers=api.as_user(user))

    triaged = await task("appeal_triage", "cw.aktobe", {"within_competence": True})
    assert triaged.status_code == 200, triaged.text
    await driver.wait_for("appeal_answer")
    beyond = await api.http.post(f"{base}/extension", headers=api.as_user("sv.aktobe"), json={
        "reason": "The akimat's answer is awaited.",
        "new_due": (date.today() + timedelta(days=75)).isoformat()})
    assert "art. 76" in fields(beyond)["outcome.new_due"]
    by_worker = await api.http.post(f"{base}/extension", headers=api.as_user("cw.aktobe"), json={
        "reason": "The akimat's answer is awaited.",
        "new_due": (date.today() + timedelta(days=30)).isoformat()})
    assert by_worker.status_code == 403
    drafted = await task("appeal_answer", "cw.aktobe", {
        "verdict": "explained", "text": "The right to a school place was explained."})
    assert drafted.status_code == 200, drafted.text
    approved = await task("appeal_answer.approval-1", "sv.aktobe", {"approved": True})
    assert approved.status_code == 200, approved.text
    await driver.result()

    read = await projected(api, appeal_id, "sv.aktobe", stage="closed")
    assert (read["stage"], read["verdict"], read["term_met"], read["taken_by"]) == (
        "closed", "explained", True, "cw.aktobe")
    assert all(s["status"] != StepStatus.OPEN.value for s in read["steps"])


async def test_every_appeal_endpoint_serves_only_its_callers(api: WebStack) -> None:
    callers = [*PEOPLE, f"key:{HELPLINE}", f"key:{POLICE}", f"key:{E_OTINISH}", "anonymous"]
    of_aktobe = {"cw.aktobe", "sv.aktobe", "sv.committee"}
    aktobe = (await submit(api)).json()["appeal_id"]
    pavlodar = (await submit(api, region="pavlodar",
                             district=first_district(Region.PAVLODAR))).json()["appeal_id"]
    # Each caller allowed to close or extend one gets an appeal of its own.
    own = {c: (await submit(api)).json()["appeal_id"] for c in of_aktobe}
    for appeal_id in own.values():
        driver = CaseDriver(api.worker.client, appeal_id)
        await driver.wait_for("appeal_triage")
        await driver.send(StepKind.APPEAL_TRIAGE, "appeal_triage", worker_of(),
                          {"within_competence": True})
        await driver.wait_for("appeal_answer")
    extension = {"reason": "The akimat's answer is awaited.",
                 "new_due": (date.today() + timedelta(days=40)).isoformat()}
    calls: list[tuple[str, Any, set[str], Any]] = [
        ("POST", "/api/v1/appeals", {f"key:{E_OTINISH}"}, lambda _: appeal_data()),
        ("POST", "/api/v1/appeals/register", of_aktobe,
         lambda _: appeal_data(channel="walk_in")),
        ("GET", "/api/v1/appeals", READERS, None),
        ("GET", f"/api/v1/appeals/{aktobe}", of_aktobe, None),
        ("GET", f"/api/v1/appeals/{pavlodar}", OF_PAVLODAR, None),
        ("POST", lambda c: f"/api/v1/appeals/{own.get(c, aktobe)}/extension",
         {"sv.aktobe", "sv.committee"}, lambda _: extension),
        ("POST", lambda c: f"/api/v1/appeals/{own.get(c, aktobe)}/withdrawal", of_aktobe,
         lambda _: {"reason": "The school gave the place."}),
    ]
    wrong = []
    for method, path, allowed, body in calls:
        for caller in sorted(callers, key=lambda c: c in allowed):
            url = path(caller) if callable(path) else path
            response = await api.http.request(method, url, json=body(caller) if body else None,
                                              headers=headers(api, caller))
            expected = (200, 201) if caller in allowed else (401, 403)
            if response.status_code not in expected:
                wrong.append(f"{caller} {method} {url} → {response.status_code} "
                             f"{response.text[:150]}")
    assert wrong == []
