"""The Bala Qorgau chat's guided report, as a state machine with no I/O: language → region →
district → category → in danger now → child's age → boy or girl → name (optional) →
description → anonymous or a contact → confirm.

``answer()`` takes the conversation and one answer (a button's value or a typed text) and
returns the conversation after it, or the key of the reason it was refused; ``question()`` says
what to ask next and which buttons to offer. The answers (personal data among them) live only
in the store's ``telegram_conversation`` row, which expires and is deleted once submitted.
"""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

from schemas.districts import Districts
from schemas.regions import Region
from schemas.report import (
    AllegedViolator,
    Category,
    Channel,
    Child,
    Relation,
    Reporter,
    Sex,
    ViolationReport,
)

LANGUAGES = ("kk", "ru")
SKIP, YES, NO = "-", "yes", "no"
ANONYMOUS, CONTACT = "anonymous", "contact"
CONFIRM, CANCEL = "confirm", "cancel"
# The name a report needs when the person gave none (Child.full_name is required).
NO_NAME = {"kk": "Аты көрсетілмеген", "ru": "Имя не указано"}


class Ask(StrEnum):
    LANGUAGE = "language"
    REGION = "region"
    DISTRICT = "district"
    CATEGORY = "category"
    DANGER = "danger"
    AGE = "age"
    SEX = "sex"
    NAME = "name"
    DESCRIPTION = "description"
    REPORTER = "reporter"
    CONTACT = "contact"
    CONFIRM = "confirm"
    DONE = "done"


class Conversation(BaseModel):
    """One chat's report in progress."""

    ask: Ask = Ask.LANGUAGE
    language: str = "kk"
    region: Region | None = None
    district: str | None = None
    category: Category | None = None
    in_danger: bool | None = None
    age: int | None = None
    sex: Sex | None = None
    name: str | None = None
    description: str | None = None
    contact: str | None = None  # "name, phone" as typed; None: anonymous


class Question(BaseModel):
    """The next prompt: a locale key, and buttons as (value, label key or literal label)."""

    key: str
    buttons: list[tuple[str, str]] = []


def question(conv: Conversation, districts: Districts) -> Question:
    """What to ask ``conv`` next; button labels are locale keys unless they are names."""
    match conv.ask:
        case Ask.LANGUAGE:
            return Question(key="telegram.ask.language",
                            buttons=[("kk", "Қазақша"), ("ru", "Русский")])
        case Ask.REGION:
            return Question(key="telegram.ask.region",
                            buttons=[(r.value, r.name_in(conv.language)) for r in Region])
        case Ask.DISTRICT:
            assert conv.region is not None
            return Question(key="telegram.ask.district", buttons=[
                (d.code, d.name_in(conv.language)) for d in districts.of_region(conv.region)])
        case Ask.CATEGORY:
            return Question(key="telegram.ask.category",
                            buttons=[(c.value, f"Category.{c.value}") for c in Category])
        case Ask.DANGER:
            return Question(key="telegram.ask.danger",
                            buttons=[(YES, "telegram.yes"), (NO, "telegram.no")])
        case Ask.SEX:
            return Question(key="telegram.ask.sex", buttons=[
                (Sex.FEMALE.value, "telegram.girl"), (Sex.MALE.value, "telegram.boy")])
        case Ask.NAME:
            return Question(key="telegram.ask.name", buttons=[(SKIP, "telegram.skip")])
        case Ask.REPORTER:
            return Question(key="telegram.ask.reporter", buttons=[
                (ANONYMOUS, "telegram.anonymous"), (CONTACT, "telegram.give_contact")])
        case Ask.CONFIRM:
            return Question(key="telegram.ask.confirm", buttons=[
                (CONFIRM, "telegram.send"), (CANCEL, "telegram.cancel")])
        case _:
            return Question(key=f"telegram.ask.{conv.ask.value}")


def answer(conv: Conversation, value: str, districts: Districts) -> Conversation | str:
    """``conv`` after ``value``, or the locale key of why ``value`` does not answer it."""
    value = value.strip()
    update: dict[str, object]
    match conv.ask:
        case Ask.LANGUAGE if value in LANGUAGES:
            update = {"language": value, "ask": Ask.REGION}
        case Ask.REGION if value in set(Region):
            update = {"region": Region(value), "ask": Ask.DISTRICT}
        case Ask.DISTRICT if conv.region and value in {
                d.code for d in districts.of_region(conv.region)}:
            update = {"district": value, "ask": Ask.CATEGORY}
        case Ask.CATEGORY if value in set(Category):
            update = {"category": Category(value), "ask": Ask.DANGER}
        case Ask.DANGER if value in (YES, NO):
            update = {"in_danger": value == YES, "ask": Ask.AGE}
        case Ask.AGE:
            if not value.isdigit() or not 0 <= int(value) <= 17:
                return "telegram.error.age"
            update = {"age": int(value), "ask": Ask.SEX}
        case Ask.SEX if value in set(Sex):
            update = {"sex": Sex(value), "ask": Ask.NAME}
        case Ask.NAME:
            if value != SKIP and not 2 <= len(value) <= 200:
                return "telegram.error.name"
            update = {"name": None if value == SKIP else value, "ask": Ask.DESCRIPTION}
        case Ask.DESCRIPTION:
            if not 10 <= len(value) <= 4000:
                return "telegram.error.description"
            update = {"description": value, "ask": Ask.REPORTER}
        case Ask.REPORTER if value in (ANONYMOUS, CONTACT):
            update = ({"contact": None, "ask": Ask.CONFIRM} if value == ANONYMOUS
                      else {"ask": Ask.CONTACT})
        case Ask.CONTACT:
            if not 5 <= len(value) <= 200:
                return "telegram.error.contact"
            update = {"contact": value, "ask": Ask.CONFIRM}
        case Ask.CONFIRM if value in (CONFIRM, CANCEL):
            update = {"ask": Ask.DONE if value == CONFIRM else Ask.LANGUAGE}
        case _:
            return "telegram.error.choose"
    return conv.model_copy(update=update)


def report_of(conv: Conversation, *, external_ref: str, received_at: datetime) -> ViolationReport:
    """The report a confirmed conversation makes. The child's birth date is the earliest one
    the age allows (so the report's "under 18" holds), the alleged violator unknown; a
    contact is kept as the reporter's name, as typed."""
    assert conv.region and conv.district and conv.category and conv.description
    assert conv.age is not None and conv.sex is not None and conv.in_danger is not None
    born = _next_day(_years_before(received_at.date(), conv.age + 1))
    return ViolationReport(
        channel=Channel.TELEGRAM, external_ref=external_ref, received_at=received_at,
        region=conv.region, district=conv.district,
        child=Child(full_name=conv.name or NO_NAME[conv.language],
                    birth_date=born, sex=conv.sex),
        alleged_violators=[AllegedViolator(relation=Relation.UNKNOWN, lives_with_child=False)],
        category=conv.category, threat_to_life_or_health=conv.in_danger,
        description=conv.description,
        reporter=(Reporter(anonymous=False, name=conv.contact) if conv.contact
                  else Reporter(anonymous=True)),
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)
