"""The report → first ¶10.1 notice delay kept on the case (``first_notice_seconds``, written
with ``first_notice_at``) and indexed with the report's date and region, so the supervisor board
reads recent delays sorted from an index instead of computing one per case (see
BENCHMARKS.md). Existing cases get theirs from their timestamps. The delay indexes of 0003
(on ``first_notice_at``) are replaced.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_INDEXES = {
    "ix_case_received_first_notice": ["received_at", "first_notice_seconds"],
    "ix_case_region_received_first_notice": ["region", "received_at", "first_notice_seconds"],
}
OLD_INDEXES = {
    "ix_case_first_notice": ["first_notice_at", "received_at"],
    "ix_case_region_first_notice": ["region", "first_notice_at", "received_at"],
}
# first_notice_at - received_at in seconds, as store.outbox.seconds_between writes it.
DELAY = {
    "postgresql": "EXTRACT(EPOCH FROM first_notice_at - received_at)",
    "sqlite": "round((julianday(first_notice_at) - julianday(received_at)) * 86400.0, 3)",
}


def upgrade() -> None:
    op.add_column("case", sa.Column("first_notice_seconds", sa.Float(), nullable=True))
    delay = DELAY[op.get_context().dialect.name]
    op.execute(f'UPDATE "case" SET first_notice_seconds = {delay} '
               "WHERE first_notice_at IS NOT NULL")
    for name in OLD_INDEXES:
        op.drop_index(name, table_name="case")
    for name, columns in NEW_INDEXES.items():
        op.create_index(name, "case", columns)


def downgrade() -> None:
    for name in NEW_INDEXES:
        op.drop_index(name, table_name="case")
    for name, columns in OLD_INDEXES.items():
        op.create_index(name, "case", columns)
    op.drop_column("case", "first_notice_seconds")
