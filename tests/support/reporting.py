"""Driving a periodic report's workflow as people do: wait for a task to open, complete it,
decide it."""

import asyncio
from typing import Any

from pydantic import BaseModel
from temporalio.client import WorkflowHandle

from ombudsflow import constants
from schemas.case import Actor, CaseView, Step
from schemas.outcomes import ApprovalCompletion, ApprovalOutcome


async def opened(handle: WorkflowHandle[Any, Any], key: str) -> Step:
    """The report's task ``key`` once it is open (a report opens its first task only after
    its figures are computed)."""
    for _ in range(200):
        case: CaseView = await handle.query(constants.CASE_QUERY, result_type=CaseView)
        step = next((s for s in case.steps if s.key == key and s.is_open()), None)
        if step is not None:
            return step
        await asyncio.sleep(0.05)
    raise AssertionError(f"task {key} never opened")


async def complete(handle: WorkflowHandle[Any, Any], update: str, key: str, actor: Actor,
                   completion: type[BaseModel], outcome: BaseModel) -> Step:
    """Complete the task ``key``, once open, with ``outcome`` by ``update``."""
    await opened(handle, key)
    done: Step = await handle.execute_update(
        update, completion(actor=actor, task_key=key, outcome=outcome), result_type=Step)
    return done


def decision(actor: Actor, key: str, *, approved: bool = True, reason: str = ""
             ) -> ApprovalCompletion:
    return ApprovalCompletion(actor=actor, task_key=key,
                              outcome=ApprovalOutcome(approved=approved, reason=reason))


async def approve(handle: WorkflowHandle[Any, Any], update: str, key: str, actor: Actor, *,
                  approved: bool = True, reason: str = "") -> Step:
    """Decide the task ``key``, once open: approved, or returned with ``reason``."""
    await opened(handle, key)
    done: Step = await handle.execute_update(
        update, decision(actor, key, approved=approved, reason=reason), result_type=Step)
    return done
