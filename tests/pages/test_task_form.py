"""Task forms built from the outcome models: a refused outcome comes back with each reason
next to its input and the values kept; a valid one completes the task."""

import re
from datetime import UTC, datetime, timedelta

from ombudsflow.local_time import LOCAL_TIME
from schemas.case import StepStatus
from schemas.steps import StepKind
from tests.api.calls import confirm, done, open_case
from tests.pages.browsing import error_of, page_showing, sign_in, submit, text_of
from tests.support.scenarios import valid_outcome
from tests.support.web_stack import WebStack
from web.dates import shown_moment


def local(moment: datetime) -> str:
    """As a person types it: dd.mm.yyyy hh:mm on Kazakhstan's clock."""
    return shown_moment(moment)


async def test_an_invalid_talk_shows_each_reason_next_to_its_field_and_keeps_the_values(
    site: WebStack,
) -> None:
    driver = await open_case(site)
    await sign_in(site, "cw.aktobe")
    url = f"/tasks/{driver.case_id}/preventive_talk"
    await page_showing(site, "/", driver.case_id)
    held = local(datetime.now(UTC) - timedelta(minutes=1))

    response = await submit(site, url, {
        "talks.0.party": "parent", "talks.0.held_at": held,
        "talks.0.responsibility_explained": "false",
        "talks.1.party": "alleged_violator",  # held_at left out
        "notes": "The father refused to sign.",
    })

    assert response.status_code == 422
    page = response.text
    assert "¶10.2: заң бойынша жауапкершілігін түсіндіру міндетті" in error_of(page, "talks.0")
    assert error_of(page, "talks.1.held_at") == "Міндетті өріс."
    assert 'aria-describedby="e-talks-1-held_at"' in page
    assert "Тапсырма орындалмады" in text_of(page)
    # What was typed is still there.
    assert f'name="talks.0.held_at" value="{held}"' in page
    assert re.search(r'name="talks.1.party".*?<option value="alleged_violator" selected>',
                     page, re.S)
    assert "The father refused to sign.</textarea>" in page
    assert (await driver.view()).step("preventive_talk").status == StepStatus.OPEN


async def test_the_workflow_refusal_is_shown_next_to_its_field(site: WebStack) -> None:
    driver = await open_case(site)
    await sign_in(site, "cw.aktobe")
    await page_showing(site, "/", driver.case_id)
    long_ago = datetime.now(UTC) - timedelta(days=30)  # before the report was received

    response = await submit(site, f"/tasks/{driver.case_id}/preventive_talk", {
        "talks.0.party": "parent", "talks.0.held_at": local(long_ago),
        "talks.0.responsibility_explained": "true",
    })

    assert response.status_code == 422
    assert "хабарлама түскенге дейін" in error_of(response.text, "talks")  # in Kazakh


async def test_completing_the_talk_through_its_form(site: WebStack) -> None:
    driver = await open_case(site)
    await sign_in(site, "cw.aktobe")
    await page_showing(site, "/", driver.case_id)
    held = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=2)

    response = await submit(site, f"/tasks/{driver.case_id}/preventive_talk", {
        "talks.0.party": "parent", "talks.0.held_at": local(held),
        "talks.0.responsibility_explained": "true",
        "talks.2.party": "alleged_violator", "talks.2.held_at": local(held),
        "talks.2.responsibility_explained": "true",
    })

    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{driver.case_id}"
    case_page = text_of((await site.http.get(response.headers["location"])).text)
    assert "Орындалды: Профилактикалық әңгіме." in case_page
    talk = (await driver.view()).step("preventive_talk")
    assert talk.status == StepStatus.DONE and talk.actor == "cw.aktobe"
    talks = (talk.outcome or {})["talks"]
    assert [t["party"] for t in talks] == ["parent", "alleged_violator"]  # blank row dropped
    # The form's time is Kazakhstan's (UTC+5), recorded with its offset.
    assert {t["held_at"] for t in talks} == {held.astimezone(LOCAL_TIME).isoformat()}
    assert all(t["responsibility_explained"] for t in talks)
    # A closed task's form leads back to the case.
    again = await site.http.get(f"/tasks/{driver.case_id}/preventive_talk")
    assert again.status_code == 303


async def test_a_case_worker_cannot_open_a_supervisors_form(site: WebStack) -> None:
    driver = await open_case(site)
    await done(site, driver, "cw.aktobe", StepKind.PREVENTIVE_TALK)
    await confirm(site, driver)
    await done(site, driver, "cw.aktobe", StepKind.PUBLIC_STATEMENT)
    await driver.wait_for("public_statement.approval-1")
    await sign_in(site, "cw.aktobe")

    response = await site.http.get(f"/tasks/{driver.case_id}/public_statement.approval-1")

    assert response.status_code == 403
    assert "Бұл тапсырманы басқа рөл орындайды." in text_of(response.text)


async def test_an_approval_form_shows_the_draft_and_two_buttons(site: WebStack) -> None:
    driver = await open_case(site)
    await done(site, driver, "cw.aktobe", StepKind.PREVENTIVE_TALK)
    await confirm(site, driver)
    statement = valid_outcome(StepKind.PUBLIC_STATEMENT)["text"]
    await done(site, driver, "cw.aktobe", StepKind.PUBLIC_STATEMENT)
    await driver.wait_for("public_statement.approval-1")
    await sign_in(site, "sv.aktobe")
    url = f"/tasks/{driver.case_id}/public_statement.approval-1"

    form = (await site.http.get(url)).text

    assert statement in text_of(form)
    assert 'name="approved" value="true">Бекіту</button>' in form
    assert 'name="approved" value="false" class="danger">Пысықтауға қайтару</button>' in form
    assert "Тапсырманы орындау" not in form  # no "complete the task" for a decision
    returned = await submit(site, url, {"approved": "false", "reason": ""})
    assert returned.status_code == 422
    assert "Қайтару үшін себебін жазыңыз" in text_of(returned.text)
    reason = "Аудандағы шараларды атаңыз."
    returned = await submit(site, url, {"approved": "false", "reason": reason})
    assert returned.status_code == 303
    reopened = await driver.wait_for("public_statement")
    assert reopened.attempt == 2 and reopened.note == f"rejected: {reason}"
