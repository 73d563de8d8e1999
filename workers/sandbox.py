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

Two costs of the SDK's sandbox (temporalio 1.35, pinned below 1.36) are cut here, neither
touching what the workflow code may do:
- the snippet the sandbox ``exec``s for every activation was compiled from a string each time;
  it is compiled once;
- the serialization context of each payload (the case, the activity it goes to: a thousand
  for a year-long case) was looked up by compiling and running a snippet under the sandbox's
  importer. The lookup is the SDK's own bookkeeping on the workflow's info and pending
  commands, no workflow code, so it is asked of the sandboxed instance directly.
"""

import functools
from dataclasses import dataclass
from types import CodeType
from typing import Any

from temporalio.converter import SerializationContext
from temporalio.converter._extstore import StorageDriverStoreContext
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner
from temporalio.worker._command_aware_visitor import CommandInfo
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

    def get_serialization_context(self, command_info: CommandInfo | None
                                  ) -> SerializationContext | None:
        return self._in_sandbox().get_serialization_context(command_info)  # type: ignore[no-any-return]

    def get_external_store_context(self, command_info: CommandInfo | None
                                   ) -> StorageDriverStoreContext:
        return self._in_sandbox().get_external_store_context(command_info)  # type: ignore[no-any-return]

    def _in_sandbox(self) -> Any:
        return self.globals_and_locals["__temporal_in_sandbox"]


@dataclass(frozen=True)
class _PrecompiledSandboxRunner(SandboxedWorkflowRunner):
    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _PrecompiledInstance(det, self.runner_class, self.restrictions)
