"""The district directory: every district and city of regional significance of the 20 units,
keyed by its code in the administrative-territorial classifier (KATO), named in kk/ru/en.

A district is chosen from this closed set, never typed: the code is what travels to the
places that are not encrypted (the ``CaseDistrict`` search attribute, notices, the board), and
people read the directory's name in their language. A region's own KATO code stands for
"district not specified" (reports that do not know it, and stored free text no name matched).

Pure: no I/O. ``activities/districts.py`` reads the file (bundled, or the deployment's own);
the report is checked against the loaded directory through pydantic's validation context
(``schemas.report.DISTRICTS``), because Temporal decodes reports inside the workflow sandbox,
where no file can be read and a report accepted at intake must decode again unchanged.
"""

import re
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from pydantic_core import PydanticCustomError

from schemas.regions import Region

KATO_CODE = r"^\d{9}$"
# Where a client finds the valid codes (the API's districts endpoint); said in every refusal.
LISTING = "/api/v1/regions/{region}/districts"


def is_code(district: str) -> bool:
    """Whether ``district`` is shaped as a KATO code (what cases opened before districts were
    codes do not hold: they hold the free text a person typed)."""
    return re.fullmatch(KATO_CODE, district) is not None


class Names(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kk: str = Field(min_length=1, max_length=200)
    ru: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)

    def name_in(self, language: str) -> str:
        """The name in ``kk``, ``ru`` or ``en`` (English for any other language)."""
        return {"kk": self.kk, "ru": self.ru}.get(language, self.en)


class District(Names):
    """A district or a city of regional significance (or a city's district)."""

    code: str = Field(pattern=KATO_CODE, description="the KATO code")


class RegionDistricts(BaseModel):
    """A region's KATO code (standing for "district not specified") and its districts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=KATO_CODE)
    districts: list[District] = Field(min_length=1)


class Districts(BaseModel):
    """The whole directory, as the districts file holds it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(description="where the codes come from")
    unspecified: Names = Field(description="how a region's own code reads")
    regions: dict[Region, RegionDistricts]
    _by_code: dict[str, tuple[Region, District]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _complete_and_unambiguous(self) -> Self:
        problems = [f"region {r.value!r} is missing" for r in Region if r not in self.regions]
        seen: dict[str, Region] = {}
        for region, entry in self.regions.items():
            for code in [entry.code, *(d.code for d in entry.districts)]:
                if code in seen:
                    problems.append(f"code {code} is listed twice ({seen[code].value}, "
                                    f"{region.value})")
                seen[code] = region
                if code[:2] != entry.code[:2]:
                    problems.append(f"code {code} of {region.value} does not open with the "
                                    f"region's {entry.code[:2]}")
        if problems:
            raise ValueError("invalid district directory: " + "; ".join(problems))
        self._by_code = {d.code: (r, d) for r in self.regions for d in self.of_region(r)}
        return self

    def of_region(self, region: Region) -> list[District]:
        """``region``'s districts, "not specified" last."""
        return [*self.regions[region].districts, self.unspecified_in(region)]

    def unspecified_in(self, region: Region) -> District:
        """The entry that stands for "district not specified" in ``region``."""
        return District(code=self.regions[region].code, **self.unspecified.model_dump())

    def find(self, region: Region, code: str) -> District | None:
        """``region``'s district with ``code``, if it is one."""
        owner, district = self._by_code.get(code, (None, None))
        return district if owner == region else None

    def check(self, region: Region, code: str) -> District:
        """The district ``code`` of ``region``; a coded ValueError saying why not and where to
        look (pages translate it by its code).

        The refusal never repeats a value that is not a code: it may be anything a person
        typed, and error bodies get logged by clients.
        """
        found = self.find(region, code)
        if found is not None:
            return found
        where = {"region": region.value, "listing": LISTING.format(region=region.value)}
        owner, _ = self._by_code.get(code, (None, None))
        if owner is not None:
            raise PydanticCustomError(
                "district_of_another_region", "district {code} is in {owner}, not in "
                "{region}; the codes of {region} are at GET {listing}",
                {"code": code, "owner": owner.value, **where})
        raise PydanticCustomError(
            "district_unknown", "not a district code of {region}: give the KATO code of a "
            "district or city, listed at GET {listing}", where)

    def name_in(self, region: Region, code: str, language: str) -> str:
        """What a person reads for ``code`` in ``region``: the directory's name. A value that
        is no code of the region (a case opened before districts were codes) reads as the
        district it names, as ``resolve`` maps it, else "district not specified" — never as
        the value itself."""
        _, district = self._by_code[self.resolve(region, code)]
        return district.name_in(language)

    def resolve(self, region: Region, text: str) -> str:
        """The code of ``region``'s district that ``text`` (stored before districts were
        codes) names: a code of the region, or a name in any of the three languages, compared
        trimmed, case-insensitive and with single spaces; else the "not specified" code."""
        if self.find(region, text.strip()) is not None:
            return text.strip()
        wanted = _folded(text)
        for district in self.regions[region].districts:
            if wanted in {_folded(district.kk), _folded(district.ru), _folded(district.en)}:
                return district.code
        return self.regions[region].code


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()
