"""The intake contract: a report of a violation of a child's rights (Order 149, ¶10).

Every validation error names the field and the reason, so an integration (helpline 111,
the Telegram chat, a school, the police) can fix its message without calling anyone.
"""

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from schemas.districts import KATO_CODE, Districts
from schemas.regions import Region
from schemas.stripped import stripped_lengths

# Clock skew tolerated between an integration and us before a report counts as "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)
ADULT_AGE = 18
# Validation-context keys: the intake time (ViolationReport._not_in_future) and the loaded
# district directory (ViolationReport._district_of_the_region).
INTAKE_NOW = "now"
DISTRICTS = "districts"


class Channel(StrEnum):
    """Where the report came from (seed 003 names the channels)."""

    HELPLINE_111 = "helpline_111"
    TELEGRAM = "telegram"
    SCHOOL = "school"
    CHILD_REPRESENTATIVE = "child_representative"
    PARENT = "parent"
    POLICE = "police"
    MEDIA = "media"
    WALK_IN = "walk_in"
    OTHER = "other"


class Category(StrEnum):
    PHYSICAL_VIOLENCE = "physical_violence"
    PSYCHOLOGICAL_VIOLENCE = "psychological_violence"
    SEXUAL_VIOLENCE = "sexual_violence"
    NEGLECT = "neglect"
    CHILD_LABOUR = "child_labour"
    BULLYING = "bullying"
    EDUCATION_ACCESS = "education_access"
    ALIMONY = "alimony"
    OTHER = "other"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Relation(StrEnum):
    """Who the alleged violator is to the child."""

    MOTHER = "mother"
    FATHER = "father"
    STEP_PARENT = "step_parent"
    GUARDIAN = "guardian"
    OTHER_LEGAL_REPRESENTATIVE = "other_legal_representative"
    RELATIVE = "relative"
    TEACHER = "teacher"
    OTHER_ADULT = "other_adult"
    PEER = "peer"
    UNKNOWN = "unknown"


# ¶10.3 speaks of "parents or other legal representatives"; a step-parent is not one in law.
PARENTS_AND_LEGAL_REPRESENTATIVES = frozenset(
    {Relation.MOTHER, Relation.FATHER, Relation.GUARDIAN, Relation.OTHER_LEGAL_REPRESENTATIVE}
)

Text = Annotated[str, Field(min_length=1, max_length=200)]


class Iin(BaseModel):
    """The parts of a valid individual identification number (ЖСН / ИИН)."""

    birth_date: date
    sex: Sex


def parse_iin(iin: str) -> Iin:
    """Check an IIN's form, century/sex digit, date and check digit; raise ValueError if wrong.

    Layout: YYMMDD, a digit 1–6 for century and sex (odd male, even female; 1–2 the 1800s,
    3–4 the 1900s, 5–6 the 2000s), four serial digits, one check digit.
    """
    if len(iin) != 12 or not iin.isdigit():
        raise ValueError("IIN must be exactly 12 digits")
    digits = [int(c) for c in iin]
    century_sex = digits[6]
    if not 1 <= century_sex <= 6:
        raise ValueError("IIN digit 7 (century and sex) must be 1 to 6")
    century = 1800 + 100 * ((century_sex - 1) // 2)
    try:
        born = date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise ValueError("IIN digits 1–6 are not a valid date of birth (YYMMDD)") from None
    check = sum(d * i for i, d in enumerate(digits[:11], start=1)) % 11
    if check == 10:
        weights = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
        check = sum(d * w for d, w in zip(digits[:11], weights, strict=True)) % 11
        if check == 10:
            raise ValueError("IIN cannot have a valid check digit (both weightings give 10)")
    if check != digits[11]:
        raise ValueError("IIN check digit does not match")
    return Iin(birth_date=born, sex=Sex.MALE if century_sex % 2 else Sex.FEMALE)


def age_on(birth_date: date, day: date) -> int:
    """Full years of age on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class Child(BaseModel):
    """The child whose rights are reported violated. Personal data: encrypted in Temporal,
    never logged, never in a notice or a publication."""

    model_config = ConfigDict(str_strip_whitespace=True, json_schema_extra=stripped_lengths)

    full_name: str = Field(min_length=2, max_length=200)
    birth_date: date
    sex: Sex
    iin: str | None = Field(
        default=None, description="12 digits; must agree with birth date and sex"
    )
    school: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _iin_agrees(self) -> Self:
        if self.iin is None:
            return self
        parsed = parse_iin(self.iin)
        if parsed.birth_date != self.birth_date:
            raise ValueError("IIN date of birth does not match birth_date")
        if parsed.sex != self.sex:
            raise ValueError("IIN sex digit does not match sex")
        return self


class AllegedViolator(BaseModel):
    """Who is said to have violated the child's rights; no names are needed for the procedure."""

    relation: Relation
    lives_with_child: StrictBool


class Reporter(BaseModel):
    """Who reported. Anonymous reports are accepted (¶10 applies to any information received)."""

    model_config = ConfigDict(str_strip_whitespace=True, json_schema_extra=stripped_lengths)

    anonymous: StrictBool = False
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()\-]{5,31}$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    @model_validator(mode="after")
    def _named_or_anonymous(self) -> Self:
        if self.anonymous and (self.name or self.phone or self.email):
            raise ValueError("an anonymous reporter carries no name, phone or email")
        if not self.anonymous and not self.name:
            raise ValueError("name is required unless the reporter is anonymous")
        return self


