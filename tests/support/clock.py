"""Time on the time-skipping server, let pass without the client's default deadline."""

import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio.api.testservice.v1 import SleepRequest
from temporalio.testing import WorkflowEnvironment

# The SDK gives every call that is not a long poll a 30-second deadline, the test server's
# sleep included; but the server only returns once every timer in the span has fired and the
# workflows and activities they woke are done, which on a busy machine takes longer over a
# month of reminders. Waiting is still bounded: by pytest-timeout, and by this.
SKIP_DEADLINE = timedelta(minutes=4)


async def skip(env: WorkflowEnvironment, duration: timedelta | float) -> None:
    """Let ``duration`` (seconds, or a timedelta) pass on ``env``'s virtual clock, as
    ``env.sleep`` does, waiting as long as the server works through it (on a server that
    does not skip time, it is ``env.sleep``: real time)."""
    if not env.supports_time_skipping:
        await env.sleep(duration)
        return
    request = SleepRequest()
    request.duration.FromTimedelta(
        duration if isinstance(duration, timedelta) else timedelta(seconds=duration))
    await env.client.test_service.unlock_time_skipping_with_sleep(request, timeout=SKIP_DEADLINE)


def skipper(env: WorkflowEnvironment) -> Callable[[timedelta], Awaitable[None]]:
    """``skip`` on ``env``, for the scenarios that are given a way to let time pass."""
    return functools.partial(skip, env)
