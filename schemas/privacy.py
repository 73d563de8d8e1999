"""The guard that keeps a child's identity out of anything published or sent (¶11.1, ¶13).

Pure functions, no I/O: the workflow's update validators call them before a public statement
or a recommendation text enters the history.
"""

import re
from datetime import date

from schemas.refusals import PersonalDatum
from schemas.report import Child

# Name parts shorter than this are too common to be identifying on their own ("Ли", "Ан").
MIN_NAME_PART = 3

# Cyrillic letters that Kazakh adds to Russian's, and their Russian stand-ins: the same name is
# spelt both ways ("Әлия"/"Алия", "Нұрлан"/"Нурлан"), so both must be caught.
_KK_TO_RU = str.maketrans("әғқңөұүһі", "агкноуухи")


def _fold(text: str) -> str:
    return text.casefold().translate(_KK_TO_RU).replace("ё", "е")


def _date_patterns(d: date) -> list[str]:
    return [
        d.strftime("%d.%m.%Y"), d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y"),
        d.strftime("%d.%m.%y"), d.strftime("%d-%m-%Y"),
    ]


def personal_data_in(text: str, child: Child) -> list[PersonalDatum]:
    """The kinds of the child's personal data found in ``text`` (empty when clean)."""
    folded = _fold(text)
    words = set(re.findall(r"\w+", folded))
    found: list[PersonalDatum] = []
    if any(part in words for part in _name_parts(child.full_name)):
        found.append(PersonalDatum.NAME)
    digits = re.sub(r"\D", "", text)
    if child.iin and child.iin in digits:
        found.append(PersonalDatum.IIN)
    if any(p in text for p in _date_patterns(child.birth_date)):
        found.append(PersonalDatum.BIRTH_DATE)
    for datum, value in ((PersonalDatum.SCHOOL, child.school),
                         (PersonalDatum.ADDRESS, child.address)):
        if value and _fold(value) in folded:
            found.append(datum)
    return found


def _name_parts(full_name: str) -> set[str]:
    return {p for p in re.findall(r"\w+", _fold(full_name)) if len(p) >= MIN_NAME_PART}


# An IIN (12 digits, the first six a birth date) or a date written out: what identifies a
# person in a text meant for the public when no particular child is known to check against.
_IIN = re.compile(r"(?<!\d)\d{6}[0-6]\d{5}(?!\d)")
_DATE = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?!\d)")
# A date at least this many years back, and less than 18, may be a child's birth date; a
# recent one (the briefing's own, an event of the half-year) is not.
CHILDHOOD_YEARS = range(1, 18)


def identifiers_in(text: str, today: date) -> list[str]:
    """The kinds of personal identifier found in a public text about no one case (a ¶6.10
    briefing summary): IIN-like numbers, and dates that may be a child's birth date."""
    found = []
    if _IIN.search(re.sub(r"[\s-]", "", text)):
        found.append("an IIN")
    for day, month, year in _DATE.findall(text):
        try:
            written = date(int(year), int(month), int(day))
        except ValueError:
            continue
        if (today - written).days // 365 in CHILDHOOD_YEARS:
            found.append("a date that may be a child's birth date")
            break
    return found
