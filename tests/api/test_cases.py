"""The case list and the case page: facts, steps, notices, personal data for the region's
people, and the store's projection when the workflow cannot answer."""

import asyncio

import httpx
from temporalio.testing import WorkflowEnvironment

from schemas.regions import Region
from schemas.steps import StepKind
from tests.api.calls import confirm, done, open_case
from tests.support.factories import CANARY_NAME, first_district
from tests.support.servers import temporal_binary
from tests.support.web_stack import WebStack
from web.app import create_app
from web.deps import Services

EKIBASTUZ = "551800000"  # a city of regional significance of Pavlodar region


async def test_the_case_page_shows_the_child_to_the_regions_people_only(api: WebStack) -> None:
    driver = await open_case(api)
    await driver.wait_delivered("notice.commissioner")
    await driver.wait_for("preventive_talk")  # the talk opens beside the notices, not after
    for _ in range(100):  # and the page follows the workflow
        own = (await api.http.get(f"/api/v1/cases/{driver.case_id}",
                                  headers=api.as_user("cw.aktobe"))).json()
        if any(s["key"] == "preventive_talk" for s in own["steps"]):
            break
        await asyncio.sleep(0.1)
    other = await api.http.get(f"/api/v1/cases/{driver.case_id}",
                               headers=api.as_user("cw.pavlodar"))

    assert own["personal"]["child"]["full_name"] == CANARY_NAME
    assert own["facts"]["region"] == "aktobe"
    assert {(n["recipient"], n["clause"]) for n in own["notices"]} >= {("commissioner", "¶10.1")}
    talk = next(s for s in own["steps"] if s["key"] == "preventive_talk")
    assert talk["clause"] == "¶10.2" and talk["status"] == "open" and talk["overdue"] is False
    assert other.status_code == 403 and CANARY_NAME not in other.text
    unknown = await api.http.get("/api/v1/cases/AKT-1999-999999",
                                 headers=api.as_user("cw.aktobe"))
    assert unknown.status_code == 404


async def test_the_case_page_falls_back_to_the_store_when_temporal_is_down(
    api: WebStack
) -> None:
    driver = await open_case(api)
    await done(api, driver, "cw.aktobe", StepKind.PREVENTIVE_TALK)
    gone = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_binary("temporal-test-server"))
    await gone.shutdown()
    app = create_app(api.settings, services=Services(settings=api.settings, client=gone.client,
                                                     engine=api.engine))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        page = await http.get(f"/api/v1/cases/{driver.case_id}",
                              headers=api.as_user("cw.aktobe"))

    assert page.status_code == 200, page.text
    steps = {s["key"]: s for s in page.json()["steps"]}
    assert steps["preventive_talk"]["status"] == "done"
    assert steps["preventive_talk"]["actor"] == "cw.aktobe"


async def test_the_case_list_filters_and_pages(api: WebStack) -> None:
    confirmed = await open_case(api, region=Region.PAVLODAR, category="neglect")
    waiting = await open_case(api, region=Region.PAVLODAR, category="neglect",
                              district=EKIBASTUZ)
    await confirm(api, confirmed)
    await confirmed.wait_for("safety_assessment")
    await waiting.wait_for("police_decision")

    async def listed(**params: str) -> list[str]:
        response = await api.http.get("/api/v1/cases", params={"category": "neglect", **params},
                                      headers=api.as_user("sv.pavlodar"))
        assert response.status_code == 200, response.text
        return [c["case_id"] for c in response.json()]

    ours = {confirmed.case_id, waiting.case_id}
    assert set(await listed()) >= ours
    assert confirmed.case_id in await listed(stage="response")
    assert waiting.case_id not in await listed(stage="response")
    in_first = await listed(district=first_district(Region.PAVLODAR))
    assert confirmed.case_id in in_first and waiting.case_id not in in_first
    assert waiting.case_id in await listed(district=EKIBASTUZ)
    first, second = await listed(limit="1"), await listed(limit="1", offset="1")
    assert len(first) == len(second) == 1 and first != second
    bad = await api.http.get("/api/v1/cases", params={"stage": "finished", "limit": "0"},
                             headers=api.as_user("sv.pavlodar"))
    assert {e["field"] for e in bad.json()["detail"]} == {"stage", "limit"}
