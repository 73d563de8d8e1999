"""Periodic reports (¶8, ¶6.1, ¶6.10, monthly control) and the monthly district control rows
the board's trend reads.

Revision ID: 0006_activity_reports
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_TIMESTAMP = sa.DateTime(timezone=True)  # store.models.UtcDateTime stores UTC in it

revision: str = "0006_activity_reports"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activityreport",
        sa.Column("report_id", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("clause", sa.String(32), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("period_label", sa.String(16), nullable=False),
        sa.Column("period_start", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("saved_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("view_json", sa.String(), nullable=False),
    )
    op.create_index("ix_activity_report_region_kind", "activityreport",
                    ["region", "kind", "period_start"])
    op.create_table(
        "districtcontrolmonth",
        sa.Column("report_id", sa.String(80), primary_key=True),
        sa.Column("district", sa.String(200), primary_key=True),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("alarms_registered_late", sa.Integer(), nullable=False),
        sa.Column("tasks_overdue", sa.Integer(), nullable=False),
        sa.Column("plans_not_reviewed_on_time", sa.Integer(), nullable=False),
        sa.Column("reports_without_preventive_talk", sa.Integer(), nullable=False),
    )
    op.create_index("ix_district_control_region_month", "districtcontrolmonth",
                    ["region", "month"])


def downgrade() -> None:
    op.drop_table("districtcontrolmonth")
    op.drop_table("activityreport")
