"""An appeal keeps a keyed hash of its applicant's contact and the appeal it repeats, linked
at registration (``cases.repeats``).

Revision ID: 0015_appeal_repeats
Revises: 0014_appeal_claims
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_appeal_repeats"
down_revision: str | None = "0014_appeal_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeal") as batch:
        batch.add_column(sa.Column("applicant_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("repeat_of", sa.String(length=32), nullable=True))
        batch.create_index("ix_appeal_applicant_key", ["applicant_key"])


def downgrade() -> None:
    with op.batch_alter_table("appeal") as batch:
        batch.drop_index("ix_appeal_applicant_key")
        batch.drop_column("repeat_of")
        batch.drop_column("applicant_key")
