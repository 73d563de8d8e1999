"""Routing as HTTP says it should be: a method a path does not accept is a 405 whose Allow
lists every method the path accepts, however many routes serve them; a literal segment beside
an id (``/appeals/register``, the page ``/appeals/new``) is never taken for the id; a path
whose id is not in its format names nothing, a documented 404."""

import re

from tests.support.web_stack import WebStack

# A value in its format for every path parameter of the document.
IDS = {"case_id": "AKT-2026-000001", "key": "preventive_talk", "region": "aktobe",
       "appeal_id": "AKT-A-2026-000001", "report_id": "half-year-aktobe-2026-H2",
       "document": "kk.pdf", "name": "urgent", "subscription_id": "police-aktobe"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
FORMATTED = re.compile(r"{(case_id|key|appeal_id|report_id|subscription_id)}")  # web.paths


def allowed(response_allow: str) -> set[str]:
    return {m.strip() for m in response_allow.split(",")}


async def test_every_path_refuses_a_method_it_lacks_listing_all_it_accepts(
    api: WebStack,
) -> None:
    document = (await api.http.get("/openapi.json")).json()

    for template, operations in document["paths"].items():
        path = re.sub(r"{(\w+)}", lambda m: IDS[m[1]], template)
        accepted = {m.upper() for m in operations}
        lacking = next(m for m in METHODS if m not in accepted)
        answer = await api.http.request(lacking, path, headers=api.as_user("admin"))

        assert answer.status_code == 405, (lacking, template, answer.text)
        assert allowed(answer.headers["Allow"]) == accepted, (lacking, template)


async def test_a_path_served_by_two_routes_lists_both_methods(api: WebStack) -> None:
    for method in ("PUT", "OPTIONS"):
        answer = await api.http.request(method, "/api/v1/webhooks",
                                        headers=api.as_user("admin"))

        assert answer.status_code == 405
        assert allowed(answer.headers["Allow"]) == {"GET", "POST"}


async def test_a_literal_segment_is_not_taken_for_the_id_beside_it(api: WebStack) -> None:
    register = await api.http.get("/api/v1/appeals/register", headers=api.as_user("cw.aktobe"))
    form = await api.http.delete("/appeals/new", headers=api.as_user("cw.aktobe"))

    assert register.status_code == 405 and register.headers["Allow"] == "POST"
    assert form.status_code == 405 and allowed(form.headers["Allow"]) == {"GET", "POST"}


async def test_an_id_not_in_its_format_finds_nothing_and_says_so(api: WebStack) -> None:
    document = (await api.http.get("/openapi.json")).json()
    for path in ("/api/v1/appeals/garbage", "/api/v1/cases/not-a-case",
                 "/api/v1/webhooks/Police%20Aktobe"):
        method = "DELETE" if "webhooks" in path else "GET"
        answer = await api.http.request(method, path, headers=api.as_user("admin"))

        assert answer.status_code == 404, (path, answer.text)
        assert "format of each id" in answer.json()["detail"]
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            if FORMATTED.search(template):
                assert "404" in operation["responses"], f"{method} {template}"
