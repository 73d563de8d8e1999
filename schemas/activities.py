"""Inputs and results of activities: the only things that cross from workflow to I/O."""

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, Field

from schemas.case import CaseHeader, Step
from schemas.policy import Deadline
from schemas.regions import Region
from schemas.report import Category, ViolationReport
from schemas.webhooks import WebhookEvent


class DeadlineRequest(BaseModel):
    start: AwareDatetime
    deadline: Deadline


class Deadlines(BaseModel):
    due_at: AwareDatetime
    escalate_at: AwareDatetime
    committee_at: AwareDatetime | None = None  # with a chain


class TaskRef(BaseModel):
    case_id: str
    key: str


class Level(StrEnum):
    """Which rung of a task's escalation chain a reminder or escalation is."""

    DUE = "due"  # the reminder at due: to the holder, or the office when unclaimed
    SUPERVISOR = "supervisor"  # the second deadline
    COMMITTEE = "committee"  # the third: the national Committee
    REPEATED = "repeated"  # every N working days while still overdue
    UNCLAIMED = "unclaimed"  # an urgent case's task nobody took


class NoticeKind(StrEnum):
    ALARM = "alarm"  # ¶10.1 to commissioner, committee, akimat
    REFERRAL = "referral"  # ¶10.3 to guardianship and police
    REMINDER = "reminder"  # a task reached its due date: to the regional office
    ESCALATION = "escalation"  # a task (or a notice) is late: to the regional supervisor
    RECOMMENDATIONS = "recommendations"  # ¶11.6 to a state body


class Recipient(StrEnum):
    """Keys of the authority directory; regional ones resolve per the case's region."""

    COMMISSIONER = "commissioner"
    COMMITTEE = "committee"
    AKIMAT = "akimat"
    GUARDIANSHIP = "guardianship"
    POLICE = "police"
    OMBUDSMAN_OFFICE = "ombudsman_office"  # the case workers of the region
    SUPERVISOR = "supervisor"  # the regional ombudsman
    HOLDER = "holder"  # the case worker who has claimed the task (``NoticeRequest.holder``)


# An e-mail address as the directory and the users' accounts accept it.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Channel(StrEnum):
    """How a notice reaches its recipient; the directory lists each recipient's in order."""

    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


# A ``send_notice`` for a rank beyond the recipient's channels fails with this (not retried):
# the fallback has nothing further to try.
NO_SUCH_CHANNEL = "NoSuchChannel"


class NoticeRequest(BaseModel):
    """One notice to one recipient. ``idempotency_key`` = ``{case_id}:{step_key}:{recipient}``
    (plus a suffix for repeated reminders): a retried activity never sends it twice.
    Carries nothing that identifies the child."""

    idempotency_key: str
    case_id: str
    step_key: str
    clause: str
    kind: NoticeKind
    recipient: Recipient
    region: Region
    district: str  # a code of the district directory; notices print its name
    category: Category
    urgent: bool
    subject_step: str | None = None  # reminders/escalations: the task that is late
    level: Level | None = None  # a task's escalation chain: which rung (None before chains)
    holder: str | None = None  # recipient ``holder``: the user id of the task's claimant
    due_at: datetime | None = None
    body: str | None = None  # ¶11.6 recommendations: the approved text (already guarded)
    # Which of the recipient's channels (0: the first); a fallback is a request of its own.
    rank: int = 0


class LegacyDistrict(BaseModel):
    """A district as cases opened before districts were codes hold it: free text a person
    typed (this input is encrypted in the history like every payload)."""

    region: Region
    text: str


class NoticeResult(BaseModel):
    address: str
    message_id: str
    sent_at: AwareDatetime
    already_sent: bool
    channel: Channel = Channel.EMAIL  # results recorded before channels were all e-mail
    # An escalation kept for the supervisor's next digest (``activities.digests``), not sent.
    held: bool = False


class CaseRecord(BaseModel):
    """What the store keeps of a new case: the report in full (the store is access-controlled)
    and the case number Temporal runs it under."""

    case_id: str
    report: ViolationReport


class CaseChanges(CaseHeader):
    """What the store lacks of a case: the case at ``version`` and, by their position in the
    procedure, the steps that changed since ``since_version``, the version the store holds.
    ``since_version`` None: every step, applied over any older version (a full projection).
    """

    since_version: int | None
    steps: dict[int, Step]
    # Events of the case for its subscribers, queued in the same transaction as the change.
    events: list[WebhookEvent] = Field(default_factory=list)


# The store is not at ``since_version``: only a full projection can bring it up to date.
PROJECTION_GAP = "ProjectionGap"


class Projected(BaseModel):
    """The store's answer to changes projected by a local activity. ``gap``: it lacks what
    they build on and wrote nothing, so the workflow sends the whole case. An answer, not an
    error: a local activity's failure reaches the workflow through the codec without its type,
    and a local activity runs again after a worker dies before its marker is recorded, finding
    the store ahead. ``pending``: how many deliveries of their events are pending."""

    gap: bool = False
    pending: int = 0


class Publication(BaseModel):
    """¶11.1/¶13: an approved public statement, already checked for personal data."""

    case_id: str
    step_key: str
    clause: str
    text: str
    approved_by: str
    approved_at: AwareDatetime
