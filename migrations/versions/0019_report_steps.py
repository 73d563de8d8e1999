"""The periodic work's tasks (¶8, ¶6.1, ¶6.10) as ``report_step`` rows: the inbox lists,
claims and reminds them like a case's or an appeal's.

Revision ID: 0019_report_steps
Revises: 0018_follow_up
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_report_steps"
down_revision: str | None = "0018_follow_up"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, *, nullable: bool = True
          ) -> sa.Column:  # type: ignore[type-arg]
    kind = sa.String(length) if length else sa.String()
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "report_step",
        _text("id", 140, nullable=False), _text("report_id", 80, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("key", 100, nullable=False), _text("kind", 32, nullable=False),
        _text("clause", 32, nullable=False), _text("status", 16, nullable=False),
        _text("assignee", 16), _text("subject_key", 100),
        sa.Column("attempt", sa.Integer(), nullable=False),
        _text("region", 32, nullable=False), _text("district", 200, nullable=False),
        _ts("opened_at", nullable=False), _ts("due_at"), _ts("escalate_at"),
        _ts("reminded_at"), _ts("escalated_at"), _ts("done_at"), _text("actor", 100),
        _text("outcome_json"), _text("note"), _text("claimed_by", 100),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_step_inbox", "report_step",
                    ["region", "status", "assignee", "due_at"])
    op.create_index("ix_report_step_report", "report_step", ["report_id", "position"])
    op.create_index("ix_report_step_follow_up_on", "report_step", ["follow_up_on"])


def downgrade() -> None:
    op.drop_table("report_step")
