"""The appeal page and the inbox: an appeal's facts and terms with their articles, the
applicant only for its region's people, the ¶10 case it opened; its tasks in the inbox beside
the cases' tasks, linking to it."""

from tests.api.test_appeals import E_OTINISH
from tests.factories import CANARY_APPLICANT, appeal_data
from tests.pages.browsing import page_showing, sign_in, text_of
from tests.scenarios import CaseDriver
from tests.web_stack import WebStack


async def test_the_appeal_page_shows_the_appeal_its_terms_and_its_case(site: WebStack) -> None:
    response = await site.http.post("/api/v1/appeals", json=appeal_data(violation=True),
                                    headers=site.as_key(E_OTINISH))
    assert response.status_code == 201, response.text
    appeal_id, case_id = response.json()["appeal_id"], response.json()["case_id"]
    await CaseDriver(site.worker.client, appeal_id).wait_for("appeal_triage")

    await sign_in(site, "cw.aktobe")
    page = await page_showing(site, f"/appeals/{appeal_id}", "Өтінішті тіркеу")
    text = text_of(page)
    assert f"{appeal_id} өтініші" in text and "e-Өтініш" in text
    assert CANARY_APPLICANT in text and "APPC art. 76" in text
    assert "¶6.2, APPC art. 64 Өтінішті тіркеу" in text
    assert case_id in text and f'href="/cases/{case_id}"' in page

    case = await page_showing(site, f"/cases/{case_id}", appeal_id)
    assert f'href="/appeals/{appeal_id}"' in case  # linked both ways

    inbox = await page_showing(site, "/", appeal_id)
    assert f'href="/appeals/{appeal_id}#appeal_triage"' in inbox
    assert "Өтінішті іріктеу: құзыреті" in text_of(inbox)

    await sign_in(site, "cw.pavlodar")
    other = await site.http.get(f"/appeals/{appeal_id}")
    assert other.status_code == 403 and CANARY_APPLICANT not in other.text
