"""Order No. 149 (2024) ¶10–¶11 as one durable workflow per reported violation.

The procedure reads top to bottom in ``_procedure``: ¶10.1 notices and ¶10.3 referrals at once,
the ¶10.2 preventive talk, the police answer, then — if the facts are confirmed — ¶11.1/¶13
public information alongside ¶11.2 safety, ¶11.7 placement until the KDN decides, ¶11.3
psychological support with its plan reviews, ¶11.4 coordination and ¶11.6 recommendations;
last, closure approved by a second pair of eyes.

Every step is a ``Step`` in the case view, found by its key. Each block first looks its step
up and returns at once if it is done, so the same code resumes a case after continue-as-new.
Deadlines come from the calendar activity; everything with I/O is an activity.
"""

import asyncio
from collections.abc import Coroutine, Iterable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from activities.notices import NoticeActivities
    from activities.store import StoreActivities
    from ombudsflow import constants
    from schemas.activities import (
        PROJECTION_GAP,
        CaseChanges,
        CaseRecord,
        DeadlineRequest,
        Deadlines,
        NoticeKind,
        NoticeRequest,
        NoticeResult,
        Publication,
        Recipient,
    )
    from schemas.case import (
        Actor,
        CaseFacts,
        CaseHeader,
        CaseInput,
        CaseView,
        PoliceFinding,
        Stage,
        Step,
        StepStatus,
    )
    from schemas.errors import RejectedAction
    from schemas.outcomes import (
        ApprovalCompletion,
        ClosureCompletion,
        Completion,
        CoordinationMeetingCompletion,
        InspectionRecord,
        KdnDecisionCompletion,
        PlanReviewCompletion,
        PoliceDecisionCompletion,
        PreventiveTalkCompletion,
        PsychologicalSupportCompletion,
        PublicStatementCompletion,
        RecommendationsCompletion,
        SafePlacementCompletion,
        SafetyAssessmentCompletion,
    )
    from schemas.privacy import personal_data_in
    from schemas.steps import STEP_INFO, StepKind, clause_of, may_complete

STORE_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1),
                                maximum_interval=timedelta(minutes=1)),
}
NOTICE_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    # Unlimited attempts: a notice is never given up on; after the policy's delay the
    # supervisor is told it is late, and delivery goes on until the mail server takes it.
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                                maximum_interval=timedelta(minutes=2)),
}
CALENDAR_OPTIONS: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=10)}

# Patches: a case started before one keeps replaying the way it ran (``workflow.patched``).
# The projector sends only the steps that changed, not the whole case each time.
PROJECT_CHANGES = "project-changed-steps"
# Deadlines come from a local activity: computed in the worker, no round trip to the server.
LOCAL_DEADLINES = "deadlines-as-local-activity"
# A task opens with its deadlines already known, so the store is sent it once, not twice.
DEADLINES_FIRST = "deadlines-before-the-task-opens"

STAGE_ORDER = list(Stage)
ALARM_RECIPIENTS = (Recipient.COMMISSIONER, Recipient.COMMITTEE, Recipient.AKIMAT)
REFERRAL_RECIPIENTS = (Recipient.GUARDIANSHIP, Recipient.POLICE)


def _reject(kind: RejectedAction, message: str) -> ApplicationError:
    return ApplicationError(message, type=kind.value, non_retryable=True)


