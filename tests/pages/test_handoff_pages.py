"""Hand-offs refused on the pages say why in the reader's language: next to the input they are
about (an unknown colleague, a missing reason), or above the form (a task one does not hold),
with what was typed kept; another region's supervisor gets the refusal page. The task page
offers each person only what is theirs to do."""

from schemas.steps import StepKind
from tests.api.calls import open_case
from tests.api.test_tasks import second_case_worker
from tests.pages.browsing import error_of, page_showing, sign_in, submit, text_of
from tests.support.web_stack import WebStack


async def test_hand_offs_refused_on_the_task_page_say_why_in_kazakh(site: WebStack) -> None:
    other = second_case_worker(site.engine)
    driver = await open_case(site)
    await driver.wait_for(StepKind.PREVENTIVE_TALK.value)
    url = f"/tasks/{driver.case_id}/preventive_talk"
    await sign_in(site, "cw.aktobe")
    await page_showing(site, "/", driver.case_id)

    # Not yet held: no delegation offered, and one posted anyway is refused above the form.
    assert "Әріптеске беру" not in text_of((await site.http.get(url)).text)
    refused = await submit(site, f"{url}/delegate", {"delegate": other}, form_page=url)
    assert refused.status_code == 409
    assert "Алдымен тапсырманы алыңыз" in text_of(refused.text)

    await submit(site, f"{url}/claim", {}, form_page="/")
    page = (await site.http.get(url)).text
    assert "Әріптеске беру" in text_of(page) and f'<option value="{other}">' in page
    refused = await submit(site, f"{url}/delegate",
                           {"delegate": "nobody.here", "note": "Мектеп жақын."}, form_page=url)
    assert refused.status_code == 422
    assert error_of(refused.text, "handoff.delegate") == (
        "nobody.here осы тапсырма өңірінің маманы емес")
    assert "Мектеп жақын.</textarea>" in refused.text

    # A supervisor of the region is offered the reassignment, not the form; another's is not.
    await sign_in(site, "sv.aktobe")
    page = (await site.http.get(url)).text
    assert "Тапсырманы қайта тағайындау" in text_of(page) and 'class="task"' not in page
    refused = await submit(site, f"{url}/reassign", {"assignee": other, "reason": " "},
                           form_page=url)
    assert refused.status_code == 422
    assert error_of(refused.text, "handoff.reason") == "себебін жазыңыз"
    await sign_in(site, "sv.pavlodar")
    elsewhere = await submit(site, f"{url}/reassign", {"assignee": other, "reason": "x"},
                             form_page="/")
    assert elsewhere.status_code == 403
