"""Each delivery row keeps its event's payload: events are queued by the projection that
records the change (in its transaction) and delivered from the row.

Revision ID: 0012_webhook_outbox
Revises: 0011_telegram
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_webhook_outbox"
down_revision: str | None = "0011_telegram"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_delivery") as batch:
        batch.add_column(sa.Column("payload", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_delivery") as batch:
        batch.drop_column("payload")
