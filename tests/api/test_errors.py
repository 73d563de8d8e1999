"""Inputs the store cannot hold are refused with 422 and a reason, never a 500 (found by the
API fuzzing in `make faults`)."""

from tests.web_stack import WebStack


async def test_a_page_past_the_end_of_the_store_is_a_422(api: WebStack) -> None:
    for path in ("/api/v1/cases", "/api/v1/tasks", "/api/v1/approvals"):
        user = "sv.aktobe" if path.endswith("approvals") else "cw.aktobe"
        response = await api.http.get(path, params={"offset": 10**19},
                                      headers=api.as_user(user))
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"][0]["field"] == "offset"


async def test_malformed_or_over_long_ids_are_a_422(api: WebStack) -> None:
    for case_id, key, wrong in (("AKT-2026-" + "9" * 40, "preventive_talk", "case_id"),
                                ("not a case", "preventive_talk", "case_id"),
                                ("AKT-2026-000001", "x" * 200, "key")):
        response = await api.http.post(f"/api/v1/tasks/{case_id}/{key}/claim",
                                       headers=api.as_user("cw.aktobe"))
        assert response.status_code == 422, (case_id, key, response.text)
        assert [e["field"] for e in response.json()["detail"]] == [wrong]
