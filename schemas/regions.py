"""The 20 administrative units a regional ombudsman serves: 17 oblasts and 3 cities.

Each unit has a three-letter code used in case numbers (``AKT-2026-000123``) and its
name in Kazakh, Russian and English.
"""

from enum import StrEnum
from typing import NamedTuple


class Region(StrEnum):
    """An oblast or a city of republican significance (the capital included)."""

    ABAI = "abai"
    AKMOLA = "akmola"
    AKTOBE = "aktobe"
    ALMATY_REGION = "almaty_region"
    ATYRAU = "atyrau"
    EAST_KAZAKHSTAN = "east_kazakhstan"
    ZHAMBYL = "zhambyl"
    ZHETISU = "zhetisu"
    WEST_KAZAKHSTAN = "west_kazakhstan"
    KARAGANDA = "karaganda"
    KOSTANAY = "kostanay"
    KYZYLORDA = "kyzylorda"
    MANGYSTAU = "mangystau"
    PAVLODAR = "pavlodar"
    NORTH_KAZAKHSTAN = "north_kazakhstan"
    TURKESTAN = "turkestan"
    ULYTAU = "ulytau"
    ASTANA = "astana"
    ALMATY = "almaty"
    SHYMKENT = "shymkent"

    @property
    def code(self) -> str:
        """The three-letter code that opens this unit's case numbers."""
        return REGION_INFO[self].code

    @classmethod
    def from_code(cls, code: str) -> "Region | None":
        """The unit whose case numbers open with ``code`` (e.g. ``AKT``), if any."""
        return _BY_CODE.get(code)

    @classmethod
    def of_case(cls, case_id: str) -> "Region | None":
        """The unit a case number (``AKT-2026-000123``) belongs to."""
        return cls.from_code(case_id.partition("-")[0])

    def name_in(self, language: str) -> str:
        """The unit's name in ``kk``, ``ru`` or ``en``."""
        info = REGION_INFO[self]
        return {"kk": info.kk, "ru": info.ru}.get(language, info.en)


class RegionInfo(NamedTuple):
    code: str
    kk: str
    ru: str
    en: str


REGION_INFO: dict[Region, RegionInfo] = {
    Region.ABAI: RegionInfo("ABA", "Абай облысы", "Абайская область", "Abai Region"),
    Region.AKMOLA: RegionInfo("AKM", "Ақмола облысы", "Акмолинская область", "Akmola Region"),
    Region.AKTOBE: RegionInfo("AKT", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region"),
    Region.ALMATY_REGION: RegionInfo(
        "ALM", "Алматы облысы", "Алматинская область", "Almaty Region"
    ),
    Region.ATYRAU: RegionInfo("ATY", "Атырау облысы", "Атырауская область", "Atyrau Region"),
    Region.EAST_KAZAKHSTAN: RegionInfo(
        "VKO", "Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "East Kazakhstan Region"
    ),
    Region.ZHAMBYL: RegionInfo("ZHA", "Жамбыл облысы", "Жамбылская область", "Zhambyl Region"),
    Region.ZHETISU: RegionInfo("ZHE", "Жетісу облысы", "Жетысуская область", "Zhetisu Region"),
    Region.WEST_KAZAKHSTAN: RegionInfo(
        "ZKO", "Батыс Қазақстан облысы", "Западно-Казахстанская область", "West Kazakhstan Region"
    ),
    Region.KARAGANDA: RegionInfo(
        "KAR", "Қарағанды облысы", "Карагандинская область", "Karaganda Region"
    ),
    Region.KOSTANAY: RegionInfo(
        "KOS", "Қостанай облысы", "Костанайская область", "Kostanay Region"
    ),
    Region.KYZYLORDA: RegionInfo(
        "KZO", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"
    ),
    Region.MANGYSTAU: RegionInfo(
        "MAN", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region"
    ),
    Region.PAVLODAR: RegionInfo(
        "PAV", "Павлодар облысы", "Павлодарская область", "Pavlodar Region"
    ),
    Region.NORTH_KAZAKHSTAN: RegionInfo(
        "SKO", "Солтүстік Қазақстан облысы", "Северо-Казахстанская область",
        "North Kazakhstan Region",
    ),
    Region.TURKESTAN: RegionInfo(
        "TUR", "Түркістан облысы", "Туркестанская область", "Turkestan Region"
    ),
    Region.ULYTAU: RegionInfo("ULY", "Ұлытау облысы", "Улытауская область", "Ulytau Region"),
    Region.ASTANA: RegionInfo("AST", "Астана қаласы", "город Астана", "Astana city"),
    Region.ALMATY: RegionInfo("ALA", "Алматы қаласы", "город Алматы", "Almaty city"),
    Region.SHYMKENT: RegionInfo("SHY", "Шымкент қаласы", "город Шымкент", "Shymkent city"),
}
_BY_CODE = {info.code: region for region, info in REGION_INFO.items()}
