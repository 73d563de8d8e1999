"""Indexes for the supervisor board and the inbox at 100,000 cases (see BENCHMARKS.md):
time from report to the first ¶10.1 notice, open steps by due date and clause, case lists by
region and date.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_case_first_notice": ("case", ["first_notice_at", "received_at"]),
    "ix_case_region_first_notice": ("case", ["region", "first_notice_at", "received_at"]),
    "ix_case_region_received": ("case", ["region", "received_at"]),
    "ix_step_open_due": ("step", ["status", "due_at", "region", "district", "clause"]),
    "ix_step_status_kind": ("step", ["status", "kind"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
