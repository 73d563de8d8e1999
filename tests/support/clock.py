"""Time on the time-skipping server, let pass without the client's default deadline, and past
a lock the server leaks."""

import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio.api.testservice.v1 import SleepRequest, UnlockTimeSkippingRequest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

# The SDK gives every call that is not a long poll a 30-second deadline, the test server's
# sleep included; but the server only returns once every timer in the span has fired and the
# workflows and activities they woke are done, which on a busy machine takes longer over a
# month of reminders. A sleep still unanswered after this long has met a leaked lock (below).
STALL_AFTER = timedelta(seconds=90)
ATTEMPTS = 3


async def skip(env: WorkflowEnvironment, duration: timedelta | float) -> None:
    """Let ``duration`` (seconds, or a timedelta) pass on ``env``'s virtual clock, as
    ``env.sleep`` does, waiting as long as the server works through it (on a server that
    does not skip time, it is ``env.sleep``: real time).

    The test server counts what holds its clock still (each workflow task and activity it
    hands out) and leaks a count when it hands a workflow task to a run that has just
    continued as new — an update or a query racing the continue-as-new — or when a run ends
    with an activity still scheduled: that task never completes, and time never moves again.
    A sleep that stalls so releases one count and goes on for the time left."""
    if not env.supports_time_skipping:
        await env.sleep(duration)
        return
    span = duration if isinstance(duration, timedelta) else timedelta(seconds=duration)
    until = await env.get_current_time() + span
    for _ in range(ATTEMPTS):
        request = SleepRequest()
        request.duration.FromTimedelta(max(until - await env.get_current_time(), timedelta(0)))
        try:
            await env.client.test_service.unlock_time_skipping_with_sleep(request,
                                                                          timeout=STALL_AFTER)
            return
        except RPCError:
            await env.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
    raise AssertionError(f"the test server's clock did not move {span} in {ATTEMPTS} tries")


def skipper(env: WorkflowEnvironment) -> Callable[[timedelta], Awaitable[None]]:
    """``skip`` on ``env``, for the scenarios that are given a way to let time pass."""
    return functools.partial(skip, env)
