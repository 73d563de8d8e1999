"""Appeal tasks are claimed and released like the cases' tasks: who holds each.

Revision ID: 0014_appeal_claims
Revises: 0013_report_mail_outbox
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_appeal_claims"
down_revision: str | None = "0013_report_mail_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeal_step") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appeal_step") as batch:
        batch.drop_column("claimed_by")
