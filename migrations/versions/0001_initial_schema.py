"""The store as first released: intakes, cases and their steps, the notice outbox,
publications, users and API keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = True) -> "sa.Column[datetime]":
    """A timezone-aware timestamp (``store.models.UtcDateTime`` stores UTC in it)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "intake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_ref", sa.String(length=128), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=True),
        _ts("received_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
        sa.UniqueConstraint("channel", "external_ref"),
    )
    op.create_table(
        "case",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("threat_to_life_or_health", sa.Boolean(), nullable=False),
        sa.Column("cohabiting_parent", sa.Boolean(), nullable=False),
        _ts("received_at", nullable=False),
        _ts("opened_at"),
        _ts("closed_at"),
        _ts("first_notice_at"),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("police_finding", sa.String(length=32), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("report_json", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    for column in ("category", "overdue", "received_at", "region", "stage"):
        op.create_index(f"ix_case_{column}", "case", [column])
    op.create_index("ix_case_region_district_stage", "case", ["region", "district", "stage"])
    op.create_table(
        "step",
        sa.Column("id", sa.String(length=140), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("clause", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=16), nullable=True),
        sa.Column("recipient", sa.String(length=32), nullable=True),
        sa.Column("subject_key", sa.String(length=100), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=200), nullable=False),
        _ts("opened_at", nullable=False),
        _ts("due_at"),
        _ts("escalate_at"),
        _ts("reminded_at"),
        _ts("escalated_at"),
        _ts("done_at"),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("outcome_json", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.case_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_step_case", "step", ["case_id", "position"])
    op.create_index("ix_step_inbox", "step", ["region", "status", "assignee", "due_at"])
    op.create_table(
        "notice",
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("step_key", sa.String(length=100), nullable=False),
        sa.Column("clause", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        _ts("created_at", nullable=False),
        _ts("sent_at"),
        sa.PrimaryKeyConstraint("idempotency_key"),
    )
    op.create_index("ix_notice_case_id", "notice", ["case_id"])
    op.create_table(
        "publication",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("step_key", sa.String(length=100), nullable=False),
        sa.Column("clause", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=False),
        _ts("approved_at", nullable=False),
        sa.PrimaryKeyConstraint("case_id", "step_key"),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "apikey",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("channels", sa.String(length=400), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; steps go before the cases they reference.
    for table in ("apikey", "user", "publication", "notice", "step", "case", "intake"):
        op.drop_table(table)
