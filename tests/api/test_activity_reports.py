"""Activity reports over the API: listed in scope, refused out of it, drafted and decided by
the right people, downloaded as XLSX and PDF, and every call naming one audited."""

import asyncio
import uuid
from datetime import date
from typing import Any

from sqlmodel import select

from schemas.regions import Region
from schemas.reporting import Period, ReportingInput
from store.db import session_scope
from store.models import AuditEvent
from tests.support.web_stack import WebStack
from workflows.reporting import AnnualPlan, HalfYearReport
from workflows.reporting_v1 import HalfYearReportWorkflow

PERIOD = Period(start=date(2019, 1, 1), end=date(2019, 7, 1), label="2019-H1")
REPORT = "half-year-aktobe-2019-H1"
PATH = f"/api/v1/activity-reports/{REPORT}"


async def _listed(api: WebStack, user: str) -> list[str]:
    answer = await api.http.get("/api/v1/activity-reports", headers=api.as_user(user))
    assert answer.status_code == 200
    return [r["report_id"] for r in answer.json()]


async def _status_becomes(api: WebStack, status: str) -> None:
    for _ in range(100):
        answer = await api.http.get(PATH, headers=api.as_user("sv.aktobe"))
        if answer.status_code == 200 and answer.json()["status"] == status:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{REPORT} never became {status}: {answer.status_code} {answer.text}")


async def _drafted_and_approved(api: WebStack, path: str) -> None:
    """The case worker's narrative sends the report for approval, answered once the approval
    is open (its due date shown), so decisions sent at once find it: the drafter may not
    decide it (403), a supervisor approves it."""
    drafted = await api.http.post(f"{path}/narrative", headers=api.as_user("cw.aktobe"),
                                  json={"sections": {"summary": "Жарты жылдың қорытындысы."}})
    assert drafted.status_code == 200 and drafted.json()["status"] == "approving"
    assert drafted.json()["due_at"] is not None, drafted.json()
    by_drafter = await api.http.post(f"{path}/decision", headers=api.as_user("cw.aktobe"),
                                     json={"approved": True})
    assert by_drafter.status_code == 403
    approved = await api.http.post(f"{path}/decision", headers=api.as_user("sv.aktobe"),
                                   json={"approved": True})
    assert approved.status_code == 200


async def _task_opens(api: WebStack, path: str, kind: str, user: str = "sv.aktobe"
                      ) -> dict[str, Any]:
    """The report's task of ``kind`` once it is open, as the report lists it."""
    for _ in range(100):
        answer = await api.http.get(path, headers=api.as_user(user))
        if answer.status_code == 200:
            tasks: list[dict[str, Any]] = [t for t in answer.json()["tasks"]
                                           if t["kind"] == kind and t["status"] == "open"]
            if tasks:
                return tasks[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path} never opened a {kind} task: {answer.text}")


