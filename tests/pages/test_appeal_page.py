"""The appeal page, the operator's form and the inbox: an appeal's facts and terms with their
articles, the applicant only for its region's people, the ¶10 case it opened; a walk-in appeal
registered from the form; its tasks in the inbox beside the cases' tasks, linking to it."""

import re

import pytest

from tests.api.test_appeals import E_OTINISH
from tests.pages.browsing import error_of, page_showing, sign_in, submit, text_of
from tests.pages.test_every_word import LATIN_WORD, visible
from tests.support.factories import ALGA, CANARY_APPLICANT, appeal_data
from tests.support.scenarios import CaseDriver
from tests.support.web_stack import WebStack
from web.i18n import catalogue

KK = catalogue("kk")


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
    assert CANARY_APPLICANT in text and "ӘРПК 76-бап" in text
    assert "¶6.2, ӘРПК 64-бап Өтінішті тіркеу" in text
    assert "Жауап тілі Қазақ тілі" in text  # the applicant's language named, not its code
    # Its history tells of the appeal's own steps, not the case machinery's stages.
    assert "Өтініш қабылданды" in text and "Кезең ауысты" not in text
    assert case_id in text and f'href="/cases/{case_id}"' in page

    case = await page_showing(site, f"/cases/{case_id}", appeal_id)
    assert f'href="/appeals/{appeal_id}"' in case  # linked both ways

    inbox = await page_showing(site, "/", appeal_id)
    assert f'href="/tasks/{appeal_id}/appeal_triage"' in inbox
    assert "Өтінішті іріктеу: құзыреті" in text_of(inbox)

    await sign_in(site, "cw.pavlodar")
    other = await site.http.get(f"/appeals/{appeal_id}")
    assert other.status_code == 403 and CANARY_APPLICANT not in other.text


async def test_an_operator_registers_a_walk_in_appeal_from_the_form(site: WebStack) -> None:
    await sign_in(site, "cw.aktobe")
    form = await page_showing(site, "/appeals/new", "Жеке қабылдау")
    reference = re.search(r'name="reference" value="([^"]+)"', form)
    assert reference is not None
    fields = {"reference": reference.group(1), "kind": "appeal", "channel": "walk_in",
              "received_at": "2026-11-30T10:15",
              "region": "aktobe", "district": ALGA, "name": "Dana Walkin",
              "relation": "parent", "email": "", "phone": "", "address": "",
              "language": "kk", "body": "", "official": "",
              "substance": "short", "attachments": "a school letter\n"}
    refused = await submit(site, "/appeals/new", fields)
    assert refused.status_code == 422
    assert error_of(refused.text, "applicant") == KK["error.contact_missing"]
    assert error_of(refused.text, "substance") == "Кемінде 10 таңба."
    assert 'value="Dana Walkin"' in refused.text  # nothing typed is lost

    fields |= {"phone": "+7 701 000 11 22",
               "substance": "The school refuses my son a place in the first grade."}
    registered = await submit(site, "/appeals/new", fields)
    assert registered.status_code == 303, registered.text
    appeal_id = registered.headers["location"].removeprefix("/appeals/")
    again = await submit(site, "/appeals/new", fields)
    assert again.headers["location"] == f"/appeals/{appeal_id}"  # the same form: one appeal
    page = await page_showing(site, f"/appeals/{appeal_id}", "Dana Walkin")
    assert "Жеке қабылдау" in text_of(page) and "cw.aktobe" in text_of(page)


