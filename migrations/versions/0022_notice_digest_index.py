"""Late notices' escalations held for a digest: an index to find the supervisor's last one and
the ones held.

Revision ID: 0022_notice_digest_index
Revises: 0021_user_language
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_notice_digest_index"
down_revision: str | None = "0021_user_language"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_notice_status_kind_address", "notice",
                    ["status", "kind", "address", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_notice_status_kind_address", table_name="notice")
