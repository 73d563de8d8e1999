"""A person's language: the one they last read the pages in, so mail to them (a reminder of a
task they hold, a follow-up) is in it.

Revision ID: 0021_user_language
Revises: 0020_handoff_report_ids
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_user_language"
down_revision: str | None = "0020_handoff_report_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("language", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("language")
