"""Appeals and complaints (¶6.2) under the Administrative Procedural Code of the Republic of
Kazakhstan (2020): the intake contract, the legal terms, and what people record on the way.

Every validation error names the field and the reason, as for reports. The applicant's name
and contact are personal data: encrypted in Temporal (the codec does it for payloads), kept in
the access-controlled store, never in ids, search attributes, notices to third parties or logs.
"""

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from schemas.activities import EMAIL_PATTERN
from schemas.case import Actor, CaseView
from schemas.districts import KATO_CODE
from schemas.outcomes import Completion
from schemas.policy import Deadline, Span, working_days
from schemas.regions import Region
from schemas.report import (
    ADULT_AGE,
    AllegedViolator,
    Category,
    Child,
    age_on,
    district_of_the_region,
    received_not_in_future,
)

# ¶6.2 is the mandate every appeal step cites beside the Code's article.
MANDATE = "¶6.2"
# An appeal's number, e.g. AKT-A-2026-000001 (a case's has no "-A-").
APPEAL_NUMBER = r"^[A-Z]{3}-A-\d{4}-\d{6,}$"


def is_appeal_number(number: str) -> bool:
    """Whether ``number`` is an appeal's (else it is a case's)."""
    return re.fullmatch(APPEAL_NUMBER, number) is not None


class AppealKind(StrEnum):
    APPEAL = "appeal"  # about a violation of a child's rights
    COMPLAINT = "complaint"  # about a decision, action or inaction of a local executive body


class AppealChannel(StrEnum):
    """Where the appeal came from: e-Otinish (its registration number is the external
    reference), helpline 111, the Telegram chat, or the office (walk-in, letter, telephone)."""

    E_OTINISH = "e_otinish"
    HELPLINE_111 = "helpline_111"
    TELEGRAM = "telegram"
    WALK_IN = "walk_in"
    WRITTEN = "written"
    TELEPHONE = "telephone"


class Language(StrEnum):
    KK = "kk"
    RU = "ru"


class ApplicantRelation(StrEnum):
    """Who the applicant is to the child."""

    PARENT = "parent"
    LEGAL_REPRESENTATIVE = "legal_representative"
    RELATIVE = "relative"
    TEACHER = "teacher"
    CHILD_SELF = "child_self"
    OTHER = "other"


class Applicant(BaseModel):
    """Who wrote. Anonymous appeals are registered and triaged; they get no ticket and no
    answer, having no contact. Personal data."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    anonymous: bool = False
    name: str | None = Field(default=None, min_length=2, max_length=200)
    relation: ApplicantRelation | None = None
    email: str | None = Field(default=None, max_length=254,
                              pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()\-]{5,31}$")
    address: str | None = Field(default=None, min_length=5, max_length=300,
                                description="postal address")
    language: Language = Field(default=Language.RU, description="kk or ru: the ticket and "
                                                                "the answer are in it")

    @model_validator(mode="after")
    def _named_with_a_contact_or_anonymous(self) -> Self:
        contact = self.email or self.phone or self.address
        if self.anonymous:
            if self.name or contact:
                raise PydanticCustomError(
                    "anonymous_identified",
                    "an anonymous applicant carries no name, e-mail, phone or address")
            return self
        if not self.name:
            raise PydanticCustomError(
                "name_missing", "name is required unless the applicant is anonymous",
                {"field": "name"})
        if not contact:
            raise PydanticCustomError(
                "contact_missing", "a contact is required (email, phone or address) unless "
                "the applicant is anonymous: the answer must reach them")
        return self


class Violation(BaseModel):
    """What an appeal reports against a child, enough to open a ¶10 case at once."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    threat_to_life_or_health: bool
    alleged_violators: list[AllegedViolator] = Field(min_length=1, max_length=20)


