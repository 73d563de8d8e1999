"""Why a person's action on a case was refused: the types of the ``ApplicationError`` that
workflow update validators raise, so the CLI and the API can map them to a status.

    RejectedAction (the ``type`` of an ApplicationError; the message is the reason)
    ├── UnknownTask      no such task in this case                      → 404
    ├── TaskClosed       the task is already done, or not open any more → 409
    ├── Forbidden        wrong role, wrong region, or four eyes broken  → 403
    └── InvalidOutcome   the facts given do not satisfy the clause      → 422
"""

from enum import StrEnum


class RejectedAction(StrEnum):
    UNKNOWN_TASK = "UnknownTask"
    TASK_CLOSED = "TaskClosed"
    FORBIDDEN = "Forbidden"
    INVALID_OUTCOME = "InvalidOutcome"

    @property
    def http_status(self) -> int:
        return {"UnknownTask": 404, "TaskClosed": 409, "Forbidden": 403}.get(self.value, 422)
