"""Every word the web app shows, in Kazakh (the default), Russian and English.

Labels and messages live in ``web/locales/{kk,ru,en}.json`` under flat keys; step titles and
region names come from the catalogues in ``schemas``, district names from the district
directory, so each is written down exactly once.
Enumerations are looked up as ``<EnumName>.<value>`` (``StepStatus.open``, ``TalkParty.parent``).
"""

import json
import re
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from ombudsflow import local_time as clock
from ombudsflow.constants import LANGUAGES
from schemas.case import Stage, StepStatus
from schemas.districts import Districts
from schemas.procedure import kind_of_key, title_of
from schemas.refusals import PersonalDatum, Refusal
from schemas.regions import Region
from schemas.steps import Role, StepKind
from web.dates import shown_day

DEFAULT_LANGUAGE = "kk"
LOCALES = Path(__file__).parent / "locales"
# The notes the workflow writes on a step (a closed set of sentences, as running cases hold
# them), by their locale key; a draft sent back is noted "rejected: <the supervisor's words>".
STEP_NOTES = {
    "no parent or legal representative living with the child is alleged":
        "step_note.no_cohabiting_parent",
    "the ¶11.2 assessment found no danger": "step_note.no_danger",
    "facts not confirmed by the police: ¶11 measures do not apply":
        "step_note.not_confirmed",
}
SENT_BACK = "rejected: "
# A clause label is the Order's clauses ("¶10.1", "¶10–¶11", written the same in every
# language) and a code's articles ("APPC art. 76"), joined by ", ": the codes are translated.
ARTICLE = re.compile(r"(?P<code>[A-Z]+)(?: art\. (?P<article>\d+))?")


@cache
def catalogue(language: str) -> dict[str, str]:
    """The labels of ``language``, read once per process."""
    loaded: dict[str, str] = json.loads((LOCALES / f"{language}.json").read_text("utf-8"))
    return loaded


def language_of(requested: str | None) -> str:
    """``requested`` if it is one of ours, else Kazakh."""
    return requested if requested in LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """The labels of one language, called from templates as ``t("key", name=value)``."""

    def __init__(self, language: str, *, districts: Districts) -> None:
        self.language = language_of(language)
        self._labels = catalogue(self.language)
        self._districts = districts

    def __call__(self, key: str, **params: Any) -> str:
        # A missing key shows itself rather than failing the page; the locale test forbids it.
        text = self._labels.get(key, key)
        return text.format_map(params) if params else text

    def has(self, key: str) -> bool:
        return key in self._labels

    def enum(self, value: StrEnum) -> str:
        return self(f"{type(value).__name__}.{value.value}")

    def step(self, kind: StepKind | str) -> str:
        return title_of(StepKind(kind), self.language)

    def region(self, region: Region | str) -> str:
        return Region(region).name_in(self.language)

    def clause(self, label: str | None) -> str:
        """A clause label in this language: "¶6.2, APPC art. 76" reads "¶6.2, ӘРПК 76-бап"
        in Kazakh; the Order's own clauses (¶…) stay as they are; empty for None."""
        return ", ".join(self._clause_part(part) for part in (label or "").split(", ") if part)

    def _clause_part(self, part: str) -> str:
        cited = ARTICLE.fullmatch(part)
        if cited is None:
            return part
        code = self(f"code.{cited['code']}")
        article = cited["article"]
        return self("clause.article", code=code, article=article) if article else code

    def when(self, moment: datetime | None) -> str:
        """``moment`` on Kazakhstan's clock with its offset, the date as the language writes
        it: 30.11.2026 19:05 (UTC+05:00) in Kazakh and Russian, 2026-11-30 … in English;
        empty for None."""
        if moment is None:
            return ""
        shown = clock.local_time(moment)
        if self.language == "en":
            return shown
        day, rest = shown.split(" ", 1)
        return f"{self.day(date.fromisoformat(day))} {rest}"

    def day(self, value: date | None) -> str:
        """A date as the language writes it: dd.mm.yyyy in Kazakh and Russian."""
        if value is None:
            return ""
        return value.isoformat() if self.language == "en" else shown_day(value)

    def period(self, label: str) -> str:
        """A report's period as people name it: its label (2026-H2, 2026-11, 2027) is a code."""
        year, _, part = label.partition("-")
        if not part:
            return self("period.year", year=year)
        if part.startswith("H"):
            return self("period.half", year=year, half=part[1:])
        return self("period.month", year=year, month=self(f"month.{int(part)}"))

    def duration(self, seconds: float) -> str:
        """A span as people say it, in its two largest units: "3 min", "2 d 4 h"."""
        whole = abs(round(seconds))
        parts = [(whole // 86400, "d"), (whole % 86400 // 3600, "h"),
                 (whole % 3600 // 60, "min"), (whole % 60, "s")]
        first = next((i for i, (n, _) in enumerate(parts) if n), len(parts) - 1)
        shown = [self(f"duration.{unit}", n=n) for n, unit in parts[first:first + 2] if n]
        return ("-" if seconds < 0 else "") + (" ".join(shown) or self("duration.s", n=0))

    def step_named(self, step_key: str) -> str:
        """The step under ``step_key`` by its title (an approval: "Approval: <draft>"); the
        key itself only if it names no kind."""
        kind = kind_of_key(step_key)
        if kind is None:
            return step_key
        if ".approval-" in step_key:
            return f"{self.step(StepKind.APPROVAL)}: {self.step(kind)}"
        return self.step(kind)

    def note(self, note: str | None) -> str:
        """A step's note in this language; a supervisor's reason stays in their words."""
        if not note:
            return ""
        if note.startswith(SENT_BACK):
            return self("step_note.sent_back", reason=note.removeprefix(SENT_BACK))
        return self(STEP_NOTES[note]) if note in STEP_NOTES else note

    def refusal(self, refusal: Refusal) -> str:
        """A workflow's refusal in this language, its parameters named as people name them."""
        return self(f"refusal.{refusal.reason.value}",
                    **{name: self.param(name, value) for name, value in refusal.params.items()})

    def param(self, name: str, value: str) -> str:
        """One parameter of a refusal or a history line, by what its name says it holds:
        closed-set values become words, times Almaty's clock; the rest (keys of people,
        clauses, numbers, a person's own words) is shown as it is."""
        if name in ("task", "step", "subject"):
            return self.step_named(value)
        if name == "kind":
            return self.step(value)
        if name == "expected":
            return " / ".join(self.step(k) for k in value.split(","))
        if name == "status":
            return self.enum(StepStatus(value))
        if name == "stage":
            return self.enum(Stage(value))
        if name == "role":
            return self.enum(Role(value))
        if name in ("region", "acts_for"):
            return self.region(value) if value else self("refusal.national")
        if name == "recipient":
            return self(f"Recipient.{value}")
        if name == "found":
            return ", ".join(self.enum(PersonalDatum(v)) for v in value.split(","))
        if name == "clause":
            return self.clause(value)
        if name in ("received", "at"):
            return self.when(datetime.fromisoformat(value))
        return value

    def district(self, region: Region | str, code: str) -> str:
        """The directory's name of district ``code``; never the stored value itself (a case
        opened before districts were codes reads "district not specified")."""
        return self._districts.name_in(Region(region), code, self.language)
