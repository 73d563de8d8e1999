"""Completions: the updates by which people close tasks, and the validators that refuse a
wrong one before anything enters the case's history.

What it promises: every completion is checked, in this order, for the task (it exists and is
a task, it is of the update's kind, it is open), then the person's role and the case's region,
then the checks its spec declares (``schemas/checks.py``), then any check the procedure adds
next to the update. A refusal is an ``ApplicationError`` typed by ``RejectedAction``, so the
API answers 404/409/403/422 with the reason. The update returns the step once the store has
it, so whoever sent it reads their change at once.

``completes(kind, ...)`` makes the update and validator of a kind (named in its spec), for a
procedure to place in its class next to the clause it completes.
"""

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Protocol

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from schemas.case import Actor, Step
    from schemas.checks import Check, FourEyes, NoPersonalData, NotBeforeReport, Scope, values_at
    from schemas.errors import RejectedAction
    from schemas.outcomes import Completion
    from schemas.privacy import personal_data_in
    from schemas.procedure import APPROVALS, kinds_of, may_complete, of_the_office, spec_of
    from schemas.refusals import Reason, Refusal
    from schemas.report import Child
    from schemas.steps import StepKind

from workflows.case import CaseState


def reject(action: RejectedAction, reason: Reason, /, *, field: str | None = None,
           **params: object) -> ApplicationError:
    """The error a validator raises to refuse an update: typed for the API's status, with the
    reason as a code and parameters in its details, for the reader's language."""
    refusal = Refusal(reason=reason, field=field, params={k: str(v) for k, v in params.items()})
    return ApplicationError(refusal.message(), refusal.model_dump(mode="json"),
                            type=action.value, non_retryable=True)


class Completing(Protocol):
    """An update's argument that closes a task: who, which task, and what they recorded."""

    @property
    def actor(self) -> Actor: ...
    @property
    def task_key(self) -> str: ...
    @property
    def outcome(self) -> BaseModel: ...


