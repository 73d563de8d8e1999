"""The Telegram chat's conversations in progress (deleted once submitted or expired).

Revision ID: 0011_telegram
Revises: 0010_webhooks
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_telegram"
down_revision: str | None = "0010_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_conversation",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("state_json", sa.String(), nullable=False),
        sa.Column("last_update_id", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_telegram_conversation_expires_at", "telegram_conversation",
                    ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_telegram_conversation_expires_at", table_name="telegram_conversation")
    op.drop_table("telegram_conversation")
