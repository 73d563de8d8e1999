"""What a person records when completing a task: one outcome model per task kind.

Each ``*Completion`` is the argument of one workflow update (named in its step's spec,
``schemas/procedure.py``); the update's validator checks who may act, and the model checks
the facts themselves.
"""

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from schemas.case import Actor
from schemas.stripped import stripped_lengths


class _Outcome(BaseModel):
    # A yes or no is JSON's true or false, not 0, 1 or "yes" (pydantic's lax mode takes them).
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid",
                              json_schema_extra=stripped_lengths)


# ¶10.2 -----------------------------------------------------------------------------------


class TalkParty(StrEnum):
    PARENT = "parent"
    LEGAL_REPRESENTATIVE = "legal_representative"
    ALLEGED_VIOLATOR = "alleged_violator"
    OTHER = "other"


class Talk(_Outcome):
    party: TalkParty
    held_at: AwareDatetime
    responsibility_explained: StrictBool = Field(
        description="¶10.2: their responsibility under the law was explained"
    )

    @model_validator(mode="after")
    def _responsibility(self) -> Self:
        if not self.responsibility_explained:
            raise PydanticCustomError(
                "responsibility_not_explained",
                "¶10.2 requires explaining their responsibility under the law")
        return self


class PreventiveTalkOutcome(_Outcome):
    talks: list[Talk] = Field(min_length=1, max_length=20)
    notes: str = Field(default="", max_length=4000)


# ¶11: the police answer --------------------------------------------------------------------


class PoliceDecisionOutcome(_Outcome):
    confirmed: StrictBool
    police_reference: str = Field(min_length=3, max_length=64, pattern=r"^[\w./\-№ ]+$")
    decided_at: AwareDatetime
    notes: str = Field(default="", max_length=4000)


# ¶11.2 ------------------------------------------------------------------------------------


class SafetyAssessmentOutcome(_Outcome):
    child_in_danger: StrictBool
    measures: list[str] = Field(default_factory=list, max_length=20)
    notes: str = Field(default="", max_length=4000)

    @model_validator(mode="after")
    def _measures_when_in_danger(self) -> Self:
        if self.child_in_danger and not self.measures:
            raise PydanticCustomError(
                "measures_missing",
                "¶11.2: list the safety measures taken when the child is in danger")
        return self


# ¶11.7 ------------------------------------------------------------------------------------


class FacilityType(StrEnum):
    MEDICAL_ORGANISATION = "medical_organisation"
    ADAPTATION_CENTRE = "adaptation_centre"
    CHILD_SUPPORT_CENTRE = "child_support_centre"
    CRISIS_CENTRE = "crisis_centre"


class SafePlacementOutcome(_Outcome):
    facility_type: FacilityType
    facility_name: str = Field(min_length=2, max_length=200)
    placed_at: AwareDatetime
    delivered_to_police: StrictBool
    delivered_separately_from_suspect: StrictBool | None = None

    @model_validator(mode="after")
    def _separate_delivery(self) -> Self:
        if self.delivered_to_police and self.delivered_separately_from_suspect is None:
            raise PydanticCustomError(
                "separate_delivery_missing",
                "¶11.7: record whether the child was delivered separately from the suspect")
        return self


class KdnDecisionKind(StrEnum):
    RETURN_TO_FAMILY = "return_to_family"
    GUARDIANSHIP = "guardianship"
    FOSTER_FAMILY = "foster_family"
    CHILD_PROTECTION_ORGANISATION = "child_protection_organisation"
    OTHER = "other"


class KdnDecisionOutcome(_Outcome):
    decision: KdnDecisionKind
    kdn_reference: str = Field(min_length=3, max_length=64)
    decided_at: AwareDatetime
    notes: str = Field(default="", max_length=4000)


# ¶11.3 ------------------------------------------------------------------------------------