class Appeal(BaseModel):
    """An appeal or a complaint as an integration, the operator form or the CLI submits it.
    ``(channel, external_ref)`` is the idempotency key: the same pair never registers two."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    kind: AppealKind
    channel: AppealChannel
    external_ref: str = Field(
        min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:/\-]+$",
        description="the sender's own reference (e-Otinish: its registration number); "
                    "letters, digits and . _ : / -",
    )
    received_at: AwareDatetime
    region: Region
    district: str = Field(
        min_length=1, max_length=200,
        description="the KATO code of the district, from GET /api/v1/regions/{region}/"
                    "districts", json_schema_extra={"pattern": KATO_CODE},
    )
    applicant: Applicant
    child: Child | None = None
    # A complaint names the local executive body and, if known, the official.
    body: str | None = Field(default=None, min_length=3, max_length=300)
    official: str | None = Field(default=None, max_length=200)
    substance: str = Field(min_length=10, max_length=4000)
    attachments: list[str] = Field(default_factory=list, max_length=50,
                                   description="each attachment's description")
    violation: Violation | None = Field(
        default=None, description="set when the appeal reports a violation against a child: "
                                  "a ¶10 case opens at once (the child is then required)")

    @field_validator("received_at")
    @classmethod
    def _not_in_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        return received_not_in_future(value, info)

    @field_validator("district")
    @classmethod
    def _district_of_the_region(cls, value: str, info: ValidationInfo) -> str:
        return district_of_the_region(value, info)

    @field_validator("attachments")
    @classmethod
    def _attachments_described(cls, value: list[str]) -> list[str]:
        for i, text in enumerate(value):
            if not 1 <= len(text.strip()) <= 300:
                raise PydanticCustomError(
                    "attachment_description",
                    "attachments[{index}]: a description of 1 to 300 characters",
                    {"index": i, "line": i + 1})
        return [t.strip() for t in value]

    @model_validator(mode="after")
    def _kind_child_and_violation_agree(self) -> Self:
        if self.kind == AppealKind.COMPLAINT and not self.body:
            raise PydanticCustomError(
                "complaint_body_missing",
                "body: a complaint names the local executive body it is about", {"field": "body"})
        if self.child is not None:
            received = self.received_at.date()
            if self.child.birth_date > received:
                raise PydanticCustomError("born_after_receipt",
                                          "child.birth_date is after received_at",
                                          {"field": "child.birth_date"})
            if age_on(self.child.birth_date, received) >= ADULT_AGE:
                raise PydanticCustomError(
                    "not_a_minor", "child must be under 18 at received_at (child.birth_date)",
                    {"field": "child.birth_date"})
        if self.violation is not None and self.child is None:
            raise PydanticCustomError(
                "child_missing", "child: an appeal reporting a violation names the child (¶10)",
                {"field": "child"})
        return self


# The legal terms -----------------------------------------------------------------------------


class AppealPolicy(BaseModel):
    """The Code's terms an appeal runs under, in one place, each citing its article; fixed
    when the appeal is registered."""

    # art. 64: registered the day it arrives; after this hour (Almaty) or on a non-working day,
    # on the next working day.
    registration_closes_at: int = Field(default=18, ge=0, le=23)
    # art. 64 / ¶6.2: triaged (within competence or not) within 3 working days of receipt.
    triage: Deadline = Deadline(due=working_days(3), escalate=working_days(4))
    # Forwarded to the competent body within 3 working days of receipt, the applicant told.
    forward: Deadline = Deadline(due=working_days(3), escalate=working_days(4))
    # art. 76: considered within 15 working days of receipt; escalated 2 days past the term.
    consideration: Deadline = Deadline(due=working_days(15), escalate=working_days(17))
    # The supervisor decides the drafted answer (four eyes) within a working day.
    approval: Deadline = Deadline(due=working_days(1), escalate=working_days(2))
    # art. 76: an extension, by a reasoned decision, ends no later than 2 months from receipt.
    extension_limit_months: int = Field(default=2, ge=1, le=2)
    # art. 76: the applicant is told of an extension within 3 working days (we tell at once).
    extension_notice: Span = working_days(3)
    # Whether triage may close unconsidered an anonymous appeal reporting no violation against
    # a child. Default no: the ombudsman acts on information about children's rights whoever
    # gives it (¶6.2), and registering is never refused (art. 64); such an appeal is simply
    # considered without a ticket or an answer, having no contact. An office may choose
    # otherwise; an anonymous appeal about a violation is always considered.
    anonymous_may_close_unconsidered: bool = False


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in range(day.day, 27, -1):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


# What people record ---------------------------------------------------------------------------


class _Outcome(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


class Verdict(StrEnum):
    """The outcome of an appeal."""

    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"
    EXPLAINED = "explained"
    FORWARDED = "forwarded"
    WITHDRAWN = "withdrawn"
    UNCONSIDERED = "unconsidered"  # anonymous, no violation reported, and the policy allows


# What an answer may conclude; forwarded and withdrawn are what the procedure records itself.
ANSWER_VERDICTS = (Verdict.UPHELD, Verdict.PARTLY_UPHELD, Verdict.NOT_UPHELD, Verdict.EXPLAINED)


class TriageOutcome(_Outcome):
    within_competence: bool
    competent_body: str | None = Field(default=None, min_length=3, max_length=300)
    repeated_of: str | None = Field(default=None, max_length=32, pattern=APPEAL_NUMBER,
                                    description="an earlier appeal by the same applicant on "
                                                "the same subject")
    close_unconsidered: bool = Field(
        default=False, description="an anonymous appeal reporting no violation, closed "
                                   "unconsidered (only if the policy allows it)")
    notes: str = Field(default="", max_length=4000)

    @model_validator(mode="after")
    def _body_when_forwarded(self) -> Self:
        if not self.within_competence and not self.close_unconsidered \
                and not self.competent_body:
            raise ValueError("competent_body: name the body the appeal is forwarded to")
        return self


class ForwardOutcome(_Outcome):
    competent_body: str = Field(min_length=3, max_length=300)
    cover_letter: str = Field(min_length=10, max_length=4000)
    outgoing_ref: str = Field(min_length=1, max_length=64)
    sent_at: AwareDatetime
    body_email: str | None = Field(
        default=None, max_length=254, pattern=EMAIL_PATTERN,
        description="the competent body's e-mail: the cover letter is mailed to it")
    body_language: Language = Field(default=Language.RU, description="kk or ru, the letter's")


class AnswerOutcome(_Outcome):
    verdict: Verdict
    text: str = Field(min_length=10, max_length=8000)

    @model_validator(mode="after")
    def _a_verdict_an_answer_gives(self) -> Self:
        if self.verdict not in ANSWER_VERDICTS:
            raise ValueError(f"verdict: an answer concludes one of "
                             f"{', '.join(v.value for v in ANSWER_VERDICTS)}")
        return self


class TriageCompletion(Completion):
    outcome: TriageOutcome


class ForwardCompletion(Completion):
    outcome: ForwardOutcome


class AnswerCompletion(Completion):
    outcome: AnswerOutcome


class Extension(BaseModel):
    """art. 76: the head's reasoned decision to extend the consideration."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    actor: Actor
    reason: str = Field(min_length=10, max_length=2000)
    new_due: date


