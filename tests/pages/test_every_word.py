"""Every word a person reads is in their language: every page, in Kazakh and in Russian,
shows no English sentence and no raw value of an enumeration (``police_check``,
``preventive_talk``) — the case page's history and notes included, after reminders,
escalations, a draft sent back and a refusal; the ¶6.2 appeal's page, its task and the
operator's form too, with the Code's articles in the reader's words."""

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from commands.demo import DemoCredentials, seed_demo
from ombudsflow.credentials import hash_password
from ombudsflow.local_time import LOCAL_TIME
from schemas import activities, case, outcomes, refusals, report, steps
from schemas.regions import Region
from schemas.steps import Role, StepKind
from store.db import create_schema, make_engine, session_scope
from store.users import create_user
from tests.api.calls import complete, confirm, done, in_store, open_case
from tests.api.test_appeal_claims import TRIAGE
from tests.api.test_appeal_claims import in_inbox as in_appeal_inbox
from tests.api.test_appeals import E_OTINISH
from tests.pages.browsing import page_showing, sign_in, submit, text_of
from tests.support.clock import skip
from tests.support.factories import appeal_data
from tests.support.scenarios import CaseDriver
from tests.support.web_stack import WebStack
from web import history

# What a person typed in this test is in Russian; these are what may stay Latin on a kk or ru
# page: the product's and Temporal's names, the clock's zone, people's and integrations' ids,
# case and appeal numbers, references, and the audit trail's request lines (method and path).
ALLOWED = re.compile(
    r"Ombudsflow|Temporal|Web|UI|UTC|CSV|KUI-\d{4}-\d+|[A-Z]{3}-(?:A-)?\d{4}-\d{6}|"
    r"\b(?:cw|sv)\.[a-z]+\b|integration:ofk_[0-9a-f]+|[\w-]+ \(ofk_[0-9a-f]+\)|helpline-111|"
    r"\b(?:GET|POST|PUT|DELETE) /\S*|\bEN\b|English|ӘЛІМ|\b[A-Z]{2}\b")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_']+")
RU = {"notes": "Оба родителя пришли на беседу."}
STATEMENT_RU = ("Региональный уполномоченный и полиция приняли срочные меры по защите "
                "несовершеннолетнего в Алге.")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A store of this test's own: its pages must show only what it put there (the session's
    store holds other tests' cases, with words people typed in any language)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def demo(engine: Engine, tmp_path: Path) -> DemoCredentials:
    return seed_demo(engine, tmp_path / "credentials.json")


def raw_values() -> set[str]:
    """Every value of every enumeration the pages could show raw."""
    found: set[str] = set()
    for module in (activities, case, outcomes, refusals, report, steps, history):
        for item in vars(module).values():
            if isinstance(item, type) and issubclass(item, StrEnum) and item is not StrEnum:
                found |= {v.value for v in item}
    found |= {r.value for r in Region}
    return found


# The report as the helpline typed it (the child's section) and an appeal's applicant, shown
# as typed.
TYPED = re.compile(r'<section class="card" aria-labelledby="(?:child|applicant)">.*?</section>',
                   re.S)
APPEAL_RU = "Школа третий месяц отказывает моей дочери в месте в первом классе."


def visible(page: str) -> str:
    """The page's text without what may be Latin."""
    return ALLOWED.sub(" ", text_of(TYPED.sub(" ", page)))


