"""Order No. 149 (2024) ¶10–¶11 as one durable workflow per reported violation.

Read ``_procedure`` first: ¶10.1 notices and ¶10.3 referrals at once, the ¶10.2 preventive
talk, the police answer, then — if the facts are confirmed — ¶11.1/¶13 public information
alongside ¶11.2 safety, ¶11.7 placement until the KDN decides, ¶11.3 psychological support
with its plan reviews, ¶11.4 coordination and ¶11.6 recommendations; last, closure approved by
a second pair of eyes. Below it, one method per clause in the order of the Order, each with
the update that completes it; what a step is (its clause, deadline, titles, checks) is its
spec in ``schemas/procedure.py``, and the machinery is the toolkit in this package.

Every block finds its step by key and returns at once if it is done, so the same code resumes
a case after continue-as-new.
"""

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.store import StoreActivities
    from ombudsflow import constants
    from schemas.activities import CaseRecord, NoticeKind, Publication, Recipient
    from schemas.case import CaseFacts, CaseView, PoliceFinding, Stage, Step, StepStatus
    from schemas.errors import RejectedAction
    from schemas.outcomes import (
        Completion,
        InspectionRecord,
        PlanReviewCompletion,
        PlanReviewOutcome,
        PoliceDecisionOutcome,
        PsychologicalSupportOutcome,
        PublicStatementOutcome,
        RecommendationsOutcome,
        SafetyAssessmentOutcome,
    )
    from schemas.procedure import CaseInput, clause_of
    from schemas.refusals import Reason
    from schemas.steps import StepKind
    from schemas.webhooks import EventType

from workflows.approvals import approval_of, drafted_and_approved
from workflows.case import STORE_OPTIONS
from workflows.completions import completes, reject
from workflows.procedure import CaseWorkflow

ALARM_RECIPIENTS = (Recipient.COMMISSIONER, Recipient.COMMITTEE, Recipient.AKIMAT)
REFERRAL_RECIPIENTS = (Recipient.GUARDIANSHIP, Recipient.POLICE)


