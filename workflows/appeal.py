"""¶6.2 appeals and complaints as one durable workflow per appeal, under the Administrative
Procedural Code's terms (``AppealPolicy``, each citing its article).

Read ``_procedure`` first: registration (art. 64) and the ticket to the applicant; triage
within 3 working days of receipt; then either forwarding to the competent body (the applicant
told at the same time) or consideration within 15 working days of receipt (art. 76), the
answer drafted by a case worker and approved by a supervisor who did not draft it, sent to
the applicant; last, the outcome with whether the term was met. The head may extend the term
(art. 76, at most two months from receipt; the applicant told at once), and the applicant may
withdraw the appeal at any point. An appeal reporting a violation against a child opened its
¶10 case at intake, before anyone triaged it; the registration records the link.

The appeal's number is its workflow id and carries no personal data; the applicant's name and
contact stay in the (encrypted) input and the store, and letters to them are addressed by the
activity from the store.
"""

import asyncio
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.appeals import AppealActivities
    from activities.calendar import END_OF_WORKING_DAY, CalendarActivities
    from ombudsflow import constants
    from ombudsflow.local_time import LOCAL_TIME
    from schemas.activities import DeadlineRequest, Deadlines
    from schemas.appeal import (
        AnswerOutcome,
        AppealInput,
        AppealResult,
        ApplicantNotice,
        ApplicantNoticeKind,
        CoverLetter,
        Extension,
        ForwardOutcome,
        LatenessRequest,
        RegistrationRequest,
        TriageCompletion,
        TriageOutcome,
        Verdict,
        Withdrawal,
        months_after,
    )
    from schemas.case import CaseFacts, CaseView, PoliceFinding, Stage, Step
    from schemas.errors import RejectedAction
    from schemas.refusals import Reason
    from schemas.report import Category
    from schemas.steps import Role, StepKind

from workflows.approvals import drafted_and_approved
from workflows.completions import completes, reject
from workflows.notices import NOTICE_OPTIONS
from workflows.procedure import CaseWorkflow
from workflows.tasks import CALENDAR_OPTIONS

# Patch: the cover letter of a forwarded appeal mailed to the competent body (when the case
# worker gave its e-mail); before it, the office sent the letter itself.
COVER_LETTER = "appeal-cover-letter"

# Who may record a withdrawal the applicant made (e-Otinish forwards its own).
RECORDS_WITHDRAWALS = (Role.CASE_WORKER, Role.SUPERVISOR, Role.INTEGRATION)
# An applicant's letter still undelivered after this is on the appeal page as late.
LETTER_ESCALATION = timedelta(minutes=15)


