"""Every word the web app shows, in Kazakh (the default), Russian and English.

Labels and messages live in ``web/locales/{kk,ru,en}.json`` under flat keys; step titles and
region names come from the catalogues in ``schemas``, district names from the district
directory, so each is written down exactly once.
Enumerations are looked up as ``<EnumName>.<value>`` (``StepStatus.open``, ``TalkParty.parent``).
"""

import json
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from ombudsflow import local_time as clock
from schemas.districts import Districts
from schemas.procedure import title_of
from schemas.regions import Region
from schemas.steps import StepKind

LANGUAGES = ("kk", "ru", "en")
DEFAULT_LANGUAGE = "kk"
LOCALES = Path(__file__).parent / "locales"


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

    def district(self, region: Region | str, code: str) -> str:
        """The directory's name of district ``code``; never the stored value itself (a case
        opened before districts were codes reads "district not specified")."""
        return self._districts.name_in(Region(region), code, self.language)


def local_time(moment: datetime | None) -> str:
    """``moment`` on Kazakhstan's clock, as people there read it (as in the notices, with the
    offset); empty for None."""
    return clock.local_time(moment) if moment else ""


def duration_text(seconds: float) -> str:
    """A span of ``seconds`` as ``h:mm:ss``, read the same in every language."""
    whole = abs(round(seconds))
    sign = "-" if seconds < 0 else ""
    return f"{sign}{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
