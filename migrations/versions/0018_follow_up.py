"""A task's follow-up date: its holder puts it out of their inbox's default view until that
day (Almaty's calendar) and is reminded then. On both task tables, the cases' and the ¶6.2
appeals'.

Revision ID: 0018_follow_up
Revises: 0017_task_handoffs
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_follow_up"
down_revision: str | None = "0017_task_handoffs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("step", "appeal_step")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("follow_up_on", sa.Date(), nullable=True))
        # The morning's reminders find the day's follow-ups by this index.
        op.create_index(f"ix_{table}_follow_up_on", table, ["follow_up_on"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_follow_up_on", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("follow_up_on")
