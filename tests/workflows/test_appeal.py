"""¶6.2 appeals on the time-skipping server with every real activity: registered by APPC
art. 64 (after 18:00 or on a day off: the next working day), the ticket and the answer
mailed to the applicant, triage, forwarding, consideration under art. 76's term with its
reminder and escalation, the answer under four eyes, an extension within two months,
withdrawal, duplicates, and the ¶10 case an appeal about a violation opens at once."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cases.appeals import AppealSubmission, parse_appeal, submit_appeal
from schemas.appeal import AppealPolicy, AppealResult, Extension, Withdrawal
from schemas.case import CaseView, Stage, Step, StepStatus
from schemas.errors import RejectedAction
from schemas.steps import StepKind
from store.appeals import appeal_of_case, get_appeal
from store.cases import get_case
from store.db import session_scope
from tests.support.clock import skip
from tests.support.factories import CANARY_APPLICANT, appeal_data, supervisor_of, worker_of
from tests.support.scenarios import CaseDriver

ALMATY = timezone(timedelta(hours=5), "Almaty")
OPERATOR = "op-dana"


async def submit(env: WorkflowEnvironment, worker: Worker, engine: Engine,
                 policy: AppealPolicy | None = None, **overrides: Any) -> AppealSubmission:
    received = datetime.now(UTC) - timedelta(minutes=5)
    now = await env.get_current_time()
    appeal = parse_appeal(appeal_data(**{"received_at": min(received, now), **overrides}),
                          now=now)
    return await submit_appeal(env.client, engine, appeal, taken_by=OPERATOR,
                               task_queue=worker.task_queue, policy=policy)


def mails(mail_dir: Path) -> list[EmailMessage]:
    found = [message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in sorted(mail_dir.glob("*.eml"))]
    return [m for m in found if isinstance(m, EmailMessage)]


def to_applicant(mail_dir: Path) -> list[EmailMessage]:
    return [m for m in mails(mail_dir) if m["X-Ombudsflow-Appeal"]]


async def triage(appeal: CaseDriver, *, within: bool = True, **outcome: Any) -> Step:
    await appeal.wait_for("appeal_triage")
    return await appeal.send(StepKind.APPEAL_TRIAGE, "appeal_triage", worker_of(),
                             {"within_competence": within, **outcome})


async def draft(appeal: CaseDriver, verdict: str = "upheld") -> Step:
    await appeal.wait_for("appeal_answer")
    return await appeal.send(StepKind.APPEAL_ANSWER, "appeal_answer", worker_of(), {
        "verdict": verdict, "text": "The akimat has been asked to give the child a place."})


async def approve(appeal: CaseDriver, attempt: int = 1, **outcome: Any) -> Step:
    key = f"appeal_answer.approval-{attempt}"
    await appeal.wait_for(key)
    return await appeal.send(StepKind.APPEAL_ANSWER_APPROVAL, key, supervisor_of(),
                             {"approved": True, **outcome})


def result_of(view: CaseView) -> AppealResult:
    return view.step("appeal_result").outcome_as(AppealResult)


def refusal(e: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> tuple[str, str]:
    cause = e.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.type or "", cause.message


async def test_an_appeal_answered_in_time_under_four_eyes(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    submitted = await submit(time_env, time_worker, engine)
    assert submitted.created and submitted.appeal_id.startswith("AKT-A-")
    appeal = CaseDriver(time_env.client, submitted.appeal_id)
    await appeal.wait_delivered("notice.ticket")
    await triage(appeal)
    answer = await appeal.wait_for("appeal_answer")
    registration = (await appeal.view()).step("appeal_registration").outcome or {}
    assert answer.due_at == datetime.fromisoformat(registration["due_at"])
    await draft(appeal)

    # Four eyes: whoever drafted may not approve, whatever their role.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await appeal.send(StepKind.APPEAL_ANSWER_APPROVAL, "appeal_answer.approval-1",
                          supervisor_of(name=worker_of().id), {"approved": True})
    assert refusal(refused) == (RejectedAction.FORBIDDEN.value,
                                f"four_eyes_draft (actor={worker_of().id})")
    await approve(appeal, approved=False, reason="Cite the law on school places.")
    reopened = await appeal.wait_for("appeal_answer")
    assert reopened.attempt == 2 and reopened.due_at == answer.due_at  # the term stays
    await draft(appeal)
    await approve(appeal, attempt=2)
    view = await appeal.result()

    assert view.stage == Stage.CLOSED
    assert result_of(view).model_dump(include={"verdict", "term_met", "working_days_late"}) == {
        "verdict": "upheld", "term_met": True, "working_days_late": 0}
    letters = to_applicant(mail_dir)
    assert sorted(str(m["X-Ombudsflow-Clause"]) for m in letters) == [
        "¶6.2, APPC art. 64", "¶6.2, APPC art. 76"]
    ticket = next(m for m in letters if "64" in str(m["X-Ombudsflow-Clause"]))
    assert str(ticket["To"]) == "saule.canary@example.kz"
    body = ticket.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    # In the applicant's language (kk): the number, the time registered, who took it.
    assert "Сіздің өтінішіңіз тіркелді" in text and submitted.appeal_id in text
    assert OPERATOR in text and "(UTC+05:00)" in text
    assert CANARY_APPLICANT not in text  # the envelope's, not the text's
    with session_scope(engine) as session:
        row = get_appeal(session, submitted.appeal_id)
        assert row is not None
        assert (row.stage, row.verdict, row.term_met, row.working_days_late) == (
            "closed", "upheld", True, 0)


async def test_registered_after_18_on_a_friday_before_nauryz_counts_from_the_next_working_day(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    # Fri 19 Mar 2027, 19:00: the weekend, Nauryz 21–23 Mar (Sun–Tue), Sunday's day off moved
    # to Wed 24 Mar; the office opens Thu 25 Mar. Counted by hand on the calendar.
    friday_evening = datetime(2027, 3, 19, 19, 0, tzinfo=ALMATY)
    now = await time_env.get_current_time()
    if friday_evening <= now:
        pytest.skip("19 Mar 2027 is before the server's clock: pick the next such Friday")
    await skip(time_env, friday_evening - now + timedelta(minutes=5))
    submitted = await submit(time_env, time_worker, engine,
                             received_at=friday_evening)
    appeal = CaseDriver(time_env.client, submitted.appeal_id)
    triage_step = await appeal.wait_for("appeal_triage")
    registration = (await appeal.view()).step("appeal_registration").outcome or {}

    assert datetime.fromisoformat(registration["registered_at"]) == datetime(
        2027, 3, 25, 9, 0, tzinfo=ALMATY)
    # Triage: 3 working days from 25 Mar; consideration: 15 (art. 76).
    assert triage_step.due_at == datetime.combine(date(2027, 3, 30), time(18, 0, tzinfo=ALMATY))
    assert datetime.fromisoformat(registration["due_at"]) == datetime.combine(
        date(2027, 4, 15), time(18, 0, tzinfo=ALMATY))


async def test_late_consideration_is_reminded_then_escalated_and_the_days_missed_counted(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    submitted = await submit(time_env, time_worker, engine)
    appeal = CaseDriver(time_env.client, submitted.appeal_id)
    await triage(appeal)
    answer = await appeal.wait_for("appeal_answer")
    assert answer.due_at is not None and answer.escalate_at is not None

    await skip(time_env, answer.escalate_at - await time_env.get_current_time()
                         + timedelta(hours=1))
    late = (await appeal.view()).step("appeal_answer")
    assert late.reminded_at is not None and late.escalated_at is not None
    await draft(appeal, verdict="explained")
    await approve(appeal)
    view = await appeal.result()

    outcome = result_of(view)
    assert outcome.verdict == "explained" and not outcome.term_met
    assert outcome.working_days_late == 2  # escalation comes 2 working days past the term
    office = [m for m in mails(mail_dir) if m["X-Ombudsflow-Case"] == submitted.appeal_id]
    assert sorted(str(m["X-Ombudsflow-Clause"]) for m in office) == [
        "¶6.2, APPC art. 76", "¶6.2, APPC art. 76"]  # the reminder and the escalation


async def test_extended_once_and_refused_beyond_two_months_the_applicant_told(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    submitted = await submit(time_env, time_worker, engine)
    appeal = CaseDriver(time_env.client, submitted.appeal_id)
    await triage(appeal)
    answer = await appeal.wait_for("appeal_answer")
    assert answer.due_at is not None
    registered = datetime.fromisoformat(
        ((await appeal.view()).step("appeal_registration").outcome or {})["registered_at"])
    start = registered.astimezone(ALMATY).date()
    two_months = date(start.year + (start.month + 1) // 12, (start.month + 1) % 12 + 1,
                      min(start.day, 28))

    def extension(new_due: date, actor: Any = None) -> Extension:
        return Extension(actor=actor or supervisor_of(),
                         reason="The akimat's answer on school places is awaited.",
                         new_due=new_due)

    with pytest.raises(WorkflowUpdateFailedError) as beyond:
        await appeal.handle.execute_update("extend_appeal",
                                           extension(two_months + timedelta(days=5)),
                                           result_type=Step)
    kind, message = refusal(beyond)
    assert kind == RejectedAction.INVALID_OUTCOME.value and "extension_beyond_limit" in message
    with pytest.raises(WorkflowUpdateFailedError) as by_a_worker:
        await appeal.handle.execute_update("extend_appeal",
                                           extension(two_months, worker_of()),
                                           result_type=Step)
    assert refusal(by_a_worker)[0] == RejectedAction.FORBIDDEN.value

    step = await appeal.handle.execute_update("extend_appeal", extension(two_months),
                                              result_type=Step)
    moved = (await appeal.view()).step("appeal_answer")
    new_due = datetime.combine(two_months, time(18, 0, tzinfo=ALMATY))
    assert step.key == "appeal_extension.1" and moved.due_at == new_due
    # Past the first term nothing is late any more: the term is the extended one.
    await skip(time_env, answer.due_at - await time_env.get_current_time()
                         + timedelta(days=5))
    assert (await appeal.view()).step("appeal_answer").reminded_at is None
    await appeal.wait_delivered("notice.appeal_extension.1")
    await draft(appeal)
    await approve(appeal)
    view = await appeal.result()
    assert result_of(view).term_met and result_of(view).due_at == new_due
    letters = [str(m["Subject"]) for m in to_applicant(mail_dir)]
    assert any(s.startswith("Қарау мерзімін ұзарту") for s in letters)


async def test_forwarded_to_the_competent_body_with_the_applicant_told(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    submitted = await submit(time_env, time_worker, engine, kind="complaint",
                             body="Akimat of Alga district, land department")
    appeal = CaseDriver(time_env.client, submitted.appeal_id)
    with pytest.raises(ValidationError, match="competent_body: name the body"):
        await triage(appeal, within=False)
    await triage(appeal, within=False, competent_body="Department of land relations")
    forward = await appeal.wait_for("appeal_forward")
    triage_due = (await appeal.view()).step("appeal_triage").due_at
    assert forward.due_at == triage_due  # both 3 working days from receipt
    await appeal.send(StepKind.APPEAL_FORWARD, "appeal_forward", worker_of(), {
        "competent_body": "Department of land relations",
        "cover_letter": "Forwarded under the Code for consideration within your competence.",
        "outgoing_ref": "01-12/345", "sent_at": datetime.now(UTC).isoformat(),
        "body_email": "land@alga.example.kz", "body_language": "kk"})
    view = await appeal.result()

    assert result_of(view).verdict == "forwarded" and result_of(view).term_met
    told = [m for m in to_applicant(mail_dir) if "forwarded" in str(m["Subject"]) or
            "жолданды" in str(m["Subject"])]
    assert len(told) == 1
    body = told[0].get_body(("plain",))
    assert body is not None and "Department of land relations" in body.get_content()
    # The cover letter went to the body, once, in its language, under the appeal's number.
    [cover] = [m for m in mails(mail_dir) if m["To"] == "land@alga.example.kz"]
    assert str(cover["Subject"]).startswith("Өтінішті құзыреті бойынша жолдау: "
                                            f"{submitted.appeal_id} (01-12/345)")
    letter = cover.get_body(("plain",))
    assert letter is not None and "for consideration within your competence" in \
        letter.get_content() and "ӘРПК" in letter.get_content()


async def test_withdrawn_at_any_point_closes_with_the_reason(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    submitted = await submit(time_env, time_worker, engine)
    appeal = CaseDriver(time_env.client, submitted.appeal_id)
    await triage(appeal)
    await appeal.wait_for("appeal_answer")
    result = await appeal.handle.execute_update(
        "withdraw_appeal", Withdrawal(actor=worker_of(), reason="The school gave the place."),
        result_type=Step)
    view = await appeal.result()

    assert result.outcome_as(AppealResult).verdict == "withdrawn"
    answer = view.step("appeal_answer")
    assert answer.status == StepStatus.SKIPPED
    assert answer.note == "withdrawn: The school gave the place."
    with session_scope(engine) as session:
        row = get_appeal(session, submitted.appeal_id)
        assert row is not None and (row.stage, row.verdict) == ("closed", "withdrawn")


async def test_a_violation_appeal_opens_its_case_at_once_both_linked_and_duplicates_are_one(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine
) -> None:
    ref = "ZT-2026-00042"
    first = await submit(time_env, time_worker, engine, violation=True, external_ref=ref)
    again = await submit(time_env, time_worker, engine, violation=True, external_ref=ref)

    assert first.created and not again.created
    assert (again.appeal_id, again.case_id) == (first.appeal_id, first.case_id)
    assert first.case_id is not None
    case = CaseDriver(time_env.client, first.case_id)
    # The ¶10.1 notices go out before anyone triages the appeal.
    await case.wait_delivered("notice.commissioner", "notice.committee", "notice.akimat")
    appeal = CaseDriver(time_env.client, first.appeal_id)
    assert (await appeal.view()).step("appeal_triage").is_open()
    registration = (await appeal.view()).step("appeal_registration").outcome or {}
    assert registration["case_id"] == first.case_id
    with session_scope(engine) as session:
        assert get_case(session, first.case_id) is not None
        linked = appeal_of_case(session, first.case_id)
        assert linked is not None and linked.appeal_id == first.appeal_id


async def test_an_anonymous_appeal_is_closed_unconsidered_only_where_the_policy_allows(
    time_env: WorkflowEnvironment, time_worker: Worker, engine: Engine, mail_dir: Path
) -> None:
    anonymous: dict[str, Any] = {"anonymous": True}
    kept = CaseDriver(time_env.client, (await submit(
        time_env, time_worker, engine, applicant=anonymous)).appeal_id)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await triage(kept, within=False, close_unconsidered=True)
    kind, message = refusal(refused)
    assert kind == RejectedAction.INVALID_OUTCOME.value and "close_unconsidered" in message

    allowed = AppealPolicy(anonymous_may_close_unconsidered=True)
    closed = CaseDriver(time_env.client, (await submit(
        time_env, time_worker, engine, policy=allowed, applicant=anonymous)).appeal_id)
    await triage(closed, within=False, close_unconsidered=True)
    view = await closed.result()
    assert result_of(view).verdict == "unconsidered"
    # Anonymous: no contact, so no letter (the ticket's step records none was mailed).
    assert (view.step("notice.ticket").outcome or {}) == {"message_id": None}
    assert to_applicant(mail_dir) == []