class PlanItem(_Outcome):
    action: str = Field(min_length=3, max_length=500)
    owner: str = Field(min_length=2, max_length=200, description="organisation or official")
    due: date


class PsychologicalSupportOutcome(_Outcome):
    education_organisation: str = Field(min_length=2, max_length=300)
    assessment: str = Field(min_length=10, max_length=4000)
    legal_consultation_held: StrictBool
    plan: list[PlanItem] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _consultation(self) -> Self:
        if not self.legal_consultation_held:
            raise PydanticCustomError(
                "no_legal_consultation",
                "¶11.3 requires a legal consultation on the child's rights and duties")
        return self


class PlanReviewOutcome(_Outcome):
    items_done: list[int] = Field(
        default_factory=list, description="indexes (from 0) of plan items now done"
    )
    notes: str = Field(default="", max_length=4000)


# ¶11.4, ¶11.5 -----------------------------------------------------------------------------


class Decision(_Outcome):
    text: str = Field(min_length=3, max_length=1000)
    owner: str = Field(min_length=2, max_length=200)
    due: date


class CoordinationMeetingOutcome(_Outcome):
    held_at: AwareDatetime
    attendees: list[str] = Field(min_length=2, max_length=50, description="bodies represented")
    decisions: list[Decision] = Field(min_length=1, max_length=50)


class InspectionOutcome(_Outcome):
    held_at: AwareDatetime
    inspecting_body: str = Field(min_length=2, max_length=200)
    findings: str = Field(min_length=3, max_length=4000)


# ¶11.6, ¶11.1/¶13, closure ----------------------------------------------------------------


class Addressee(StrEnum):
    """State bodies a recommendation can go to (¶11.6), keys of the authority directory."""

    AKIMAT = "akimat"
    GUARDIANSHIP = "guardianship"
    POLICE = "police"
    COMMITTEE = "committee"


class RecommendationsOutcome(_Outcome):
    addressee: Addressee
    official: str = Field(default="", max_length=200)
    text: str = Field(min_length=20, max_length=8000)


class PublicStatementOutcome(_Outcome):
    text: str = Field(min_length=20, max_length=4000)


class ClosureOutcome(_Outcome):
    summary: str = Field(min_length=10, max_length=4000)


class ApprovalOutcome(_Outcome):
    approved: StrictBool
    reason: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _reason_on_reject(self) -> Self:
        if not self.approved and not self.reason:
            raise PydanticCustomError("reason_missing", "a reason is required to reject")
        return self


# Update arguments -------------------------------------------------------------------------


class Completion(BaseModel):
    """Who completes which task. ``task_key`` is the step key within the case."""

    actor: Actor
    task_key: str = Field(min_length=1, max_length=100)


class PreventiveTalkCompletion(Completion):
    outcome: PreventiveTalkOutcome


class PoliceDecisionCompletion(Completion):
    outcome: PoliceDecisionOutcome


class SafetyAssessmentCompletion(Completion):
    outcome: SafetyAssessmentOutcome


class SafePlacementCompletion(Completion):
    outcome: SafePlacementOutcome


class KdnDecisionCompletion(Completion):
    outcome: KdnDecisionOutcome


class PsychologicalSupportCompletion(Completion):
    outcome: PsychologicalSupportOutcome


class PlanReviewCompletion(Completion):
    outcome: PlanReviewOutcome


class CoordinationMeetingCompletion(Completion):
    outcome: CoordinationMeetingOutcome


class InspectionRecord(BaseModel):
    """¶11.5 inspections are recorded whenever they happen: not a task, so no task key."""

    actor: Actor
    outcome: InspectionOutcome


class RecommendationsCompletion(Completion):
    outcome: RecommendationsOutcome


class PublicStatementCompletion(Completion):
    outcome: PublicStatementOutcome


class ClosureCompletion(Completion):
    outcome: ClosureOutcome


class ApprovalCompletion(Completion):
    outcome: ApprovalOutcome