# A valid report for the OpenAPI document (a fictional child; its IIN matches): what /docs
# shows, and what schemathesis sends first.
EXAMPLE_REPORT = {
    "channel": "helpline_111", "external_ref": "111-2026-000042",
    "received_at": "2026-01-15T09:30:00+05:00", "region": "aktobe", "district": "153200000",
    "child": {"full_name": "Example Child", "birth_date": "2014-03-09", "sex": "female",
              "iin": "140309600017"},
    "alleged_violators": [{"relation": "father", "lives_with_child": True}],
    "category": "physical_violence", "threat_to_life_or_health": True,
    "description": "The child came to school with bruises and is afraid to go home.",
    "reporter": {"anonymous": True},
}


def _documented(schema: dict[str, Any]) -> None:
    stripped_lengths(schema)
    schema["examples"] = [EXAMPLE_REPORT]



def received_not_in_future(value: datetime, info: ValidationInfo) -> datetime:
    """Checked only when the caller passes {"now": ...} as validation context (intake does):
    Temporal decodes these models inside the workflow sandbox, where reading the clock is
    forbidden, and what was in the past at intake stays in the past."""
    now = (info.context or {}).get(INTAKE_NOW)
    if isinstance(now, datetime) and value > now + FUTURE_TOLERANCE:
        raise PydanticCustomError("received_in_future", "received_at is in the future")
    return value


def district_of_the_region(value: str, info: ValidationInfo) -> str:
    """Checked only when the caller passes the directory as validation context (intake
    does): the directory is a file a deployment replaces, read at the edges, and the
    workflow sandbox decodes these models (those from before districts were codes, too)
    without it. A district is a code, never free text: it reaches search attributes and
    notices, which are not encrypted."""
    districts = (info.context or {}).get(DISTRICTS)
    region = info.data.get("region")
    if isinstance(districts, Districts) and isinstance(region, Region):
        districts.check(region, value)
    return value

class ViolationReport(BaseModel):
    """A report of a violation of a child's rights, as an integration or the CLI submits it.

    ``(channel, external_ref)`` is the idempotency key: the same pair never opens two cases.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid",
                              json_schema_extra=_documented)

    channel: Channel
    external_ref: str = Field(
        min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:/\-]+$",
        description="the sender's own reference; letters, digits and . _ : / -",
    )
    received_at: AwareDatetime
    region: Region
    district: Text = Field(
        description="the KATO code of the district or city of regional significance, from "
                    "GET /api/v1/regions/{region}/districts (the region's own code: not known)",
        examples=["153200000"], json_schema_extra={"pattern": KATO_CODE},
    )
    child: Child
    alleged_violators: list[AllegedViolator] = Field(min_length=1, max_length=20)
    category: Category
    threat_to_life_or_health: StrictBool
    description: str = Field(min_length=10, max_length=4000)
    reporter: Reporter

    @field_validator("received_at")
    @classmethod
    def _not_in_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        return received_not_in_future(value, info)

    @field_validator("district")
    @classmethod
    def _district_of_the_region(cls, value: str, info: ValidationInfo) -> str:
        return district_of_the_region(value, info)

    @model_validator(mode="after")
    def _child_is_a_minor(self) -> Self:
        received = self.received_at.date()
        if self.child.birth_date > received:
            raise ValueError("child.birth_date is after received_at")
        if age_on(self.child.birth_date, received) >= ADULT_AGE:
            raise ValueError("child must be under 18 at received_at (child.birth_date)")
        return self

    @property
    def cohabiting_parent(self) -> bool:
        """¶10.3 applies: a parent or legal representative living with the child is alleged."""
        return any(
            v.lives_with_child and v.relation in PARENTS_AND_LEGAL_REPRESENTATIVES
            for v in self.alleged_violators
        )
