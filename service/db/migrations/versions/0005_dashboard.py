"""Dashboard: sessions (signed-in browsers, by token hash, with their CSRF token and expiry);
each client's stored reasons and weekly trend beside its stored level (the ranked list reads
them in one query); message indexes for the review queue, corrections and period reports (the
timeline index replaces the plain ``occurred_at`` one, whose queries it serves).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UNREVIEWED_SQL = "direction = 'inbound' AND status = 'done' AND corrected_labels IS NULL"
CORRECTED_SQL = "corrected_labels IS NOT NULL"
"""As in service/db/models.py when this revision was written (a migration never changes)."""

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("risk_reasons", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("risk_trend", sa.JSON(), nullable=True))
    op.create_index(
        "ix_messages_timeline", "messages", ["occurred_at", "direction", "language", "release"]
    )
    op.drop_index("ix_messages_occurred_at", table_name="messages")
    for name, columns, condition in (
        ("ix_messages_unreviewed", ["status", "direction", "occurred_at"], UNREVIEWED_SQL),
        ("ix_messages_corrected", ["occurred_at"], CORRECTED_SQL),
    ):
        op.create_index(
            name,
            "messages",
            columns,
            sqlite_where=sa.text(condition),
            postgresql_where=sa.text(condition),
        )
    op.create_table(
        "dashboard_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "api_key_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_dashboard_sessions_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_dashboard_sessions")),
    )
    op.create_index(
        op.f("ix_dashboard_sessions_api_key_id"),
        "dashboard_sessions",
        ["api_key_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dashboard_sessions_expires_at"),
        "dashboard_sessions",
        ["expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dashboard_sessions_expires_at"), table_name="dashboard_sessions")
    op.drop_index(op.f("ix_dashboard_sessions_api_key_id"), table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
    op.drop_index("ix_messages_corrected", table_name="messages")
    op.drop_index("ix_messages_unreviewed", table_name="messages")
    op.create_index("ix_messages_occurred_at", "messages", ["occurred_at"])
    op.drop_index("ix_messages_timeline", table_name="messages")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("risk_trend")
        batch.drop_column("risk_reasons")
