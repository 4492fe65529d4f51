"""Replay tokens: one-time webhook tokens shared by all processes (Mailgun).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 00:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replay_tokens",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_replay_tokens")),
    )
    op.create_index(
        op.f("ix_replay_tokens_expires_at"), "replay_tokens", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_replay_tokens_expires_at"), table_name="replay_tokens")
    op.drop_table("replay_tokens")
