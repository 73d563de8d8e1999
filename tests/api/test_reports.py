"""Intake over HTTP: a report opens one case however often (and however concurrently) it is
sent; a bad one is refused with each field and reason; a key reports only for its channels."""

import asyncio
from datetime import UTC, date, datetime, timedelta

from schemas.report import Sex
from tests.api.calls import HELPLINE, POLICE, fields, report
from tests.support.factories import CHILD_BIRTH, make_iin, report_data
from tests.support.web_stack import WebStack


async def test_a_new_report_opens_a_case_with_links(api: WebStack) -> None:
    response = await report(api)

    assert response.status_code == 201, response.text
    body = response.json()
    case_id = body["case_id"]
    assert body["workflow_id"] == case_id and case_id.startswith("AKT-")
    assert body["links"] == {
        "self": f"http://testserver/api/v1/cases/{case_id}",
        "history": f"http://testserver/api/v1/cases/{case_id}/history",
        "temporal_ui": f"{api.settings.public_base_url}/temporal/namespaces/"
                       f"{api.settings.temporal_namespace}/workflows/{case_id}",
    }


async def test_twenty_concurrent_duplicates_open_one_case(api: WebStack) -> None:
    data = report_data()

    responses = await asyncio.gather(*(
        api.http.post("/api/v1/reports", json=data, headers=api.as_key(HELPLINE))
        for _ in range(20)
    ))

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 19 + [201], [r.text for r in responses if r.status_code > 201]
    assert len({r.json()["case_id"] for r in responses}) == 1
    assert len({r.text for r in responses}) == 1  # a duplicate answers exactly as the first


async def test_a_bad_report_is_refused_field_by_field(api: WebStack) -> None:
    adult = report_data(child={"full_name": "Adult Person", "birth_date": "1990-01-01",
                               "sex": "male"})
    bad_iin = report_data(child={"full_name": "Some Child", "birth_date": "2014-03-09",
                                 "sex": "female", "iin": "140309600000"})
    unknown_region = {**report_data(), "region": "atlantis"}
    future = report_data(received_at=datetime.now(UTC) + timedelta(hours=2))

    answers = [fields(await api.http.post("/api/v1/reports", json=data,
                                          headers=api.as_key(HELPLINE)))
               for data in (adult, bad_iin, unknown_region, future)]

    assert answers[0] == {"body": "child must be under 18 at received_at (child.birth_date)"}
    assert answers[1] == {"child": "IIN check digit does not match"}
    assert list(answers[2]) == ["region"] and "aktobe" in answers[2]["region"]
    assert answers[3] == {"received_at": "received_at is in the future"}


async def test_several_bad_fields_are_all_listed(api: WebStack) -> None:
    data = report_data(district="", alleged_violators=[], description="short")
    data["child"]["iin"] = make_iin(date(2013, 1, 1), Sex.MALE)  # another child's IIN

    answer = fields(await api.http.post("/api/v1/reports", json=data,
                                        headers=api.as_key(HELPLINE)))

    assert set(answer) == {"district", "alleged_violators", "description", "child"}
    assert answer["child"] == "IIN date of birth does not match birth_date"
    assert CHILD_BIRTH.isoformat() not in str(answer)


async def test_a_key_reports_only_for_its_own_channels(api: WebStack) -> None:
    school = await api.http.post("/api/v1/reports", json=report_data(channel="school"),
                                 headers=api.as_key(HELPLINE))
    police_key = await api.http.post("/api/v1/reports", json=report_data(),
                                     headers=api.as_key(POLICE))
    telegram = await api.http.post("/api/v1/reports", json=report_data(channel="telegram"),
                                   headers=api.as_key(HELPLINE))

    assert school.status_code == 403
    assert school.json()["detail"] == "this key may not report for the school channel"
    assert police_key.status_code == 403
    assert telegram.status_code == 201
