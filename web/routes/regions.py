"""The district directory, for the pages and for integrations: which codes a report's
``district`` may take. Public reference data (the classifier is published), so anyone may
read it, signed in or not."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from schemas.regions import Region
from web.deps import ServicesDep

router = APIRouter(prefix="/regions", tags=["regions"])


class DistrictEntry(BaseModel):
    code: str = Field(description="the KATO code, the value of a report's district",
                      examples=["153200000"])
    kk: str
    ru: str
    en: str
    unspecified: bool = Field(description="the region's own code: district not known")


@router.get("/{region}/districts")
async def list_districts(region: Region, svc: ServicesDep) -> list[DistrictEntry]:
    """Every district and city of regional significance of ``region``, with its KATO code
    and names; the last entry is the region's own code, for a district not known."""
    unspecified = svc.districts.unspecified_in(region).code
    return [DistrictEntry(code=d.code, kk=d.kk, ru=d.ru, en=d.en,
                          unspecified=d.code == unspecified)
            for d in svc.districts.of_region(region)]