@workflow.defn(name=constants.WORKFLOW_TYPE)
class ViolationResponseWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        self._policy = inp.policy
        view = inp.carried or CaseView(
            case_id=inp.case_id, version=0, facts=CaseFacts.of(inp.report),
            stage=Stage.NOTIFICATION, police_finding=PoliceFinding.PENDING,
            opened_at=workflow.now(), overdue=False, steps=[],
        )
        self.start(view, deadlines=inp.policy.deadlines,
                   notice_escalation=inp.policy.notice_escalation, child=inp.report.child,
                   derive=self._police_finding, local_projection=StoreActivities.apply_changes)

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseView:
        if inp.carried is None and not inp.recorded:
            await workflow.execute_activity_method(
                StoreActivities.record_case,
                CaseRecord(case_id=inp.case_id, report=inp.report),
                **STORE_OPTIONS,
            )
        if inp.carried is None:
            self.notices.publish(EventType.CASE_OPENED)
        if not await self.state.run(self._procedure, settled=self.notices.settled,
                                    history_limit=inp.history_limit):
            workflow.logger.info("continuing as new", extra={"case_id": inp.case_id})
            workflow.continue_as_new(inp.model_copy(update={"carried": self.state.view}))
        return self.state.view

    async def _procedure(self) -> None:
        case = self.state
        self._notify()
        case.advance(Stage.POLICE_CHECK)
        talk = asyncio.create_task(self._preventive_talk())
        if await self._police_confirm():
            case.advance(Stage.RESPONSE)
            await asyncio.gather(self._public_information(), self._care())
        await talk
        await workflow.wait_condition(self.notices.delivered)
        await self._closure()

    async def _care(self) -> None:
        """¶11.2 safety; ¶11.7 placement and the KDN decision; ¶11.3 support and plan
        reviews; ¶11.4 coordination; ¶11.6 recommendations."""
        # What goes on alongside the rest: the KDN's decision, the plan's reviews.
        waiting: list[asyncio.Task[Any]] = []
        kdn = await self._placement(in_danger=await self._safety())
        if kdn is not None:
            waiting.append(kdn)
        waiting.append(await self._support())
        await self._coordination()
        await self._recommendations()
        await asyncio.gather(*waiting)

    # ¶10.1, ¶10.3 ---------------------------------------------------------------------------

    def _notify(self) -> None:
        """¶10.1 to the Commissioner, the Committee and the akim; ¶10.3 to guardianship and
        the police when a parent or legal representative living with the child is alleged.
        Sent at once and in the background: the procedure does not wait for delivery."""
        case = self.state
        for r in ALARM_RECIPIENTS:
            self.notices.deliver(case.open(StepKind.NOTICE, f"notice.{r.value}",
                                           recipient=r.value), NoticeKind.ALARM)
        for r in REFERRAL_RECIPIENTS:
            step = case.open(StepKind.REFERRAL, f"referral.{r.value}", recipient=r.value)
            if case.view.facts.cohabiting_parent:
                self.notices.deliver(step, NoticeKind.REFERRAL)
            else:
                case.skip(step, "no parent or legal representative living with the child "
                                "is alleged")

    # ¶10.2 ----------------------------------------------------------------------------------

    async def _preventive_talk(self) -> Step:
        """¶10.2: the preventive talks held and responsibility explained."""
        return await self.tasks.task(StepKind.PREVENTIVE_TALK)

    complete_preventive_talk = completes(StepKind.PREVENTIVE_TALK)

    # ¶11: the police answer -------------------------------------------------------------------

    async def _police_confirm(self) -> bool:
        """¶11: the police confirm the facts (¶11 measures follow) or do not (closure)."""
        if StepKind.POLICE_DECISION.value not in self.state.steps:
            self.notices.publish(EventType.POLICE_ANSWER_REQUESTED, recipient=Recipient.POLICE,
                                 clause=clause_of(StepKind.POLICE_DECISION))
        police = await self.tasks.task(StepKind.POLICE_DECISION)
        if police.outcome_as(PoliceDecisionOutcome).confirmed:
            return True
        police.note = "facts not confirmed by the police: ¶11 measures do not apply"
        self.state.changed()
        return False

    def _police_finding(self, view: CaseView) -> None:
        """The case's finding is the police answer's, from the moment it is recorded (the
        store and the search attribute show it with the same change)."""
        police = self.state.steps.get(StepKind.POLICE_DECISION.value)
        if (view.police_finding == PoliceFinding.PENDING and police is not None
                and police.status == StepStatus.DONE):
            confirmed = police.outcome_as(PoliceDecisionOutcome).confirmed
            view.police_finding = (PoliceFinding.CONFIRMED if confirmed
                                   else PoliceFinding.NOT_CONFIRMED)

    record_police_decision = completes(StepKind.POLICE_DECISION)

    # ¶11.1, ¶13 -----------------------------------------------------------------------------

    async def _public_information(self) -> None:
        """¶11.1/¶13: a statement drafted, approved by a supervisor, then published."""
        statement = await drafted_and_approved(self.state, self.tasks,
                                               StepKind.PUBLIC_STATEMENT)
        approval = approval_of(self.state, statement)
        assert approval.actor is not None and approval.done_at is not None
        await self.state.working(workflow.execute_activity_method(
            StoreActivities.publish_statement,
            Publication(case_id=self.state.view.case_id, step_key=statement.key,
                        clause=statement.clause,
                        text=statement.outcome_as(PublicStatementOutcome).text,
                        approved_by=approval.actor, approved_at=approval.done_at),
            **STORE_OPTIONS,
        ))

    draft_public_statement = completes(StepKind.PUBLIC_STATEMENT)

    # ¶11.2 ----------------------------------------------------------------------------------

    async def _safety(self) -> bool:
        """¶11.2: whether the child is in danger, and the safety measures taken."""
        safety = await self.tasks.task(StepKind.SAFETY_ASSESSMENT)
        return safety.outcome_as(SafetyAssessmentOutcome).child_in_danger

    complete_safety_assessment = completes(StepKind.SAFETY_ASSESSMENT)

    # ¶11.7 ----------------------------------------------------------------------------------

    async def _placement(self, *, in_danger: bool) -> "asyncio.Task[Step] | None":
        """¶11.7: a child in danger is placed urgently, until the KDN decides (awaited
        durably while the rest goes on); where there is no danger neither applies."""
        if not in_danger:
            for kind in (StepKind.SAFE_PLACEMENT, StepKind.KDN_DECISION):
                self.state.skip(self.state.open(kind), "the ¶11.2 assessment found no danger")
            return None
        await self.tasks.task(StepKind.SAFE_PLACEMENT)
        return asyncio.create_task(self.tasks.task(StepKind.KDN_DECISION))

    record_safe_placement = completes(StepKind.SAFE_PLACEMENT)
    record_kdn_decision = completes(StepKind.KDN_DECISION)

    # ¶11.3 ----------------------------------------------------------------------------------

    async def _support(self) -> "asyncio.Task[None]":
        """¶11.3: assessment, legal consultation and the individual rehabilitation plan,
        whose reviews then go on alongside the rest."""
        support = await self.tasks.task(StepKind.PSYCHOLOGICAL_SUPPORT)
        return asyncio.create_task(self._plan_reviews(support))

    complete_psychological_support = completes(StepKind.PSYCHOLOGICAL_SUPPORT)

    async def _plan_reviews(self, support: Step) -> None:
        """¶11.3: the rehabilitation plan is reviewed every period until every item is done."""
        items = len(support.outcome_as(PsychologicalSupportOutcome).plan)
        last_done = support.done_at
        number = 1
        while len(self._plan_items_done()) < items:
            key = f"plan_review-{number}"
            if key not in self.state.steps:
                assert last_done is not None
                wait = last_done + self._policy.plan_review_every - workflow.now()
                if wait > timedelta(0):
                    await workflow.sleep(wait)
            review = await self.tasks.task(StepKind.PLAN_REVIEW, key)
            last_done = review.done_at
            number += 1

    def _plan_items_done(self) -> set[int]:
        return {i for s in self.state.of_kind(StepKind.PLAN_REVIEW)
                if s.status == StepStatus.DONE
                for i in s.outcome_as(PlanReviewOutcome).items_done}

    def _plan_items_exist(self, c: PlanReviewCompletion) -> None:
        """A review marks items of the plan, each once."""
        support = self.state.steps[StepKind.PSYCHOLOGICAL_SUPPORT.value]
        items = len(support.outcome_as(PsychologicalSupportOutcome).plan)
        done = self._plan_items_done()
        for i in c.outcome.items_done:
            if not 0 <= i < items:
                raise reject(RejectedAction.INVALID_OUTCOME, Reason.PLAN_ITEM_UNKNOWN,
                             field="items_done", item=i, last=items - 1)
            if i in done:
                raise reject(RejectedAction.INVALID_OUTCOME, Reason.PLAN_ITEM_DONE,
                             field="items_done", item=i)

    complete_plan_review = completes(StepKind.PLAN_REVIEW, check=_plan_items_exist)

    # ¶11.4 ----------------------------------------------------------------------------------

    async def _coordination(self) -> None:
        """¶11.4: the working meeting's protocol (attendees, decisions, owners, due dates)."""
        await self.tasks.task(StepKind.COORDINATION_MEETING)

    record_coordination_meeting = completes(StepKind.COORDINATION_MEETING)

    # ¶11.5 ----------------------------------------------------------------------------------

    @workflow.update
    async def record_inspection(self, r: InspectionRecord) -> Step:
        """¶11.5: an inspection the ombudsman took part in, recorded whenever it happens."""
        number = len(self.state.of_kind(StepKind.INSPECTION)) + 1
        step = self.state.open(StepKind.INSPECTION, f"inspection-{number}")
        return await self.completions.complete(
            Completion(actor=r.actor, task_key=step.key), r.outcome)

    @record_inspection.validator
    def _validate_inspection(self, r: InspectionRecord) -> None:
        if self.state.view.stage != Stage.RESPONSE:
            raise reject(RejectedAction.TASK_CLOSED, Reason.NOT_AT_STAGE,
                         stage=self.state.view.stage.value)
        self.completions.check_actor(r.actor, StepKind.INSPECTION,
                                     clause_of(StepKind.INSPECTION))
        self.completions.check_declared(StepKind.INSPECTION, r.actor, r.outcome)

    # ¶11.6 ----------------------------------------------------------------------------------

    async def _recommendations(self) -> None:
        """¶11.6: recommendations to restore the rights, approved by a supervisor, then
        delivered to the body they are addressed to."""
        approved = await drafted_and_approved(self.state, self.tasks, StepKind.RECOMMENDATIONS)
        recommendations = approved.outcome_as(RecommendationsOutcome)
        addressee = Recipient(recommendations.addressee.value)
        await self.notices.deliver(
            self.state.open(StepKind.NOTICE, f"recommendations.{addressee.value}",
                            clause=clause_of(StepKind.RECOMMENDATIONS),
                            recipient=addressee.value),
            NoticeKind.RECOMMENDATIONS, body=recommendations.text,
        )

    draft_recommendations = completes(StepKind.RECOMMENDATIONS)

    # Approvals and closure (¶10–¶11) ----------------------------------------------------------

    async def _closure(self) -> None:
        """The closing summary, approved by a supervisor who did none of the steps."""
        case = self.state
        case.advance(Stage.CLOSURE_REVIEW)
        await drafted_and_approved(case, self.tasks, StepKind.CLOSURE, StepKind.CLOSURE_APPROVAL)
        case.view.closed_at = workflow.now()
        case.advance(Stage.CLOSED)
        self.notices.publish(EventType.CASE_CLOSED)

    submit_closure = completes(StepKind.CLOSURE)
    # Both kinds of approval: a draft's (four eyes on its author) and the closure's (on all).
    decide_approval = completes(StepKind.APPROVAL)
