"""Time on the time-skipping server, let pass without the client's default deadline, and past
a lock the server leaks."""

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio.api.testservice.v1 import SleepRequest, UnlockTimeSkippingRequest
from temporalio.testing import WorkflowEnvironment

# The SDK gives every call that is not a long poll a 30-second deadline, the test server's
# sleep included; but the server only returns once every timer in the span has fired and the
# workflows and activities they woke are done, which on a busy machine takes minutes over a
# year of reminders. Its clock jumps as it goes, though: a clock that only keeps pace with
# the wall for this long, with the sleep unanswered, is held by a leaked lock (below) — a
# workflow task cannot hold it longer than its 10-second timeout.
SLEEP_DEADLINE = timedelta(minutes=10)
STALL_AFTER = 20.0
PROBE_EVERY = 1.0
RELEASES = 3


async def skip(env: WorkflowEnvironment, duration: timedelta | float) -> None:
    """Let ``duration`` (seconds, or a timedelta) pass on ``env``'s virtual clock, as
    ``env.sleep`` does, waiting as long as the server works through it (on a server that
    does not skip time, it is ``env.sleep``: real time).

    The test server counts what holds its clock still (each workflow task and activity it
    hands out) and leaks a count when it hands a workflow task to a run that has just
    continued as new — a query racing the continue-as-new — or when a run ends with an
    activity still scheduled: that task never completes, and time never moves again. While
    the sleep is unanswered, the clock is watched; once it has not jumped for
    ``STALL_AFTER`` seconds, one count is released, and the same sleep goes on."""
    if not env.supports_time_skipping:
        await env.sleep(duration)
        return
    span = duration if isinstance(duration, timedelta) else timedelta(seconds=duration)
    request = SleepRequest()
    request.duration.FromTimedelta(span)
    sleeping = asyncio.ensure_future(env.client.test_service.unlock_time_skipping_with_sleep(
        request, timeout=SLEEP_DEADLINE))
    loop = asyncio.get_running_loop()
    virtual, real = await env.get_current_time(), loop.time()
    jumped, released = real, 0
    while not (await asyncio.wait([sleeping], timeout=PROBE_EVERY))[0]:
        now_virtual, now_real = await env.get_current_time(), loop.time()
        if (now_virtual - virtual).total_seconds() > now_real - real + PROBE_EVERY:
            jumped = now_real
        virtual, real = now_virtual, now_real
        if now_real - jumped > STALL_AFTER:
            if released == RELEASES:
                sleeping.cancel()
                raise AssertionError(f"the test server's clock did not move {span}: still "
                                     f"held after {RELEASES} leaked locks were released")
            await env.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
            jumped, released = now_real, released + 1
    await sleeping


def skipper(env: WorkflowEnvironment) -> Callable[[timedelta], Awaitable[None]]:
    """``skip`` on ``env``, for the scenarios that are given a way to let time pass."""
    return functools.partial(skip, env)
