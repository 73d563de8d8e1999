"""The task form, one per kind of task, built from the outcome model its update takes.

Submitting goes through ``web.actions.complete_task``, as the API does: the kind's update
(its spec's), its completion model validated with the signed-in person as actor, then the
workflow update, whose validator has the last word. A refusal is shown next to the input it
is about, with the values kept.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, ValidationError
from temporalio.client import WorkflowUpdateFailedError

from schemas.case import Actor, CaseView, Step, StepStatus
from schemas.errors import RejectedAction
from schemas.numbers import work_page
from schemas.outcomes import PlanReviewOutcome, PsychologicalSupportOutcome
from schemas.procedure import APPEAL_TASKS, APPROVALS, REPORT_TASKS, TASKS, may_complete, spec_of
from schemas.reporting import is_report_id
from schemas.steps import StepKind
from store.appeals import stored_appeal
from web.appeal_views import readable
from web.deps import Services, ServicesDep, UserDep, ensure_covers
from web.errors import rejection_of
from web.handoffs import Refused, complete_or_keep, may_reassign, offered
from web.i18n import Translator
from web.pages.forms import (
    Form,
    FormValues,
    build_form,
    form_values,
    invalid_fields,
    read_form,
    refused_fields,
    rows_in_outcome,
    rows_in_values,
)
from web.pages.render import redirect, render, translator
from web.pages.route import PageRoute
from web.pages.security import CSRF_FIELD, CsrfChecked
from web.views import TaskView, load_case

router = APIRouter(route_class=PageRoute)
# The tasks a form completes: the cases' and the ¶6.2 appeals'.
FORMS = TASKS | APPEAL_TASKS


@dataclass(frozen=True)
class Task:
    case: CaseView
    step: Step

    @property
    def subject(self) -> Step | None:
        """For an approval, the draft it decides on."""
        return self.case.step(self.step.subject_key) if self.step.subject_key else None

    @property
    def page(self) -> str:
        """The page of what the task belongs to: its case, or its ¶6.2 appeal."""
        return work_page(self.case.case_id)

    def form(self, rows: int) -> Form:
        return build_form(outcome_model(self.step.kind), rows=rows,
                          choices={"items_done": self.open_plan_items()})

    def open_plan_items(self) -> list[tuple[str, str]]:
        """¶11.3 plan items not yet marked done, as (index, action): a review's choices."""
        if self.step.kind != StepKind.PLAN_REVIEW:
            return []
        steps = self.case.steps
        support = next((s for s in steps if s.kind == StepKind.PSYCHOLOGICAL_SUPPORT
                        and s.outcome is not None), None)
        plan = support.outcome_as(PsychologicalSupportOutcome).plan if support else []
        done = {i for s in steps if s.kind == StepKind.PLAN_REVIEW and s.status == StepStatus.DONE
                for i in s.outcome_as(PlanReviewOutcome).items_done}
        return [(str(i), item.action) for i, item in enumerate(plan) if i not in done]


def outcome_model(kind: StepKind) -> type[BaseModel]:
    """The model of what a person records for ``kind``: its completion's ``outcome``."""
    return spec_of(kind).outcome


async def find_task(svc: Services, user: Actor, case_id: str, key: str, *,
                    kinds: Collection[StepKind] = FORMS) -> Task:
    """The task ``key`` (one of ``kinds``) of a case, appeal or report in the reader's region
    that the reader's role completes (or, a supervisor, reassigns)."""
    case = await load_case(svc, case_id)
    ensure_covers(user, case.facts.region)
    try:
        step = case.step(key)
    except KeyError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "error.no_task") from None
    if step.kind not in kinds:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "error.no_task")
    if not (may_complete(step.kind, user.role) or may_reassign(step.kind, user.role)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "error.not_your_task")
    return Task(case, step)