async def test_every_page_in_kazakh_and_russian_has_no_english_and_no_raw_values(
    site: WebStack, time_env: WorkflowEnvironment
) -> None:
    driver = await open_case(site)
    await done(site, driver, "cw.aktobe", StepKind.PREVENTIVE_TALK, **RU)
    await confirm(site, driver)
    await done(site, driver, "cw.aktobe", StepKind.PUBLIC_STATEMENT, text=STATEMENT_RU)
    await driver.wait_for("public_statement.approval-1")
    sent_back = await complete(site, "sv.aktobe", driver.case_id, "public_statement.approval-1",
                               {"approved": False, "reason": "Уточните район."})
    assert sent_back.status_code == 200, sent_back.text
    await done(site, driver, "cw.aktobe", StepKind.PUBLIC_STATEMENT, text=STATEMENT_RU)
    await driver.wait_for("public_statement.approval-2")
    await skip(time_env, timedelta(hours=50))  # ¶11.2 safety reminded, then escalated
    case_id = driver.case_id
    filed = await site.http.post("/api/v1/appeals", json=appeal_data(substance=APPEAL_RU,
                                                                 attachments=["письмо школы"]),
                                 headers=site.as_key(E_OTINISH))
    assert filed.status_code == 201, filed.text
    appeal_id = filed.json()["appeal_id"]
    await CaseDriver(site.worker.client, appeal_id).wait_for("appeal_triage")
    await handed_over(site, case_id, appeal_id)
    held = f"/api/v1/tasks/{case_id}/safety_assessment"  # shown under "all" with its day
    later = (datetime.now(LOCAL_TIME).date() + timedelta(days=2)).isoformat()
    for call in (site.http.post(f"{held}/claim", headers=site.as_user("cw.aktobe")),
                 site.http.put(f"{held}/follow-up", json={"on": later},
                               headers=site.as_user("cw.aktobe"))):
        assert (await call).status_code == 200

    await sign_in(site, "cw.aktobe")
    await page_showing(site, f"/cases/{case_id}?lang=kk", "Еске салу")
    worker_pages = ["/", "/?all=1", f"/cases/{case_id}", f"/tasks/{case_id}/safety_assessment",
                    f"/appeals/{appeal_id}", f"/tasks/{appeal_id}/appeal_triage", "/appeals/new"]
    shown = {}
    for lang in ("kk", "ru"):
        for url in worker_pages:
            shown[f"cw {lang} {url}"] = (await site.http.get(url, params={"lang": lang})).text
        refused = await submit(site, f"/tasks/{case_id}/safety_assessment?lang={lang}",
                               {"child_in_danger": "true", "measures.0": ""})
        shown[f"cw {lang} refused form"] = refused.text
    await sign_in(site, "sv.aktobe")
    for lang in ("kk", "ru"):
        for url in ("/", "/board", f"/cases/{case_id}",
                    f"/tasks/{case_id}/public_statement.approval-2", "/cases/AKT-2026-999999",
                    f"/appeals/{appeal_id}"):
            shown[f"sv {lang} {url}"] = (await site.http.get(url, params={"lang": lang})).text
    site.http.cookies.clear()
    for lang in ("kk", "ru"):
        shown[f"signed out {lang}"] = (await site.http.get("/login",
                                                           params={"lang": lang})).text

    raw = raw_values()
    for name, page in shown.items():
        words = LATIN_WORD.findall(visible(page))
        assert not words, f"{name}: English or raw values on the page: {sorted(set(words))}"
        raw_shown = raw & set(re.findall(r"[\w.]+", visible(page)))
        assert not raw_shown, f"{name}: raw values on the page: {sorted(raw_shown)}"
    # The history's record lines are there, worded: the sent-back reason as typed.
    case_page = text_of(shown[f"sv ru /cases/{case_id}"])
    assert "Возвращено на доработку" in case_page and "Уточните район." in case_page
    assert "Этап: Проверка полицией" in case_page
    assert "Семья живёт рядом с Алиёй." in text_of(shown[f"cw ru /cases/{case_id}"])
    assert "тексеруді күтуде" in text_of(shown["cw kk /"])
    appeal_page = text_of(shown[f"sv kk /appeals/{appeal_id}"])
    assert "¶6.2, ӘРПК 64-бап" in appeal_page and "ӘРПК 76-бап" in appeal_page


async def handed_over(site: WebStack, case_id: str, appeal_id: str) -> None:
    """The supervisor gives the case's safety assessment to the case worker, with a reason;
    the case worker delegates the appeal's triage to a colleague, who completes it: the pages
    then show hand-off lines, a delegation and a review."""
    with session_scope(site.engine) as session:
        create_user(session, user_id="cw.alga", display_name="Алия", role=Role.CASE_WORKER,
                    region=Region.AKTOBE, password_hash=hash_password("unused"))
    await in_store(site, f"{case_id}/safety_assessment")
    given = await site.http.post(f"/api/v1/tasks/{case_id}/safety_assessment/reassign",
                                 json={"assignee": "cw.aktobe",
                                       "reason": "Семья живёт рядом с Алиёй."},
                                 headers=site.as_user("sv.aktobe"))
    assert given.status_code == 200, given.text
    triage = f"/api/v1/appeals/{appeal_id}/tasks/appeal_triage"
    await in_appeal_inbox(site, appeal_id, "appeal_triage")
    for call, body in (("claim", None), ("delegate", {"delegate": "cw.alga",
                                                      "note": "Посмотрите письмо школы."})):
        answer = await site.http.post(f"{triage}/{call}", json=body,
                                      headers=site.as_user("cw.aktobe"))
        assert answer.status_code == 200, answer.text
    kept = await site.http.post(f"{triage}/complete", json={"outcome": TRIAGE},
                                headers=site.as_user("cw.alga"))
    assert kept.status_code == 202, kept.text