class Withdrawal(BaseModel):
    """The applicant withdraws the appeal; whoever records it (an operator, e-Otinish)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    actor: Actor
    reason: str = Field(min_length=3, max_length=2000)


class AppealResult(BaseModel):
    """What the appeal came to: the verdict, when it was answered, whether the term was met
    and by how many working days it was missed."""

    verdict: Verdict
    closed_at: AwareDatetime
    due_at: AwareDatetime | None
    term_met: bool
    working_days_late: int = Field(ge=0)


# The workflow's input -------------------------------------------------------------------------


class AppealInput(BaseModel):
    """The workflow's argument: the appeal in full (encrypted by the codec), its number, the
    ¶10 case it opened, who took it, and the terms."""

    appeal_id: str
    appeal: Appeal
    taken_by: str = Field(min_length=1, max_length=140)
    case_id: str | None = None
    policy: AppealPolicy = Field(default_factory=AppealPolicy)
    history_limit: int = Field(default=4000, ge=200)
    carried: CaseView | None = None  # set only by continue-as-new


class RegistrationRequest(BaseModel):
    received_at: AwareDatetime
    closes_at_hour: int


class LatenessRequest(BaseModel):
    due_at: AwareDatetime
    done_at: AwareDatetime


class ApplicantNoticeKind(StrEnum):
    TICKET = "ticket"  # art. 64
    EXTENSION = "extension"  # art. 76
    FORWARDED = "forwarded"
    ANSWER = "answer"  # ¶6.2


class ApplicantNotice(BaseModel):
    """A letter to the applicant. Carries no personal data: the activity reads the contact
    from the store by the appeal's number."""

    idempotency_key: str
    appeal_id: str
    step_key: str
    clause: str
    kind: ApplicantNoticeKind
    registered_at: AwareDatetime | None = None
    taken_by: str | None = None
    due_at: AwareDatetime | None = None
    verdict: Verdict | None = None  # the answer's
    body: str | None = None  # the answer, a reason, the competent body: encrypted in history


class CoverLetter(BaseModel):
    """¶6.2: the cover letter of an appeal forwarded to the competent body, as the case
    worker wrote it, mailed to the body under the appeal's number. The address is an
    institution's; the text is the worker's letter, which the body needs to act."""

    idempotency_key: str
    appeal_id: str
    step_key: str
    clause: str
    to: str
    language: Language
    outgoing_ref: str
    text: str


class ApplicantNoticeResult(BaseModel):
    """``message_id`` None: the applicant gave no e-mail, so nothing was mailed."""

    message_id: str | None
