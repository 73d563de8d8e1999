"""The district directory at the edges: reading the file, and the ``resolve_district`` activity.

The bundled ``data/districts.json`` is written from the KATO classifier's structure without
its current edition; a deployment points ``Settings.districts_file`` at the official one.
Loading validates the whole file (every region, no code twice), so a broken directory stops
the worker or the web app at start-up, not at a region's first report.
"""

from functools import cache
from importlib import resources
from pathlib import Path

from temporalio import activity

from schemas.activities import LegacyDistrict
from schemas.districts import Districts

_BUNDLED = "data/districts.json"


@cache
def load_districts(path: Path | None = None) -> Districts:
    """Read and validate ``path``, or the bundled directory when ``path`` is None; once per
    process and path (the directory is read-only while the process runs)."""
    if path is None:
        text = resources.files("activities").joinpath(_BUNDLED).read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return Districts.model_validate_json(text)


class DistrictActivities:
    def __init__(self, districts: Districts) -> None:
        self._districts = districts

    @activity.defn(name="resolve_district")
    def resolve_district(self, legacy: LegacyDistrict) -> str:
        """The code for a district stored as free text before districts were codes (a running
        case's search attribute is upserted to it); the same mapping as migration 0005."""
        return self._districts.resolve(legacy.region, legacy.text)
