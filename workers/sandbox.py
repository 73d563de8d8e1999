"""The workflow sandbox, configured here once for every worker, replayer, test and benchmark
(``workflow_runner()``), so what replays in the tests is what runs in production.

What passes through (the host's module, imported once per process, not once per case): our
contracts and the activity classes the workflows name, and the libraries under them. Each is
import-safe and deterministic where the workflows touch it: ``schemas`` (pydantic models,
pure validators and tables; no clock, no I/O at import or in the calls a workflow makes),
``ombudsflow`` (constants, the local-time zone), ``activities`` (the workflow only reads the
methods' names to schedule them; their I/O runs in the activity worker), pydantic and its
cores. The workflow modules themselves (``workflows.*``) stay sandboxed: their module state is
fresh per case and a clock read, ``open`` or random number in them still fails the task.

The runner also compiles the SDK's fixed snippets once: the sandbox runs one for every
activation and one for each payload's serialization context (a thousand for a year-long
case), and ``exec`` of a string compiled it every time. The same code runs, under the same
importer and restrictions.
"""

import functools
from dataclasses import dataclass
from types import CodeType
from typing import Any

from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox._runner import _Instance

PASSTHROUGH = ("schemas", "ombudsflow", "activities",
               "pydantic", "pydantic_core", "annotated_types", "typing_extensions")


def workflow_runner() -> WorkflowRunner:
    """The sandbox every worker and replayer of ours runs the workflows in."""
    return _PrecompiledSandboxRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))


@functools.cache
def _compiled(code: str) -> CodeType:
    # A handful of distinct snippets: one per workflow class to create, and the fixed ones.
    return compile(code, "<workflow sandbox>", "exec")


class _PrecompiledInstance(_Instance):
    def _run_code(self, code: str, **extra_globals: Any) -> None:
        super()._run_code(_compiled(code), **extra_globals)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _PrecompiledSandboxRunner(SandboxedWorkflowRunner):
    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _PrecompiledInstance(det, self.runner_class, self.restrictions)
