"""The bare workflow: the case workflow's short path (police not confirmed) reduced to its
shape, every activity a no-op and no codec. What this reaches is the engine's own ceiling on
the machine, so the case workflow is judged against it rather than against a guess.

The short path, counted in a recorded history (``tests/histories/v2-not_confirmed.json``):
about 10 activities (3 ¶10.1 notices and the projections, whose number depends on how many
changes coalesce), 4 local activities (the deadlines), 4 updates (police decision, preventive
talk, closure, closure approval) and 7 timers (3 notice escalations, 4 task deadlines). Here:
3 activities each raced against a timer; then per task a local activity (its deadline), a
timer, an activity (its projection) and the wait for its update, whose handler awaits one
more activity (the projection the case's handlers wait for): 11 activities in all. The
benchmark prints both workflows' counts from their histories side by side.
"""

import asyncio
from datetime import timedelta

from temporalio import activity, workflow

UPDATES = 4
NOTICES = 3
ACTIVITY_TIMEOUT = timedelta(seconds=30)


@activity.defn
async def noop() -> None:
    """Does nothing: the activity's cost is the engine's round trip alone."""


@workflow.defn
class BareWorkflow:
    def __init__(self) -> None:
        self._open = -1  # the task now waiting for its update
        self._done = 0  # tasks completed so far

    @workflow.run
    async def run(self) -> int:
        notices = [asyncio.create_task(self._notice()) for _ in range(NOTICES)]
        for task in range(UPDATES):
            await workflow.execute_local_activity(noop, start_to_close_timeout=ACTIVITY_TIMEOUT)
            self._open = task
            deadline = asyncio.create_task(workflow.sleep(timedelta(days=3)))
            await _act()
            await workflow.wait_condition(lambda t=task: self._done > t)  # type: ignore[misc]
            deadline.cancel()
        await asyncio.gather(*notices)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._done

    async def _notice(self) -> None:
        sending = asyncio.create_task(_act())
        try:
            await workflow.wait_condition(sending.done, timeout=timedelta(minutes=15))
        except TimeoutError:
            workflow.logger.warning("notice late")
        await sending

    @workflow.update
    async def complete(self, task: int) -> None:
        """Close ``task`` once it is open, answering after its projection (as the case does)."""
        await workflow.wait_condition(lambda: self._open == task)
        self._done = task + 1
        await _act()


async def _act() -> None:
    await workflow.execute_activity(noop, start_to_close_timeout=ACTIVITY_TIMEOUT)
