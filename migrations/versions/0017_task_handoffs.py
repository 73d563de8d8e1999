"""Task hand-offs: a supervisor's reassignments and the holders' delegations (issue 14), each
recorded for the history, and the delegations in force.

Revision ID: 0017_task_handoffs
Revises: 0016_user_email
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_task_handoffs"
down_revision: str | None = "0016_user_email"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=140), nullable=False),
        sa.Column("work_id", sa.String(length=32), nullable=False),
        sa.Column("step_key", sa.String(length=100), nullable=False),
        sa.Column("clause", sa.String(length=32), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("from_user", sa.String(length=100), nullable=True),
        sa.Column("to_user", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_handoff_work", "task_handoff", ["work_id", "at"])
    op.create_table(
        "task_delegation",
        sa.Column("task_id", sa.String(length=140), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("delegated_by", sa.String(length=100), nullable=False),
        sa.Column("delegate", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("delegated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_json", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("task_id"),
    )
    op.create_index("ix_task_delegation_delegated_by", "task_delegation", ["delegated_by"])


def downgrade() -> None:
    op.drop_table("task_delegation")
    op.drop_table("task_handoff")