@workflow.defn(name=constants.WORKFLOW_TYPE)
class ViolationResponseWorkflow:
    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        self._input = inp
        self._report = inp.report
        self._policy = inp.policy
        self._view = inp.carried or CaseView(
            case_id=inp.case_id,
            version=0,
            facts=CaseFacts.of(inp.report),
            stage=Stage.NOTIFICATION,
            police_finding=PoliceFinding.PENDING,
            opened_at=workflow.now(),
            overdue=False,
            steps=[],
        )
        self._steps: dict[str, Step] = {s.key: s for s in self._view.steps}
        self._projected = self._view.version
        # Each step as the store last received it (a carried case's store has them all).
        self._projected_steps = {s.key: s.model_copy(deep=True) for s in self._view.steps}
        self._search_attributes: dict[str, Any] = {}
        self._background: list[asyncio.Task[Any]] = []

    # The procedure ------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseView:
        if inp.carried is None and not inp.recorded:
            await workflow.execute_activity_method(
                StoreActivities.record_case,
                CaseRecord(case_id=inp.case_id, report=inp.report),
                **STORE_OPTIONS,
            )
        self._changed()
        projector = asyncio.create_task(self._projector())
        procedure = asyncio.create_task(self._procedure())
        await workflow.wait_condition(lambda: procedure.done() or self._history_is_long())
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and self._background_done()
            and self._projected == self._view.version
        )
        if not procedure.done():
            workflow.logger.info("continuing as new", extra={"case_id": inp.case_id})
            workflow.continue_as_new(inp.model_copy(update={"carried": self._view}))
        projector.cancel()
        procedure.result()
        return self._view

    async def _procedure(self) -> None:
        self._notify()
        self._advance(Stage.POLICE_CHECK)
        talk = asyncio.create_task(self._task(StepKind.PREVENTIVE_TALK))
        police = await self._task(StepKind.POLICE_DECISION)
        if self._view.police_finding == PoliceFinding.CONFIRMED:
            self._advance(Stage.RESPONSE)
            await asyncio.gather(self._public_information(), self._care())
        else:
            self._skip_response(police)
        await talk
        await workflow.wait_condition(self._background_done)
        self._advance(Stage.CLOSURE_REVIEW)
        await self._drafted_and_approved(StepKind.CLOSURE, StepKind.CLOSURE_APPROVAL)
        self._view.closed_at = workflow.now()
        self._advance(Stage.CLOSED)

    def _notify(self) -> None:
        """¶10.1 to the Commissioner, the Committee and the akim; ¶10.3 to guardianship and
        the police when a parent or legal representative living with the child is alleged.
        Sent at once and in the background: the procedure does not wait for delivery."""
        for r in ALARM_RECIPIENTS:
            self._deliver(self._open(StepKind.NOTICE, f"notice.{r.value}", recipient=r.value),
                          NoticeKind.ALARM)
        for r in REFERRAL_RECIPIENTS:
            step = self._open(StepKind.REFERRAL, f"referral.{r.value}", recipient=r.value)
            if self._view.facts.cohabiting_parent:
                self._deliver(step, NoticeKind.REFERRAL)
            else:
                self._skip(step, "no parent or legal representative living with the child "
                                 "is alleged")

    async def _care(self) -> None:
        """¶11.2 safety; ¶11.7 placement and the KDN decision; ¶11.3 support and plan
        reviews; ¶11.4 coordination; ¶11.6 recommendations."""
        safety = await self._task(StepKind.SAFETY_ASSESSMENT)
        waiting: list[asyncio.Task[Any]] = []
        if _outcome(safety).get("child_in_danger"):
            await self._task(StepKind.SAFE_PLACEMENT)
            # Until the KDN decides (¶11.7): awaited durably while the rest goes on.
            waiting.append(asyncio.create_task(self._task(StepKind.KDN_DECISION)))
        else:
            for kind in (StepKind.SAFE_PLACEMENT, StepKind.KDN_DECISION):
                self._skip(self._open(kind), "the ¶11.2 assessment found no danger")
        support = await self._task(StepKind.PSYCHOLOGICAL_SUPPORT)
        waiting.append(asyncio.create_task(self._plan_reviews(support)))
        await self._task(StepKind.COORDINATION_MEETING)
        recommendations = await self._drafted_and_approved(StepKind.RECOMMENDATIONS)
        addressee = Recipient(_outcome(recommendations)["addressee"])
        await self._deliver(
            self._open(StepKind.NOTICE, f"recommendations.{addressee.value}",
                       clause=clause_of(StepKind.RECOMMENDATIONS), recipient=addressee.value),
            NoticeKind.RECOMMENDATIONS, body=_outcome(recommendations)["text"],
        )
        await asyncio.gather(*waiting)

    async def _plan_reviews(self, support: Step) -> None:
        """¶11.3: the rehabilitation plan is reviewed every period until every item is done."""
        items = len(_outcome(support)["plan"])
        last_done = support.done_at
        number = 1
        while len(self._plan_items_done()) < items:
            key = f"plan_review-{number}"
            if key not in self._steps:
                assert last_done is not None
                wait = last_done + self._policy.plan_review_every - workflow.now()
                if wait > timedelta(0):
                    await workflow.sleep(wait)
            review = await self._task(StepKind.PLAN_REVIEW, key)
            last_done = review.done_at
            number += 1

    async def _public_information(self) -> None:
        """¶11.1/¶13: a statement drafted, approved by a supervisor, then published."""
        statement = await self._drafted_and_approved(StepKind.PUBLIC_STATEMENT)
        approval = self._steps[_approval_key(statement)]
        assert approval.actor is not None and approval.done_at is not None
        await workflow.execute_activity_method(
            StoreActivities.publish_statement,
            Publication(case_id=self._view.case_id, step_key=statement.key,
                        clause=statement.clause, text=_outcome(statement)["text"],
                        approved_by=approval.actor, approved_at=approval.done_at),
            **STORE_OPTIONS,
        )

    def _skip_response(self, police: Step) -> None:
        police.note = "facts not confirmed by the police: ¶11 measures do not apply"
        self._changed()

    # Shared machinery: tasks, deadlines, approvals, notices -------------------------------

    async def _task(self, kind: StepKind, key: str | None = None, *,
                    subject: Step | None = None) -> Step:
        """Open (or find) a human task and wait until it is closed, reminding the assignee
        at its due time and escalating to the supervisor at the second deadline."""
        clause, subject_key = (subject.clause, subject.key) if subject else (None, None)
        if (key or kind.value) not in self._steps and workflow.patched(DEADLINES_FIRST):
            opened = workflow.now()
            step = self._open(kind, key, clause=clause, subject_key=subject_key,
                              opened_at=opened, deadlines=await self._deadlines(kind, opened))
        else:
            step = self._open(kind, key, clause=clause, subject_key=subject_key)
        if not step.is_open():
            return step
        if step.due_at is None:
            deadlines = await self._deadlines(kind, step.opened_at)
            step.due_at, step.escalate_at = deadlines.due_at, deadlines.escalate_at
            self._changed()
        for at, late in ((step.due_at, NoticeKind.REMINDER), (step.escalate_at,
                                                              NoticeKind.ESCALATION)):
            sent = step.reminded_at if late == NoticeKind.REMINDER else step.escalated_at
            if sent is None and at is not None and not await self._closed_by(step, at):
                self._late(step, late)
        await workflow.wait_condition(lambda: not step.is_open())
        return step

    async def _deadlines(self, kind: StepKind, start: datetime) -> Deadlines:
        request = DeadlineRequest(start=start, deadline=self._policy.deadlines[kind])
        if workflow.patched(LOCAL_DEADLINES):
            return await workflow.execute_local_activity_method(
                CalendarActivities.compute_deadlines, request, **CALENDAR_OPTIONS)
        return await workflow.execute_activity_method(
            CalendarActivities.compute_deadlines, request, **CALENDAR_OPTIONS)

    async def _closed_by(self, step: Step, at: datetime) -> bool:
        remaining = at - workflow.now()
        if remaining <= timedelta(0):
            return not step.is_open()
        try:
            await workflow.wait_condition(lambda: not step.is_open(), timeout=remaining)
        except TimeoutError:
            return False
        return True

    def _late(self, step: Step, late: NoticeKind) -> None:
        """Reminder to the regional office, or escalation to the regional ombudsman."""
        now = workflow.now()
        if late == NoticeKind.REMINDER:
            step.reminded_at, recipient = now, Recipient.OMBUDSMAN_OFFICE
        else:
            step.escalated_at, recipient = now, Recipient.SUPERVISOR
        self._changed()
        self._in_background(self._send(step, late, recipient,
                                       key=f"{step.key}.{step.attempt}:{late.value}"))

    async def _drafted_and_approved(
        self, kind: StepKind, approval_kind: StepKind = StepKind.APPROVAL
    ) -> Step:
        """A draft by a case worker, decided by a supervisor; a rejection reopens the draft
        with the reason, until a version is approved."""
        while True:
            draft = await self._task(kind)
            approval = await self._task(approval_kind, _approval_key(draft), subject=draft)
            if _outcome(approval)["approved"]:
                return draft
            approval.status = StepStatus.REJECTED
            draft.status, draft.attempt = StepStatus.OPEN, draft.attempt + 1
            draft.note = f"rejected: {_outcome(approval)['reason']}"
            draft.opened_at = workflow.now()
            draft.due_at = draft.escalate_at = draft.reminded_at = draft.escalated_at = None
            draft.done_at = None
            self._changed()

    def _deliver(self, step: Step, kind: NoticeKind, *, body: str | None = None
                 ) -> "asyncio.Task[None]":
        """Send a notice step's mail; if it is still undelivered after the policy's delay
        (15 minutes by default) the supervisor is told, and delivery keeps retrying."""

        async def deliver() -> None:
            if not step.is_open():
                return
            assert step.recipient is not None
            recipient = Recipient(step.recipient)
            sending = asyncio.create_task(self._send(step, kind, recipient, body=body))
            if step.escalate_at is None:
                step.escalate_at = step.due_at = step.opened_at + self._policy.notice_escalation
                self._changed()
            if step.escalated_at is None:
                try:
                    await workflow.wait_condition(
                        sending.done, timeout=max(step.escalate_at - workflow.now(),
                                                  timedelta(seconds=1)))
                except TimeoutError:
                    self._late_notice(step)
            result = await sending
            step.status, step.done_at = StepStatus.DONE, workflow.now()
            step.outcome = {"address": result.address, "message_id": result.message_id}
            self._changed()

        task = asyncio.create_task(deliver())
        self._background.append(task)
        return task

    def _late_notice(self, step: Step) -> None:
        step.escalated_at = workflow.now()
        self._changed()
        self._in_background(self._send(step, NoticeKind.ESCALATION, Recipient.SUPERVISOR,
                                       key=f"{step.key}:{NoticeKind.ESCALATION.value}"))

    def _in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run a send alongside the procedure. Closure and continue-as-new wait for these,
        so no notice is left half-sent."""
        self._background.append(asyncio.create_task(work))

    def _background_done(self) -> bool:
        return all(t.done() for t in self._background)

    async def _send(self, step: Step, kind: NoticeKind, recipient: Recipient, *,
                    key: str | None = None, body: str | None = None) -> NoticeResult:
        facts = self._view.facts
        request = NoticeRequest(
            idempotency_key=f"{self._view.case_id}:{key or step.key}:{recipient.value}",
            case_id=self._view.case_id, step_key=step.key, clause=step.clause, kind=kind,
            recipient=recipient, region=facts.region, district=facts.district,
            category=facts.category, urgent=facts.threat_to_life_or_health,
            subject_step=step.key if kind in (NoticeKind.REMINDER, NoticeKind.ESCALATION)
            and step.kind not in (StepKind.NOTICE, StepKind.REFERRAL) else None,
            due_at=step.due_at, body=body,
        )
        return await workflow.execute_activity_method(
            NoticeActivities.send_notice, request, **NOTICE_OPTIONS
        )

    # State, projection, search attributes ----------------------------------------------

    def _open(self, kind: StepKind, key: str | None = None, *, clause: str | None = None,
              recipient: str | None = None, subject_key: str | None = None,
              opened_at: datetime | None = None, deadlines: Deadlines | None = None) -> Step:
        """The step under ``key``, opened now (or at ``opened_at``) unless it exists (a
        resumed case has it)."""
        existing = self._steps.get(key or kind.value)
        if existing is not None:
            return existing
        step = Step(
            key=key or kind.value, kind=kind, clause=clause or clause_of(kind),
            assignee=STEP_INFO[kind].assignee, recipient=recipient, subject_key=subject_key,
            opened_at=opened_at or workflow.now(),
            due_at=deadlines.due_at if deadlines else None,
            escalate_at=deadlines.escalate_at if deadlines else None,
        )
        self._view.steps.append(step)
        self._steps[step.key] = step
        self._changed()
        return step

    def _skip(self, step: Step, why: str) -> None:
        if step.is_open():
            step.status, step.note, step.done_at = StepStatus.SKIPPED, why, workflow.now()
            self._changed()

    def _advance(self, stage: Stage) -> None:
        """Move the case forward to ``stage``; a resumed case never moves back."""
        if STAGE_ORDER.index(stage) > STAGE_ORDER.index(self._view.stage):
            self._view.stage = stage
            self._changed()

    def _changed(self) -> int:
        """Record that the case changed: a new version for the projector, and search
        attributes brought up to date."""
        view = self._view
        view.version += 1
        view.overdue = any(s.overdue_at(workflow.now()) for s in view.steps)
        facts = view.facts
        wanted: dict[str, Any] = {
            constants.CASE_NUMBER.name: view.case_id,
            constants.CASE_REGION.name: facts.region.value,
            constants.CASE_DISTRICT.name: facts.district,
            constants.CASE_STAGE.name: view.stage.value,
            constants.CASE_OVERDUE.name: view.overdue,
            constants.POLICE_DECISION.name: view.police_finding.value,
        }
        updates = [
            key.value_set(wanted[key.name])
            for key in constants.SEARCH_ATTRIBUTES
            if self._search_attributes.get(key.name) != wanted[key.name]
        ]
        if updates:
            workflow.upsert_search_attributes(updates)
            self._search_attributes = wanted
        return view.version

    async def _projector(self) -> None:
        """Project the case into the SQL store, coalescing changes that come in a burst and
        sending only the steps that changed; an older projection never overwrites a newer one
        (the store compares versions)."""
        while True:
            await workflow.wait_condition(lambda: self._view.version > self._projected)
            if workflow.patched(PROJECT_CHANGES):
                sent = await self._project(self._changes(since=self._projected))
            else:
                snapshot = self._view.model_copy(deep=True)
                await workflow.execute_activity_method(
                    StoreActivities.project_case, snapshot, **STORE_OPTIONS
                )
                sent = CaseChanges(**_header(snapshot), since_version=None,
                                   steps=dict(enumerate(snapshot.steps)))
            self._projected_steps.update((s.key, s) for s in sent.steps.values())
            self._projected = sent.version

    async def _project(self, changes: CaseChanges) -> CaseChanges:
        """Send ``changes``, or the whole case if the store lacks what they build on."""
        try:
            await workflow.execute_activity_method(
                StoreActivities.project_changes, changes, **STORE_OPTIONS
            )
        except ActivityError as e:
            if not (isinstance(e.cause, ApplicationError) and e.cause.type == PROJECTION_GAP):
                raise
            changes = self._changes(since=None)
            await workflow.execute_activity_method(
                StoreActivities.project_changes, changes, **STORE_OPTIONS
            )
        return changes

    def _changes(self, since: int | None) -> CaseChanges:
        """The case now with its steps changed since the store last got them (all of them
        when ``since`` is None), copied: the workflow goes on changing its own."""
        steps = {i: s.model_copy(deep=True) for i, s in enumerate(self._view.steps)
                 if since is None or self._projected_steps.get(s.key) != s}
        return CaseChanges(**_header(self._view), since_version=since, steps=steps)

    async def _projected_to(self, version: int) -> None:
        await workflow.wait_condition(lambda: self._projected >= version)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (info.is_continue_as_new_suggested()
                or info.get_current_history_length() >= self._input.history_limit)

    def _plan_items_done(self) -> set[int]:
        return {
            i for s in self._view.steps
            if s.kind == StepKind.PLAN_REVIEW and s.status == StepStatus.DONE
            for i in _outcome(s).get("items_done", [])
        }

    # Query ------------------------------------------------------------------------------

    @workflow.query
    def case(self) -> CaseView:
        """The whole case: each step's key, clause, status, due, done, actor and outcome."""
        now = workflow.now()
        return self._view.model_copy(
            update={"overdue": any(s.overdue_at(now) for s in self._view.steps)}
        )

    # Updates: one per task kind; validators reject before anything enters the history ---

    def _check(self, c: Completion, *kinds: StepKind) -> Step:
        step = self._steps.get(c.task_key)
        if step is None or step.assignee is None:
            raise _reject(RejectedAction.UNKNOWN_TASK,
                          f"case {self._view.case_id} has no task {c.task_key!r}")
        if step.kind not in kinds:
            raise _reject(RejectedAction.INVALID_OUTCOME,
                          f"task {c.task_key!r} is a {step.kind.value} task ({step.clause}), "
                          f"not {' or '.join(k.value for k in kinds)}")
        if not step.is_open():
            raise _reject(RejectedAction.TASK_CLOSED,
                          f"task {c.task_key!r} is already {step.status.value}")
        self._check_actor(c.actor, step.kind, step.clause)
        return step

    def _check_actor(self, actor: Actor, kind: StepKind, clause: str) -> None:
        if not may_complete(kind, actor.role):
            raise _reject(RejectedAction.FORBIDDEN,
                          f"{actor.id} ({actor.role.value}) may not complete a {kind.value} "
                          f"task ({clause})")
        if not actor.covers(self._view.facts.region):
            raise _reject(RejectedAction.FORBIDDEN,
                          f"the case belongs to {self._view.facts.region.value}; "
                          f"{actor.id} acts for {actor.region}")

    async def _complete(self, c: Completion, outcome: Any) -> Step:
        step = self._steps[c.task_key]
        if not step.is_open():  # two completions raced past their validators
            raise _reject(RejectedAction.TASK_CLOSED,
                          f"task {c.task_key!r} is already {step.status.value}")
        step.status, step.done_at, step.actor = StepStatus.DONE, workflow.now(), c.actor.id
        step.outcome = outcome.model_dump(mode="json")
        await self._projected_to(self._changed())
        return step

    @workflow.update
    async def complete_preventive_talk(self, c: PreventiveTalkCompletion) -> Step:
        """¶10.2: the preventive talks held and responsibility explained."""
        return await self._complete(c, c.outcome)

    @complete_preventive_talk.validator
    def _validate_preventive_talk(self, c: PreventiveTalkCompletion) -> None:
        self._check(c, StepKind.PREVENTIVE_TALK)
        self._not_before_report("talks[].held_at", *(t.held_at for t in c.outcome.talks))

    @workflow.update
    async def record_police_decision(self, c: PoliceDecisionCompletion) -> Step:
        """¶11: the police confirm the facts (¶11 measures follow) or do not (closure)."""
        self._view.police_finding = (PoliceFinding.CONFIRMED if c.outcome.confirmed
                                     else PoliceFinding.NOT_CONFIRMED)
        return await self._complete(c, c.outcome)

    @record_police_decision.validator
    def _validate_police_decision(self, c: PoliceDecisionCompletion) -> None:
        self._check(c, StepKind.POLICE_DECISION)
        self._not_before_report("decided_at", c.outcome.decided_at)

    @workflow.update
    async def complete_safety_assessment(self, c: SafetyAssessmentCompletion) -> Step:
        """¶11.2: whether the child is in danger, and the safety measures taken."""
        return await self._complete(c, c.outcome)

    @complete_safety_assessment.validator
    def _validate_safety(self, c: SafetyAssessmentCompletion) -> None:
        self._check(c, StepKind.SAFETY_ASSESSMENT)

    @workflow.update
    async def record_safe_placement(self, c: SafePlacementCompletion) -> Step:
        """¶11.7: where the child was placed, and delivery separate from the suspect."""
        return await self._complete(c, c.outcome)

    @record_safe_placement.validator
    def _validate_placement(self, c: SafePlacementCompletion) -> None:
        self._check(c, StepKind.SAFE_PLACEMENT)
        self._not_before_report("placed_at", c.outcome.placed_at)

    @workflow.update
    async def record_kdn_decision(self, c: KdnDecisionCompletion) -> Step:
        """¶11.7: the KDN's decision ends the temporary placement."""
        return await self._complete(c, c.outcome)

    @record_kdn_decision.validator
    def _validate_kdn(self, c: KdnDecisionCompletion) -> None:
        self._check(c, StepKind.KDN_DECISION)
        self._not_before_report("decided_at", c.outcome.decided_at)

    @workflow.update
    async def complete_psychological_support(self, c: PsychologicalSupportCompletion) -> Step:
        """¶11.3: assessment, legal consultation and the individual rehabilitation plan."""
        return await self._complete(c, c.outcome)

    @complete_psychological_support.validator
    def _validate_support(self, c: PsychologicalSupportCompletion) -> None:
        self._check(c, StepKind.PSYCHOLOGICAL_SUPPORT)

    @workflow.update
    async def complete_plan_review(self, c: PlanReviewCompletion) -> Step:
        """¶11.3: a periodic review marks the plan items now done."""
        return await self._complete(c, c.outcome)

    @complete_plan_review.validator
    def _validate_plan_review(self, c: PlanReviewCompletion) -> None:
        self._check(c, StepKind.PLAN_REVIEW)
        items = len(_outcome(self._steps[StepKind.PSYCHOLOGICAL_SUPPORT.value])["plan"])
        done = self._plan_items_done()
        for i in c.outcome.items_done:
            if not 0 <= i < items:
                raise _reject(RejectedAction.INVALID_OUTCOME,
                              f"items_done: the plan has items 0 to {items - 1}, not {i}")
            if i in done:
                raise _reject(RejectedAction.INVALID_OUTCOME,
                              f"items_done: item {i} was already marked done")

    @workflow.update
    async def record_coordination_meeting(self, c: CoordinationMeetingCompletion) -> Step:
        """¶11.4: the working meeting's protocol (attendees, decisions, owners, due dates)."""
        return await self._complete(c, c.outcome)

    @record_coordination_meeting.validator
    def _validate_coordination(self, c: CoordinationMeetingCompletion) -> None:
        self._check(c, StepKind.COORDINATION_MEETING)
        self._not_before_report("held_at", c.outcome.held_at)

    @workflow.update
    async def record_inspection(self, r: InspectionRecord) -> Step:
        """¶11.5: an inspection the ombudsman took part in, recorded whenever it happens."""
        number = sum(1 for s in self._view.steps if s.kind == StepKind.INSPECTION) + 1
        step = self._open(StepKind.INSPECTION, f"inspection-{number}")
        return await self._complete(
            Completion(actor=r.actor, task_key=step.key), r.outcome
        )

    @record_inspection.validator
    def _validate_inspection(self, r: InspectionRecord) -> None:
        if self._view.stage != Stage.RESPONSE:
            raise _reject(RejectedAction.TASK_CLOSED,
                          "¶11.5 inspections are recorded once the police have confirmed "
                          f"the facts and until closure; the case is at {self._view.stage}")
        self._check_actor(r.actor, StepKind.INSPECTION, clause_of(StepKind.INSPECTION))
        self._not_before_report("held_at", r.outcome.held_at)

    @workflow.update
    async def draft_recommendations(self, c: RecommendationsCompletion) -> Step:
        """¶11.6: recommendations to restore the rights, for a supervisor to approve."""
        return await self._complete(c, c.outcome)

    @draft_recommendations.validator
    def _validate_recommendations(self, c: RecommendationsCompletion) -> None:
        self._check(c, StepKind.RECOMMENDATIONS)
        self._no_personal_data("text", c.outcome.text, "¶11.6")

    @workflow.update
    async def draft_public_statement(self, c: PublicStatementCompletion) -> Step:
        """¶11.1/¶13: a public statement on the measures taken, for a supervisor to approve."""
        return await self._complete(c, c.outcome)

    @draft_public_statement.validator
    def _validate_statement(self, c: PublicStatementCompletion) -> None:
        self._check(c, StepKind.PUBLIC_STATEMENT)
        self._no_personal_data("text", c.outcome.text, "¶13")

    @workflow.update
    async def submit_closure(self, c: ClosureCompletion) -> Step:
        """The case worker's closing summary, for a supervisor to approve."""
        return await self._complete(c, c.outcome)

    @submit_closure.validator
    def _validate_closure(self, c: ClosureCompletion) -> None:
        self._check(c, StepKind.CLOSURE)

    @workflow.update
    async def decide_approval(self, c: ApprovalCompletion) -> Step:
        """A supervisor approves a draft or a closure, or sends it back with a reason."""
        return await self._complete(c, c.outcome)

    @decide_approval.validator
    def _validate_approval(self, c: ApprovalCompletion) -> None:
        step = self._check(c, StepKind.APPROVAL, StepKind.CLOSURE_APPROVAL)
        if step.kind == StepKind.CLOSURE_APPROVAL:
            others = self._actors(s for s in self._view.steps if s.kind not in
                                  (StepKind.APPROVAL, StepKind.CLOSURE_APPROVAL))
            if c.actor.id in others:
                raise _reject(RejectedAction.FORBIDDEN,
                              f"four eyes: {c.actor.id} worked on this case and may not "
                              "approve its closure")
        elif c.actor.id in self._actors([self._steps[step.subject_key or ""]]):
            raise _reject(RejectedAction.FORBIDDEN,
                          f"four eyes: {c.actor.id} drafted this and may not approve it")

    # Validation helpers -------------------------------------------------------------------

    def _not_before_report(self, field: str, *times: Any) -> None:
        received = self._view.facts.received_at
        if any(t < received for t in times):
            raise _reject(RejectedAction.INVALID_OUTCOME,
                          f"{field}: before the report was received ({received.isoformat()})")
        if any(t > workflow.now() + timedelta(minutes=5) for t in times):
            raise _reject(RejectedAction.INVALID_OUTCOME, f"{field}: in the future")

    def _no_personal_data(self, field: str, text: str, clause: str) -> None:
        found = personal_data_in(text, self._report.child)
        if found:
            raise _reject(RejectedAction.INVALID_OUTCOME,
                          f"{field}: {clause} forbids publishing {', '.join(found)}")

    @staticmethod
    def _actors(steps: Iterable[Step]) -> set[str]:
        return {s.actor for s in steps if s.actor}


def _outcome(step: Step) -> dict[str, Any]:
    return step.outcome or {}


def _header(view: CaseView) -> dict[str, Any]:
    return {name: getattr(view, name) for name in CaseHeader.model_fields}


def _approval_key(draft: Step) -> str:
    return f"{draft.key}.approval-{draft.attempt}"