# The operator's form, filled in wrongly three ways (pydantic checks a part's rules only
# once its fields are valid): each refusal by the input it is shown at, as its locale key.
BAD_FORMS = [
    ({"email": "saule.at.example", "phone": "жоқ", "substance": "Қысқа",
      "received_at": "2099-01-01T10:00", "district": "999999999", "child_name": "Арман",
      "child_birth_date": "2016-13-40", "child_sex": "male"},
     {"email": "error.string_pattern_mismatch.email",
      "phone": "error.string_pattern_mismatch.phone", "substance": "error.string_too_short",
      "received_at": "error.received_in_future", "district": "error.district_unknown",
      "child_birth_date": "error.date"}),
    ({"kind": "complaint", "phone": "", "child_name": "Арман", "child_birth_date": "2030-01-01",
      "child_sex": "male"},
     {"applicant": "error.contact_missing"}),
    ({"kind": "complaint", "child_name": "Арман", "child_birth_date": "2030-01-01",
      "child_sex": "male"},
     {"body": "error.complaint_body_missing"}),
    ({"child_name": "Арман", "child_birth_date": "2030-01-01", "child_sex": "male"},
     {"child_birth_date": "error.born_after_receipt"}),
]


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_the_appeal_form_refuses_in_the_readers_language_next_to_each_input(
    site: WebStack, language: str
) -> None:
    await sign_in(site, "cw.aktobe")
    words = catalogue(language)
    form = await page_showing(site, f"/appeals/new?lang={language}", words["appeal.new"])
    reference = re.search(r'name="reference" value="([^"]+)"', form)
    assert reference is not None
    good = {"reference": reference.group(1), "kind": "appeal", "channel": "walk_in",
            "received_at": "2026-11-30T10:15", "region": "aktobe", "district": ALGA,
            "name": "Дана Жаяуова", "phone": "+7 701 000 11 22", "language": language,
            "substance": "Мектеп ұлыма бірінші сыныптан орын бермейді."}
    for bad, expected in BAD_FORMS:
        refused = await submit(site, "/appeals/new", good | bad)
        assert refused.status_code == 422, refused.text
        for where, key in expected.items():
            assert error_of(refused.text, where) == words[key].format(min_length=10), where
        english = LATIN_WORD.findall(visible(refused.text))
        assert not english, f"English on the refused form: {english}"
        assert 'value="Дана Жаяуова"' in refused.text and "Арман" in refused.text  # kept


async def test_an_operator_registers_a_violation_with_its_child_and_a_case_opens(
    site: WebStack
) -> None:
    await sign_in(site, "cw.aktobe")
    form = await page_showing(site, "/appeals/new", "Бала құқықтарының бұзылуы")
    reference = re.search(r'name="reference" value="([^"]+)"', form)
    assert reference is not None
    assert "Өгей әкесі немесе өгей шешесі" in text_of(form)  # the violator, in Kazakh
    fields = {"reference": reference.group(1), "kind": "appeal", "channel": "telephone",
              "received_at": "2026-11-30T10:15", "region": "aktobe", "district": ALGA,
              "name": "Dana Walkin", "relation": "relative", "phone": "+7 701 000 11 22",
              "language": "ru", "substance": "The stepfather beats the boy; neighbours hear it.",
              "violation": "on", "category": "physical_violence", "threat": "on",
              "violator": "step_parent", "lives_with_child": "on"}
    refused = await submit(site, "/appeals/new", fields)
    assert refused.status_code == 422
    assert error_of(refused.text, "child") == KK["error.child_missing"]  # (¶10)
    assert 'value="Dana Walkin"' in refused.text

    fields |= {"child_name": "Arman Formbekov", "child_birth_date": "02.04.2016",
               "child_sex": "male"}
    registered = await submit(site, "/appeals/new", fields)
    assert registered.status_code == 303, registered.text
    appeal_id = registered.headers["location"].removeprefix("/appeals/")
    page = await page_showing(site, f"/appeals/{appeal_id}", "Arman Formbekov")
    assert "Arman Formbekov, 02.04.2016" in text_of(page)  # typed and shown dd.mm.yyyy
    case_id = re.search(r'href="/cases/([A-Z]{3}-\d{4}-\d+)"', page)
    assert case_id is not None  # the ¶10 case opened at once, linked
    case = await page_showing(site, f"/cases/{case_id.group(1)}", "Arman Formbekov")
    assert f'href="/appeals/{appeal_id}"' in case