@workflow.defn(name=constants.APPEAL_WORKFLOW_TYPE)
class AppealWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, inp: AppealInput) -> None:
        self._input = inp
        policy, appeal = inp.policy, inp.appeal
        violation = appeal.violation
        view = inp.carried or CaseView(
            case_id=inp.appeal_id, version=0,
            facts=CaseFacts(
                region=appeal.region, district=appeal.district,
                category=violation.category if violation else Category.OTHER,
                threat_to_life_or_health=bool(violation and violation.threat_to_life_or_health),
                cohabiting_parent=False, received_at=appeal.received_at),
            stage=Stage.NOTIFICATION, police_finding=PoliceFinding.PENDING,
            opened_at=workflow.now(), overdue=False, steps=[],
        )
        self._deadlines_of = {
            StepKind.APPEAL_TRIAGE: policy.triage, StepKind.APPEAL_FORWARD: policy.forward,
            StepKind.APPEAL_ANSWER: policy.consideration,
            StepKind.APPEAL_ANSWER_APPROVAL: policy.approval,
        }
        self.start(view, deadlines=self._deadlines_of, notice_escalation=LETTER_ESCALATION,
                   child=appeal.child, projection=AppealActivities.project_appeal)
        self._withdrawal: Withdrawal | None = None

    @workflow.run
    async def run(self, inp: AppealInput) -> CaseView:
        if not await self.state.run(self._procedure, settled=self.notices.settled,
                                    history_limit=inp.history_limit):
            workflow.continue_as_new(inp.model_copy(update={"carried": self.state.view}))
        return self.state.view

    async def _procedure(self) -> None:
        """Registration, then the answer or the forwarding, unless the applicant withdraws
        first; the outcome last."""
        await self._register()
        answering = asyncio.create_task(self._answer_or_forward())
        await workflow.wait_condition(
            lambda: answering.done() or self._withdrawal is not None)
        if not answering.done():
            answering.cancel()
            with suppress(asyncio.CancelledError):
                await answering
        else:
            answering.result()
        if self._withdrawal is not None and StepKind.APPEAL_RESULT.value not in self.state.steps:
            for step in self.state.view.steps:
                if step.assignee is not None:
                    self.state.skip(step, f"withdrawn: {self._withdrawal.reason}")
            await self._result(Verdict.WITHDRAWN, due=self._term.due_at)
        await workflow.wait_condition(self.notices.settled)

    # APPC art. 64: registration and the ticket -------------------------------------------------

    async def _register(self) -> None:
        """Registered the day it arrived, or the next working day after 18:00 or on a day
        off; the term of consideration counted from then; the ticket to the applicant."""
        step = self.state.open(StepKind.APPEAL_REGISTRATION)
        if step.is_open():
            inp = self._input
            registered = await self.state.working(workflow.execute_local_activity_method(
                CalendarActivities.registration_time,
                RegistrationRequest(received_at=inp.appeal.received_at,
                                    closes_at_hour=inp.policy.registration_closes_at),
                **CALENDAR_OPTIONS))
            term = await self._deadlines(StepKind.APPEAL_ANSWER, registered)
            step.complete(at=workflow.now(), by=inp.taken_by, outcome={
                "registered_at": registered.isoformat(), "taken_by": inp.taken_by,
                "due_at": term.due_at.isoformat(), "escalate_at": term.escalate_at.isoformat(),
                "case_id": inp.case_id})
            self.state.changed()
        self._tell(ApplicantNoticeKind.TICKET, "notice.ticket", step.clause,
                   registered_at=self._registered_at, taken_by=self._input.taken_by,
                   due_at=self._term.due_at)

    @property
    def _registered_at(self) -> datetime:
        outcome = self.state.steps[StepKind.APPEAL_REGISTRATION.value].outcome or {}
        return datetime.fromisoformat(outcome["registered_at"])

    @property
    def _term(self) -> Deadlines:
        """The term of consideration now: art. 76's 15 working days, or the last extension."""
        outcome = self.state.steps[StepKind.APPEAL_REGISTRATION.value].outcome or {}
        term = Deadlines(due_at=outcome["due_at"], escalate_at=outcome["escalate_at"])
        for step in self.state.of_kind(StepKind.APPEAL_EXTENSION):
            term = Deadlines.model_validate(step.outcome)
        return term

    # ¶6.2: triage, then forwarding or consideration --------------------------------------------

    async def _answer_or_forward(self) -> None:
        registered = self._registered_at
        triage = await self.tasks.task(
            StepKind.APPEAL_TRIAGE,
            term=await self._deadlines(StepKind.APPEAL_TRIAGE, registered))
        decided = triage.outcome_as(TriageOutcome)
        if decided.close_unconsidered:
            await self._result(Verdict.UNCONSIDERED, due=None)
        elif decided.within_competence:
            await self._consider()
        else:
            await self._forward(registered)

    def _may_close_unconsidered(self, c: TriageCompletion) -> None:
        """Only an anonymous appeal reporting no violation, and only if the policy allows."""
        appeal = self._input.appeal
        if c.outcome.close_unconsidered and not (
                self._input.policy.anonymous_may_close_unconsidered
                and appeal.applicant.anonymous and appeal.violation is None):
            raise reject(RejectedAction.INVALID_OUTCOME, Reason.CLOSE_UNCONSIDERED,
                         field="close_unconsidered")

    triage_appeal = completes(StepKind.APPEAL_TRIAGE, check=_may_close_unconsidered)

    async def _forward(self, registered: datetime) -> None:
        """Outside the ombudsman's competence: forwarded with a cover letter within 3 working
        days of receipt (mailed to the body when the case worker gave its e-mail), the
        applicant told at the same time."""
        self.state.advance(Stage.RESPONSE)
        step = await self.tasks.task(
            StepKind.APPEAL_FORWARD,
            term=await self._deadlines(StepKind.APPEAL_FORWARD, registered))
        forwarded = step.outcome_as(ForwardOutcome)
        if forwarded.body_email is not None and workflow.patched(COVER_LETTER):
            letter = CoverLetter(
                idempotency_key=f"{self.state.view.case_id}:cover_letter",
                appeal_id=self.state.view.case_id, step_key=step.key, clause=step.clause,
                to=forwarded.body_email, language=forwarded.body_language,
                outgoing_ref=forwarded.outgoing_ref, text=forwarded.cover_letter)
            self.notices.in_background(workflow.execute_activity_method(
                AppealActivities.send_cover_letter, letter, **NOTICE_OPTIONS))
        self._tell(ApplicantNoticeKind.FORWARDED, "notice.forwarded", step.clause,
                   body=f"{forwarded.competent_body} ({forwarded.outgoing_ref})")
        await self._result(Verdict.FORWARDED, due=step.due_at)

    forward_appeal = completes(StepKind.APPEAL_FORWARD)

    async def _consider(self) -> None:
        """art. 76: the answer within the term, approved by four eyes, sent to the applicant."""
        self.state.advance(Stage.RESPONSE)
        draft = await drafted_and_approved(
            self.state, self.tasks, StepKind.APPEAL_ANSWER, StepKind.APPEAL_ANSWER_APPROVAL,
            term=lambda kind: self._term if kind == StepKind.APPEAL_ANSWER else None)
        answer = draft.outcome_as(AnswerOutcome)
        self._tell(ApplicantNoticeKind.ANSWER, "notice.answer", draft.clause,
                   verdict=answer.verdict, body=answer.text)
        await self._result(answer.verdict, due=self._term.due_at)

    draft_appeal_answer = completes(StepKind.APPEAL_ANSWER)
    decide_approval = completes(StepKind.APPEAL_ANSWER_APPROVAL)

    # art. 76: extension ----------------------------------------------------------------------

    @workflow.update(name="extend_appeal")
    async def extend_appeal(self, e: Extension) -> Step:
        """The head's reasoned extension of the term; the applicant told at once."""
        due = datetime.combine(e.new_due, END_OF_WORKING_DAY, tzinfo=LOCAL_TIME).astimezone(UTC)
        previous = self._term
        number = len(self.state.of_kind(StepKind.APPEAL_EXTENSION)) + 1
        step = self.state.open(StepKind.APPEAL_EXTENSION,
                               f"{StepKind.APPEAL_EXTENSION.value}.{number}")
        term = Deadlines(due_at=due, escalate_at=due + (previous.escalate_at - previous.due_at))
        step.complete(at=workflow.now(), by=e.actor.id,
                      outcome={**term.model_dump(mode="json"), "reason": e.reason})
        answer = self.state.steps[StepKind.APPEAL_ANSWER.value]
        answer.due_at, answer.escalate_at = term.due_at, term.escalate_at
        self._tell(ApplicantNoticeKind.EXTENSION, f"notice.{step.key}", step.clause,
                   due_at=due, body=e.reason)
        await self.state.projected_to(self.state.changed())
        return step

    @extend_appeal.validator
    def _extension_allowed(self, e: Extension) -> None:
        self.completions.check_actor(e.actor, StepKind.APPEAL_ANSWER_APPROVAL,
                                     "¶6.2, APPC art. 76")
        answer = self.state.steps.get(StepKind.APPEAL_ANSWER.value)
        if answer is None or not answer.is_open():
            raise reject(RejectedAction.TASK_CLOSED, Reason.EXTENSION_NOT_CONSIDERING)
        limit = months_after(self._registered_at.astimezone(LOCAL_TIME).date(),
                             self._input.policy.extension_limit_months)
        if e.new_due > limit:
            raise reject(RejectedAction.INVALID_OUTCOME, Reason.EXTENSION_BEYOND_LIMIT,
                         field="new_due", months=self._input.policy.extension_limit_months,
                         until=limit.isoformat())
        current = self._term.due_at.astimezone(LOCAL_TIME).date()
        if e.new_due <= current:
            raise reject(RejectedAction.INVALID_OUTCOME, Reason.EXTENSION_NOT_LATER,
                         field="new_due", current=current.isoformat())

    # Withdrawal --------------------------------------------------------------------------------

    @workflow.update(name="withdraw_appeal")
    async def withdraw_appeal(self, w: Withdrawal) -> Step:
        """The applicant withdraws the appeal: it closes at once, the reason kept."""
        self._withdrawal = w
        await workflow.wait_condition(
            lambda: StepKind.APPEAL_RESULT.value in self.state.steps)
        await self.state.projected_to(self.state.view.version)
        return self.state.steps[StepKind.APPEAL_RESULT.value]

    @withdraw_appeal.validator
    def _withdrawal_allowed(self, w: Withdrawal) -> None:
        if w.actor.role not in RECORDS_WITHDRAWALS:
            raise reject(RejectedAction.FORBIDDEN, Reason.WITHDRAWAL_ROLE, actor=w.actor.id,
                         role=w.actor.role.value)
        region = self.state.view.facts.region
        if not w.actor.covers(region):
            raise reject(RejectedAction.FORBIDDEN, Reason.OTHER_REGION, actor=w.actor.id,
                         region=region.value, acts_for=w.actor.region or "")
        if self._withdrawal is not None or StepKind.APPEAL_RESULT.value in self.state.steps:
            raise reject(RejectedAction.TASK_CLOSED, Reason.APPEAL_CLOSED)

    # The outcome -------------------------------------------------------------------------------

    async def _result(self, verdict: Verdict, *, due: datetime | None) -> None:
        """The outcome: whether the term was met and by how many working days it was missed."""
        now = workflow.now()
        late = 0 if due is None else await self.state.working(
            workflow.execute_local_activity_method(
                CalendarActivities.working_days_late, LatenessRequest(due_at=due, done_at=now),
                **CALENDAR_OPTIONS))
        step = self.state.open(StepKind.APPEAL_RESULT)
        step.complete(at=now, outcome=AppealResult(
            verdict=verdict, closed_at=now, due_at=due, term_met=due is None or now <= due,
            working_days_late=late))
        self.state.view.closed_at = now
        self.state.advance(Stage.CLOSED)

    # Letters to the applicant ------------------------------------------------------------------

    def _tell(self, kind: ApplicantNoticeKind, key: str, clause: str, **fields: object) -> None:
        """A letter to the applicant, sent in the background until the mail server takes it
        (once: the step records it)."""
        step = self.state.open(StepKind.APPLICANT_NOTICE, key, clause=clause,
                               recipient="applicant")
        if not step.is_open():
            return
        notice = ApplicantNotice.model_validate({
            "idempotency_key": f"{self.state.view.case_id}:{key}",
            "appeal_id": self.state.view.case_id, "step_key": key, "clause": clause,
            "kind": kind, **fields})

        async def send() -> None:
            sent = await workflow.execute_activity_method(
                AppealActivities.send_to_applicant, notice, **NOTICE_OPTIONS)
            step.complete(at=workflow.now(), outcome=sent)
            self.state.changed()

        self.notices.in_background(send())

    async def _deadlines(self, kind: StepKind, start: datetime) -> Deadlines:
        return await self.state.working(workflow.execute_local_activity_method(
            CalendarActivities.compute_deadlines,
            DeadlineRequest(start=start, deadline=self._deadlines_of[kind]),
            **CALENDAR_OPTIONS))
