"""Approvals: a draft by one person, decided by another.

What it promises: ``drafted_and_approved()`` waits for the draft task, then for its approval
(a task of its own, keyed by the draft's attempt, citing the draft's clause); a rejection marks
the approval rejected and reopens the draft with the reason, and the loop goes on until a
version is approved. Who may decide (four eyes) is the approval spec's declared check.
"""

from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from schemas.activities import Deadlines
    from schemas.case import Step, StepStatus
    from schemas.outcomes import ApprovalOutcome
    from schemas.steps import StepKind

from workflows.case import CaseState
from workflows.tasks import Tasks


async def drafted_and_approved(case: CaseState, tasks: Tasks, kind: StepKind,
                               approval_kind: StepKind = StepKind.APPROVAL, *,
                               term: Callable[[], Deadlines] | None = None) -> Step:
    """The draft of ``kind`` once a supervisor has approved it. ``term``: the draft's
    deadlines as the law fixes them now (an appeal's answer), kept when it is sent back."""
    while True:
        draft = await tasks.task(kind, term=term() if term else None)
        approval = await tasks.task(approval_kind, approval_key(draft), subject=draft)
        decision = approval.outcome_as(ApprovalOutcome)
        if decision.approved:
            return draft
        approval.status = StepStatus.REJECTED
        draft.reopen(reason=decision.reason, at=workflow.now())
        case.changed()


def approval_key(draft: Step) -> str:
    """The key of the approval of the draft's current attempt."""
    return f"{draft.key}.approval-{draft.attempt}"


def approval_of(case: CaseState, draft: Step) -> Step:
    """The approval that decided the draft's current attempt."""
    return case.steps[approval_key(draft)]