async def test_triaged_drafted_and_approved_from_the_task_forms_the_answer_mailed(
    site: WebStack,
) -> None:
    response = await site.http.post("/api/v1/appeals", json=appeal_data(),
                                    headers=site.as_key(E_OTINISH))
    appeal_id = response.json()["appeal_id"]
    driver = CaseDriver(site.worker.client, appeal_id)
    await sign_in(site, "cw.aktobe")
    triage = text_of(await page_showing(site, f"/tasks/{appeal_id}/appeal_triage",
                                        "Өтінішті іріктеу"))
    # What is to be triaged is on the task's page, under the appeal's number.
    assert f"Өтініш {appeal_id}" in triage and appeal_data()["substance"] in triage
    triaged = await submit(site, f"/tasks/{appeal_id}/appeal_triage",
                           {"within_competence": "true", "notes": ""})
    assert triaged.status_code == 303 and triaged.headers["location"] == f"/appeals/{appeal_id}"
    await driver.wait_for("appeal_answer")
    refused = await submit(site, f"/tasks/{appeal_id}/appeal_answer",
                           {"verdict": "withdrawn", "text": "We explained the law to you."})
    assert refused.status_code == 422
    assert "an answer concludes one of upheld" in text_of(refused.text)
    drafted = await submit(site, f"/tasks/{appeal_id}/appeal_answer",
                           {"verdict": "explained", "text": "We explained the law to you."})
    assert drafted.status_code == 303, drafted.text

    await sign_in(site, "sv.aktobe")
    await page_showing(site, f"/tasks/{appeal_id}/appeal_answer.approval-1", "Жауапты бекіту")
    approved = await submit(site, f"/tasks/{appeal_id}/appeal_answer.approval-1",
                            {"approved": "true", "reason": ""})
    assert approved.status_code == 303, approved.text
    await driver.result()
    page = text_of(await page_showing(site, f"/appeals/{appeal_id}", "Түсіндірілді"))
    assert "уақытында" in page  # the term met
    assert "¶6.2 Ашылды Өтініш қабылданды: Кодекс бойынша тіркелді (64-бап)" in page
    assert "¶6.2 Жабылды Өтініш жабылды" in page and "¶10" not in page
    letters = [m.read_text() for m in site.mail_dir.glob("*.eml")
               if appeal_id in m.read_text() and "X-Ombudsflow-Appeal" in m.read_text()]
    assert len(letters) == 2  # the ticket and the answer


async def test_an_appeal_task_is_taken_and_given_back_from_the_inbox(site: WebStack) -> None:
    response = await site.http.post("/api/v1/appeals", json=appeal_data(),
                                    headers=site.as_key(E_OTINISH))
    appeal_id = response.json()["appeal_id"]
    await CaseDriver(site.worker.client, appeal_id).wait_for("appeal_triage")
    await sign_in(site, "cw.aktobe")
    inbox = await page_showing(site, f"/?case_id={appeal_id}", appeal_id)
    assert f'action="/tasks/{appeal_id}/appeal_triage/claim"' in inbox

    taken = await submit(site, f"/tasks/{appeal_id}/appeal_triage/claim", {}, form_page="/")
    assert taken.status_code == 303
    mine = await site.http.get("/", params={"held": "mine", "case_id": appeal_id})
    assert f'action="/tasks/{appeal_id}/appeal_triage/release"' in mine.text
    assert "cw.aktobe" in text_of(mine.text)
    nobodys = await site.http.get("/", params={"held": "unclaimed", "case_id": appeal_id})
    assert f"/tasks/{appeal_id}/appeal_triage" not in nobodys.text

    given_back = await submit(site, f"/tasks/{appeal_id}/appeal_triage/release", {},
                              form_page="/")
    assert given_back.status_code == 303
    again = await site.http.get("/", params={"held": "unclaimed", "case_id": appeal_id})
    assert f'action="/tasks/{appeal_id}/appeal_triage/claim"' in again.text
