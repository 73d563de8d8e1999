"""The step registry: every task kind has its clause, assignee, titles, deadline and update;
the update names are the ones running cases and clients use; a step reads its outcome as its
model and reopens in one call."""

from datetime import UTC, datetime

from schemas.case import Step, StepStatus
from schemas.outcomes import ApprovalOutcome, RecommendationsOutcome
from schemas.procedure import (
    APPROVALS,
    STEPS,
    TASKS,
    UPDATES,
    DeadlinePolicy,
    kinds_of,
    spec_of,
)
from schemas.steps import StepKind

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_update_names_are_the_ones_clients_and_running_cases_use() -> None:
    assert set(UPDATES) == {
        "complete_preventive_talk", "record_police_decision", "complete_safety_assessment",
        "record_safe_placement", "record_kdn_decision", "complete_psychological_support",
        "complete_plan_review", "record_coordination_meeting", "record_inspection",
        "draft_recommendations", "draft_public_statement", "submit_closure", "decide_approval",
        # ¶6.2 appeals
        "triage_appeal", "forward_appeal", "draft_appeal_answer",
        # ¶8, ¶6.1, ¶6.10
        "draft_report_narrative", "draft_annual_plan", "agree_annual_plan", "draft_briefing",
    }
    assert kinds_of("decide_approval") == (
        StepKind.APPROVAL, StepKind.CLOSURE_APPROVAL, StepKind.APPEAL_ANSWER_APPROVAL,
        StepKind.REPORT_APPROVAL, StepKind.PLAN_APPROVAL, StepKind.BRIEFING_APPROVAL)
    assert {StepKind.APPROVAL, StepKind.CLOSURE_APPROVAL, StepKind.APPEAL_ANSWER_APPROVAL,
            StepKind.REPORT_APPROVAL, StepKind.PLAN_AGREEMENT, StepKind.PLAN_APPROVAL,
            StepKind.BRIEFING_APPROVAL} == APPROVALS


def test_every_task_has_a_spec_with_all_it_needs() -> None:
    assert set(STEPS) == set(StepKind)
    for kind in TASKS:
        spec = spec_of(kind)
        assert spec.clause.startswith("¶") and spec.assignee is not None
        assert spec.deadline is not None and all(
            (spec.titles.kk, spec.titles.ru, spec.titles.en))
        assert set(DeadlinePolicy().deadlines) == TASKS


def test_a_rejected_draft_reopens_as_its_next_attempt_with_the_reason() -> None:
    outcome = RecommendationsOutcome.model_validate(
        {"addressee": "akimat", "text": "Provide a place in the support centre."})
    draft = Step(key="recommendations", kind=StepKind.RECOMMENDATIONS, clause="¶11.6",
                 opened_at=T0, due_at=T0, escalate_at=T0, reminded_at=T0)
    draft.complete(at=T0, by="cw-aigul", outcome=outcome)
    assert draft.outcome_as(RecommendationsOutcome) == outcome

    later = datetime(2026, 3, 3, tzinfo=UTC)
    draft.reopen(reason="Name the measures.", at=later)
    assert draft.status == StepStatus.OPEN and draft.attempt == 2
    assert draft.note == "rejected: Name the measures." and draft.opened_at == later
    assert (draft.due_at, draft.escalate_at, draft.reminded_at, draft.done_at) == (
        None, None, None, None)
    assert draft.actor == "cw-aigul"  # the last attempt's author stays readable


def test_an_approval_reads_its_decision() -> None:
    approval = Step(key="closure.approval-1", kind=StepKind.CLOSURE_APPROVAL,
                    clause="¶10–¶11", opened_at=T0)
    approval.complete(at=T0, by="sv-dana", outcome=ApprovalOutcome(approved=False,
                                                                   reason="Say who met."))
    assert approval.outcome_as(ApprovalOutcome).reason == "Say who met."
