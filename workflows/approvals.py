"""Approvals: a draft by one person, decided by another (or by several, in turn).

What it promises: ``drafted_and_approved()`` waits for the draft task, then for each of its
decisions in turn (a task of its own, keyed by the draft's attempt, citing the draft's clause:
the ¶6.1 plan is agreed with the Commissioner, then approved); a rejection marks that decision
rejected and reopens the draft with the reason, and the loop goes on until a version passes
them all. Who may decide (four eyes) is each decision's spec's declared check.
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


async def drafted_and_approved(
        case: CaseState, tasks: Tasks, kind: StepKind, *deciders: StepKind,
        term: Callable[[StepKind], Deadlines | None] | None = None) -> Step:
    """The draft of ``kind`` once each of ``deciders`` (by default a supervisor's
    ``APPROVAL``) has approved it, in turn. ``term``: the deadlines the law fixes now for a
    task of a kind (an appeal's answer; None: counted from the task's opening)."""
    deciders = deciders or (StepKind.APPROVAL,)
    while True:
        draft = await tasks.task(kind, term=term(kind) if term else None)
        for decider, key in decisions(draft, deciders):
            decision = await tasks.task(decider, key, subject=draft,
                                        term=term(decider) if term else None)
            verdict = decision.outcome_as(ApprovalOutcome)
            if not verdict.approved:
                decision.status = StepStatus.REJECTED
                draft.reopen(reason=verdict.reason, at=workflow.now())
                case.changed()
                break
        else:
            return draft


def approval_key(draft: Step) -> str:
    """The key of the (last) approval of the draft's current attempt."""
    return f"{draft.key}.approval-{draft.attempt}"


def decisions(draft: Step, deciders: tuple[StepKind, ...]) -> list[tuple[StepKind, str]]:
    """Each decision on the draft's current attempt, in turn, with its task's key: the last
    is its approval, one before it (¶6.1's agreement) is keyed by its kind."""
    return [(kind, approval_key(draft) if kind == deciders[-1]
             else f"{draft.key}.{kind.value}-{draft.attempt}") for kind in deciders]


def approval_of(case: CaseState, draft: Step) -> Step:
    """The approval that decided the draft's current attempt."""
    return case.steps[approval_key(draft)]
