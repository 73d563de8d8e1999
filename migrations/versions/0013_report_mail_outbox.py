"""Mails about periodic reports (¶8, ¶6.1, ¶6.10, monthly control) go through the notice
outbox under the report's id, which is longer than a case number: ``notice.case_id`` widens.

Revision ID: 0013_report_mail_outbox
Revises: 0012_webhook_outbox
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_report_mail_outbox"
down_revision: str | None = "0012_webhook_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.alter_column("case_id", type_=sa.String(length=80),
                           existing_type=sa.String(length=32), existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM notice_attempt WHERE idempotency_key IN "
               "(SELECT idempotency_key FROM notice WHERE length(case_id) > 32)")
    op.execute("DELETE FROM notice WHERE length(case_id) > 32")
    with op.batch_alter_table("notice") as batch:
        batch.alter_column("case_id", type_=sa.String(length=32),
                           existing_type=sa.String(length=80), existing_nullable=False)
