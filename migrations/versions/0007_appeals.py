"""Appeals and complaints (¶6.2): the ``appeal`` table (numbered at intake, idempotent by
(channel, external_ref), projected from its workflow, with the appeal itself and the ¶10 case
it opened) and ``appeal_step``, its steps (the inbox's appeal tasks).

Revision ID: 0007_appeals
Revises: 0006_activity_reports
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_appeals"
down_revision: str | None = "0006_activity_reports"
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
        "appeal",
        sa.Column("id", sa.Integer(), primary_key=True),
        _text("appeal_id", 32), _text("channel", 32, nullable=False),
        _text("external_ref", 128, nullable=False), _text("kind", 16, nullable=False),
        _text("region", 32, nullable=False), _text("district", 200, nullable=False),
        _ts("received_at", nullable=False), _text("taken_by", 140, nullable=False),
        _text("case_id", 32), _text("appeal_json", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _text("stage", 32, nullable=False), _ts("registered_at"), _ts("due_at"),
        sa.Column("overdue", sa.Boolean(), nullable=False), _text("verdict", 16),
        sa.Column("term_met", sa.Boolean()), sa.Column("working_days_late", sa.Integer()),
        _ts("closed_at"),
        sa.UniqueConstraint("channel", "external_ref"),
        sa.UniqueConstraint("appeal_id"),
    )
    op.create_index("ix_appeal_region", "appeal", ["region"])
    op.create_index("ix_appeal_received_at", "appeal", ["received_at"])
    op.create_index("ix_appeal_case_id", "appeal", ["case_id"])
    op.create_index("ix_appeal_region_district_received", "appeal",
                    ["region", "district", "received_at"])
    op.create_table(
        "appeal_step",
        _text("id", 140, nullable=False), _text("appeal_id", 32, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _text("key", 100, nullable=False), _text("kind", 32, nullable=False),
        _text("clause", 32, nullable=False), _text("status", 16, nullable=False),
        _text("assignee", 16), _text("subject_key", 100),
        sa.Column("attempt", sa.Integer(), nullable=False),
        _text("region", 32, nullable=False), _text("district", 200, nullable=False),
        _ts("opened_at", nullable=False), _ts("due_at"), _ts("escalate_at"),
        _ts("reminded_at"), _ts("escalated_at"), _ts("done_at"), _text("actor", 100),
        _text("outcome_json"), _text("note"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_appeal_step_inbox", "appeal_step",
                    ["region", "status", "assignee", "due_at"])
    op.create_index("ix_appeal_step_appeal", "appeal_step", ["appeal_id", "position"])


def downgrade() -> None:
    op.drop_table("appeal_step")
    op.drop_table("appeal")
