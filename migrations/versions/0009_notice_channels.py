"""Notices on several channels: the channel a notice goes on and its delivery report on the
``notice`` row (existing rows were all e-mail), and every attempt in ``notice_attempt``.

Revision ID: 0009_notice_channels
Revises: 0008_saved_filters
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_notice_channels"
down_revision: str | None = "0008_saved_filters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=False,
                                   server_default="email"))
        batch.add_column(sa.Column("delivery", sa.String(length=16), nullable=True))
    with op.batch_alter_table("notice") as batch:
        batch.alter_column("channel", server_default=None)
    op.create_table(
        "notice_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=True),
        sa.Column("provider_ids", sa.String(length=200), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
    )
    op.create_index("ix_notice_attempt_idempotency_key", "notice_attempt", ["idempotency_key"])


def downgrade() -> None:
    op.drop_index("ix_notice_attempt_idempotency_key", table_name="notice_attempt")
    op.drop_table("notice_attempt")
    with op.batch_alter_table("notice") as batch:
        batch.drop_column("delivery")
        batch.drop_column("channel")