class Completions:
    """Checks and completes the tasks of one case; ``child`` is whom published text must not
    name (None: the procedure concerns no one child)."""

    def __init__(self, case: CaseState, *, child: Child | None) -> None:
        self._case = case
        self._child = child

    def check(self, c: Completing, kinds: Iterable[StepKind]) -> Step:
        """The open task ``c`` completes, if it is one of ``kinds`` and ``c.actor`` may do it,
        with its spec's checks passed."""
        kinds = tuple(kinds)
        step = self._case.steps.get(c.task_key)
        if step is None or step.assignee is None:
            raise reject(RejectedAction.UNKNOWN_TASK, Reason.NO_TASK, task=c.task_key)
        if step.kind not in kinds:
            raise reject(RejectedAction.INVALID_OUTCOME, Reason.WRONG_KIND, task=c.task_key,
                         kind=step.kind.value, clause=step.clause,
                         expected=",".join(k.value for k in kinds))
        if not step.is_open():
            raise reject(RejectedAction.TASK_CLOSED, Reason.TASK_CLOSED, task=c.task_key,
                         status=step.status.value)
        self.check_actor(c.actor, step.kind, step.clause)
        self.check_declared(step.kind, c.actor, c.outcome, step)
        return step

    def check_actor(self, actor: Actor, kind: StepKind, clause: str) -> None:
        """The role may do ``kind``, the person acts for the case's region, and for the
        office that does ``kind`` where only one does."""
        if not may_complete(kind, actor.role):
            raise reject(RejectedAction.FORBIDDEN, Reason.ROLE_MAY_NOT, actor=actor.id,
                         role=actor.role.value, kind=kind.value, clause=clause)
        region = self._case.view.facts.region
        if not actor.covers(region):
            raise reject(RejectedAction.FORBIDDEN, Reason.OTHER_REGION, actor=actor.id,
                         region=region.value,
                         acts_for=actor.region.value if actor.region else "")
        if not of_the_office(kind, actor.region):
            if actor.region is None:
                raise reject(RejectedAction.FORBIDDEN, Reason.REGIONAL_OFFICE_ONLY,
                             clause=clause, actor=actor.id)
            raise reject(RejectedAction.FORBIDDEN, Reason.NATIONAL_OFFICE_ONLY, clause=clause,
                         actor=actor.id, acts_for=actor.region.value)

    def check_declared(self, kind: StepKind, actor: Actor, outcome: BaseModel,
                       step: Step | None = None) -> None:
        """The checks ``kind``'s spec declares, on ``outcome`` (and on ``step``, the task
        being closed, for four eyes)."""
        for declared in spec_of(kind).checks:
            self._declared(declared, actor, outcome, step)

    def _declared(self, check: Check, actor: Actor, outcome: BaseModel,
                  step: Step | None) -> None:
        if isinstance(check, NotBeforeReport):
            received = self._case.view.facts.received_at
            times = list(values_at(outcome, check.path))
            if any(t < received for t in times):
                raise reject(RejectedAction.INVALID_OUTCOME, Reason.BEFORE_REPORT,
                             field=check.path, received=received.isoformat())
            if any(t > workflow.now() + timedelta(minutes=5) for t in times):
                raise reject(RejectedAction.INVALID_OUTCOME, Reason.IN_FUTURE,
                             field=check.path)
        elif isinstance(check, NoPersonalData) and self._child is not None:
            for text in values_at(outcome, check.path):
                found = personal_data_in(text, self._child)
                if found:
                    raise reject(RejectedAction.INVALID_OUTCOME, Reason.PERSONAL_DATA,
                                 field=check.path, clause=check.clause,
                                 found=",".join(found))
        elif isinstance(check, FourEyes):
            assert step is not None
            if check.scope == Scope.CASE:
                worked = _actors(s for s in self._case.view.steps if s.kind not in APPROVALS)
                if actor.id in worked:
                    raise reject(RejectedAction.FORBIDDEN, Reason.FOUR_EYES_CASE,
                                 actor=actor.id)
            elif actor.id in _actors([self._case.steps[step.subject_key or ""]]):
                raise reject(RejectedAction.FORBIDDEN, Reason.FOUR_EYES_DRAFT, actor=actor.id)

    async def complete(self, c: Completing | Completion, outcome: BaseModel) -> Step:
        """Close the task with ``outcome``; returns once the store has the change."""
        step = self._case.steps[c.task_key]
        if not step.is_open():  # two completions raced past their validators
            raise reject(RejectedAction.TASK_CLOSED, Reason.TASK_CLOSED, task=c.task_key,
                         status=step.status.value)
        step.complete(at=workflow.now(), by=c.actor.id, outcome=outcome)
        await self._case.projected_to(self._case.changed())
        return step


class CompletingWorkflow:
    """What ``completes()`` needs of a procedure's workflow class."""

    completions: Completions


def completes(kind: StepKind, *, check: Callable[[Any, Any], None] | None = None) -> Any:
    """The update that completes tasks of ``kind`` (and of every kind sharing its update
    name), with its validator: the shared checks, the spec's declared checks, then ``check``
    (a method of the procedure, given the completion) if the procedure adds one."""
    spec = spec_of(kind)
    name, model = spec.completed_by
    kinds = kinds_of(name)

    async def update(self: CompletingWorkflow, c: Any) -> Step:
        return await self.completions.complete(c, c.outcome)

    def validate(self: CompletingWorkflow, c: Any) -> None:
        self.completions.check(c, kinds)
        if check is not None:
            check(self, c)

    # The SDK decodes the update's argument as the type its annotation names.
    for fn in (update, validate):
        fn.__annotations__ = {"c": model, "return": fn.__annotations__["return"]}
    update.__name__ = update.__qualname__ = name
    update.__doc__ = f"{spec.clause}: complete a {' or '.join(kinds)} task."
    handler = workflow.update(name=name)(update)
    handler.validator(validate)
    return handler


def _actors(steps: Iterable[Step]) -> set[str]:
    return {s.actor for s in steps if s.actor}
