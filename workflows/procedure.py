"""The base of every procedure's workflow: one case's state, notices, tasks and completions,
and the ``case`` query. A procedure subclasses it, calls ``start()`` in its ``__init__`` and
runs its clauses through ``state.run()`` (see ``workflows/README.md``)."""

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.districts import DistrictActivities
    from activities.store import StoreActivities
    from ombudsflow import constants
    from schemas.activities import CaseChanges, LegacyDistrict, Recipient
    from schemas.case import CaseView
    from schemas.districts import is_code
    from schemas.errors import RejectedAction
    from schemas.policy import Deadline
    from schemas.refusals import Reason
    from schemas.report import Child
    from schemas.steps import StepKind

from workflows.case import STORE_OPTIONS, CaseState
from workflows.completions import CompletingWorkflow, Completions, reject
from workflows.notices import Notices
from workflows.tasks import Tasks


class CaseWorkflow(CompletingWorkflow):
    state: CaseState
    notices: Notices
    tasks: Tasks

    def start(self, view: CaseView, *, deadlines: Mapping[StepKind, Deadline],
              notice_escalation: timedelta, child: Child | None,
              derive: Callable[[CaseView], None] | None = None,
              projection: Any = StoreActivities.project_changes,
              local_projection: Any = None,
              changes: Callable[..., CaseChanges] = CaseChanges,
              national: Recipient = Recipient.COMMITTEE) -> None:
        """Hold ``view`` (new, or carried over by continue-as-new) with the machinery around
        it: tasks under ``deadlines``, escalated at their third to ``national``, notices
        escalated after ``notice_escalation``, published text checked against ``child`` (if
        there is one), ``derive`` run before each change is recorded, and the store brought
        up to date by the ``projection`` activity (or the ``local_projection`` one, run as a
        local activity) with what ``changes`` makes."""
        self.state = CaseState(view, derive=derive, projection=projection,
                               local_projection=local_projection, changes=changes)
        self.notices = Notices(self.state, escalation=notice_escalation)
        self.tasks = Tasks(self.state, self.notices, deadlines=deadlines, national=national)
        self.completions = Completions(self.state, child=child)

    @workflow.query(name=constants.CASE_QUERY)
    def case(self) -> CaseView:
        """The whole case: each step's key, clause, status, due, done, actor and outcome."""
        now = workflow.now()
        view = self.state.view
        return view.model_copy(update={"overdue": any(s.overdue_at(now) for s in view.steps)})

    @workflow.update(name=constants.ADOPT_DISTRICT_CODE)
    async def adopt_district_code(self) -> str:
        """A case opened before districts were codes holds the district as typed, and shows
        it in its ``CaseDistrict`` search attribute (never encrypted). This resolves it to its
        directory code, as migration 0005 mapped the store, and upserts the attribute. Sent
        by ``ombudsflow districts adopt``; a case never sent it replays as it ran."""
        facts = self.state.view.facts
        facts.district = await workflow.execute_activity_method(
            DistrictActivities.resolve_district,
            LegacyDistrict(region=facts.region, text=facts.district), **STORE_OPTIONS)
        await self.state.projected_to(self.state.changed())
        return facts.district

    @adopt_district_code.validator
    def _validate_adoption(self) -> None:
        if is_code(self.state.view.facts.district):
            raise reject(RejectedAction.TASK_CLOSED, Reason.DISTRICT_CODED, field="district")
