"""Why a workflow refused an action, as a code and parameters, never as a sentence.

The workflow speaks no language: a validator raises an ``ApplicationError`` typed by its
``RejectedAction`` (which decides the HTTP status), whose details carry one ``Refusal`` — a
reason from the closed set below, the field it is about and its parameters (closed-set values,
keys, numbers and times; never text a person typed). The web app and the CLI translate it
(``refusal.<reason>`` in ``web/locales``); the message is the code and the parameters, for logs
and the Temporal UI (where the codec has encrypted it anyway).
"""

from enum import StrEnum

from pydantic import BaseModel, Field


class Reason(StrEnum):
    NO_TASK = "no_task"  # task
    WRONG_KIND = "wrong_kind"  # task, kind, expected (kinds joined by ",")
    TASK_CLOSED = "task_closed"  # task, status
    ROLE_MAY_NOT = "role_may_not"  # actor, role, kind, clause
    OTHER_REGION = "other_region"  # actor, region, acts_for ("" nationally)
    NATIONAL_OFFICE_ONLY = "national_office_only"  # clause, actor, acts_for
    REGIONAL_OFFICE_ONLY = "regional_office_only"  # clause, actor
    BEFORE_REPORT = "before_report"  # received
    IN_FUTURE = "in_future"
    PERSONAL_DATA = "personal_data"  # clause, found (PersonalDatum values joined by ",")
    FOUR_EYES_DRAFT = "four_eyes_draft"  # actor
    FOUR_EYES_CASE = "four_eyes_case"  # actor
    PLAN_ITEM_UNKNOWN = "plan_item_unknown"  # item, last
    PLAN_ITEM_DONE = "plan_item_done"  # item
    NOT_AT_STAGE = "not_at_stage"  # stage
    DISTRICT_CODED = "district_coded"
    # ¶6.2 appeals (the Administrative Procedural Code's articles)
    CLOSE_UNCONSIDERED = "close_unconsidered"
    EXTENSION_NOT_CONSIDERING = "extension_not_considering"
    EXTENSION_BEYOND_LIMIT = "extension_beyond_limit"  # months, until
    EXTENSION_NOT_LATER = "extension_not_later"  # current
    WITHDRAWAL_ROLE = "withdrawal_role"  # actor, role
    APPEAL_CLOSED = "appeal_closed"
    # ¶8, ¶6.1, ¶6.10 periodic reports
    REPORT_NOT_AT_STATUS = "report_not_at_status"  # clause
    REPORT_ROLE = "report_role"  # actor, role, clause
    BRIEFING_IDENTIFIERS = "briefing_identifiers"


class PersonalDatum(StrEnum):
    """What of the child's identity a published text named (``schemas/privacy.py``)."""

    NAME = "name"
    IIN = "iin"
    BIRTH_DATE = "birth_date"
    SCHOOL = "school"
    ADDRESS = "address"


class Refusal(BaseModel):
    """One refusal: ``field`` is the outcome's dotted path it is about (``talks[].held_at``),
    None for the action as a whole."""

    reason: Reason
    field: str | None = None
    params: dict[str, str] = Field(default_factory=dict)

    def message(self) -> str:
        """The code and its parameters: what logs and the Temporal UI show."""
        named = f"{self.field}: " if self.field else ""
        params = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{named}{self.reason.value}" + (f" ({params})" if params else "")