async def refusals(svc: Services, user: Actor, task: Task, form: Form, values: FormValues,
                   t: Translator) -> tuple[dict[str, list[str]], bool]:
    """Complete the task from the form's values (delegated to the reader: kept for its
    holder's review); what was refused, by input ({} when done), and whether it was kept."""
    submitted = read_form(form, values)
    try:
        done = await complete_or_keep(svc, user, task.case.case_id, task.step.key,
                                      submitted.outcome, kinds=FORMS)
    except Refused as e:
        return {"": [e.text(t)]}, False
    except HTTPException as e:
        if e.status_code != status.HTTP_409_CONFLICT:
            raise
        return {"": [f"{t('error.409')}: {e.detail}"]}, False  # closed, or claimed by another
    except ValidationError as e:
        return invalid_fields(form, submitted, e, t), False
    except WorkflowUpdateFailedError as e:
        _, body = rejection_of(e, t)
        if body["type"] == RejectedAction.INVALID_OUTCOME:
            return refused_fields(form, body["detail"]), False
        return {"": [f"{t('rejected.' + body['type'])}: {body['detail']}"]}, False
    return {}, isinstance(done, TaskView)


async def show(request: Request, svc: Services, user: Actor, task: Task, form: Form | None,
               values: FormValues, errors: dict[str, list[str]],
               status_code: int = status.HTTP_200_OK) -> Response:
    """The task's page: its form (None: a report's task, completed on the report's page),
    and what the reader may do to hand it over."""
    handoff = await offered(svc, user, task.case.case_id, task.step.key)
    appeal = None
    if task.step.kind in APPEAL_TASKS:  # what is to be triaged, forwarded or answered
        appeal = stored_appeal(await readable(svc, user, task.case.case_id))
    return render(request, "task.html", user=user, status_code=status_code, task=task,
                  form=form, values=values, errors=errors, handoff=handoff, appeal=appeal,
                  report=is_report_id(task.case.case_id),
                  completes=(form is not None and may_complete(task.step.kind, user.role)
                             and handoff.completes),
                  overdue=task.step.overdue_at(datetime.now(UTC)))


@router.get("/tasks/{case_id:work_number}/{key:task_key}")
async def show_task_form(request: Request, svc: ServicesDep, user: UserDep, case_id: str,
                         key: str) -> Response:
    """The form of an open task; a draft sent back comes filled in with what was sent. A
    periodic report's task is completed on the report's page, beside the report it drafts or
    decides (its forms: ``web/pages/reports.py``): its own page has its hand-offs."""
    task = await find_task(svc, user, case_id, key, kinds=FORMS | REPORT_TASKS)
    if not task.step.is_open():
        return redirect(task.page, flash="flash.task_closed", kind=task.step.kind)
    if is_report_id(case_id):
        return await show(request, svc, user, task, None, {}, {})
    previous = task.step.outcome or {}
    form = task.form(rows_in_outcome(previous))
    return await show(request, svc, user, task, form, form_values(form, previous), {})


@router.post("/tasks/{case_id:work_number}/{key:task_key}")
async def submit_task_form(request: Request, svc: ServicesDep, user: UserDep, _: CsrfChecked,
                           case_id: str, key: str) -> Response:
    """Complete the task; on refusal, the form again with the reasons and the values kept."""
    task = await find_task(svc, user, case_id, key)
    posted = await request.form()
    values = {k: [v for v in posted.getlist(k) if isinstance(v, str)]
              for k in posted if k != CSRF_FIELD}
    form = task.form(rows_in_values(values))
    errors, kept = await refusals(svc, user, task, form, values, translator(request))
    if errors:
        return await show(request, svc, user, task, form, values, errors,
                          status.HTTP_422_UNPROCESSABLE_CONTENT)
    return redirect(task.page, flash="flash.kept_for_review" if kept else _flash_for(task, values),
                    kind=(task.subject or task.step).kind)


def _flash_for(task: Task, values: FormValues) -> str:
    if task.step.kind not in APPROVALS:
        return "flash.completed"
    return "flash.approved" if list(values.get("approved", ())) == ["true"] else "flash.sent_back"
