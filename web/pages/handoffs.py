"""The task page's hand-offs (issue 14): a supervisor reassigns the task to a case worker of
its region; its holder delegates it to a colleague, reviews what the colleague did (accepts it,
or returns it with a reason), or takes it back. Each goes through ``web.handoffs`` as the API
does; a refusal is shown on the task's page next to its input, in the reader's language, with
what was typed kept."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, HTTPException, Request, Response, status
from temporalio.client import WorkflowUpdateFailedError

from schemas.case import Actor
from store.cases import TaskClaimed, TaskNotFound
from web.deps import Services, ServicesDep, UserDep
from web.errors import rejection_of
from web.handoffs import Refused, delegate, reassign, review, take_back
from web.pages.forms import form_values, rows_in_outcome
from web.pages.render import redirect, translator
from web.pages.route import PageRoute
from web.pages.security import CSRF_FIELD, CsrfChecked
from web.pages.tasks import find_task, show

router = APIRouter(route_class=PageRoute)
Action = Callable[[], Awaitable[object]]


@router.post("/tasks/{case_id:work_number}/{key:task_key}/reassign")
async def reassign_from_page(request: Request, svc: ServicesDep, user: UserDep,
                             _: CsrfChecked, case_id: str, key: str) -> Response:
    """Give the task to a case worker of its region, with a reason."""
    typed = await _typed(request)
    return await _handed(request, svc, user, case_id, key, typed, lambda: reassign(
        svc, user, case_id, key, to=typed.get("assignee", ""),
        reason=typed.get("reason", "")), flash="flash.reassigned")


@router.post("/tasks/{case_id:work_number}/{key:task_key}/delegate")
async def delegate_from_page(request: Request, svc: ServicesDep, user: UserDep,
                             _: CsrfChecked, case_id: str, key: str) -> Response:
    """Delegate the task I hold to a colleague, with a note if I like."""
    typed = await _typed(request)
    return await _handed(request, svc, user, case_id, key, typed, lambda: delegate(
        svc, user, case_id, key, to=typed.get("delegate", ""), note=typed.get("note")),
        flash="flash.delegated")


@router.post("/tasks/{case_id:work_number}/{key:task_key}/review")
async def review_from_page(request: Request, svc: ServicesDep, user: UserDep,
                           _: CsrfChecked, case_id: str, key: str) -> Response:
    """Accept the colleague's work (the task is done, as mine) or return it with a reason."""
    typed = await _typed(request)
    accept = typed.get("accept") == "true"
    return await _handed(request, svc, user, case_id, key, typed, lambda: review(
        svc, user, case_id, key, accept=accept, reason=typed.get("reason", "")),
        flash="flash.completed" if accept else "flash.returned")


@router.post("/tasks/{case_id:work_number}/{key:task_key}/take-back")
async def take_back_from_page(request: Request, svc: ServicesDep, user: UserDep,
                              _: CsrfChecked, case_id: str, key: str) -> Response:
    """End my delegation of the task: I hold it again."""
    return await _handed(request, svc, user, case_id, key, {},
                         lambda: take_back(svc, user, case_id, key), flash="flash.taken_back")


async def _typed(request: Request) -> dict[str, str]:
    posted = await request.form()
    return {k: v.strip() for k, v in posted.items() if k != CSRF_FIELD and isinstance(v, str)}


async def _handed(request: Request, svc: Services, user: Actor, case_id: str, key: str,
                  typed: dict[str, str], action: Action, *, flash: str) -> Response:
    """Do ``action`` on the task, then show its case or appeal with ``flash``; refused, the
    task's page again with the reason (by the input it is about) and the values typed."""
    task = await find_task(svc, user, case_id, key)
    t = translator(request)
    try:
        await action()
    except Refused as e:
        code, errors = e.status_code, {f"handoff.{e.field}" if e.field else "": [e.text(t)]}
    except TaskClaimed:
        code, errors = status.HTTP_409_CONFLICT, {"": [t("error.claimed")]}
    except TaskNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "error.no_task") from None
    except WorkflowUpdateFailedError as e:  # the colleague's outcome, refused as the holder's
        code, body = rejection_of(e, t)
        errors = {"": [f"{t('rejected.' + body['type'])}: {body['detail']}"]}
    except HTTPException as e:
        if e.status_code != status.HTTP_409_CONFLICT:
            raise
        code, errors = e.status_code, {"": [f"{t('error.409')}: {e.detail}"]}
    else:
        return redirect(task.page, flash=flash, kind=task.step.kind)
    previous = task.step.outcome or {}
    form = task.form(rows_in_outcome(previous))
    values = {**form_values(form, previous), **{f"handoff.{k}": [v] for k, v in typed.items()}}
    return await show(request, svc, user, task, form, values, errors, code)
