"""The supervisor's digest of late notices: how often it goes, and the workflow's input and
result. Counts only: which escalations it carries is read from the outbox."""

from datetime import timedelta

from pydantic import BaseModel, Field

# A late notice's escalation goes at once unless one went to the same supervisor within this
# long; then it waits for the next digest, which the schedule sends this often.
DIGEST_EVERY = timedelta(minutes=15)


class DigestRun(BaseModel):
    """What the schedule starts a digest with: nothing, every held escalation goes."""


class DigestsSent(BaseModel):
    """What one run did: digests mailed now, and the escalations they carried."""

    digests: int = Field(ge=0)
    escalations: int = Field(ge=0)