async def test_a_half_year_report_through_the_api(api: WebStack) -> None:
    await api.worker.client.start_workflow(
        HalfYearReport.run, ReportingInput(region=Region.AKTOBE, period=PERIOD),
        id=f"test-api-report-{uuid.uuid4()}", task_queue=api.worker.task_queue)
    task = await _task_opens(api, PATH, "report_narrative")
    assert task["key"] == "report_narrative" and task["clause"] == "¶8"
    assert task["due_at"] and task["claimed_by"] is None
    early = await api.http.post(f"{PATH}/decision", headers=api.as_user("sv.aktobe"),
                                json={"approved": True})
    assert early.status_code == 409 and "no open task" in early.json()["detail"]
    assert REPORT in await _listed(api, "cw.aktobe")
    assert REPORT in await _listed(api, "sv.committee")
    assert REPORT not in await _listed(api, "cw.pavlodar")
    refused = await api.http.get(PATH, headers=api.as_user("cw.pavlodar"))
    assert refused.status_code == 403 and "aktobe" in refused.json()["detail"]

    short = await api.http.post(f"{PATH}/narrative", headers=api.as_user("cw.aktobe"),
                                json={"sections": {"summary": "short"}})
    assert short.status_code == 422
    await _drafted_and_approved(api, PATH)
    await _status_becomes(api, "delivered")
    mails = (await api.http.get(PATH, headers=api.as_user("sv.aktobe"))).json()["mails"]
    assert sorted((m["kind"], m["recipient"], m["status"], m["attempts"]) for m in mails) == [
        ("delivery", r, "sent", 1) for r in ("akimat", "commissioner", "committee")]

    pdf = await api.http.get(f"{PATH}/documents/kk.pdf", headers=api.as_user("sv.aktobe"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = await api.http.get(f"{PATH}/documents/ru.xlsx", headers=api.as_user("sv.aktobe"))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert (await api.http.get(f"{PATH}/documents/en.pdf",
                               headers=api.as_user("sv.aktobe"))).status_code == 422

    with session_scope(api.engine) as session:
        trail = {(e.actor_id, e.action, e.result) for e in session.exec(select(AuditEvent))
                 if REPORT in e.action}
    assert ("cw.pavlodar", f"GET {PATH}", 403) in trail
    assert ("sv.aktobe", f"GET {PATH}/documents/kk.pdf", 200) in trail
    assert ("sv.aktobe", f"POST {PATH}/decision", 200) in trail


async def test_a_plan_with_a_bad_row_is_refused_by_row_and_field(api: WebStack) -> None:
    """¶6.1 over the API: each bad row field is named (``items.1.quarter``), nothing is sent
    to the workflow, and the plan stays in drafting."""
    period = Period(start=date(2020, 1, 1), end=date(2021, 1, 1), label="2020")
    await api.worker.client.start_workflow(
        AnnualPlan.run, ReportingInput(region=Region.AKTOBE, period=period),
        id=f"test-api-plan-{uuid.uuid4()}", task_queue=api.worker.task_queue)
    path = "/api/v1/activity-reports/annual-plan-aktobe-2020"
    for _ in range(100):
        if (await api.http.get(path, headers=api.as_user("cw.aktobe"))).status_code == 200:
            break
        await asyncio.sleep(0.1)
    row = {"activity": "Мектептердегі кездесулер", "clause": "¶6.1",
           "responsible": "Өңірлік кеңсе", "quarter": 2, "expected_result": "20 кездесу"}
    refused = await api.http.post(f"{path}/plan", headers=api.as_user("cw.aktobe"), json={
        "items": [row, row | {"quarter": 5, "clause": "6.1"}]})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["detail"]} == {"items.1.quarter",
                                                              "items.1.clause"}
    report = await api.http.get(path, headers=api.as_user("cw.aktobe"))
    assert report.json()["status"] == "drafting" and report.json()["plan"] == []


async def test_a_report_started_before_the_toolkit_is_still_drafted_and_decided(
        api: WebStack) -> None:
    """Its workflow (``workflows/reporting_v1.py``) takes its own updates: the same API sends
    them, the page offers its forms, and it is delivered."""
    path = "/api/v1/activity-reports/half-year-aktobe-2016-H1"
    await api.worker.client.start_workflow(
        HalfYearReportWorkflow.run, ReportingInput(region=Region.AKTOBE, period=Period(
            start=date(2016, 1, 1), end=date(2016, 7, 1), label="2016-H1")),
        id=f"test-api-v1-{uuid.uuid4()}", task_queue=api.worker.task_queue)
    for _ in range(100):
        report = await api.http.get(path, headers=api.as_user("cw.aktobe"))
        if report.status_code == 200 and report.json()["due_at"]:
            break
        await asyncio.sleep(0.1)
    assert report.json()["on_toolkit"] is False and report.json()["tasks"] == []
    await _drafted_and_approved(api, path)
    for _ in range(100):
        if (await api.http.get(path, headers=api.as_user("sv.aktobe"))).json()["status"] == (
                "delivered"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the report started before the toolkit was never delivered")
