"""A tiny procedure written with the toolkit, as ``workflows/README.md`` shows: the akimat is
told at once (¶10.1), a talk is held under its deadline (¶10.2), and the closing summary is
approved by a supervisor who did none of the work. It borrows the ¶10–¶11 step kinds, so it
needs no specs of its own; a real procedure adds its kinds and specs to
``schemas/procedure.py``."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.store import StoreActivities
    from schemas.activities import CaseRecord, NoticeKind, Recipient
    from schemas.case import CaseFacts, CaseView, PoliceFinding, Stage
    from schemas.procedure import CaseInput
    from schemas.steps import StepKind

from workflows.approvals import drafted_and_approved
from workflows.case import STORE_OPTIONS
from workflows.completions import completes
from workflows.procedure import CaseWorkflow


@workflow.defn(name="DistrictVisit")
class DistrictVisit(CaseWorkflow):
    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        view = CaseView(case_id=inp.case_id, version=0, facts=CaseFacts.of(inp.report),
                        stage=Stage.NOTIFICATION, police_finding=PoliceFinding.PENDING,
                        opened_at=workflow.now(), overdue=False, steps=[])
        self.start(view, deadlines=inp.policy.deadlines,
                   notice_escalation=inp.policy.notice_escalation, child=inp.report.child)

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseView:
        await workflow.execute_activity_method(
            StoreActivities.record_case, CaseRecord(case_id=inp.case_id, report=inp.report),
            **STORE_OPTIONS)
        await self.state.run(self._procedure, settled=self.notices.settled,
                             history_limit=inp.history_limit)
        return self.state.view

    async def _procedure(self) -> None:
        case = self.state
        akimat = case.open(StepKind.NOTICE, "notice.akimat", recipient=Recipient.AKIMAT.value)
        self.notices.deliver(akimat, NoticeKind.ALARM)
        case.advance(Stage.POLICE_CHECK)
        await self.tasks.task(StepKind.PREVENTIVE_TALK)
        await workflow.wait_condition(self.notices.settled)
        case.advance(Stage.CLOSURE_REVIEW)
        await drafted_and_approved(case, self.tasks, StepKind.CLOSURE, StepKind.CLOSURE_APPROVAL)
        case.view.closed_at = workflow.now()
        case.advance(Stage.CLOSED)

    complete_preventive_talk = completes(StepKind.PREVENTIVE_TALK)
    submit_closure = completes(StepKind.CLOSURE)
    decide_approval = completes(StepKind.CLOSURE_APPROVAL)
