"""Every read or change of a case leaves an audit row, refusals included; sign-in and intake
are rate limited with a clear 429."""

from sqlmodel import select

from ombudsflow.credentials import split_api_key
from store.audit import case_trail, verify_chain
from store.db import session_scope
from store.models import AuditEvent
from tests.api.calls import HELPLINE, POLICE, confirm, open_case, report
from tests.support.web_stack import WebStack


async def test_reads_changes_and_refusals_of_a_case_are_audited(api: WebStack) -> None:
    case = await open_case(api)
    await confirm(api, case)
    assert (await api.http.get(f"/api/v1/cases/{case.case_id}",
                               headers=api.as_user("cw.aktobe"))).status_code == 200
    assert (await api.http.get(f"/api/v1/cases/{case.case_id}",
                               headers=api.as_user("cw.pavlodar"))).status_code == 403

    with session_scope(api.engine) as session:
        trail = {(e.actor_id, e.role, e.region, e.action, e.result)
                 for e in case_trail(session, case.case_id)}
        key_ids = {e.actor_id for e in session.exec(select(AuditEvent))
                   if e.actor_id.startswith("integration:")}
        verify_chain(session)
    read = f"GET /api/v1/cases/{case.case_id}"
    assert ("cw.aktobe", "case_worker", "aktobe", read, 200) in trail
    assert ("cw.pavlodar", "case_worker", "pavlodar", read, 403) in trail
    actions = {(action, result) for _, _, _, action, result in trail}
    assert ("POST /api/v1/reports", 201) in actions  # the intake that opened it
    assert ("POST /api/v1/police-decisions", 200) in actions
    # The helpline's and the police system's keys, by id (other tests' keys may be there too).
    assert {f"integration:{split_api_key(api.as_key(name)['X-API-Key'])}"
            for name in (HELPLINE, POLICE)} <= key_ids


async def test_sign_in_attempts_are_limited(api: WebStack) -> None:
    limit = api.settings.sign_ins_per_minute
    for _ in range(limit):
        wrong = await api.http.post("/api/v1/auth/token",
                                    data={"username": "sv.pavlodar", "password": "guess"})
        assert wrong.status_code == 401
    refused = await api.http.post("/api/v1/auth/token",
                                  data={"username": "sv.pavlodar", "password": "guess"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "too many sign-in attempts" in refused.json()["detail"]
    other = await api.http.post("/api/v1/auth/token",
                                data={"username": "cw.pavlodar", "password": "guess"})
    assert other.status_code == 401  # the limit is per user name


async def test_intake_is_limited_per_key(api: WebStack) -> None:
    api.http._transport.app.state.limits.reports.limit = 2  # type: ignore[attr-defined]
    assert (await report(api)).status_code == 201
    assert (await report(api)).status_code == 201
    refused = await report(api)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
