"""Districts become codes of the district directory (KATO): a district stored as free text is
mapped to the code of the region's district it names (a code of the region, or its name in
Kazakh, Russian or English, trimmed and case-insensitive), else to the region's own code,
which reads "district not specified". Free text typed into a report reached the search
attributes and the notices; from here on only codes are stored, in the ``case`` and ``step``
columns and in the stored report alike.

The directory is the one the settings name (``OMBUDSFLOW_DISTRICTS_FILE``, else the bundled
one), mapped by ``Districts.resolve``, the function the ``resolve_district`` activity uses for
running cases. There is no way back: the free text is not kept (downgrading leaves codes, which
the older schema holds as well).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from activities.districts import load_districts
from ombudsflow.config import get_settings
from schemas.regions import Region

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {name: sa.table(name, sa.column("region"), sa.column("district"))
          for name in ("case", "step")}
REPORTS = sa.table("case", sa.column("case_id"), sa.column("report_json"))


def upgrade() -> None:
    districts = load_districts(get_settings().districts_file)
    conn = op.get_bind()
    for table in TABLES.values():
        pairs = conn.execute(sa.select(table.c.region, table.c.district).distinct()).all()
        for region, district in pairs:
            code = districts.resolve(Region(region), district)
            if code != district:
                conn.execute(table.update()
                             .where(table.c.region == region, table.c.district == district)
                             .values(district=code))
    for case_id, report_json in conn.execute(sa.select(REPORTS.c.case_id,
                                                       REPORTS.c.report_json)).all():
        try:
            report = json.loads(report_json)
            code = districts.resolve(Region(report["region"]), report["district"])
        except (ValueError, KeyError, TypeError):
            continue  # no stored report (cases projected before intake kept one)
        if code != report["district"]:
            report["district"] = code
            # Written compactly, as pydantic's model_dump_json writes the stored report.
            rewritten = json.dumps(report, ensure_ascii=False, separators=(",", ":"))
            conn.execute(REPORTS.update().where(REPORTS.c.case_id == case_id)
                         .values(report_json=rewritten))


def downgrade() -> None:
    """Nothing to undo: codes are valid districts for the older schema too."""
