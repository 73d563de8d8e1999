"""A hand-off's ``work_id`` holds a periodic report's id too (up to 80 characters, as
``report_step.report_id``), not only a case's or an appeal's number.

Revision ID: 0020_handoff_report_ids
Revises: 0019_report_steps
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_handoff_report_ids"
down_revision: str | None = "0019_report_steps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task_handoff") as batch:
        batch.alter_column("work_id", type_=sa.String(length=80),
                           existing_type=sa.String(length=32), existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM task_handoff WHERE length(work_id) > 32")
    with op.batch_alter_table("task_handoff") as batch:
        batch.alter_column("work_id", type_=sa.String(length=32),
                           existing_type=sa.String(length=80), existing_nullable=False)
